"""Summaries of a finished (or partly finished) sweep.

- :func:`confidence_interval`: the one interval function of livesim, of the
  kind the measure calls for (:func:`measure_kind`): Student t for means,
  Wilson score intervals for shares and 0/1 verdicts (inside [0, 1]), a
  Kaplan-Meier restricted mean for times to an event censored at the horizon.
- :func:`point_summary`: per design point and measure, the number of
  successful replications, mean, standard deviation, standard error and a
  confidence interval (95% by default) of the measure's kind.
- :func:`level_summary`: the same, grouping runs by the values of chosen
  parameters (the other parameters pooled): what grid plots show.
- :func:`difference_from`: each point's difference from a baseline point,
  paired by replication when the sweep used common random numbers.
- :func:`sobol_indices`: first-order and total Sobol' indices (and
  second-order ones when the design has them) with SALib's bootstrap
  confidence intervals, from the mean over replications at each point.
- :func:`morris_indices`: Morris elementary-effect statistics (mu, mu*,
  sigma) with a bootstrap interval for mu*.
(:func:`sim.sweep.analysis.analyze_sweep` writes all of the above as tables
and plots into ``DIR/analysis``, which is what ``livesim analyze DIR`` does.)

Every estimate comes with its interval; where one cannot be computed (a
point with one successful run, a measure with failed points in a Sobol'
design) the value is NaN or the measure is skipped with the reason, never
silently filled in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats

from sim.errors import InputError
from sim.sweep.seeds import ANALYSIS_STREAM, stream_seed
from sim.sweep.spec import Spec, load_spec
from sim.sweep.store import DAILY, IDENTITY, RUNS, SweepStore

RESAMPLES = 1000  # bootstrap resamples for sensitivity-index intervals


@dataclass
class SweepResults:
    """A sweep's results folder, loaded."""

    root: Path
    manifest: dict[str, Any]
    spec: Spec
    runs: pd.DataFrame  # one row per finished run: identity, parameters, status, error, measures
    names: list[str]  # the varied parameters
    measures: list[str]  # the summary measures

    @property
    def sampler(self) -> str:
        return self.spec.sampler

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def failed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def n_points(self) -> int:
        return int(self.manifest.get("points", 0))

    def daily(self) -> pd.DataFrame | None:
        """The daily series of every run (if the sweep kept them)."""
        path = self.root / DAILY
        if path.is_file():
            return pd.read_parquet(path)
        d = self.root / "daily"
        files = sorted(d.glob("p*-r*.parquet")) if d.is_dir() else []
        if not files:
            return None
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return frame.sort_values(["point", "replication", "day"], kind="stable").reset_index(drop=True)


def load_results(root: str | Path) -> SweepResults:
    """Load a sweep folder. A sweep that was killed before writing its
    combined table is read from its per-run files."""
    root = Path(root)
    store = SweepStore(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    manifest = store.read_manifest()
    if manifest is None:
        raise InputError(f"{root}: not a sweep folder (no manifest.json)")
    spec = load_spec(root / "spec.toml", check_model_import=False)
    names = spec.names
    path = root / RUNS
    if path.is_file() and manifest.get("status") != "running":
        runs = pq.read_table(path).to_pandas()
    else:  # running, or killed: the per-run files are the truth
        table = store.read_runs(names=names, measures=list(spec.keep_summary) or None)
        if table is None:
            raise InputError(f"{root}: no run has finished yet")
        runs = table.to_pandas()
    lead = IDENTITY + names + ["status", "error"]
    measures = [c for c in runs.columns if c not in lead]
    return SweepResults(root, manifest, spec, runs, names, measures)


def check_measures(results: SweepResults, measures: list[str] | None) -> list[str]:
    if not measures:
        return list(results.measures)
    unknown = [m for m in measures if m not in results.measures]
    if unknown:
        raise InputError(f"unknown measure(s) {unknown}; this sweep has: {', '.join(results.measures)}")
    return list(measures)


# ------------------------------------------------------------------ intervals

#: survival measures: measure -> the column telling whether the event happened
#: (runs without the event are censored at their observed time, the horizon)
SURVIVAL_MEASURES: dict[str, str] = {"time_to_first_defection": "defected"}

#: shares named outside the naming rule of :func:`measure_kind`
_SHARES = {"live_conversion", "shelf_conversion", "top1pct_room_conversion", "defected", "perceived_risk",
           "loan_loss_rate"}


def measure_kind(name: str) -> str:
    """How a measure's interval is made: ``"survival"`` (a time to an event,
    censored at the horizon: :data:`SURVIVAL_MEASURES`), ``"share"`` (a
    fraction in [0, 1]: names with ``share`` or ``return_rate``, ``in_core``
    verdicts, conversions) or ``"mean"`` (anything else: Student t)."""
    if name in SURVIVAL_MEASURES:
        return "survival"
    if (name in _SHARES or "share" in name or name.startswith("return_rate") or name.startswith("in_core")
            or name.endswith("_in_core")):
        return "share"
    return "mean"


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    if n <= 0:
        return (np.nan, np.nan)
    den = 1.0 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if p <= 0.0 else max(0.0, min(p, mid - half))  # exact ends at 0 and 1 (no rounding past p)
    hi = 1.0 if p >= 1.0 else min(1.0, max(p, mid + half))
    return (float(lo), float(hi))


def _share_interval(v: np.ndarray, conf: float) -> tuple[float, float, str]:
    """Wilson score interval for a mean of shares. 0/1 verdicts: the plain
    Wilson interval over the n runs. Fractions: Wilson with the effective
    sample size p(1 - p) / sem^2 (Korn and Graubard's design-effect version:
    as many Bernoulli trials as carry the observed precision), and n when
    the runs do not vary. Always inside [0, 1]."""
    z = float(stats.norm.ppf(0.5 + conf / 2.0))
    n = v.size
    p = float(v.mean())
    binary = bool(np.all((v == 0.0) | (v == 1.0)))
    if binary:
        lo, hi = _wilson(p, n, z)
        return lo, hi, "wilson"
    var_mean = float(v.var(ddof=1)) / n
    if var_mean > 0 and 0.0 < p < 1.0:
        n_eff = p * (1.0 - p) / var_mean
    else:
        n_eff = float(n)
    lo, hi = _wilson(p, n_eff, z)
    return lo, hi, "wilson_effective_n"


def kaplan_meier(times: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """The Kaplan-Meier survival curve: one row per distinct event time with
    the number at risk, the events and S(t) just after t."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=bool)
    rows, s = [], 1.0
    for u in np.unique(t[e]):
        at_risk = int((t >= u).sum())
        d = int(((t == u) & e).sum())
        s *= 1.0 - d / at_risk
        rows.append({"time": u, "at_risk": at_risk, "events": d, "survival": s})
    return pd.DataFrame(rows, columns=["time", "at_risk", "events", "survival"])


def _survival_interval(t: np.ndarray, e: np.ndarray, conf: float) -> tuple[float, float, float, float, str]:
    """Restricted mean survival time up to the horizon tau (the longest
    observed time): the area under the Kaplan-Meier curve, which for runs
    censored at the horizon equals the mean of the observed times. Its
    variance is Greenwood's; the interval is made on the logit of RMST/tau,
    so it stays inside [0, tau]. With no event at all the lower end is
    tau (1 - the Wilson upper bound of the event probability)."""
    z = float(stats.norm.ppf(0.5 + conf / 2.0))
    tau = float(t.max())
    km = kaplan_meier(t, e)
    if km.empty:
        _, p_hi = _wilson(0.0, t.size, z)
        return tau, 0.0, tau * (1.0 - p_hi), tau, "kaplan_meier_rmst"
    knots = np.concatenate([[0.0], km["time"].to_numpy(), [tau]])
    surv = np.concatenate([[1.0], km["survival"].to_numpy()])
    areas = surv * np.diff(knots)  # S is constant on [knot_k, knot_k+1)
    rmst = float(areas.sum())
    var = 0.0
    for j, row in enumerate(km.itertuples(index=False)):
        a_j = float(areas[j + 1:].sum())  # area from this event time to tau
        left = row.at_risk - row.events
        if a_j > 0 and left > 0:
            var += a_j * a_j * row.events / (row.at_risk * left)
    se = float(np.sqrt(var))
    u = rmst / tau if tau > 0 else np.nan
    if not 0.0 < u < 1.0 or se == 0.0:
        return rmst, se, rmst, rmst, "kaplan_meier_rmst"
    logit = np.log(u / (1 - u))
    half = z * (se / tau) / (u * (1 - u))
    lo, hi = (tau / (1 + np.exp(-(logit + s * half))) for s in (-1, 1))
    return rmst, se, float(lo), float(hi), "kaplan_meier_rmst"


def confidence_interval(values, conf: float = 0.95, *, kind: str = "mean", events=None) -> dict[str, Any]:
    """The one confidence-interval function of livesim (sweep analysis,
    validation and the studies use it).

    ``kind``: ``"mean"`` (Student t interval for the mean), ``"share"``
    (Wilson score interval, inside [0, 1]; see :func:`_share_interval`;
    values outside [0, 1] fall back to Student t) or ``"survival"`` (a time
    to an event with ``events`` telling which runs saw it, the others
    censored: Kaplan-Meier restricted mean with a Greenwood interval inside
    [0, horizon]). Returns n, mean (the estimate), sd, sem, ci_low, ci_high
    and the method used; NaN values are ignored, and with fewer than two
    values sd and the interval are NaN."""
    v = np.asarray(values, dtype=float)
    keep = ~np.isnan(v)
    ev = None if events is None else np.asarray(events, dtype=float)[keep]
    v = v[keep]
    n = int(v.size)
    mean = float(v.mean()) if n else np.nan
    out = {"n": n, "mean": mean, "sd": np.nan, "sem": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "method": "student_t"}
    if n < 2:
        return out
    sd = float(v.std(ddof=1))
    sem = float(sd / np.sqrt(n))
    out.update(sd=sd, sem=sem)
    if kind == "share" and np.all((v >= 0.0) & (v <= 1.0)):
        lo, hi, method = _share_interval(v, conf)
        out.update(ci_low=lo, ci_high=hi, method=method)
        return out
    if kind == "survival" and ev is not None and not np.isnan(ev).any() and np.all(v >= 0):
        est, se, lo, hi, method = _survival_interval(v, ev > 0.5, conf)
        out.update(mean=est, sem=se, ci_low=lo, ci_high=hi, method=method)
        return out
    if kind not in ("mean", "share", "survival"):
        raise ValueError(f"unknown interval kind {kind!r} (mean, share or survival)")
    half = float(stats.t.ppf(0.5 + conf / 2.0, n - 1)) * sem
    out.update(ci_low=mean - half, ci_high=mean + half)
    return out


def interval(values: np.ndarray, conf: float = 0.95) -> dict[str, float]:
    """n, mean, sd, standard error and a Student-t interval for the mean (NaN
    values ignored; sd and interval are NaN with fewer than two values)."""
    out = confidence_interval(values, conf)
    out.pop("method")
    return out


def measure_interval(frame: pd.DataFrame, measure: str, conf: float = 0.95) -> dict[str, Any]:
    """The interval :func:`confidence_interval` gives ``measure`` over the
    runs in ``frame``, of the kind the measure calls for (:func:`measure_kind`)."""
    kind = measure_kind(measure)
    events = None
    if kind == "survival":
        col = SURVIVAL_MEASURES[measure]
        events = frame[col].to_numpy() if col in frame.columns else None
    return confidence_interval(frame[measure].to_numpy(), conf, kind=kind, events=events)


def _summaries(runs: pd.DataFrame, keys: list[str], measures: list[str], conf: float) -> pd.DataFrame:
    rows = []
    ok = runs["status"] == "ok"
    groups = runs.groupby(keys, sort=True, dropna=False) if keys else [((), runs)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        good = frame[ok.loc[frame.index]]
        failed = int(len(frame) - len(good))
        for m in measures:
            rows.append({**dict(zip(keys, key)), "measure": m, "failed": failed, **measure_interval(good, m, conf)})
    cols = keys + ["measure", "n", "failed", "mean", "sd", "sem", "ci_low", "ci_high", "method"]
    return pd.DataFrame(rows, columns=cols)


def point_summary(results: SweepResults, measures: list[str] | None = None, conf: float = 0.95) -> pd.DataFrame:
    """Per point and measure (long format): point, parameters, measure, n
    (successful replications), failed, mean, sd, sem, ci_low, ci_high."""
    measures = check_measures(results, measures)
    keys = ["point"]
    table = _summaries(results.runs, keys, measures, conf)
    points = results.runs.drop_duplicates("point").set_index("point")[results.names]
    table = table.join(points, on="point")
    return table[["point", *results.names, "measure", "n", "failed", "mean", "sd", "sem", "ci_low", "ci_high",
                  "method"]]


def level_summary(results: SweepResults, by: list[str], measures: list[str] | None = None,
                  conf: float = 0.95) -> pd.DataFrame:
    """Runs grouped by the values of the parameters ``by`` (any other
    parameters pooled), per measure, with intervals."""
    measures = check_measures(results, measures)
    unknown = [b for b in by if b not in results.names]
    if unknown:
        raise InputError(f"not varied parameters: {unknown}")
    return _summaries(results.runs, list(by), measures, conf)


def difference_from(results: SweepResults, baseline: dict[str, Any], measures: list[str] | None = None,
                    conf: float = 0.95, relative: bool = False) -> pd.DataFrame:
    """Each point's difference from a baseline point (given by its parameter
    values, e.g. ``{"traffic.anchor_cap": 1.0, "traffic.long_tail_reserve": 0.0}``),
    per measure, with an interval. With common random numbers the runs are
    paired by replication (same seed) and the interval is the paired t
    interval; otherwise Welch's interval for two independent means. With
    ``relative``, differences are fractions of the baseline mean."""
    measures = check_measures(results, measures)
    unknown = [k for k in baseline if k not in results.names]
    if unknown or len(baseline) != len(results.names):
        raise InputError(f"the baseline must give a value for each varied parameter {results.names}")
    ok = results.ok
    mask = np.ones(len(ok), dtype=bool)
    for k, v in baseline.items():
        mask &= (ok[k] == v).to_numpy()
    base = ok[mask]
    if base.empty:
        raise InputError(f"no successful run at the baseline {baseline}")
    paired = results.spec.common_random_numbers
    rows = []
    for point, frame in ok.groupby("point", sort=True):
        params = frame.iloc[0][results.names].to_dict()
        for m in measures:
            b = base.set_index("replication")[m]
            x = frame.set_index("replication")[m]
            scale = abs(b.mean()) if relative else 1.0
            if paired:
                common = x.index.intersection(b.index)
                d = (x[common] - b[common]).to_numpy() / scale
                est = interval(d, conf)
                row = {"n": est["n"], "difference": est["mean"], "ci_low": est["ci_low"], "ci_high": est["ci_high"]}
            else:
                xa, ba = x.to_numpy() / scale, b.to_numpy() / scale
                diff = xa.mean() - ba.mean()
                va, vb = xa.var(ddof=1) / len(xa), ba.var(ddof=1) / len(ba)
                se = np.sqrt(va + vb)
                dof = (va + vb) ** 2 / (va ** 2 / (len(xa) - 1) + vb ** 2 / (len(ba) - 1)) if se > 0 else np.inf
                half = float(stats.t.ppf(0.5 + conf / 2.0, dof)) * se if se > 0 else 0.0
                row = {"n": len(xa), "difference": diff, "ci_low": diff - half, "ci_high": diff + half}
            rows.append({"point": point, **params, "measure": m, **row})
    return pd.DataFrame(rows, columns=["point", *results.names, "measure", "n", "difference", "ci_low", "ci_high"])


@dataclass
class Indices:
    """Sensitivity indices of some measures, and the measures skipped (why)."""

    method: str
    table: pd.DataFrame
    second_order: pd.DataFrame | None = None
    skipped: dict[str, str] = field(default_factory=dict)


def _point_means(results: SweepResults, measure: str) -> tuple[np.ndarray, str | None]:
    n = results.n_points
    ok = results.ok
    means = ok.groupby("point")[measure].mean().reindex(range(n))
    missing = int(means.isna().sum())
    if missing:
        ran = int(ok["point"].nunique())   # points with at least one successful run
        why = [f"{n - ran} of {n} points have no successful run"] if ran < n else []
        if missing > n - ran:
            why.append(f"{missing - (n - ran)} of {n} points have runs where the measure is undefined (NaN)")
        return means.to_numpy(), "; ".join(why)
    if np.ptp(means.to_numpy()) == 0:
        return means.to_numpy(), "the measure does not vary across points"
    return means.to_numpy(), None


def _design_problem(results: SweepResults):
    from sim.sweep.design import build_design

    design = build_design(results.spec, validate=False)
    stored = pd.read_parquet(results.root / "points.parquet")
    if len(stored) != design.n_points or any(
            stored[c].tolist() != design.points[c].tolist() for c in design.points.columns):
        raise InputError(f"{results.root}: the design rebuilt from spec.toml differs from points.parquet "
                         "(another SALib, numpy or scipy version?)")
    return design


def sobol_indices(results: SweepResults, measures: list[str] | None = None, conf: float = 0.95,
                  resamples: int = RESAMPLES) -> Indices:
    """First-order (S1) and total (ST) Sobol' indices with their confidence
    half-widths (``*_conf``, SALib's bootstrap) per measure and parameter;
    second-order (S2) ones too if the design has them."""
    from SALib.analyze import sobol

    if results.sampler != "sobol":
        raise InputError(f"Sobol' indices need a sobol design; this sweep is a {results.sampler} design")
    measures = check_measures(results, measures)
    design = _design_problem(results)
    seed = stream_seed(results.spec.master_seed, ANALYSIS_STREAM)
    rows, rows2, skipped = [], [], {}
    for m in measures:
        y, why = _point_means(results, m)
        if why:
            skipped[m] = why
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s = sobol.analyze(design.problem, y, calc_second_order=results.spec.second_order,
                              num_resamples=resamples, conf_level=conf, seed=seed)
        for j, name in enumerate(results.names):
            rows.append({"measure": m, "parameter": name, "S1": s["S1"][j], "S1_conf": s["S1_conf"][j],
                         "ST": s["ST"][j], "ST_conf": s["ST_conf"][j]})
        if results.spec.second_order:
            for j, a in enumerate(results.names):
                for k in range(j + 1, len(results.names)):
                    rows2.append({"measure": m, "parameter_1": a, "parameter_2": results.names[k],
                                  "S2": s["S2"][j, k], "S2_conf": s["S2_conf"][j, k]})
    table = pd.DataFrame(rows, columns=["measure", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    second = pd.DataFrame(rows2, columns=["measure", "parameter_1", "parameter_2", "S2", "S2_conf"]) \
        if results.spec.second_order else None
    return Indices("sobol", table, second, skipped)


def morris_indices(results: SweepResults, measures: list[str] | None = None, conf: float = 0.95,
                   resamples: int = RESAMPLES) -> Indices:
    """Morris statistics per measure and parameter: mu, mu_star (mean
    absolute elementary effect, per unit of the parameter's range fraction),
    its confidence half-width mu_star_conf, and sigma."""
    from SALib.analyze import morris

    if results.sampler != "morris":
        raise InputError(f"Morris indices need a morris design; this sweep is a {results.sampler} design")
    measures = check_measures(results, measures)
    design = _design_problem(results)
    seed = stream_seed(results.spec.master_seed, ANALYSIS_STREAM)
    rows, skipped = [], {}
    for m in measures:
        y, why = _point_means(results, m)
        if why:
            skipped[m] = why
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s = morris.analyze(design.problem, design.unit, y, num_resamples=resamples, conf_level=conf,
                               num_levels=results.spec.levels, seed=seed)
        for j, name in enumerate(results.names):
            rows.append({"measure": m, "parameter": name, "mu": s["mu"][j], "mu_star": s["mu_star"][j],
                         "mu_star_conf": s["mu_star_conf"][j], "sigma": s["sigma"][j]})
    table = pd.DataFrame(rows, columns=["measure", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"])
    return Indices("morris", table, None, skipped)


def sensitivity(results: SweepResults, measures: list[str] | None = None, conf: float = 0.95) -> Indices | None:
    """The indices the design supports (Sobol' or Morris), or None."""
    if results.sampler == "sobol":
        return sobol_indices(results, measures, conf)
    if results.sampler == "morris":
        return morris_indices(results, measures, conf)
    return None
