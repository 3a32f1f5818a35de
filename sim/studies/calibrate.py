"""Calibration: fit scenario parameters to target moments on the sweep engine.

``livesim calibrate SPEC`` reads a TOML spec (see :func:`load_calibration`)::

    [calibration]
    name = "facts_small"
    output = "results/calibrate_facts"
    replications = 3              # runs per point, common random numbers
    master_seed = 7

    [scenario]                    # the base scenario (file and overrides)
    population.consumers = 3000

    [parameters]                  # what to fit: scenario paths with bounds
    "purchase.intercept" = { range = [-6.5, -4.0] }

    [targets]
    facts = ["F3", "F4", "F6"]    # FACTS rows by id (sim.studies.validate.FACTS) ...
    # file = "moments.csv"        # ... or the user's moments: measure,value,se and/or measure,low,high
    held_out = ["F1", "F2"]       # facts not fitted, predicted and compared with their bands

    [loss]
    kind = "msm"                  # method of simulated moments, or "bands" (distance to the bands)
    weights = "diagonal"          # msm: W = diag(1/se^2); "identity"; or a matrix [[...], ...]

    [search]
    method = "abc-smc"            # ABC-SMC (posterior sample) or "lhs" (one Latin hypercube)
    population = 40               # particles per generation (lhs: the points)
    generations = 4
    quantile = 0.5                # next tolerance: this quantile of the population's distances
    budget = 600                  # most points evaluated in all

    [uncertainty]
    method = "posterior"          # abc-smc: the weighted posterior sample; or "bootstrap"
    level = 0.95

The method. A point's simulated moments are the means over its
replications (seeds shared by every point: common random numbers, so two
points differ by their parameters, not their luck). The MSM loss is
``g' W g`` with ``g`` the simulated minus the target moments; a FACTS band
stands for a target at its midpoint with a standard error of a quarter of
its width (the band read as a 95% interval). The band loss is the sum of
squared distances outside each band in units of its width (0 inside).

ABC-SMC (Toni et al. 2009; Beaumont et al. 2009, as pyabc implements it):
generation 0 is a Latin hypercube over the bounds (the uniform prior);
each later generation's tolerance is a quantile of the previous
population's distances, and proposals are drawn from that population by
weight and moved by a Gaussian kernel with twice its weighted variance,
truncated to the bounds; accepted particles get the importance weight
prior / sum_j w_j K(theta | theta_j). Every batch of proposals is one sweep
folder (``DIR/batches/gGG-bBB``) run by the engine, so a calibration runs
serially, on local processes or Dask, is resumable batch by batch, and
gives the same numbers however it was executed: proposals come from a
random stream of the master seed keyed by generation and batch, and depend
only on the results before them.

What is written into the output folder: ``evaluations.parquet`` (every
point: parameters, simulated moments, loss, generation, acceptance),
``runs.parquet`` (every run), ``posterior.parquet`` (abc-smc),
``fit.csv`` (every target and held-out fact at the best point, with
intervals from extra confirmation runs), ``profiles.csv`` and
``profiles.png`` (identifiability), ``posterior.png``, ``calibration.json``
and ``report.md``.

Bad specs are refused before any run (:class:`CalibrationSpecError`, exit
code 2, one line per problem naming the field).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError, ScenarioError, read_toml
from sim.scenario import Scenario, load_scenario
from sim.sweep.spec import DEFAULT_MODEL, SpecError, pydantic_problems, check_model, parse_sets

CALIBRATION_STREAM = 2**32 - 3  # spawn key of the proposals' stream (runs and designs use others)
FORMAT = "livesim-calibration/1"


class CalibrationSpecError(SpecError):
    """A calibration spec that does not validate."""


# ------------------------------------------------------------------ the document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Calibration(_Strict):
    name: str = Field("calibration", min_length=1, max_length=200)
    description: str = ""
    output: str | None = None
    model: str = DEFAULT_MODEL
    replications: int = Field(3, ge=1, le=10_000, description="runs per point (common random numbers)")
    confirm_replications: int | None = Field(None, ge=2, le=10_000,
                                             description="runs at the best point for the fit table (default 2x)")
    master_seed: int = Field(0, ge=0, lt=2**63)


class _Param(_Strict):
    range: list[float]


class _Targets(_Strict):
    facts: list[str] = Field(default_factory=list)
    file: str | None = None
    held_out: list[str] = Field(default_factory=list)


class _Loss(_Strict):
    kind: Literal["msm", "bands"] = "msm"
    weights: Literal["diagonal", "identity"] | list[list[float]] = "diagonal"


class _Search(_Strict):
    method: Literal["abc-smc", "lhs"] = "abc-smc"
    population: int = Field(40, ge=4, le=100_000)
    generations: int = Field(4, ge=1, le=100)
    quantile: float = Field(0.5, gt=0.0, lt=1.0)
    budget: int | None = Field(None, ge=4, le=10_000_000, description="most points evaluated in all")


class _Uncertainty(_Strict):
    method: Literal["posterior", "bootstrap"] | None = None
    level: float = Field(0.95, gt=0.0, lt=1.0)
    resamples: int = Field(500, ge=50, le=100_000)


class _Doc(_Strict):
    calibration: _Calibration = Field(default_factory=_Calibration)
    scenario: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, _Param]
    targets: _Targets
    loss: _Loss = Field(default_factory=_Loss)
    search: _Search = Field(default_factory=_Search)
    uncertainty: _Uncertainty = Field(default_factory=_Uncertainty)


# ------------------------------------------------------------- the resolved spec


@dataclass(frozen=True)
class Target:
    """One moment to fit or to predict."""

    name: str  # the fact id, or the measure for a user's moment
    measure: str
    value: float | None = None
    se: float | None = None
    low: float | None = None
    high: float | None = None
    description: str = ""

    @property
    def has_band(self) -> bool:
        return self.low is not None and self.high is not None

    def distance(self, m: float) -> float:
        """How far ``m`` lands outside the band (0 inside; NaN without a band)."""
        if not self.has_band:
            return float("nan")
        return float(max(0.0, self.low - m, m - self.high))


@dataclass(frozen=True)
class Calibration:
    name: str
    description: str
    output: Path
    model: str
    replications: int
    confirm_replications: int
    master_seed: int
    base: Scenario
    parameters: dict[str, tuple[float, float]]
    kinds: dict[str, str]
    targets: tuple[Target, ...]
    held_out: tuple[Target, ...]
    loss: str
    weights: np.ndarray
    weight_kind: str
    method: str
    population: int
    generations: int
    quantile: float
    budget: int
    uncertainty: str
    level: float
    resamples: int
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    source: str | None = None

    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    @property
    def measures(self) -> list[str]:
        return sorted({t.measure for t in self.targets + self.held_out})

    def fingerprint(self) -> str:
        """What determines the results (not the name, description or output)."""
        content = {
            "format": FORMAT, "model": self.model, "replications": self.replications,
            "confirm": self.confirm_replications, "seed": self.master_seed,
            "base": self.base.model_dump(mode="json"), "parameters": self.parameters,
            "targets": [t.__dict__ for t in self.targets], "held_out": [t.__dict__ for t in self.held_out],
            "loss": self.loss, "weights": self.weights.tolist(), "method": self.method,
            "population": self.population, "generations": self.generations, "quantile": self.quantile,
            "budget": self.budget, "uncertainty": self.uncertainty, "level": self.level,
            "resamples": self.resamples,
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _measure_names(base: Scenario) -> set[str]:
    from sim.measures import SUMMARY_MEASURES

    names = {m for m in SUMMARY_MEASURES if "<" not in m}
    names |= {f"return_rate_{c}" for c in base.categories}
    return names


def _fact_targets(ids: list[str], where: str, problems: list[str]) -> list[Target]:
    from sim.studies.validate import FACTS

    by_id = {f.id: f for f in FACTS}
    out = []
    for i in ids:
        f = by_id.get(i)
        if f is None:
            problems.append(f"{where}: unknown fact {i!r} (known: {', '.join(by_id)}; the paired facts F12-F18 "
                            "are effects of levers and cannot be calibration targets)")
            continue
        # the band read as a 95% interval: midpoint, standard error a quarter of its width; a one-sided
        # band ("at least 15%", high = 1) has no midpoint to aim at
        one_sided = f.one_sided
        out.append(Target(f.id, f.measure, value=None if one_sided else (f.low + f.high) / 2,
                          se=None if one_sided else (f.high - f.low) / 4, low=f.low, high=f.high,
                          description=f.description))
    return out


def _csv_targets(path: Path, problems: list[str]) -> list[Target]:
    where = f"targets.file ({path})"
    if not path.is_file():
        problems.append(f"{where}: no such file")
        return []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
            columns = set(rows[0]) if rows else set()
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(f"{where}: unreadable ({exc})")
        return []
    if not rows:
        problems.append(f"{where}: no rows (expected a header measure,value,se and/or measure,low,high)")
        return []
    allowed = {"measure", "value", "se", "low", "high", "description"}
    if "measure" not in columns or not ({"value", "se"} <= columns or {"low", "high"} <= columns):
        problems.append(f"{where}: needs the columns measure and value,se (for msm) and/or low,high (for bands); "
                        f"has {', '.join(sorted(columns))}")
        return []
    extra = columns - allowed
    if extra:
        problems.append(f"{where}: unknown column(s) {', '.join(sorted(extra))} (allowed: {', '.join(sorted(allowed))})")
    out = []
    for k, row in enumerate(rows, start=2):
        vals: dict[str, float | None] = {}
        for c in ("value", "se", "low", "high"):
            raw = (row.get(c) or "").strip()
            if not raw:
                vals[c] = None
                continue
            try:
                vals[c] = float(raw)
            except ValueError:
                problems.append(f"{where} line {k}: {c} = {raw!r} is not a number")
                vals[c] = None
                continue
            if not math.isfinite(vals[c]):
                problems.append(f"{where} line {k}: {c} = {raw!r} is not finite")
        if vals["se"] is not None and not vals["se"] > 0:
            problems.append(f"{where} line {k}: se must be positive, got {vals['se']}")
        if vals["low"] is not None and vals["high"] is not None and not vals["low"] < vals["high"]:
            problems.append(f"{where} line {k}: empty or reversed band [{vals['low']}, {vals['high']}]")
        m = (row.get("measure") or "").strip()
        out.append(Target(m, m, value=vals["value"], se=vals["se"], low=vals["low"], high=vals["high"],
                          description=(row.get("description") or "").strip()))
    return out


def _apply_sets(raw: dict, sets: list[tuple[str, Any]]) -> None:
    for path, value in sets:
        head, _, rest = path.partition(".")
        if head == "parameters":  # parameters.<scenario path>.range
            ppath, _, key = rest.rpartition(".")
            raw.setdefault("parameters", {}).setdefault(ppath, {})[key] = value
        elif head in ("calibration", "targets", "loss", "search", "uncertainty"):
            raw.setdefault(head, {})[rest] = value
        else:
            parts = path.split(".")[1:] if head == "scenario" else path.split(".")
            node = raw.setdefault("scenario", {})
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = value


def calibration_from_dict(raw: dict[str, Any], *, source: str | None = None, base_dir: Path | None = None,
                          sets: list[tuple[str, Any]] | None = None) -> Calibration:
    """Validate a raw spec table into a :class:`Calibration`; every problem is
    collected and raised together, naming its field."""
    from sim.sweep.spec import flatten_table, scenario_number

    raw = copy.deepcopy(raw)
    _apply_sets(raw, sets or [])
    try:
        doc = _Doc.model_validate(raw)
    except ValidationError as exc:
        raise CalibrationSpecError(pydantic_problems(exc), source=source) from None
    problems: list[str] = []
    scen = dict(doc.scenario)
    file = scen.pop("file", None)
    base: Scenario | None = None
    try:
        path = None
        if file is not None:
            path = Path(file)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
        base = load_scenario(path, flatten_table(scen) or None)
    except ScenarioError as exc:
        problems += [f"scenario: {p}" for p in exc.problems]
    probe = base or Scenario()

    params: dict[str, tuple[float, float]] = {}
    kinds: dict[str, str] = {}
    if not doc.parameters:
        problems.append("parameters: give at least one parameter to fit, e.g. \"purchase.intercept\" = "
                        "{ range = [-6.5, -4.0] }")
    for p, spec in doc.parameters.items():
        where = f"parameters.{p}"
        current, problem = scenario_number(probe, p, where, "calibration fits numbers")
        if problem:
            problems.append(problem)
            continue
        if len(spec.range) != 2:
            problems.append(f"{where}.range: expected [low, high], got {spec.range}")
            continue
        lo, hi = float(spec.range[0]), float(spec.range[1])
        if not lo < hi:
            problems.append(f"{where}.range: empty or reversed range [{lo}, {hi}] (low must be below high)")
            continue
        kind = "int" if isinstance(current, int) else "float"
        bad = False
        for end, label in ((lo, "low"), (hi, "high")):
            try:
                probe.with_overrides({p: int(round(end)) if kind == "int" else end})
            except ScenarioError as exc:
                bad = True
                problems.append(f"{where}.range ({label} end {end}): " + "; ".join(
                    q.split(": ", 1)[-1] for q in exc.problems))
        if not bad:
            params[p] = (lo, hi)
            kinds[p] = kind
        if p in flatten_table(scen):
            problems.append(f"scenario.{p}: {p} is fitted; its value comes from parameters.{p}")

    t = doc.targets
    targets = _fact_targets(t.facts, "targets.facts", problems)
    if t.file is not None:
        path = Path(t.file)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        targets += _csv_targets(path, problems)
    held = _fact_targets(t.held_out, "targets.held_out", problems)
    if not targets:
        problems.append("targets: give facts = [\"F3\", ...] or file = \"moments.csv\" (at least one target)")
    known = _measure_names(probe)
    seen: set[str] = set()
    for tg in targets + held:
        if tg.measure not in known:
            problems.append(f"targets: {tg.name}: {tg.measure!r} is not a summary measure of the model "
                            "(see docs/measures.md)")
        if tg.name in seen:
            problems.append(f"targets: {tg.name} is listed twice (or both fitted and held out)")
        seen.add(tg.name)
    loss = doc.loss.kind
    from sim.studies.validate import FACTS

    one_sided = {f.id for f in FACTS if f.one_sided}
    for tg in targets:
        if loss == "msm" and tg.name in one_sided:
            problems.append(f"targets.facts: {tg.name} is a one-sided band (at least {tg.low:g}): it has no midpoint "
                            "to aim at; fit it with loss.kind = \"bands\" or hold it out")
        elif loss == "msm" and (tg.value is None or tg.se is None):
            problems.append(f"targets: {tg.name}: the msm loss needs a value and a standard error (se)")
        if loss == "bands" and not tg.has_band:
            problems.append(f"targets: {tg.name}: the bands loss needs a band (low, high)")
    k = len(targets)
    w = doc.loss.weights
    if isinstance(w, list):
        if loss != "msm":
            problems.append("loss.weights: a weight matrix applies to the msm loss only")
        W = np.asarray(w, dtype=float) if all(len(r) == len(w) for r in w) else np.zeros((0, 0))
        if W.shape != (k, k):
            problems.append(f"loss.weights: expected a {k} x {k} matrix (one row and column per target), "
                            f"got {len(w)} rows")
            W = np.eye(k)
        elif not np.allclose(W, W.T) or np.linalg.eigvalsh(W).min() < -1e-12:
            problems.append("loss.weights: the weight matrix must be symmetric positive semi-definite")
    elif w == "identity" or loss == "bands":
        W = np.eye(k)
    else:
        W = np.diag([1.0 / tg.se ** 2 if tg.se else 1.0 for tg in targets])

    s = doc.search
    unc = doc.uncertainty.method or ("posterior" if s.method == "abc-smc" else "bootstrap")
    if unc == "posterior" and s.method != "abc-smc":
        problems.append("uncertainty.method: a posterior sample comes from search.method = \"abc-smc\"; "
                        "with lhs use \"bootstrap\"")
    if unc == "bootstrap" and doc.calibration.replications < 2:
        problems.append("calibration.replications: the bootstrap over replications needs at least 2")
    budget = s.budget if s.budget is not None else s.population * (1 + 3 * (s.generations - 1))
    if budget < s.population:
        problems.append(f"search.budget: {budget} is below one population ({s.population} points)")
    if s.method == "lhs" and s.generations != 1 and "generations" in s.model_fields_set:
        problems.append("search.generations: only applies to abc-smc")
    problems += check_model(doc.calibration.model)
    if problems:
        raise CalibrationSpecError(problems, source=source)
    c = doc.calibration
    return Calibration(
        name=c.name, description=c.description,
        output=Path(c.output) if c.output else Path("results") / c.name, model=c.model,
        replications=c.replications, confirm_replications=c.confirm_replications or max(2, 2 * c.replications),
        master_seed=c.master_seed, base=base, parameters=params, kinds=kinds, targets=tuple(targets),
        held_out=tuple(held), loss=loss, weights=W,
        weight_kind="matrix" if isinstance(w, list) else ("identity" if loss == "bands" else w), method=s.method, population=s.population,
        generations=s.generations if s.method == "abc-smc" else 1, quantile=s.quantile, budget=budget,
        uncertainty=unc, level=doc.uncertainty.level, resamples=doc.uncertainty.resamples, raw=raw,
        source=source)


def load_calibration(path: str | Path, sets: list[str] | None = None) -> Calibration:
    p = Path(path)
    raw = read_toml(p, CalibrationSpecError)
    return calibration_from_dict(raw, source=str(p), base_dir=p.parent, sets=parse_sets(sets) if sets else None)


# ------------------------------------------------------------------- the loss


def moments(runs: pd.DataFrame, measures: list[str], reps: np.ndarray | None = None) -> pd.DataFrame:
    """Per point, the mean of each measure over its successful replications
    (``reps``: the replications to use, with repeats: a bootstrap draw)."""
    ok = runs[runs["status"] == "ok"]
    if reps is None:
        return ok.groupby("point")[measures].mean()
    table = ok.set_index(["point", "replication"])[measures]
    points = ok["point"].unique()
    idx = pd.MultiIndex.from_product([points, reps], names=["point", "replication"])
    return table.reindex(idx).groupby(level="point").mean()


def simulation_noise_weights(cal: Calibration, runs: pd.DataFrame) -> np.ndarray:
    """The diagonal MSM weights with the simulation's own noise:
    ``1 / (se_k^2 + s_k^2 / R)``, with ``s_k^2`` the pooled variance of target
    ``k`` between the replications of a point (estimated once, from the
    first generation) and R the replications per point: the variance of
    simulated minus target moment when the parameters are right."""
    ok = runs[runs["status"] == "ok"]
    out = []
    for t in cal.targets:
        var = ok.groupby("point")[t.measure].var(ddof=1).dropna()
        s2 = float(var.mean()) if len(var) else 0.0
        out.append(1.0 / (t.se ** 2 + s2 / cal.replications))
    return np.diag(out)


def noise_floor(cal: Calibration, weights: np.ndarray) -> float:
    """The smallest tolerance ABC-SMC uses. With the msm loss and diagonal
    weights that include the simulation's noise, the loss at the true
    parameters is about chi-square with one degree of freedom per target,
    so no tolerance below its ``level`` quantile is warranted: the accepted
    set is then the confidence set of the test that the model's moments
    equal the targets. Other losses have no known scale: no floor (0)."""
    from scipy import stats

    if cal.loss == "msm" and cal.weight_kind == "diagonal" and cal.replications >= 2:
        return float(stats.chi2.ppf(cal.level, len(cal.targets)))
    return 0.0


def loss_values(cal: Calibration, m: pd.DataFrame, weights: np.ndarray | None = None) -> np.ndarray:
    """The loss of each row of simulated moments ``m`` (columns: measures)."""
    X = m[[t.measure for t in cal.targets]].to_numpy(dtype=float)
    if cal.loss == "bands":
        lo = np.array([t.low for t in cal.targets])
        hi = np.array([t.high for t in cal.targets])
        d = np.maximum(0.0, np.maximum(lo - X, X - hi)) / (hi - lo)
        out = (d ** 2).sum(axis=1)
    else:
        g = X - np.array([t.value for t in cal.targets])
        W = cal.weights if weights is None else weights
        out = np.einsum("ij,jk,ik->i", g, W, g)
    out[np.isnan(out)] = np.inf  # a point whose runs failed never wins
    return out


# ------------------------------------------------------------------ the search


def _rng(cal: Calibration, generation: int, batch: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(cal.master_seed,
                                                        spawn_key=(CALIBRATION_STREAM, generation, batch)))


def _bounds(cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([cal.parameters[n][0] for n in cal.names])
    hi = np.array([cal.parameters[n][1] for n in cal.names])
    return lo, hi


def _lhs(cal: Calibration, n: int, rng: np.random.Generator) -> np.ndarray:
    d = len(cal.names)
    u = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
    lo, hi = _bounds(cal)
    return lo + u * (hi - lo)


def _as_points(cal: Calibration, theta: np.ndarray) -> pd.DataFrame:
    cols = {}
    for j, n in enumerate(cal.names):
        cols[n] = np.rint(theta[:, j]).astype(np.int64) if cal.kinds[n] == "int" else theta[:, j]
    return pd.DataFrame(cols)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return np.interp(q, cw, x)


def _kernel_weights(theta: np.ndarray, prev: np.ndarray, prev_w: np.ndarray, sd: np.ndarray,
                    lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Importance weights under the uniform prior: 1 / sum_j w_j K(theta | theta_j),
    K a diagonal Gaussian truncated to the bounds (normalised per ancestor)."""
    from scipy import stats

    z = (theta[:, None, :] - prev[None, :, :]) / sd
    dens = np.prod(stats.norm.pdf(z) / sd, axis=2)
    mass = np.prod(stats.norm.cdf((hi - prev) / sd) - stats.norm.cdf((lo - prev) / sd), axis=1)
    k = dens / mass[None, :]
    w = 1.0 / (k @ (prev_w / prev_w.sum()))
    return w / w.sum()


def _propose(cal: Calibration, prev: np.ndarray, prev_w: np.ndarray, sd: np.ndarray, n: int,
             rng: np.random.Generator) -> np.ndarray:
    lo, hi = _bounds(cal)
    out = np.empty((n, prev.shape[1]))
    p = prev_w / prev_w.sum()
    for i in range(n):
        for _ in range(10_000):
            j = rng.choice(len(prev), p=p)
            x = prev[j] + sd * rng.standard_normal(prev.shape[1])
            if np.all(x >= lo) and np.all(x <= hi):
                out[i] = x
                break
        else:  # the kernel keeps leaving the box: fall back to a prior draw
            out[i] = lo + rng.random(prev.shape[1]) * (hi - lo)
    return out


@dataclass
class CalibrationResult:
    """What :func:`run_calibration` computed (also written to its folder)."""

    root: Path
    cal: Calibration
    evaluations: pd.DataFrame  # one row per evaluated point
    runs: pd.DataFrame  # every run of the search
    best: dict[str, float]  # the evaluated point with the smallest loss
    region: pd.DataFrame  # per parameter: estimate, low, high (the uncertainty statement)
    posterior: pd.DataFrame | None  # abc-smc: the final population with weights
    fit: pd.DataFrame  # every target and held-out fact at the best point
    profiles: pd.DataFrame  # identifiability: profile of the loss per parameter
    identifiability: pd.DataFrame  # per parameter: width ratio, loss range, verdict
    timing: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"format": FORMAT, "name": self.cal.name, "fingerprint": self.cal.fingerprint(),
                "status": "complete", "best": self.best,
                "region": self.region.to_dict("records"), "fit": self.fit.to_dict("records"),
                "identifiability": self.identifiability.to_dict("records"), "timing": self.timing,
                "points": int(len(self.evaluations)), "runs": int(len(self.runs)), "notes": self.notes}


def _say(msg: str) -> None:
    print(f"livesim calibrate: {msg}", file=sys.stderr, flush=True)


def run_calibration(cal: Calibration, *, executor_factory: Callable[[], Any] | None = None,
                    out: str | Path | None = None, resume: bool = False, progress: bool | None = None,
                    say: Callable[[str], None] | None = _say, plots: bool = True) -> CalibrationResult:
    """Run (or resume) the calibration ``cal`` into ``out`` (default: the spec's output)."""
    from sim.studies.points import run_points
    from sim.sweep.executors import ProcessExecutor

    executor_factory = executor_factory or (lambda: ProcessExecutor())
    say = say or (lambda msg: None)
    root = Path(out) if out is not None else cal.output
    stamp = root / "calibration.json"
    if root.exists() and any(root.iterdir()):
        if not resume:
            raise InputError(f"{root}: already exists and holds files; use --resume to continue the "
                             "calibration in it, or choose another output folder")
        if stamp.is_file():
            old = json.loads(stamp.read_text())
            if old.get("fingerprint") != cal.fingerprint():
                raise InputError(f"{root}: holds a calibration of a different spec; resume with the same spec, "
                                 "or choose another output folder")
    root.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"format": FORMAT, "name": cal.name, "fingerprint": cal.fingerprint(),
                                 "status": "running"}, indent=2))
    measures = cal.measures
    started = time.perf_counter()
    model_seconds = 0.0
    n_runs = 0
    evaluations: list[pd.DataFrame] = []
    all_runs: list[pd.DataFrame] = []
    budget_left = cal.budget
    W: np.ndarray | None = None

    def evaluate(label: str, theta: np.ndarray, generation: int, replications: int | None = None) -> pd.DataFrame:
        nonlocal model_seconds, n_runs
        points = _as_points(cal, theta)
        runs = run_points(f"{cal.name}-{label}", cal.base, points, root / "batches" / label,
                          replications=replications or cal.replications, master_seed=cal.master_seed,
                          executor_factory=executor_factory, model=cal.model, progress=progress,
                          description=f"calibration {cal.name}, batch {label}")
        man = json.loads((root / "batches" / label / "manifest.json").read_text())
        model_seconds += sum(s.get("model_seconds", 0.0) for s in man.get("sessions", []))
        n_runs += len(runs)
        m = moments(runs, measures).reindex(range(len(points)))
        ev = points.copy()
        ev.insert(0, "batch", label)
        ev.insert(1, "generation", generation)
        ev.insert(2, "point", np.arange(len(points)))
        for col in measures:
            ev[f"m.{col}"] = m[col].to_numpy()
        ev["loss"] = loss_values(cal, m, W) if W is not None else np.nan
        ev["failed_runs"] = runs.groupby("point")["status"].apply(lambda s: int((s != "ok").sum())).reindex(
            range(len(points))).fillna(0).to_numpy()
        runs = runs.copy()
        runs.insert(0, "batch", label)
        all_runs.append(runs)
        return ev

    lo, hi = _bounds(cal)
    # generation 0: a Latin hypercube over the bounds (the prior)
    theta = _lhs(cal, cal.population, _rng(cal, 0, 0))
    ev = evaluate("g00-b00", theta, 0)
    W = cal.weights
    if cal.loss == "msm" and cal.weight_kind == "diagonal" and cal.replications >= 2:
        W = simulation_noise_weights(cal, all_runs[0])
    ev["loss"] = loss_values(cal, moments(all_runs[0], measures).reindex(range(len(ev))), W)
    budget_left -= len(ev)
    ev["accepted"] = True
    evaluations.append(ev)
    pop_frame = ev
    pop = ev[cal.names].to_numpy(dtype=float)
    dist = ev["loss"].to_numpy()
    w = np.full(len(pop), 1.0 / len(pop))
    say(f"generation 0: {len(ev)} points x {cal.replications} replications; best loss {np.min(dist):.4g}")
    eps_trace = [float("inf")]
    notes: list[str] = []
    floor = noise_floor(cal, W)
    for g in range(1, cal.generations):
        finite = np.isfinite(dist)
        eps = float(_weighted_quantile(dist[finite], w[finite], cal.quantile)) if finite.any() else float("inf")
        if eps <= floor:  # below the loss the noise alone gives at the true parameters: stop shrinking
            eps = floor
            if eps_trace[-1] == floor:
                notes.append(f"generation {g}: the tolerance reached the noise floor {floor:.4g} (the "
                             f"{cal.level:.0%} quantile of chi-square with {len(cal.targets)} degrees of freedom) "
                             f"in generation {g - 1}; the last generations refine the same set")
        mean = np.average(pop, axis=0, weights=w)
        sd = np.sqrt(2.0 * np.average((pop - mean) ** 2, axis=0, weights=w))
        sd = np.maximum(sd, 1e-6 * (hi - lo))
        accepted: list[pd.DataFrame] = []
        n_acc, b = 0, 0
        while n_acc < cal.population and budget_left > 0:
            n = min(cal.population, budget_left)
            theta = _propose(cal, pop, w, sd, n, _rng(cal, g, b))
            label = f"g{g:02d}-b{b:02d}"
            ev = evaluate(label, theta, g)
            budget_left -= len(ev)
            ev["accepted"] = ev["loss"].to_numpy() <= eps
            evaluations.append(ev)
            accepted.append(ev[ev["accepted"]])
            n_acc += int(ev["accepted"].sum())
            say(f"generation {g}, batch {b}: tolerance {eps:.4g}; {int(ev['accepted'].sum())} of {len(ev)} "
                f"accepted ({n_acc} of {cal.population}); {cal.budget - budget_left} of {cal.budget} points used")
            b += 1
        if n_acc < cal.population:  # too few particles for a population: keep the last complete one
            notes.append(f"generation {g}: the budget ran out with {n_acc} of {cal.population} particles accepted; "
                         f"the posterior is generation {g - 1}'s population (the points evaluated still count "
                         "for the confidence set)")
            break
        acc = pd.concat(accepted, ignore_index=True).head(cal.population)
        new = acc[cal.names].to_numpy(dtype=float)
        w = _kernel_weights(new, pop, w, sd, lo, hi)
        pop, dist, pop_frame = new, acc["loss"].to_numpy(), acc
        eps_trace.append(eps)
        if budget_left <= 0 and g < cal.generations - 1:
            notes.append(f"the budget of {cal.budget} points ran out after generation {g} of {cal.generations - 1}")
            break

    evals = pd.concat(evaluations, ignore_index=True)
    failed = int(evals["failed_runs"].sum())
    if failed:
        notes.append(f"{failed} run(s) failed (their tracebacks are in batches/*/errors/); a point with a failed "
                     "run has its moments from the runs that succeeded, and a point with none has an infinite loss")
    runs = pd.concat(all_runs, ignore_index=True)
    posterior = None
    if cal.method == "abc-smc":
        posterior = pop_frame[["batch", "point", *cal.names, *[f"m.{m}" for m in measures], "loss"]].reset_index(
            drop=True)
        posterior.insert(2 + len(cal.names), "weight", w)
    search_seconds = time.perf_counter() - started

    # the estimate (abc-smc: the posterior mean; lhs: the point of least loss), confirmed with more runs
    best_row = evals.loc[int(np.argmin(evals["loss"].to_numpy()))]
    if posterior is not None:
        centre = {n: float(np.average(posterior[n], weights=posterior["weight"])) for n in cal.names}
    else:
        centre = {n: float(best_row[n]) for n in cal.names}
    best = {n: (int(round(v)) if cal.kinds[n] == "int" else v) for n, v in centre.items()}
    say(f"least loss {best_row['loss']:.4g}; estimate " + ", ".join(f"{k}={v:.4g}" for k, v in best.items())
        + f"; confirming it with {cal.confirm_replications} replications")
    confirm_pts = _as_points(cal, np.array([[best[n] for n in cal.names]], dtype=float))
    confirm = run_points(f"{cal.name}-confirm", cal.base, confirm_pts, root / "batches" / "confirm",
                         replications=cal.confirm_replications, master_seed=cal.master_seed,
                         executor_factory=executor_factory, model=cal.model, progress=progress,
                         description=f"calibration {cal.name}: the best point")
    region = _region(cal, evals, runs, posterior, best, W, floor)
    fit = _fit_table(cal, confirm, posterior)
    profiles, ident = _identifiability(cal, evals, region, floor)
    timing = {"seconds": round(time.perf_counter() - started, 3), "search_seconds": round(search_seconds, 3),
              "search_runs": n_runs, "model_seconds": round(model_seconds, 3),
              "seconds_per_run": round(search_seconds / max(n_runs, 1), 5),
              "model_seconds_per_run": round(model_seconds / max(n_runs, 1), 5),
              "points": int(len(evals)), "tolerances": eps_trace, "noise_floor": floor}
    res = CalibrationResult(root, cal, evals, runs, best, region, posterior, fit, profiles, ident, timing, notes)
    write_outputs(res, plots=plots)
    return res


# ----------------------------------------------------------- what is reported


def _region(cal: Calibration, evals: pd.DataFrame, runs: pd.DataFrame, posterior: pd.DataFrame | None,
            best: dict[str, float], weights: np.ndarray, floor: float = 0.0) -> pd.DataFrame:
    """Per parameter: the estimate and the ends of the uncertainty region at
    ``cal.level``: weighted posterior quantiles (abc-smc), or the spread of
    the best point over bootstrap draws of the replications (the same draw
    for every point, which keeps the common random numbers paired)."""
    a = (1.0 - cal.level) / 2
    rows = []
    if cal.uncertainty == "posterior" and posterior is not None:
        w = posterior["weight"].to_numpy()
        # with a noise-aware msm loss, every evaluated point whose loss is below the noise floor belongs
        # to the confidence set of the test that the simulated moments equal the targets (test
        # inversion); ABC-SMC concentrates its proposals there. The region is that set's hull when it
        # holds enough points; otherwise the posterior's weighted quantiles.
        inside = evals[evals["loss"] <= floor] if floor > 0 else evals.iloc[:0]
        as_set = len(inside) >= max(5, len(cal.names) + 2)
        for n in cal.names:
            x = posterior[n].to_numpy(dtype=float)
            qlo, med, qhi = _weighted_quantile(x, w, np.array([a, 0.5, 1 - a]))
            post_mean = float(np.average(x, weights=w))
            # the region's own centre: the confidence set's mean (the posterior's mean can lie outside
            # the set, when particles outside it carry weight), else the posterior's
            lo, hi, centre = ((float(inside[n].min()), float(inside[n].max()), float(inside[n].mean())) if as_set
                              else (float(qlo), float(qhi), post_mean))
            rows.append({"parameter": n, "best": best[n], "estimate": centre, "posterior_mean": post_mean,
                         "median": float(med), "low": lo, "high": hi, "credible_low": float(qlo),
                         "credible_high": float(qhi), "points_in_set": int(len(inside)),
                         "method": "confidence_set" if as_set else "abc_smc_posterior_quantiles",
                         "bound_low": cal.parameters[n][0], "bound_high": cal.parameters[n][1]})
        return pd.DataFrame(rows)
    rng = np.random.default_rng(np.random.SeedSequence(cal.master_seed, spawn_key=(CALIBRATION_STREAM, 999, 0)))
    reps = np.sort(runs["replication"].unique())
    keys = evals["batch"] + ":" + evals["point"].astype(str)
    ok = runs[runs["status"] == "ok"]
    cube = np.full((len(evals), reps.size, len(cal.targets)), np.nan)  # point x replication x target
    pos = pd.Series(np.arange(len(evals)), index=keys.to_numpy())
    rpos = pd.Series(np.arange(reps.size), index=reps)
    i = pos.loc[(ok["batch"] + ":" + ok["point"].astype(str)).to_numpy()].to_numpy()
    j = rpos.loc[ok["replication"].to_numpy()].to_numpy()
    cube[i, j, :] = ok[[t.measure for t in cal.targets]].to_numpy(dtype=float)
    picks = []
    for _ in range(cal.resamples):
        draw = rng.choice(reps.size, size=reps.size, replace=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a point whose runs all failed: NaN, loss inf
            m = pd.DataFrame(np.nanmean(cube[:, draw, :], axis=1), columns=[t.measure for t in cal.targets])
        picks.append(int(np.argmin(loss_values(cal, m, weights))))
    evk = evals.reset_index(drop=True)
    chosen = evk.loc[picks, cal.names]
    for n in cal.names:
        x = chosen[n].to_numpy(dtype=float)
        lo, med, hi = np.quantile(x, [a, 0.5, 1 - a])
        rows.append({"parameter": n, "best": best[n], "estimate": float(x.mean()), "median": float(med),
                     "low": float(lo), "high": float(hi), "method": "bootstrap_over_replications",
                     "bound_low": cal.parameters[n][0], "bound_high": cal.parameters[n][1]})
    return pd.DataFrame(rows)


def _fit_table(cal: Calibration, confirm: pd.DataFrame, posterior: pd.DataFrame | None) -> pd.DataFrame:
    """Every target and held-out fact at the best point: the simulated mean
    with its interval (the measure's kind, over the confirmation runs), the
    band, whether it lands in it and how far outside; with abc-smc also the
    posterior predictive interval (weighted quantiles of the accepted
    particles' simulated moments)."""
    from sim.sweep.analyze import confidence_interval, measure_kind

    ok = confirm[confirm["status"] == "ok"]
    a = (1.0 - cal.level) / 2
    rows = []
    for role, group in (("fitted", cal.targets), ("held_out", cal.held_out)):
        for t in group:
            ci = confidence_interval(ok[t.measure].to_numpy(), cal.level, kind=measure_kind(t.measure))
            m = ci["mean"]
            row = {"role": role, "target": t.name, "measure": t.measure, "description": t.description,
                   "target_value": t.value, "target_se": t.se, "band_low": t.low, "band_high": t.high,
                   "simulated": m, "ci_low": ci["ci_low"], "ci_high": ci["ci_high"], "n": ci["n"],
                   "in_band": bool(t.low <= m <= t.high) if t.has_band else None,
                   "distance_from_band": t.distance(m),
                   "distance_in_widths": t.distance(m) / (t.high - t.low) if t.has_band else float("nan"),
                   "z": (m - t.value) / t.se if t.value is not None and t.se else float("nan")}
            if posterior is not None:
                x = posterior[f"m.{t.measure}"].to_numpy(dtype=float)
                good = ~np.isnan(x)
                if good.any():
                    lo, hi = _weighted_quantile(x[good], posterior["weight"].to_numpy()[good], np.array([a, 1 - a]))
                    row.update(predictive_low=float(lo), predictive_high=float(hi))
            rows.append(row)
    return pd.DataFrame(rows)


def _identifiability(cal: Calibration, evals: pd.DataFrame, region: pd.DataFrame, floor: float = 0.0,
                     bins: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The loss profile of each parameter (the smallest loss of the points
    evaluated in each of ``bins`` slices of its range) and a verdict. A slice
    is *acceptable* when its least loss is under the noise floor (or, for
    losses without a known scale, under twice the least loss overall, or 0
    for the band loss). A parameter is *pinned* when its uncertainty region
    spans under half of its range and under half of its slices are
    acceptable, *free* when the region spans over 80% of the range or over
    80% of the slices are acceptable, *partly pinned* otherwise."""
    rows, verdicts = [], []
    finite = evals[np.isfinite(evals["loss"])]
    best = float(finite["loss"].min()) if len(finite) else float("nan")
    threshold = floor if floor > 0 else 2.0 * best + 1e-12
    for n in cal.names:
        lo, hi = cal.parameters[n]
        edges = np.linspace(lo, hi, bins + 1)
        idx = np.clip(np.searchsorted(edges, finite[n].to_numpy(dtype=float), side="right") - 1, 0, bins - 1)
        prof = finite.groupby(idx)["loss"].agg(["min", "count"]).reindex(range(bins))
        for k in range(bins):
            rows.append({"parameter": n, "bin": k, "bin_low": edges[k], "bin_high": edges[k + 1],
                         "bin_mid": (edges[k] + edges[k + 1]) / 2, "min_loss": prof["min"].iloc[k],
                         "points": int(prof["count"].fillna(0).iloc[k])})
        r = region.set_index("parameter").loc[n]
        width = float((r["high"] - r["low"]) / (hi - lo))
        mins = prof["min"].dropna().to_numpy()
        acceptable = float((mins <= threshold).mean()) if mins.size else float("nan")
        if width < 0.5 and acceptable < 0.5:
            verdict = "pinned"
        elif width > 0.8 or acceptable > 0.8:
            verdict = "free"
        else:
            verdict = "partly pinned"
        verdicts.append({"parameter": n, "region_share_of_range": width, "acceptable_slices": acceptable,
                         "verdict": verdict})
    return pd.DataFrame(rows), pd.DataFrame(verdicts)


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    a = abs(float(x))
    return f"{x:.3e}" if a and (a >= 1e5 or a < 1e-3) else f"{x:.4g}"


def _region_words(res: CalibrationResult) -> str:
    method = res.region["method"].iloc[0]
    n_set = int(res.region["points_in_set"].iloc[0]) if "points_in_set" in res.region else 0
    return {"confidence_set": f"the hull of the {n_set} evaluated points whose loss is below the noise floor "
                              f"(the confidence set, by test inversion, of the hypothesis that the simulated "
                              f"moments equal the targets; ABC-SMC concentrates its proposals there)",
            "abc_smc_posterior_quantiles": "weighted quantiles of the ABC-SMC posterior (the last generation)",
            "bootstrap_over_replications": "the spread of the best point over bootstrap resamples of the "
                                           "replications"}.get(method, method)


def report_markdown(res: CalibrationResult) -> str:
    """``report.md``: every statement computed from the results."""
    cal = res.cal
    pct = f"{cal.level:.0%}"
    lines = [f"# Calibration: {cal.name}", ""]
    if cal.description:
        lines += [cal.description, ""]
    lines += [f"{len(res.evaluations)} points evaluated with {cal.replications} replications each "
              f"(common random numbers; {res.timing['search_runs']} runs) by {cal.method}; loss: "
              f"{'method of simulated moments' if cal.loss == 'msm' else 'distance to the bands'} over "
              f"{len(cal.targets)} target(s); the estimate confirmed with {cal.confirm_replications} runs.", ""]
    lines += ["## Best parameters and their uncertainty", "",
              f"Uncertainty: {_region_words(res)}, {pct} region per parameter. The estimate is "
              + ("the posterior mean" if cal.method == "abc-smc" else "the point of least loss")
              + f" (the point confirmed with {cal.confirm_replications} runs); the region's centre is the mean of "
              + ("the points in the region" if res.region["method"].iloc[0] == "confidence_set" else
                 "the posterior" if cal.method == "abc-smc" else "the bootstrap's best points") + ".", "",
              "| parameter | bounds | estimate (confirmed) | region's centre | " + pct + " region | identifiability |",
              "|---|---|---|---|---|---|"]
    ident = res.identifiability.set_index("parameter")
    for r in res.region.to_dict("records"):
        v = ident.loc[r["parameter"]]
        lines.append(f"| {r['parameter']} | {_fmt(r['bound_low'])} to {_fmt(r['bound_high'])} | {_fmt(r['best'])} | "
                     f"{_fmt(r['estimate'])} | {_fmt(r['low'])} to {_fmt(r['high'])} | {v['verdict']} "
                     f"(region {v['region_share_of_range']:.0%} of the range; {v['acceptable_slices']:.0%} of its slices reach an acceptable loss) |")
    pinned = [p for p, v in ident["verdict"].items() if v == "pinned"]
    free = [p for p, v in ident["verdict"].items() if v == "free"]
    lines += ["", f"The targets pin {', '.join(pinned) if pinned else 'no parameter'}"
              + (f" and leave {', '.join(free)} free" if free else "") + " (profiles in profiles.png and profiles.csv).", ""]
    lines += ["## Fit of every target", "",
              f"At the estimate, over {cal.confirm_replications} confirmation runs ({pct} intervals of the measure's kind)"
              + ("; the predictive interval is over the posterior particles." if res.posterior is not None else "."), "",
              "| role | target | measure | target value | band | simulated | " + pct + " interval | in band | distance from band |"
              + (" predictive |" if res.posterior is not None else ""),
              "|---|---|---|---|---|---|---|---|---|" + ("---|" if res.posterior is not None else "")]
    for r in res.fit.to_dict("records"):
        band = f"{_fmt(r['band_low'])} to {_fmt(r['band_high'])}" if r["band_low"] is not None and r["band_low"] == r["band_low"] else "n/a"
        tv = _fmt(r["target_value"]) + (f" ± {_fmt(r['target_se'])}" if r["target_se"] == r["target_se"] and r["target_se"] is not None else "")
        inb = "n/a" if r["in_band"] is None else ("yes" if r["in_band"] else "no")
        line = (f"| {r['role']} | {r['target']} | {r['measure']} | {tv} | {band} | {_fmt(r['simulated'])} | "
                f"{_fmt(r['ci_low'])} to {_fmt(r['ci_high'])} | {inb} | {_fmt(r['distance_from_band'])} |")
        if res.posterior is not None:
            line += f" {_fmt(r.get('predictive_low'))} to {_fmt(r.get('predictive_high'))} |"
        lines.append(line)
    fitted = res.fit[res.fit["role"] == "fitted"]
    held = res.fit[res.fit["role"] == "held_out"]
    banded = fitted[fitted["in_band"].notna()]
    lines.append("")
    if len(banded):
        lines.append(f"{int(banded['in_band'].sum())} of {len(banded)} fitted targets with a band land in it.")
    if len(held):
        lines.append(f"Held-out check: {int(held['in_band'].sum())} of {len(held)} held-out facts land in their band; "
                     + "; ".join(f"{r['target']} ({r['measure']}) {_fmt(r['simulated'])}, "
                                 + ("inside its band" if r["in_band"] else f"{_fmt(r['distance_from_band'])} outside it "
                                    f"({_fmt(r['distance_in_widths'])} band widths)")
                                 for r in held.to_dict("records")) + ".")
    t = res.timing
    lines += ["", "## Cost", "",
              f"The search took {_fmt(t['search_seconds'])} s of wall time for {t['search_runs']} runs "
              f"({_fmt(t['seconds_per_run'])} s per run); the model itself took {_fmt(t['model_seconds_per_run'])} s "
              "per run inside the workers (summed over workers running side by side, so with several workers it can "
              "exceed the wall time per run).", ""]
    if res.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in res.notes] + [""]
    lines += ["Files: evaluations.parquet, runs.parquet, fit.csv, region.csv, profiles.csv, identifiability.csv"
              + (", posterior.parquet" if res.posterior is not None else "") + ", batches/ (one sweep folder per batch).", ""]
    return "\n".join(lines)


def write_outputs(res: CalibrationResult, *, plots: bool = True) -> list[Path]:
    root = res.root
    written = []

    def put(name: str, frame: pd.DataFrame) -> None:
        path = root / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        written.append(path)

    put("evaluations.parquet", res.evaluations)
    put("runs.parquet", res.runs)
    put("fit.csv", res.fit)
    put("region.csv", res.region)
    put("profiles.csv", res.profiles)
    put("identifiability.csv", res.identifiability)
    if res.posterior is not None:
        put("posterior.parquet", res.posterior)
    if plots:
        written += _plots(res)
    (root / "report.md").write_text(report_markdown(res))
    (root / "calibration.json").write_text(json.dumps(res.summary(), indent=2, default=float))
    return written + [root / "report.md", root / "calibration.json"]


def _plots(res: CalibrationResult) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cal = res.cal
    out = []
    k = len(cal.names)
    fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.0), squeeze=False)
    for ax, n in zip(axes[0], cal.names):
        ev = res.evaluations[np.isfinite(res.evaluations["loss"])]
        ax.scatter(ev[n], ev["loss"], s=6, alpha=0.35, color="0.5", label="evaluated points")
        p = res.profiles[res.profiles["parameter"] == n]
        ax.plot(p["bin_mid"], p["min_loss"], "o-", color="C0", label="profile (min per slice)")
        r = res.region.set_index("parameter").loc[n]
        ax.axvspan(r["low"], r["high"], color="C1", alpha=0.2, label=f"{cal.level:.0%} region")
        ax.axvline(r["best"], color="C3", lw=1, label="best")
        pos = ev["loss"][ev["loss"] > 0]
        ax.set_yscale("symlog", linthresh=float(pos.min()) if len(pos) else 1.0)
        ax.set_xlabel(n)
        ax.set_ylabel("loss")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(res.root / "profiles.png", dpi=110)
    plt.close(fig)
    out.append(res.root / "profiles.png")
    if res.posterior is not None:
        fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.0), squeeze=False)
        for ax, n in zip(axes[0], cal.names):
            ax.hist(res.posterior[n], weights=res.posterior["weight"], bins=15, range=cal.parameters[n],
                    color="C0", alpha=0.7)
            ax.set_xlabel(n)
            ax.set_ylabel("posterior weight")
        fig.tight_layout()
        fig.savefig(res.root / "posterior.png", dpi=110)
        plt.close(fig)
        out.append(res.root / "posterior.png")
    return out


def describe(cal: Calibration) -> str:
    return (f"{cal.name}: fit {', '.join(cal.names)} to {len(cal.targets)} target(s) "
            f"({', '.join(t.name for t in cal.targets)})"
            + (f", {len(cal.held_out)} held out" if cal.held_out else "")
            + f"; {cal.method}, {cal.population} per generation"
            + (f" x {cal.generations} generations" if cal.method == "abc-smc" else "")
            + f", at most {cal.budget} points x {cal.replications} replications")
