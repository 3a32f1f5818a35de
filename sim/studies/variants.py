"""What the paired-variant studies share: the spec's ``[study]``, ``[scenario]``
and ``[variants.*]`` tables, checked with every problem reported at once.

A paired-variant study (``livesim co-creation``, ``livesim platform-objective``)
runs one world, given as scenario overrides in ``[scenario]``, under a
baseline and other variants, each a table with a ``label`` and ``set``
(scenario overrides of its own), on the same seeds. :func:`read_tables`
applies ``--set`` items and checks the tables' shape; each study reads its
own ``[study]`` fields (:func:`integer_field`, :func:`text_field`), then
:func:`check_variants` checks the world and the variants as scenarios.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.scenario import Scenario

#: scenario sections a variant may not change: the world and its horizon are the study's
WORLD_SECTIONS = ("population", "time")


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    overrides: dict


@dataclass
class SpecTables:
    """The checked tables: ``study`` (its fields, still to be read), the
    world's overrides and the variants; ``problems`` so far."""

    study: dict
    world: dict
    variants: list[Variant]
    variants_given: bool
    problems: list[str]


def sentences(lines: list[str]) -> list[str]:
    """Findings as sentences: each opens with a capital letter (a variant's
    label, which often opens a finding, is written in lower case)."""
    return [t[:1].upper() + t[1:] for t in lines]


def integer_field(study: dict, key: str, low: int, high: int, problems: list[str], default: int) -> int:
    """``study.<key>``, an integer in [low, high] (``default`` when absent)."""
    v = study.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        problems.append(f"study.{key}: expected an integer from {low} to {high}, got {v!r}")
        return default
    if not low <= v <= high:
        problems.append(f"study.{key}: {v} is out of range (allowed: {low} to {high})")
    return v


def text_field(study: dict, key: str, default: str) -> str:
    """``study.<key>`` as text; a value that is not text was reported by :func:`read_tables`."""
    v = study.get(key, default)
    return v if isinstance(v, str) else default


def read_tables(raw: dict, study_fields: set[str], sets: list[tuple[str, Any]] | None = None) -> SpecTables:
    """Apply ``--set`` items to a copy of ``raw`` and check the shape of its
    tables: known sections and ``[study]`` fields (``name``, ``description``,
    ``baseline`` and ``output`` must be text), each variant a table with a
    text ``label`` and a ``set`` table that does not touch the world
    (``population``, ``time``). The study then reads its own ``[study]``
    fields and calls :func:`check_variants`."""
    from sim.sweep.spec import flatten_table

    raw = copy.deepcopy(raw)   # sets and defaults are applied to a copy
    problems: list[str] = [f"{k}: unknown section (allowed: study, scenario, variants)" for k in raw
                           if k not in ("study", "scenario", "variants")]
    study = raw.get("study", {})
    if not isinstance(study, dict):
        problems.append("study: expected a table")
        study = {}
    world_raw = raw.get("scenario", {})
    if not isinstance(world_raw, dict):
        problems.append("scenario: expected a table of scenario overrides")
        world_raw = {}
    world = flatten_table(world_raw)
    variants_raw = raw.get("variants", {})
    for path, value in sets or []:
        head, _, rest = path.partition(".")
        if head == "study" and rest:
            study[rest] = value
        elif head == "variants" and rest:
            vname, _, key = rest.partition(".")
            if key.startswith("set.") and isinstance(variants_raw, dict) and isinstance(variants_raw.get(vname), dict):
                variants_raw[vname].setdefault("set", {})[key[4:]] = value
            else:
                problems.append(f"--set {path}: expected variants.<name>.set.<scenario field> of a variant in the spec")
        else:
            world[path.removeprefix("scenario.")] = value
    problems += [f"study.{k}: unknown field (allowed: {', '.join(sorted(study_fields))})" for k in study
                 if k not in study_fields]
    for key in ("name", "description", "baseline", "output"):
        if key in study and not isinstance(study[key], str):
            problems.append(f"study.{key}: expected text, got {study[key]!r}")
    variants: list[Variant] = []
    given = isinstance(variants_raw, dict) and bool(variants_raw)
    if not given:
        problems.append("variants: give at least the baseline and one other variant, each a table with "
                        "label and set (scenario overrides)")
        variants_raw = {}
    for vname, v in variants_raw.items():
        where = f"variants.{vname}"
        if not isinstance(v, dict):
            problems.append(f"{where}: expected a table with label and set")
            continue
        problems += [f"{where}.{k}: unknown field (allowed: label, set)" for k in v if k not in ("label", "set")]
        label = v.get("label", vname)
        if not isinstance(label, str):
            problems.append(f"{where}.label: expected text, got {label!r}")
            label = vname
        over = v.get("set", {})
        if not isinstance(over, dict):
            problems.append(f"{where}.set: expected a table of scenario overrides, got {over!r}")
            over = {}
        over = flatten_table(over)
        for k in over:
            if k.split(".", 1)[0] in WORLD_SECTIONS:
                problems.append(f"{where}.set.{k}: a variant may not change the world or its horizon "
                                f"({', '.join(WORLD_SECTIONS)}); set it in [scenario] for every variant")
        variants.append(Variant(str(vname), label, over))
    return SpecTables(study, world, variants, given, problems)


def check_variants(tables: SpecTables, baseline: str, *, horizon: str, horizon_overrides: dict | None = None,
                   world_time_fields: tuple[str, ...] = ()) -> None:
    """Check the world and every variant as scenarios (problems added to
    ``tables``): ``[scenario]`` may not set ``time.*`` but ``world_time_fields``
    (``horizon`` names the study fields that set the horizon, for the error);
    the world with ``horizon_overrides`` must validate and every variant's
    overrides on it. A variant that changes nothing, or gives the baseline's
    scenario, is refused (a value typed equal to the default would otherwise
    look like an effect of zero); the baseline may be ``set = {}``. The
    baseline must be one of the variants, and another must be given."""
    problems, variants = tables.problems, tables.variants
    for k in tables.world:
        if k.split(".", 1)[0] == "time" and k not in world_time_fields:
            problems.append(f"scenario.{k}: the horizon is {horizon}; set that instead")
    base_sc = None
    try:
        base_sc = Scenario().with_overrides({**tables.world, **(horizon_overrides or {})})
    except InputError as exc:
        problems += [f"scenario: {p}" for p in exc.problems]
    check = base_sc if base_sc is not None else Scenario()   # (a broken world: check against the default)
    scenarios: dict[str, Scenario] = {}
    no_op: set[str] = set()
    for v in variants:
        if not v.overrides:
            scenarios[v.name] = check
            continue
        try:
            scenarios[v.name] = check.with_overrides(v.overrides)
        except InputError as exc:
            problems += [f"variants.{v.name}.set: {p}" for p in exc.problems]
            continue
        if scenarios[v.name] == check:
            no_op.add(v.name)
            problems.append(f"variants.{v.name}.set: changes nothing (every value equals the base scenario's)")
    if not tables.variants_given:
        return
    names = [v.name for v in variants]
    if baseline not in names:
        problems.append(f"study.baseline: {baseline!r} is not a variant (variants: {', '.join(names)})")
    elif len(variants) < 2:
        problems.append("variants: give at least one variant besides the baseline")
    elif base_sc is not None and baseline in scenarios:
        problems += [f"variants.{n}: the same scenario as the baseline {baseline!r}" for n, sc in scenarios.items()
                     if n != baseline and n not in no_op and sc == scenarios[baseline]]


def add_study_arguments(p, *, kind: str, example: str, variant_example: str) -> None:
    """The command-line arguments of a paired-variant study (``livesim <kind> SPEC``):
    the spec, ``--set``, ``--out``, ``--overwrite``, ``--workers``, ``--dry-run``
    and the progress bar. ``variant_example``: a ``variants.<name>.set.<field>=<value>``
    item of its own spec, for the help."""
    import os

    p.add_argument("spec", metavar="SPEC", help=f"{kind} spec (TOML), e.g. {example}")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="sets",
                   help="override a study field (study.replications=3), a field of the world "
                        f"(population.consumers=20000) or a variant's override ({variant_example}); "
                        "repeatable; values in TOML syntax")
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's study.output); must be new or "
                   f"empty, or an earlier {kind} study with --overwrite")
    p.add_argument("--overwrite", action="store_true", help=f"replace an earlier {kind} study in --out whole")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (default: up to 2)")
    p.add_argument("--dry-run", action="store_true", help="validate the spec and print the plan; run nothing")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None, help="show a progress bar even off a terminal")
    bar.add_argument("--no-progress", action="store_false", dest="progress", help="no progress bar")
