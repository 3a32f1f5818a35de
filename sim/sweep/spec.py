"""The experiment spec: what to vary, how to sample it, what to keep.

A spec is a TOML file validated like a scenario: unknown keys, wrong types,
unknown parameter paths, empty or reversed ranges, unknown samplers, zero
replications and values outside a scenario field's range are all refused
before any run, with one line per problem naming the field. Example::

    [experiment]
    name = "traffic_caps"
    replications = 10
    master_seed = 20240501
    output = "results/traffic_caps"      # relative to the working directory
    # model = "sim.runner:run_scenario"  # the default

    [scenario]                           # the base scenario
    # file = "base.toml"                 # relative to this spec; default: built-in
    population.consumers = 20000         # any scenario field, as overrides

    [design]
    sampler = "grid"                     # grid | lhs | sobol | morris

    [parameters]                         # dotted paths into the scenario
    "traffic.anchor_cap" = { values = [1.0, 0.05, 0.02, 0.01] }
    "traffic.long_tail_reserve" = { values = [0.0, 0.15, 0.3] }

    [keep]
    summary = ["gmv", "top50_gmv_share"] # empty or absent: every measure
    daily = false                        # true, or a list of daily columns

Sampled designs give each parameter a ``range = [low, high]`` and optionally
a distribution ``dist`` (``unif`` default, ``logunif``, ``triang`` with
``peak``, ``truncnorm`` with ``mean`` and ``sd``, and for lhs and sobol only
the unbounded ``norm`` and ``lognorm`` with ``mean`` and ``sd``).

``--set PATH=VALUE`` overrides (see :func:`apply_sets`) address any spec
field (``experiment.replications=2``, ``design.samples=8``,
``parameters.traffic.anchor_cap.values=[1.0,0.02]``, ``keep.daily=true``) or
any field of the base scenario (``population.consumers=500``, also spelled
``scenario.population.consumers=500``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, ScenarioError, read_toml
from sim.scenario import parse_sets as _parse_sets
from sim.scenario import parse_value  # noqa: F401  (re-exported: the --set value syntax)
from sim.scenario import Scenario, field_docs, load_scenario

DEFAULT_MODEL = "sim.runner:run_scenario"
SAMPLERS = ("grid", "lhs", "sobol", "morris")
BOUNDED_DISTS = ("unif", "logunif", "triang", "truncnorm")
DISTS = BOUNDED_DISTS + ("norm", "lognorm")
SPEC_SECTIONS = ("experiment", "scenario", "design", "parameters", "keep")
PARAM_KEYS = ("values", "range", "dist", "peak", "mean", "sd")
RESERVED_COLUMNS = ("point", "replication", "seed", "status", "error")


class SpecError(InputError):
    """An experiment spec (file, table or ``--set``) that does not validate."""


# ------------------------------------------------------------------ the document


class _Strict(BaseModel):
    # strict like the scenario: no bool/number/text conversions
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Experiment(_Strict):
    name: str = Field("sweep", min_length=1, max_length=200, description="a label for the study")
    description: str = Field("", description="what the study asks")
    model: str = Field(DEFAULT_MODEL, description="the model function, 'module:function'")
    replications: int = Field(1, ge=1, le=100_000, description="runs per design point, each with its own seed")
    master_seed: int = Field(0, ge=0, lt=2**63, description="every run seed derives from it")
    common_random_numbers: bool = Field(False, description="replication r uses the same seed at every point")
    output: str | None = Field(None, description="output folder (default results/<name>)")


class Design(_Strict):
    sampler: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int | None = Field(None, ge=1, le=1_000_000,
                                description="lhs: points; sobol: base sample N (a power of 2); morris: trajectories")
    second_order: bool = Field(False, description="sobol: also second-order indices (more runs)")
    levels: int = Field(4, ge=2, le=1000, description="morris: grid levels (even)")


class Parameter(_Strict):
    values: list[bool | int | float | str] | None = Field(None, description="grid: the values to try")
    range: list[float] | None = Field(None, description="samplers: [low, high]")
    dist: Literal["unif", "logunif", "triang", "truncnorm", "norm", "lognorm"] = "unif"
    peak: float | None = Field(None, description="triang: the mode, in the parameter's units")
    mean: float | None = Field(None, description="norm, truncnorm, lognorm (ln-space for lognorm)")
    sd: float | None = Field(None, gt=0.0, description="norm, truncnorm, lognorm (ln-space for lognorm)")


class Keep(_Strict):
    summary: list[str] = Field(default_factory=list, description="summary measures to keep (empty: all)")
    daily: bool | list[str] = Field(False, description="keep the daily series: true for all columns, or a list")


class SpecDoc(_Strict):
    experiment: Experiment = Field(default_factory=Experiment)
    scenario: dict[str, Any] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    parameters: dict[str, Parameter]
    keep: Keep = Field(default_factory=Keep)


# ------------------------------------------------------------- the resolved spec


@dataclass(frozen=True)
class ParamSpec:
    """One varied parameter, checked against the scenario."""

    path: str
    kind: str  # "float", "int", "bool" or "str": the scenario field's type
    values: tuple | None = None
    range: tuple[float, float] | None = None
    dist: str = "unif"
    peak: float | None = None
    mean: float | None = None
    sd: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.values is not None:
            out["values"] = list(self.values)
        if self.range is not None:
            out["range"] = list(self.range)
            out["dist"] = self.dist
        elif self.dist != "unif":
            out["dist"] = self.dist
        for key in ("peak", "mean", "sd"):
            v = getattr(self, key)
            if v is not None:
                out[key] = v
        return out


@dataclass(frozen=True)
class Spec:
    """A validated experiment: the base scenario resolved, the parameters checked."""

    name: str
    description: str
    model: str
    replications: int
    master_seed: int
    common_random_numbers: bool
    output: Path
    sampler: str
    samples: int | None
    second_order: bool
    levels: int
    parameters: dict[str, ParamSpec]
    keep_summary: tuple[str, ...]
    keep_daily: bool | tuple[str, ...]
    base: Scenario
    source: str | None = None

    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    @property
    def wants_daily(self) -> bool:
        return bool(self.keep_daily)

    def to_dict(self, *, scenario_file: str | None = None) -> dict[str, Any]:
        """The spec as a TOML-able table. The base scenario is referenced by
        ``scenario_file`` (it is written out in full next to the spec)."""
        exp: dict[str, Any] = {
            "name": self.name, "description": self.description, "model": self.model,
            "replications": self.replications, "master_seed": self.master_seed,
            "common_random_numbers": self.common_random_numbers, "output": str(self.output),
        }
        design: dict[str, Any] = {"sampler": self.sampler}
        if self.samples is not None:
            design["samples"] = self.samples
        if self.sampler == "sobol":
            design["second_order"] = self.second_order
        if self.sampler == "morris":
            design["levels"] = self.levels
        keep: dict[str, Any] = {"summary": list(self.keep_summary),
                                "daily": self.keep_daily if isinstance(self.keep_daily, bool) else list(self.keep_daily)}
        out: dict[str, Any] = {"experiment": exp, "scenario": {}, "design": design,
                               "parameters": {p.path: p.to_dict() for p in self.parameters.values()},
                               "keep": keep}
        if scenario_file is not None:
            out["scenario"] = {"file": scenario_file}
        return out

    def to_toml(self, *, scenario_file: str = "scenario.toml") -> str:
        return tomli_w.dumps(self.to_dict(scenario_file=scenario_file))

    def fingerprint(self) -> str:
        """A hash of everything that determines the runs' results (not the
        name, description or output folder): resuming requires it unchanged."""
        d = self.to_dict()
        content = {
            "model": self.model, "replications": self.replications, "master_seed": self.master_seed,
            "common_random_numbers": self.common_random_numbers, "design": d["design"],
            "parameters": d["parameters"], "keep": d["keep"],
            "base": self.base.model_dump(mode="json"),
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------- loading


def parse_sets(items: list[str] | None) -> list[tuple[str, Any]]:
    """``["a.b=1", ...]`` -> ``[("a.b", 1), ...]`` by the one ``--set`` parser
    (:func:`sim.scenario.parse_sets`); raises :class:`SpecError`."""
    try:
        return _parse_sets(items, example="experiment.replications=2")
    except ScenarioError as exc:
        raise SpecError(exc.problems) from None


def _scenario_roots() -> set[str]:
    return set(Scenario.model_fields)


def _nest(table: dict, parts: list[str], value: Any) -> None:
    node = table
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value


def apply_sets(raw: dict[str, Any], sets: list[tuple[str, Any]]) -> list[str]:
    """Apply ``--set`` overrides to a raw spec table in place; returns problems.

    ``experiment.X``, ``design.X``, ``keep.X`` set spec fields;
    ``parameters.<scenario path>.<values|range|dist|peak|mean|sd>`` sets a
    varied parameter (adding it if new); ``scenario.file`` the base file;
    ``scenario.<path>`` or a bare scenario path (``population.consumers``)
    overrides a field of the base scenario.
    """
    problems = []
    for path, value in sets:
        head, _, rest = path.partition(".")
        if head in ("experiment", "design", "keep"):
            if not rest or "." in rest:
                problems.append(f"--set {path}: expected {head}.FIELD")
                continue
            section = raw.setdefault(head, {})
            if not isinstance(section, dict):
                problems.append(f"--set {path}: [{head}] is not a table")
                continue
            section[rest] = value
        elif head == "parameters":
            ppath, _, key = rest.rpartition(".")
            if not ppath or key not in PARAM_KEYS:
                problems.append(f"--set {path}: expected parameters.<scenario path>.<{'|'.join(PARAM_KEYS)}>")
                continue
            params = raw.setdefault("parameters", {})
            entry = params.setdefault(ppath, {}) if isinstance(params, dict) else None
            if not isinstance(entry, dict):
                problems.append(f"--set {path}: parameters.{ppath} is not a table")
                continue
            entry[key] = value
        else:
            parts = path.split(".")
            if head == "scenario":
                parts = parts[1:]
            if not parts:
                problems.append(f"--set {path}: expected scenario.FIELD")
                continue
            if parts == ["file"]:
                raw.setdefault("scenario", {})["file"] = value
                continue
            if parts[0] not in _scenario_roots():
                problems.append(
                    f"--set {path}: unknown field; spec fields start with experiment., design., parameters., "
                    f"keep. or scenario., anything else must be a scenario field (see 'livesim scenario show')")
                continue
            scen = raw.setdefault("scenario", {})
            if not isinstance(scen, dict):
                problems.append(f"--set {path}: [scenario] is not a table")
                continue
            _nest(scen, parts, value)
    return problems


def scenario_number(probe: Scenario, path: str, where: str, purpose: str) -> tuple[int | float | None, str | None]:
    """The current value of the scenario field ``path`` of ``probe`` when it is a
    number, else ``(None, problem)``: not a field, or not a number field
    (``purpose`` says what needs a number, e.g. "the hypercube draws numbers")."""
    try:
        current = probe.get(path)
    except ScenarioError as exc:
        return None, f"{where}: not a scenario field ({'; '.join(exc.problems)})"
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return None, f"{where}: {purpose}, but {path} is a {type(current).__name__} field"
    return current, None


def flatten_table(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_table(value, path + "."))
        else:
            out[path] = value
    return out


def pydantic_problems(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "spec"
        typ = err["type"]
        ctx = err.get("ctx") or {}
        given = err.get("input")
        if typ == "extra_forbidden":
            msg = "unknown field"
        elif typ == "missing":
            msg = "missing (required)"
        elif typ == "literal_error":
            msg = f"unknown value {given!r} (allowed: {ctx.get('expected', '')})"
        else:
            msg = err["msg"]
            if not isinstance(given, (dict, list)):
                msg += f", got {given!r}"
        lines.append(f"{loc}: {msg}")
    return lines


def _field_range(path: str) -> str:
    docs = field_docs()
    parts = path.split(".")
    candidates = [path]
    if parts[0] == "categories" and len(parts) == 3:
        candidates.append(f"categories.*.{parts[2]}")
    for c in candidates:
        if c in docs and docs[c]["range"]:
            return docs[c]["range"]
    return ""


def _check_value(base: Scenario, path: str, value: Any, where: str) -> tuple[Any, list[str]]:
    """Validate ``value`` at ``path`` against the scenario; return it as the
    scenario stores it (e.g. an int given for a float field becomes a float)."""
    try:
        return base.with_overrides({path: value}).get(path), []
    except ScenarioError as exc:
        rng = _field_range(path)
        detail = "; ".join(p.split(": ", 1)[-1] for p in exc.problems)
        if rng and "(allowed:" in detail:
            return None, [f"{where}: {value!r} is outside the range of scenario field {path} ({rng})"]
        return None, [f"{where}: {value!r} refused by scenario field {path}: {detail}"]


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def check_model(model: str) -> list[str]:
    """Problems with ``experiment.model`` (see :mod:`sim.sweep.models`: only
    registered models are allowed)."""
    from sim.sweep.models import check_model as _check

    return _check(model)


def _resolve_parameters(doc: SpecDoc, base: Scenario | None) -> tuple[dict[str, ParamSpec], list[str]]:
    problems: list[str] = []
    params: dict[str, ParamSpec] = {}
    sampler = doc.design.sampler
    probe = base if base is not None else Scenario()
    for path, p in doc.parameters.items():
        where = f"parameters.{path}"
        try:
            current = probe.get(path)
        except ScenarioError as exc:
            problems.append(f"{where}: not a scenario field ({'; '.join(exc.problems)})")
            continue
        if isinstance(current, (BaseModel, dict, list)):
            problems.append(f"{where}: {path} is a section of the scenario, not a single value")
            continue
        kind = {bool: "bool", int: "int", float: "float", str: "str"}.get(type(current), "float")
        set_fields = p.model_fields_set
        if sampler == "grid":
            extra = sorted(set_fields & {"range", "dist", "peak", "mean", "sd"})
            if p.values is None:
                problems.append(f"{where}: a grid needs a list of values (values = [...]); "
                                "ranges and distributions are for the lhs, sobol and morris samplers")
                continue
            if extra:
                problems.append(f"{where}: {', '.join(extra)} only apply to sampled designs; a grid uses values")
                continue
            if not p.values:
                problems.append(f"{where}.values: empty list (give at least one value)")
                continue
            checked, errs = [], []
            for v in p.values:
                value, e = _check_value(probe, path, v, f"{where}.values") if base is not None else (v, [])
                errs += e
                checked.append(value)
            seen = set()
            for v in checked if not errs else []:
                if repr(v) in seen:
                    errs.append(f"{where}.values: {v!r} appears twice")
                seen.add(repr(v))
            problems += errs
            params[path] = ParamSpec(path, kind, values=tuple(checked))
            continue

        # sampled designs
        if p.values is not None:
            problems.append(f"{where}: the {sampler} sampler draws from a range; give range = [low, high] "
                            "(value lists are for grid designs)")
            continue
        if kind not in ("int", "float"):
            problems.append(f"{where}: the {sampler} sampler draws numbers, but {path} is a {kind} field")
            continue
        dist = p.dist
        if sampler == "morris" and dist not in BOUNDED_DISTS:
            problems.append(f"{where}.dist: morris designs need a bounded distribution "
                            f"({', '.join(BOUNDED_DISTS)}), got {dist!r}")
            continue
        needs_range = dist in BOUNDED_DISTS
        lo = hi = None
        if needs_range:
            if p.range is None:
                problems.append(f"{where}: missing range = [low, high] (needed by dist = {dist!r})")
                continue
            if len(p.range) != 2:
                problems.append(f"{where}.range: expected [low, high], got {p.range!r}")
                continue
            lo, hi = float(p.range[0]), float(p.range[1])
            if not lo < hi:
                problems.append(f"{where}.range: empty or reversed range [{p.range[0]}, {p.range[1]}] "
                                "(low must be below high)")
                continue
            if base is not None:
                for end, label in ((lo, "low"), (hi, "high")):
                    _, errs = _check_value(probe, path, int(round(end)) if kind == "int" else end,
                                           f"{where}.range ({label} end)")
                    problems += errs
        elif p.range is not None:
            problems.append(f"{where}.range: dist = {dist!r} is unbounded and takes mean and sd, not a range")
            continue
        if dist == "logunif" and lo is not None and lo <= 0:
            problems.append(f"{where}.range: logunif needs a positive low end, got {lo}")
        if dist == "triang":
            if p.peak is None:
                problems.append(f"{where}: dist = 'triang' needs peak (the mode, inside the range)")
            elif not lo <= p.peak <= hi:
                problems.append(f"{where}.peak: {p.peak} is outside the range [{lo}, {hi}]")
        elif p.peak is not None:
            problems.append(f"{where}.peak: only for dist = 'triang'")
        if dist in ("norm", "truncnorm", "lognorm"):
            if p.mean is None or p.sd is None:
                problems.append(f"{where}: dist = {dist!r} needs mean and sd")
        elif p.mean is not None or p.sd is not None:
            problems.append(f"{where}: mean and sd only apply to norm, truncnorm and lognorm")
        params[path] = ParamSpec(path, kind, range=(lo, hi) if lo is not None else None, dist=dist,
                                 peak=p.peak, mean=p.mean, sd=p.sd)
    return params, problems


def spec_from_dict(raw: dict[str, Any], *, source: str | None = None, base_dir: Path | None = None,
                   sets: list[tuple[str, Any]] | None = None, check_model_import: bool = True) -> Spec:
    """Validate a raw spec table (as read from TOML) into a :class:`Spec`.

    All problems are collected and raised together as one :class:`SpecError`.
    """
    raw = copy.deepcopy(raw)
    problems = apply_sets(raw, sets or [])
    try:
        doc = SpecDoc.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(problems + pydantic_problems(exc), source=source) from None

    # the base scenario: a file (relative to the spec) plus overrides
    scen = dict(doc.scenario)
    file = scen.pop("file", None)
    overrides = flatten_table(scen)
    base: Scenario | None = None
    scenario_file = None
    if file is not None and not isinstance(file, str):
        problems.append(f"scenario.file: expected a path, got {file!r}")
    else:
        if file is not None:
            scenario_file = Path(file)
            if not scenario_file.is_absolute() and base_dir is not None:
                scenario_file = base_dir / scenario_file
        try:
            base = load_scenario(scenario_file, overrides or None)
        except ScenarioError as exc:
            where = f"scenario ({exc.source})" if exc.source else "scenario"
            problems += [f"{where}: {p}" for p in exc.problems]
    for path in overrides:
        if path in doc.parameters:
            problems.append(f"scenario.{path}: {path} is varied by the design; change "
                            f"parameters.{path} instead of the base scenario")

    params, param_problems = _resolve_parameters(doc, base)
    problems += param_problems

    d = doc.design
    sampler = d.sampler
    if not doc.parameters and sampler != "grid":
        problems.append(f"parameters: the {sampler} sampler needs at least one parameter with a range")
    if sampler == "grid":
        if d.samples is not None:
            problems.append("design.samples: does not apply to a grid (its size comes from the value lists)")
        if d.second_order or d.levels != Design.model_fields["levels"].default:
            problems.append("design.second_order and design.levels do not apply to a grid")
    else:
        if d.samples is None:
            what = {"lhs": "the number of points", "sobol": "the base sample N (a power of 2)",
                    "morris": "the number of trajectories"}[sampler]
            problems.append(f"design.samples: missing; the {sampler} sampler needs {what}")
        if sampler == "sobol" and d.samples is not None and not _is_power_of_two(d.samples):
            problems.append(f"design.samples: the sobol sampler needs a power of 2 (Sobol' sequences lose "
                            f"their balance otherwise), got {d.samples}")
        if sampler == "sobol" and d.second_order and len(doc.parameters) < 2:
            problems.append("design.second_order: needs at least two parameters")
        if sampler != "sobol" and d.second_order:
            problems.append("design.second_order: only applies to the sobol sampler")
        if sampler == "morris" and d.levels % 2:
            problems.append(f"design.levels: morris needs an even number of levels, got {d.levels}")
        if sampler != "morris" and d.levels != Design.model_fields["levels"].default:
            problems.append("design.levels: only applies to the morris sampler")

    keep = doc.keep
    for label, names in (("keep.summary", keep.summary),
                         ("keep.daily", keep.daily if isinstance(keep.daily, list) else [])):
        seen = set()
        for n in names:
            if not n:
                problems.append(f"{label}: empty measure name")
            elif n in seen:
                problems.append(f"{label}: {n!r} listed twice")
            elif label == "keep.summary" and n in RESERVED_COLUMNS:
                problems.append(f"{label}: {n!r} is a reserved column name ({', '.join(RESERVED_COLUMNS)})")
            seen.add(n)
    if isinstance(keep.daily, list) and not keep.daily:
        problems.append("keep.daily: empty list (use false to keep no daily series, true for all columns)")

    exp = doc.experiment
    if check_model_import:
        model_problems = check_model(exp.model)
        problems += model_problems
        if not model_problems:
            problems += _check_kept(exp.model, keep)

    n_points = _points_of(doc)
    if n_points is not None and n_points > MAX_POINTS:
        problems.append(f"design: {n_points:,} design points (allowed: at most {MAX_POINTS:,}, which are checked "
                        "and listed in seconds; lower design.samples or the value lists)")
    elif n_points is not None and n_points * exp.replications > MAX_RUNS:
        problems.append(f"design: {n_points:,} points x {exp.replications} replications = "
                        f"{n_points * exp.replications:,} runs (allowed: at most {MAX_RUNS:,} runs in one sweep; "
                        "split the study or lower design.samples or experiment.replications)")

    if problems:
        raise SpecError(problems, source=source)
    assert base is not None
    output = Path(exp.output) if exp.output else Path("results") / exp.name
    return Spec(
        name=exp.name, description=exp.description, model=exp.model, replications=exp.replications,
        master_seed=exp.master_seed, common_random_numbers=exp.common_random_numbers, output=output,
        sampler=sampler, samples=d.samples, second_order=d.second_order, levels=d.levels,
        parameters=params, keep_summary=tuple(keep.summary),
        keep_daily=keep.daily if isinstance(keep.daily, bool) else tuple(keep.daily),
        base=base, source=source,
    )


MAX_POINTS = 100_000  # every point is validated before any run: about 10 s at this bound
MAX_RUNS = 1_000_000  # runs planned (points x replications): a bound the store and the dry run handle


def _points_of(doc: SpecDoc) -> int | None:
    """Design points the document asks for (before validation of values)."""
    d, k = doc.design, len(doc.parameters)
    if d.sampler == "grid":
        return math.prod(len(p.values or ()) for p in doc.parameters.values())
    if d.samples is None:
        return None
    return {"lhs": d.samples, "sobol": d.samples * (2 * k + 2 if d.second_order else k + 2),
            "morris": d.samples * (k + 1)}[d.sampler]


def _check_kept(model: str, keep: Keep) -> list[str]:
    """``keep.summary`` names checked against the measures the model declares."""
    from sim.sweep.models import summary_measures

    known = summary_measures(model)
    if known is None:
        return []
    unknown = [m for m in keep.summary if m not in known]
    if not unknown:
        return []
    return [f"keep.summary: unknown measure(s) {', '.join(map(repr, unknown))} of {model} "
            f"(allowed: {', '.join(known)}; see docs/measures.md)"]


def load_spec(path: str | Path, sets: list[str] | list[tuple[str, Any]] | None = None, *,
              check_model_import: bool = True) -> Spec:
    """Read and validate a spec file; ``sets`` are ``--set`` overrides
    (``"PATH=VALUE"`` strings or ``(path, value)`` pairs)."""
    p = Path(path)
    raw = read_toml(p, SpecError)
    pairs = parse_sets(sets) if sets and isinstance(sets[0], str) else list(sets or [])
    return spec_from_dict(raw, source=str(p), base_dir=p.parent, sets=pairs,
                          check_model_import=check_model_import)


def n_points_hint(spec: Spec) -> int:
    """The number of design points the spec asks for."""
    d = len(spec.parameters)
    if spec.sampler == "grid":
        return math.prod(len(p.values or ()) for p in spec.parameters.values())
    n = spec.samples or 0
    if spec.sampler == "lhs":
        return n
    if spec.sampler == "sobol":
        return n * (2 * d + 2 if spec.second_order else d + 2)
    return n * (d + 1)  # morris
