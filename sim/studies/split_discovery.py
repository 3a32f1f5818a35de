"""Where do split rules leave the core? The split-discovery study.

``experiments/split_discovery.toml`` names a Latin hypercube over the traffic
levers, the synergy levers, the outside options (the standalone channels that
decide every core verdict) and the shock scenarios (a categorical input,
stratified inside the hypercube: equal numbers of points per shock). Each
run plays the one-shot coalition game of its world (:func:`run_split_verdicts`:
the 7 coalition forks over a window after a warm-up, the shock inside the
window) and reports every split rule's core verdict, ``in_core_<rule>``, with
its largest excess. :func:`run_study` runs the design on the sweep engine
(serial, processes, Dask; resumable; progress shown); :func:`rule_regions`
runs PRIM (:mod:`sim.studies.discover`) for the condition
``in_core_<rule> == 0`` of each rule and names the regions where it leaves
the core. On the command line::

    python -m sim.studies.split_discovery experiments/split_discovery.toml [--samples N] [--workers N]
    livesim discover results/split_discovery --where "in_core_shapley == 0"
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.coalition.game import RULES
from sim.errors import InputError, ScenarioError, read_toml
from sim.runner import RunResult
from sim.scenario import Scenario, load_scenario
from sim.sweep.spec import SpecError, flatten_table, pydantic_problems, scenario_number

MODEL = "sim.studies.split_discovery:run_split_verdicts"
STUDY_STREAM = 2**32 - 4  # spawn key of the design's stream

#: what :func:`run_split_verdicts` reports (a sweep's ``keep.summary`` may name these)
MEASURES = ("v_grand", "core_empty", "least_core_epsilon", "theta_emergent",
            *(f"{k}_{rule}" for rule in RULES for k in ("in_core", "max_excess")))


def _rules() -> tuple[str, ...]:
    from sim.coalition.game import RULES

    return RULES


def run_split_verdicts(scenario: Scenario | None = None, seed: int = 0, *, keep_daily: bool = False,
                       progress: bool = False, days: int | None = None) -> RunResult:
    """One world's one-shot game (roles: platform, supplier, anchor) under the
    scenario's ``coalition.shock``: for every split rule, 1.0 if its split of
    the mean game is in the core (0.0 if not, NaN if the rule is undefined
    for this game) and its largest excess as a share of v(N); whether the
    core is empty, the least-core epsilon and theta_emergent."""
    from sim.coalition.game import estimate_game
    from sim.studies.split_stability import with_shock
    from sim.games import GameError

    sc = with_shock(scenario if scenario is not None else Scenario())
    est = estimate_game(sc, "roles", seed=seed, replications=1)
    g = est.game()
    v_n = float(est.worths.mean(axis=0)[-1])
    out: dict[str, float] = {"v_grand": v_n, "core_empty": float(g.core_is_empty()),
                             "least_core_epsilon": float(g.least_core().epsilon),
                             "theta_emergent": est.theta_emergent()}
    for rule in _rules():
        try:
            x = est.allocation(rule)
        except GameError:
            out[f"in_core_{rule}"] = float("nan")
            out[f"max_excess_{rule}"] = float("nan")
            continue
        out[f"in_core_{rule}"] = float(g.in_core(x))
        out[f"max_excess_{rule}"] = float(g.max_excess(x) / abs(v_n)) if v_n else float("nan")
    return RunResult(summary=out)


# ------------------------------------------------------------------ the study


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Study(_Strict):
    name: str = Field("split_discovery", min_length=1)
    description: str = ""
    samples: int = Field(100, ge=2, le=1_000_000, description="Latin-hypercube points")
    replications: int = Field(1, ge=1, le=1000)
    master_seed: int = Field(0, ge=0, lt=2**63)
    output: str | None = None
    shocks: list[str] = Field(default_factory=lambda: ["none"], description="shock scenarios, stratified")


class _Doc(_Strict):
    study: _Study = Field(default_factory=_Study)
    scenario: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, list[float]]


@dataclass(frozen=True)
class Study:
    name: str
    description: str
    samples: int
    replications: int
    master_seed: int
    output: Path
    base: Scenario
    parameters: dict[str, tuple[float, float]]
    kinds: dict[str, str]
    shocks: tuple[str, ...]


def study_from_dict(raw: dict, *, source: str | None = None, base_dir: Path | None = None,
                    overrides: dict[str, Any] | None = None) -> Study:
    """Validate the study's table; problems are raised together, naming the field."""
    from sim.studies.split_stability import SHOCKS

    raw = dict(raw)
    if overrides:
        raw["study"] = {**raw.get("study", {}), **overrides}
    try:
        doc = _Doc.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(pydantic_problems(exc), source=source) from None
    problems = []
    scen = dict(doc.scenario)
    file = scen.pop("file", None)
    base = None
    try:
        path = None if file is None else (Path(file) if Path(file).is_absolute() or base_dir is None
                                          else base_dir / file)
        base = load_scenario(path, flatten_table(scen) or None)
    except ScenarioError as exc:
        problems += [f"scenario: {p}" for p in exc.problems]
    probe = base or Scenario()
    params, kinds = {}, {}
    for p, rng in doc.parameters.items():
        where = f"parameters.{p}"
        cur, problem = scenario_number(probe, p, where, "the hypercube draws numbers")
        if problem:
            problems.append(problem)
            continue
        if len(rng) != 2 or not rng[0] < rng[1]:
            problems.append(f"{where}: expected [low, high] with low below high, got {rng}")
            continue
        kind = "int" if isinstance(cur, int) else "float"
        for end in rng:
            try:
                probe.with_overrides({p: int(round(end)) if kind == "int" else float(end)})
            except ScenarioError as exc:
                problems.append(f"{where}: {end} " + "; ".join(q.split(": ", 1)[-1] for q in exc.problems))
        params[p], kinds[p] = (float(rng[0]), float(rng[1])), kind
    if not doc.study.shocks:
        problems.append("study.shocks: give at least one shock scenario (\"none\" for no shock)")
    for s in doc.study.shocks:
        if s not in SHOCKS:
            problems.append(f"study.shocks: unknown shock scenario {s!r} (known: {', '.join(SHOCKS)})")
    if len(set(doc.study.shocks)) != len(doc.study.shocks):
        problems.append("study.shocks: a shock is listed twice")
    if "coalition.shock" in doc.parameters:
        problems.append("parameters.coalition.shock: the shocks are listed in study.shocks, not as a range")
    if problems:
        raise SpecError(problems, source=source)
    st = doc.study
    return Study(st.name, st.description, st.samples, st.replications, st.master_seed,
                 Path(st.output) if st.output else Path("results") / st.name, base, params, kinds,
                 tuple(doc.study.shocks))


def load_study(path: str | Path, **overrides) -> Study:
    p = Path(path)
    return study_from_dict(read_toml(p, SpecError), source=str(p), base_dir=p.parent,
                           overrides={k: v for k, v in overrides.items() if v is not None})


def design(study: Study) -> pd.DataFrame:
    """The Latin hypercube: one column per parameter, plus ``coalition.shock``
    stratified (point i's shock from one more hypercube column, so each shock
    gets samples / len(shocks) points)."""
    rng = np.random.default_rng(np.random.SeedSequence(study.master_seed, spawn_key=(STUDY_STREAM,)))
    d = len(study.parameters) + 1
    n = study.samples
    u = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
    cols = {}
    for j, (p, (lo, hi)) in enumerate(study.parameters.items()):
        x = lo + u[:, j] * (hi - lo)
        cols[p] = np.rint(x).astype(np.int64) if study.kinds[p] == "int" else x
    k = np.minimum((u[:, -1] * len(study.shocks)).astype(int), len(study.shocks) - 1)
    cols["coalition.shock"] = [study.shocks[i] for i in k]
    return pd.DataFrame(cols)


def run_study(study: Study, *, executor_factory=None, out: str | Path | None = None,
              progress: bool | None = None) -> pd.DataFrame:
    """Run (or resume) the study; returns its runs table."""
    from sim.studies.points import run_points
    from sim.sweep.executors import ProcessExecutor

    out = Path(out) if out is not None else study.output
    return run_points(study.name, study.base, design(study), out, replications=study.replications,
                      master_seed=study.master_seed, model=MODEL, progress=progress,
                      executor_factory=executor_factory or (lambda: ProcessExecutor()),
                      description=study.description or "split rules' core verdicts over a Latin hypercube")


def verdict_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: runs where it is defined, the share in the core with its
    Wilson interval, per shock as well."""
    from sim.sweep.analyze import confidence_interval

    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    rows = []
    for rule in _rules():
        col = f"in_core_{rule}"
        if col not in ok:
            continue
        for shock, g in [("all", ok)] + list(ok.groupby("coalition.shock", sort=True)):
            ci = confidence_interval(g[col].to_numpy(dtype=float), kind="share")
            rows.append({"rule": rule, "shock": shock, "runs": ci["n"], "share_in_core": ci["mean"],
                         "low": ci["ci_low"], "high": ci["ci_high"]})
    return pd.DataFrame(rows)


def rule_regions(runs: pd.DataFrame, inputs: list[str], *, alpha: float = 0.05,
                 min_mass: float = 0.05) -> pd.DataFrame:
    """For each rule, PRIM's box for ``in_core_<rule> == 0``: one row per
    restricted input (limits, quasi-p-value) with the box's coverage and
    density, or one row saying the rule never (or always) leaves the core."""
    from sim.studies.discover import discover_table

    rows = []
    for rule in _rules():
        col = f"in_core_{rule}"
        if col not in runs:
            continue
        sub = runs[runs[col].notna()]
        (d,) = discover_table(sub, inputs, f"{col} == 0", alpha=alpha, min_mass=min_mass)
        if d.prim is None:
            rows.append({"rule": rule, "runs": d.n, "outside_core": d.n_interest, "input": None, "note": d.note})
            continue
        s = d.prim.stats
        lim = d.prim.limits[d.prim.limits["restricted"]]
        if lim.empty:
            rows.append({"rule": rule, "runs": d.n, "outside_core": d.n_interest, "coverage": s["coverage"],
                         "density": s["density"], "input": None,
                         "note": "no region: leaving the core does not depend on the inputs"})
        for r in lim.itertuples(index=False):
            rows.append({"rule": rule, "runs": d.n, "outside_core": d.n_interest, "coverage": s["coverage"],
                         "density": s["density"], "base_density": s["base_density"], "input": r.input,
                         "low": r.low, "high": r.high, "values": r.values, "full_low": r.full_low,
                         "full_high": r.full_high, "qp_value": r.qp_value, "note": ""})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    from sim.sweep.executors import ProcessExecutor, SerialExecutor

    ap = argparse.ArgumentParser(prog="python -m sim.studies.split_discovery", description=__doc__.splitlines()[0])
    ap.add_argument("spec")
    ap.add_argument("--samples", type=int, help="override study.samples (a reduced run)")
    ap.add_argument("--out")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--serial", action="store_true")
    args = ap.parse_args(argv)
    try:
        study = load_study(args.spec, samples=args.samples)
        out = Path(args.out) if args.out else study.output
        factory = SerialExecutor if args.serial else (lambda: ProcessExecutor(args.workers))
        t0 = time.perf_counter()
        runs = run_study(study, executor_factory=factory, out=out, progress=True)
    except InputError as exc:
        print(f"split_discovery: {exc}", file=sys.stderr)
        return 2
    print(f"{len(runs)} runs in {time.perf_counter() - t0:.1f} s")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(verdict_table(runs).to_string(index=False))
        print(rule_regions(runs, [*study.parameters, "coalition.shock"]).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
