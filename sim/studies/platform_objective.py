"""What the platform's objective does to the market (``experiments/platform_objective.toml``,
``livesim platform-objective``; issue 13 item 5).

A *variant* is a named set of scenario overrides. The shipped spec has three:
a fixed policy (the scenario's levers, the platform does not adapt), a
GMV-driven platform and a profit-driven platform (``platform_adaptation``
on, objective ``gmv`` or ``profit``: sim/market/platform_policy.py). Every
variant runs on the same seeds (common random numbers), so differences are
paired. Per run the study keeps the run's GMV, the platform's profit (its
ledger income over the run), the SME share of GMV, the top-50 anchors'
share of live GMV, the long-tail share of public traffic (SME store rooms
and small anchors), and the levers in force on the last day and on average
over the run; per run and day, the levers in force (the *policy path*).

It reports each variant's mean with a 95% interval (Student t over the
seeds), each variant's paired difference from the baseline (the fixed
policy) and, between the adaptive variants, the GMV-driven minus the
profit-driven platform; the findings are sentences computed from those
tables; ``policy_paths.png`` plots the mean policy path of each variant.

Bad specs are refused, every problem at once with its field, before any run
(:func:`load_platform_objective`). Same spec, same results, whatever the
number of workers.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from sim.errors import InputError, read_toml
from sim.market.platform_policy import POLICY_DAILY
from sim.scenario import Scenario
from sim.studies.variants import Variant, check_variants, integer_field, read_tables, sentences, text_field

#: run measures the study reports: name -> (label, unit)
RUN_MEASURES = {
    "gmv": ("GMV", "yuan"),
    "profit_platform": ("platform's profit (ledger income over the run)", "yuan"),
    "profit_platform_accrued": ("platform's profit with the commission due on unsettled orders", "yuan"),
    "sme_gmv_share": ("SME share of GMV", "share"),
    "top50_gmv_share": ("top-50 anchors' share of live GMV", "share"),
    "long_tail_traffic_share": ("long-tail share of public traffic (SME store rooms, small anchors)", "share"),
}
#: the levers of the policy path (daily columns) and their labels
LEVER_COLUMNS = {
    "policy_commission_scale": "commission multiplier",
    "policy_long_tail_reserve": "long-tail reserve",
    "policy_anchor_cap": "per-broadcast traffic cap",
    "policy_preferential_exponent": "preferential exponent",
}
assert set(LEVER_COLUMNS) == set(POLICY_DAILY)
STUDY_FIELDS = {"name", "description", "replications", "master_seed", "days", "baseline", "output"}


class PlatformObjectiveSpecError(InputError):
    """A platform-objective spec that does not validate."""


@dataclass
class PlatformObjectiveSpec:
    name: str
    description: str
    replications: int
    master_seed: int
    days: int
    baseline: str
    output: Path
    world: dict
    variants: list[Variant]
    source: str = ""

    def scenario(self, variant: Variant) -> Scenario:
        return Scenario().with_overrides({**self.world, "time.days": self.days, **variant.overrides})

    def variant(self, name: str) -> Variant:
        return next(v for v in self.variants if v.name == name)

    @property
    def runs(self) -> int:
        return len(self.variants) * self.replications


def platform_objective_from_dict(raw: dict, *, source: str = "",
                                 sets: list[tuple[str, Any]] | None = None) -> PlatformObjectiveSpec:
    """Validate a spec (a parsed TOML table); every problem is reported at once as
    a :class:`PlatformObjectiveSpecError`, before anything runs."""
    t = read_tables(raw, STUDY_FIELDS, sets)
    study, problems = t.study, t.problems
    reps = integer_field(study, "replications", 2, 1000, problems, 5)
    seed = integer_field(study, "master_seed", 0, 2**63 - 1, problems, 0)
    days = integer_field(study, "days", 14, 3650, problems, 365)
    name = text_field(study, "name", "platform_objective")
    baseline = text_field(study, "baseline", "fixed")
    check_variants(t, baseline, horizon="study.days", horizon_overrides={"time.days": days},
                   world_time_fields=("time.adaptation_interval", "time.settlement_period"))
    if problems:
        raise PlatformObjectiveSpecError(problems, source=source or None)
    return PlatformObjectiveSpec(name=name, description=text_field(study, "description", ""), replications=reps,
                                 master_seed=seed, days=days, baseline=baseline,
                                 output=Path(text_field(study, "output", f"results/{name}")), world=t.world,
                                 variants=t.variants, source=source)


def load_platform_objective(path: str | Path, sets: list[str] | None = None) -> PlatformObjectiveSpec:
    """Read and validate a spec file; ``sets``: ``--set PATH=VALUE`` items
    (``study.replications=3``, ``population.consumers=20000``,
    ``variants.gmv.set.platform_adaptation.interval_days=14``)."""
    from sim.scenario import parse_sets

    p = Path(path)
    raw = read_toml(p, PlatformObjectiveSpecError)
    return platform_objective_from_dict(raw, source=str(p), sets=parse_sets(sets) if sets else None)


# ====================================================================== runs
def play(scenario: Scenario, seed: int) -> dict:
    """One run: the run measures, the levers on the last day and their means, and the policy path."""
    from sim.market.orders import KEPT
    from sim.measures import run_summary
    from sim.model import LiveCommerceModel
    from sim.runner import daily_frame

    t0 = time.process_time()
    model = LiveCommerceModel(scenario, seed)
    model.run()
    daily = daily_frame(model)
    summary = dict(run_summary(model, daily))
    # the commission of orders not yet settled at the horizon that will be kept (the
    # platform's claim on the order book, as in sim/market/claims.py): the ledger
    # receives commission only at settlement, weeks after the order
    due = sum(int(ch.platform_fee[ch.outcome == KEPT].sum()) for ch in model.book)
    summary["profit_platform_accrued"] = summary["profit_platform"] + due / 100.0
    path = daily[list(LEVER_COLUMNS)].reset_index(drop=True)
    return {"summary": {m: float(summary[m]) for m in RUN_MEASURES}, "path": path,
            "moves": len(model.platform_policy.moves), "cpu_s": time.process_time() - t0}


def _task(sc: Scenario, variant: str, replication: int, seed: int) -> dict:
    return {"variant": variant, "replication": replication, "seed": seed, "out": play(sc, seed)}


def _execute(jobs: list[tuple], workers: int, tick: Callable[[int], None] | None) -> list[dict]:
    results: list[dict] = []
    if workers <= 1:
        for j in jobs:
            results.append(_task(*j))
            if tick:
                tick(1)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as ex:
        futs = [ex.submit(_task, *j) for j in jobs]
        for fut in as_completed(futs):
            results.append(fut.result())
            if tick:
                tick(1)
    return results


def _run_row(d: dict) -> dict:
    out = d["out"]
    row: dict[str, Any] = {"variant": d["variant"], "replication": d["replication"], "seed": d["seed"],
                           "cpu_s": out["cpu_s"], "cycles": out["moves"]}
    row.update(out["summary"])
    path = out["path"]
    for c in LEVER_COLUMNS:
        row[f"{c}_end"] = float(path[c].iloc[-1])
        row[f"{c}_mean"] = float(path[c].mean())
    return row


# ==================================================================== tables
def measures_of(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if c not in {"variant", "replication", "seed", "cpu_s", "cycles"}]


def summary_table(runs: pd.DataFrame, conf: float = 0.95) -> pd.DataFrame:
    """Per variant and measure: the mean over the seeds with its Student-t interval."""
    from sim.sweep.analyze import confidence_interval

    rows = []
    for variant, g in runs.groupby("variant", sort=False):
        for m in measures_of(runs):
            ci = confidence_interval(g[m].to_numpy(dtype=float), conf)
            rows.append({"variant": variant, "measure": m, "n": ci["n"], "mean": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, pairs: list[tuple[str, str]], conf: float = 0.95) -> pd.DataFrame:
    """For each ``(variant, reference)`` pair, per measure: the paired difference
    (same seed), its mean, Student-t interval and the difference relative to the
    reference's mean."""
    from sim.sweep.analyze import confidence_interval

    rows = []
    by = {v: g.set_index("replication") for v, g in runs.groupby("variant", sort=False)}
    for variant, ref in pairs:
        g, b = by[variant], by[ref]
        common = g.index.intersection(b.index)
        for m in measures_of(runs):
            d = (g.loc[common, m] - b.loc[common, m]).to_numpy(dtype=float)
            ci = confidence_interval(d, conf)
            bm = float(b.loc[common, m].mean())
            rows.append({"variant": variant, "reference": ref, "measure": m, "n": ci["n"], "reference_mean": bm,
                         "variant_mean": float(g.loc[common, m].mean()), "difference": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "relative": ci["mean"] / abs(bm) if bm else np.nan})
    return pd.DataFrame(rows)


def comparison_pairs(spec: PlatformObjectiveSpec) -> list[tuple[str, str]]:
    """Every variant against the baseline, then each later adaptive variant against the earlier ones."""
    others = [v.name for v in spec.variants if v.name != spec.baseline]
    pairs = [(v, spec.baseline) for v in others]
    pairs += [(a, b) for i, a in enumerate(others) for b in others[i + 1:]]
    return pairs


def mean_paths(paths: pd.DataFrame) -> pd.DataFrame:
    """Per variant and day, the mean of each lever over the seeds (and its lowest and highest)."""
    g = paths.groupby(["variant", "day"], sort=False)[list(LEVER_COLUMNS)]
    out = g.mean().add_suffix("_mean").join(g.min().add_suffix("_min")).join(g.max().add_suffix("_max"))
    return out.reset_index()


@dataclass
class PlatformObjectiveResult:
    spec: PlatformObjectiveSpec
    runs: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    paths: pd.DataFrame
    seconds: float = 0.0
    cpu_s: float = 0.0
    folder: Path | None = None
    meta: dict = field(default_factory=dict)

    def findings(self) -> list[str]:
        return findings(self.summary, self.differences, self.runs, self.spec)

    def table(self) -> str:
        return markdown_table(self.summary, self.differences, self.spec)


def run_platform_objective(spec: PlatformObjectiveSpec, *, out: str | Path | None = None, workers: int = 2,
                           progress: bool | Callable[[int], None] = False) -> PlatformObjectiveResult:
    """Run every variant on the same seeds; write the tables (Parquet), the table
    and findings (``report.md``), the plot of the policy paths and provenance
    into ``out`` (if given)."""
    from sim.streams import replication_seeds

    seeds = replication_seeds(spec.master_seed, spec.replications)
    jobs = [(spec.scenario(v), v.name, r, s) for v in spec.variants for r, s in enumerate(seeds)]
    bar = None
    tick = progress if callable(progress) else None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", desc="livesim platform-objective", file=sys.stderr)
        tick = bar.update
    t0 = time.perf_counter()
    try:
        done = _execute(jobs, workers, tick)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    order = {v.name: i for i, v in enumerate(spec.variants)}
    done.sort(key=lambda d: (order[d["variant"]], d["replication"]))
    runs = pd.DataFrame([_run_row(d) for d in done])
    paths = pd.concat([d["out"]["path"].assign(variant=d["variant"], replication=d["replication"],
                                               day=np.arange(len(d["out"]["path"])))
                       for d in done], ignore_index=True)
    paths = paths[["variant", "replication", "day", *LEVER_COLUMNS]]
    res = PlatformObjectiveResult(spec, runs, summary_table(runs), paired_differences(runs, comparison_pairs(spec)),
                                  paths, seconds, float(runs["cpu_s"].sum()))
    if out is not None:
        write_result(res, Path(out), workers)
    return res


FILES = ("runs", "summary", "differences", "paths")


def write_result(res: PlatformObjectiveResult, folder: Path, workers: int) -> None:
    from sim.io import write_atomic
    from sim.provenance import provenance

    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        frame = getattr(res, name)
        write_atomic(folder / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    spec = res.spec
    meta = {"spec": {"name": spec.name, "description": spec.description, "replications": spec.replications,
                     "master_seed": spec.master_seed, "days": spec.days, "baseline": spec.baseline,
                     "world": spec.world, "variants": [{"name": v.name, "label": v.label, "set": v.overrides}
                                                       for v in spec.variants]}}
    meta["provenance"] = provenance(seed=spec.master_seed, workers=workers, runs=len(res.runs),
                                    wall_time_s=round(res.seconds, 1), cpu_s=round(res.cpu_s, 1))
    write_atomic(folder / "study.json", lambda p: p.write_text(json.dumps(meta, indent=2, default=str), "utf-8"))
    text = f"# {spec.name}\n\n{res.table()}\n\n" + "\n\n".join(res.findings()) + "\n\n![policy paths](policy_paths.png)\n"
    write_atomic(folder / "report.md", lambda p: p.write_text(text, "utf-8"))
    write_atomic(folder / "policy_paths.png", lambda p: plot_paths(res.paths, spec, p))
    res.folder = folder
    res.meta = meta


def load_result(folder: str | Path) -> PlatformObjectiveResult:
    """A finished study's tables from its folder."""
    folder = Path(folder)
    missing = [f"{n}.parquet" for n in FILES if not (folder / f"{n}.parquet").is_file()]
    if not (folder / "study.json").is_file():
        missing.append("study.json")
    if missing:
        raise InputError(f"{folder}: not a platform-objective study folder (missing {', '.join(missing)})")
    meta = json.loads((folder / "study.json").read_text("utf-8"))
    s = meta["spec"]
    spec = PlatformObjectiveSpec(name=s["name"], description=s["description"], replications=s["replications"],
                                 master_seed=s["master_seed"], days=s["days"], baseline=s["baseline"], output=folder,
                                 world=s["world"], variants=[Variant(v["name"], v["label"], v["set"])
                                                             for v in s["variants"]])
    frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in FILES}
    return PlatformObjectiveResult(spec, frames["runs"], frames["summary"], frames["differences"], frames["paths"],
                                   folder=folder, meta=meta)


# ===================================================================== plot
def plot_paths(paths: pd.DataFrame, spec: PlatformObjectiveSpec, where: Path) -> None:
    """One panel per lever: each variant's mean path over the seeds, shaded from
    the lowest to the highest seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mp = mean_paths(paths)
    labels = {v.name: v.label for v in spec.variants}
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    for ax, (col, title) in zip(axes.flat, LEVER_COLUMNS.items()):
        for variant, g in mp.groupby("variant", sort=False):
            line, = ax.plot(g["day"], g[f"{col}_mean"], label=labels.get(variant, variant), lw=1.4)
            ax.fill_between(g["day"], g[f"{col}_min"], g[f"{col}_max"], color=line.get_color(), alpha=0.15, lw=0)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("day")
    axes[0, 0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{spec.name}: the levers in force (mean over {spec.replications} seeds; band: lowest to highest)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(where, dpi=110, format="png")
    plt.close(fig)


# ================================================================== findings
def _fmt(measure: str, v: float, signed: bool = False) -> str:
    unit = RUN_MEASURES.get(measure, ("", ""))[1]
    if unit == "yuan":
        return f"{v:+,.0f} yuan" if signed else f"{v:,.0f} yuan"
    if unit == "share":
        return f"{100 * v:+.2f} points" if signed else f"{100 * v:.2f}%"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def markdown_table(summary: pd.DataFrame, diff: pd.DataFrame, spec: PlatformObjectiveSpec) -> str:
    """Means with 95% intervals per variant, and each variant's paired difference from the baseline."""
    names = [v.name for v in spec.variants]
    s = summary.set_index(["measure", "variant"])
    d = diff[diff["reference"] == spec.baseline].set_index(["measure", "variant"])
    head = ["measure", *[f"{n} (mean, 95% CI)" for n in names],
            *[f"{n} - {spec.baseline} (95% CI)" for n in names if n != spec.baseline]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    label = {**{m: lab for m, (lab, _) in RUN_MEASURES.items()},
             **{f"{c}_end": f"{t} on the last day" for c, t in LEVER_COLUMNS.items()},
             **{f"{c}_mean": f"{t}, mean over the run" for c, t in LEVER_COLUMNS.items()}}
    for m in dict.fromkeys(summary["measure"]):
        cells = [label.get(m, m)]
        for n in names:
            r = s.loc[(m, n)]
            cells.append(f"{_fmt(m, r['mean'])} [{_fmt(m, r['ci_low'])}, {_fmt(m, r['ci_high'])}]")
        for n in names:
            if n == spec.baseline:
                continue
            r = d.loc[(m, n)]
            cells.append(f"{_fmt(m, r['difference'], True)} [{_fmt(m, r['ci_low'], True)}, "
                         f"{_fmt(m, r['ci_high'], True)}]")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ci(r, m) -> str:
    return f"95% interval {_fmt(m, r['ci_low'], True)} to {_fmt(m, r['ci_high'], True)}"


def _pct(r) -> str:
    """`` +1.2%`` of the reference's mean, or nothing when the reference is 0."""
    return f" {100 * r['relative']:+.1f}%" if np.isfinite(r["relative"]) else ""


def _significant(r) -> bool:
    return bool(np.isfinite(r["ci_low"]) and (r["ci_low"] > 0 or r["ci_high"] < 0))


def findings(summary: pd.DataFrame, diff: pd.DataFrame, runs: pd.DataFrame, spec: PlatformObjectiveSpec) -> list[str]:
    """Sentences with the numbers of the tables (computed, never typed)."""
    labels = {v.name: v.label for v in spec.variants}
    s = summary.set_index(["variant", "measure"])
    out = []
    n = spec.replications
    for (variant, ref), d in diff.groupby(["variant", "reference"], sort=False):
        d = d.set_index("measure")
        parts = []
        g = d.loc["gmv"]
        parts.append(f"GMV by{_pct(g)} ({_fmt('gmv', g['difference'], True)}, {_ci(g, 'gmv')})")
        p = d.loc["profit_platform_accrued"]
        parts.append(f"the platform's profit (with the commission due on unsettled orders) by{_pct(p)} "
                     f"({_fmt('profit_platform', p['difference'], True)}, {_ci(p, 'profit_platform')})")
        for m, text in (("sme_gmv_share", "the SME share of GMV"), ("top50_gmv_share", "the top-50 share of live GMV"),
                        ("long_tail_traffic_share", "the long tail's share of public traffic")):
            r = d.loc[m]
            parts.append(f"{text} by {_fmt(m, r['difference'], True)} ({_ci(r, m)})")
        moved = [text for m, text in (("gmv", "GMV"), ("profit_platform_accrued", "profit"),
                                      ("long_tail_traffic_share", "the long tail's traffic share"))
                 if _significant(d.loc[m])]
        verdict = (f"; the interval excludes zero for {', '.join(moved)}" if moved
                   else f"; no interval of these three excludes zero at {n} seeds")
        out.append(f"{labels.get(variant, variant)} against {labels.get(ref, ref)} (paired over {n} seeds) changes "
                   + ", ".join(parts) + verdict + ".")
    for v in spec.variants:
        if (v.name, "policy_commission_scale_end") not in s.index:
            continue
        g = runs[runs["variant"] == v.name]
        if g["cycles"].max() == 0:
            continue
        ends = []
        for c, text in LEVER_COLUMNS.items():
            r = s.loc[(v.name, f"{c}_end")]
            ends.append(f"{text} {r['mean']:.3g} (seeds from {g[f'{c}_end'].min():.3g} to {g[f'{c}_end'].max():.3g})")
        out.append(f"{labels.get(v.name, v.name)} ends the run ({spec.days} days, {int(g['cycles'].mean())} "
                   f"adaptation cycles) holding, on average over the seeds: " + ", ".join(ends) + ".")
    return sentences(out)


__all__ = ["LEVER_COLUMNS", "PlatformObjectiveResult", "PlatformObjectiveSpec", "PlatformObjectiveSpecError",
           "RUN_MEASURES", "Variant", "findings", "load_platform_objective", "load_result", "markdown_table",
           "paired_differences", "platform_objective_from_dict", "run_platform_objective", "summary_table"]
