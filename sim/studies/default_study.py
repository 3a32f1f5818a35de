"""The default study: what the README's first command runs.

Five sections, each a small, complete version of a question the tool exists
for, and each writing the Parquet files behind every number it reports:

1. **the default year**: the default scenario over its horizon on several
   seeds (GMV, concentration, SME share, trust, returns, defaults over time);
2. **the traffic-policy what-if**: per-anchor caps and long-tail reserves in
   a reduced world, on paired seeds (common random numbers), each policy's
   difference from the status quo with a 95% interval;
3. **the emergent coalition game**: platform, suppliers and anchors, worths
   with standard errors over replications, every split rule's allocation,
   core verdicts with blocking coalitions, ``theta_emergent``;
4. **split stability**: a few split rules under a few shocks (a small
   version of ``experiments/split_stability.toml``);
5. **validation**: the default year's runs against the stylized facts.

:func:`run_default_study` runs every section's runs in one process pool with
one progress bar, writes the Parquet files, computes the findings from those
files (:func:`compute_findings`: sentences whose numbers come from the
frames, never typed), and writes ``report.html`` (one self-contained file)
and ``report.md``. Same seed, same results, whatever the number of workers.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from sim.io import write_atomic
from sim.parallel import run_jobs
from sim.scenario import Scenario
from sim.streams import replication_seeds

ROOT = Path(__file__).resolve().parents[2]   # the repository (the experiments/ folder)

# the measures the policy what-if compares, with how a difference is reported
POLICY_MEASURES = {
    "top50_gmv_share": ("top-50 anchors' share of live GMV", "points"),
    "top50_traffic_share": ("top-50 anchors' share of public traffic", "points"),
    "sme_gmv_share": ("SME share of GMV", "points"),
    "gmv": ("GMV", "%"),
    "live_conversion": ("live conversion", "%"),
    "mean_institutional_trust": ("institutional trust", "points"),
    "return_rate": ("return rate", "points"),
}
YEAR_SERIES = ("gmv", "net_gmv", "top50_gmv_share", "top50_traffic_share", "sme_gmv_share", "gini_anchor_gmv",
               "mean_institutional_trust", "mean_personal_trust", "return_rate", "reverse_logistics_share",
               "defaults", "loans_drawn", "active_consumers")
STABILITY_MEASURES = ("share_in_core", "time_to_first_defection", "share_defecting", "surplus_kept")


@dataclass(frozen=True)
class StudySize:
    """How big each section is. :data:`DEFAULT_SIZE` is sized to finish in
    well under 10 minutes on 2 cores; :data:`TINY_SIZE` is for tests."""

    year_replications: int = 5
    year_overrides: dict = field(default_factory=dict)            # the default scenario as it is
    policy_replications: int = 5
    policy_world: dict = field(default_factory=lambda: {
        "population.consumers": 20000, "population.anchors": 400, "population.suppliers": 80, "time.days": 120})
    policy_arms: dict = field(default_factory=lambda: {
        "status quo": (1.0, 0.0), "cap 2%": (0.02, 0.0), "cap 1%": (0.01, 0.0),
        "reserve 15%": (1.0, 0.15), "reserve 30%": (1.0, 0.3), "cap 1% + reserve 30%": (0.01, 0.3)})
    game_world: dict = field(default_factory=lambda: {
        "population.consumers": 20000, "population.anchors": 400, "population.suppliers": 80, "time.days": 120})
    game_replications: int = 6
    game_warmup: int = 60
    game_window: int = 30
    stability_overrides: dict = field(default_factory=lambda: {"time.days": 120})   # 4 settlement periods
    stability_rules: tuple = ("shapley", "nucleolus", "proportional", "status_quo")
    stability_shocks: tuple = ("none", "persona_collapse", "credit_squeeze")
    stability_replications: int = 4
    master_seed: int = 20261201


DEFAULT_SIZE = StudySize()
_TINY_WORLD = {"population.consumers": 600, "population.anchors": 60, "population.suppliers": 16, "time.days": 40}
TINY_SIZE = StudySize(
    year_replications=3, year_overrides=dict(_TINY_WORLD),
    policy_replications=3, policy_world=dict(_TINY_WORLD),
    policy_arms={"status quo": (1.0, 0.0), "cap 5%": (0.05, 0.0), "reserve 30%": (1.0, 0.3)},
    game_world=dict(_TINY_WORLD), game_replications=2, game_warmup=10, game_window=10,
    stability_overrides={"population.consumers": 400, "population.anchors": 40, "population.suppliers": 12,
                         "time.days": 20, "time.settlement_period": 10},
    stability_rules=("shapley", "status_quo"), stability_shocks=("none", "persona_collapse"),
    stability_replications=2)
SIZES = {"default": DEFAULT_SIZE, "tiny": TINY_SIZE}

# ---- the command that reproduces each section at full size (shown at its end)
FULL_SIZE_COMMANDS = {
    "year": ".venv/bin/livesim validate --replications 5     # the default year on 5 seeds, with the paired facts\n"
            ".venv/bin/livesim run --seed 1 --out results/run  # one default year, its daily table and plots",
    "policy": ".venv/bin/livesim sweep experiments/traffic_caps.toml && .venv/bin/livesim analyze results/traffic_caps",
    "game": ".venv/bin/livesim coalition --replications 10 --warmup 60   # the default world, 10 replications",
    "stability": ".venv/bin/livesim sweep experiments/split_stability.toml   # 7 rules x 4 shocks x 5 replications",
    "validation": ".venv/bin/livesim validate --replications 5",
}


# ====================================================================== tasks
# Module-level functions so that worker processes can run them.

def _year_task(sc: Scenario, seed: int) -> dict:
    from sim.runner import run_scenario

    res = run_scenario(sc, seed, keep_daily=True)
    cols = [c for c in YEAR_SERIES if c in res.daily.columns]
    return {"summary": res.summary, "daily": res.daily[["day", *cols]]}


def _policy_task(sc: Scenario, seed: int) -> dict:
    from sim.runner import run_scenario

    return {"summary": run_scenario(sc, seed).summary}


def _game_task(sc: Scenario, seed: int, replications: int, warmup: int, window: int) -> dict:
    from sim.coalition.game import estimate_game

    est = estimate_game(sc, "roles", seed=seed, replications=replications, warmup=warmup, window=window)
    return {"estimate": est}


def _stability_task(sc: Scenario, seed: int) -> dict:
    from sim.studies.split_stability import run_stability

    return {"summary": run_stability(sc, seed).summary}


@dataclass
class _Task:
    section: str
    key: dict
    fn: Callable
    args: tuple
    cost: float   # relative cost, for the order of submission (longest first)


def _stability_base(size: StudySize) -> Scenario:
    from sim.sweep import load_spec

    spec = load_spec(ROOT / "experiments" / "split_stability.toml")
    return spec.base.with_overrides(size.stability_overrides)


def plan_tasks(size: StudySize) -> list[_Task]:
    """Every run of the study, with its section and key."""
    tasks: list[_Task] = []
    year = Scenario().with_overrides(size.year_overrides)
    ycost = year.population.consumers * year.time.days
    for r, s in enumerate(replication_seeds(size.master_seed, size.year_replications)):
        tasks.append(_Task("year", {"replication": r, "seed": s}, _year_task, (year, s), ycost))
    world = Scenario().with_overrides(size.policy_world)
    pcost = world.population.consumers * world.time.days
    pseeds = replication_seeds(size.master_seed + 1, size.policy_replications)
    for arm, (cap, reserve) in size.policy_arms.items():
        sc = world.with_overrides({"traffic.anchor_cap": cap, "traffic.long_tail_reserve": reserve})
        for r, s in enumerate(pseeds):
            tasks.append(_Task("policy", {"arm": arm, "anchor_cap": cap, "long_tail_reserve": reserve,
                                          "replication": r, "seed": s}, _policy_task, (sc, s), pcost))
    gworld = Scenario().with_overrides(size.game_world)
    gcost = gworld.population.consumers * size.game_replications * (size.game_warmup + 7 * size.game_window)
    tasks.append(_Task("game", {}, _game_task, (gworld, size.master_seed + 2, size.game_replications,
                                                size.game_warmup, size.game_window), gcost))
    base = _stability_base(size)
    periods = base.time.days // base.time.settlement_period
    scost = base.population.consumers * periods * 7 * base.time.settlement_period
    sseeds = replication_seeds(size.master_seed + 3, size.stability_replications)
    for rule in size.stability_rules:
        for shock in size.stability_shocks:
            sc = base.with_overrides({"coalition.split_rule": rule, "coalition.shock": shock})
            for r, s in enumerate(sseeds):
                tasks.append(_Task("stability", {"split_rule": rule, "shock": shock, "replication": r, "seed": s},
                                   _stability_task, (sc, s), scost))
    return tasks


def _timed(fn: Callable, *args) -> dict:
    """Run one task; its result with the CPU seconds its process spent on it
    (the study's CPU time does not depend on how loaded the machine is)."""
    t0 = time.process_time()
    out = fn(*args)
    out["cpu_s"] = time.process_time() - t0
    return out


def _execute(tasks: list[_Task], workers: int, progress: Callable[[int], None] | None) -> list[dict]:
    """Every task timed, the most costly started first; results in the tasks' order."""
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)
    return run_jobs(_timed, [(t.fn, *t.args) for t in tasks], workers, progress, order=order)


# ================================================================== frames
def _policy_differences(runs: pd.DataFrame, base_arm: str) -> pd.DataFrame:
    """Each arm's paired difference from ``base_arm`` per measure (same seed):
    shares in points (fractions), money and conversion relative (fractions)."""
    from sim.sweep.analyze import interval

    base = runs[runs["arm"] == base_arm].set_index("seed")
    rows = []
    for arm, g in runs.groupby("arm", sort=False):
        if arm == base_arm:
            continue
        g = g.set_index("seed").loc[base.index]
        for m, (label, unit) in POLICY_MEASURES.items():
            if unit == "%":
                d = (g[m] / base[m] - 1.0).to_numpy()
            else:
                d = (g[m] - base[m]).to_numpy()
            iv = interval(d)
            rows.append({"arm": arm, "anchor_cap": float(g["anchor_cap"].iloc[0]),
                         "long_tail_reserve": float(g["long_tail_reserve"].iloc[0]), "measure": m, "label": label,
                         "unit": unit, "n": iv["n"], "difference": iv["mean"], "ci_low": iv["ci_low"],
                         "ci_high": iv["ci_high"], "base_mean": float(base[m].mean())})
    return pd.DataFrame(rows)


def _game_frames(est) -> dict[str, pd.DataFrame]:
    from sim.coalition.game import label

    d = est.to_dict()
    n = len(est.players)
    units = pd.DataFrame(est.worths[:, 1:], columns=[label(est.players, m) for m in range(1, 1 << n)])
    units.insert(0, "unit", range(est.n_units))
    for i, p in enumerate(est.players):
        units[f"status_quo_{p}"] = est.status_quo[:, i]
        units[f"risk_{p}"] = est.risk[:, i]
    worths = pd.DataFrame([{"coalition": c, "size": c.count(",") + 1, "mean": w["mean"], "se": w["se"]}
                           for c, w in d["worths"].items()])
    rows = []
    for rule, x in d["allocations"].items():
        verdict = d["core"]["rules"].get(rule)
        for p in est.players:
            rows.append({
                "rule": rule, "player": p, "value": np.nan if x is None else x[p],
                "se": np.nan if x is None else d["allocation_se"][rule][p],
                "defined": x is not None, "undefined_reason": d["undefined_rules"].get(rule, ""),
                "in_core": bool(verdict["in_core"]) if verdict else False,
                "blocking": "; ".join(f"{{{c}}} {e:,.0f}" for c, e in
                                      sorted(verdict["blocking"].items(), key=lambda kv: -kv[1])) if verdict else "",
                "n_blocking": len(verdict["blocking"]) if verdict else 0,
            })
    allocations = pd.DataFrame(rows)
    summary = pd.DataFrame([{
        "players": ",".join(est.players), "theta_emergent": d["theta_emergent"], "core_empty": d["core"]["empty"],
        "least_core_epsilon": d["core"]["least_core_epsilon"], "se_method": d["se_method"], "units": d["units"],
        "window_days": d["window_days"], "runs": d["runs"], "risk_weight": est.risk_weight}])
    return {"game_units": units, "game_worths": worths, "game_allocations": allocations, "game_summary": summary}


def _stability_table(runs: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """Mean and 95% interval per rule and shock; intervals of the bounded
    measures are clipped to their range (shares in [0, 1], days in [0, horizon])."""
    from sim.sweep.analyze import interval

    bounds = {"share_in_core": (0.0, 1.0), "share_defecting": (0.0, 1.0), "time_to_first_defection": (0.0, horizon),
              "surplus_kept": (-np.inf, np.inf)}
    rows = []
    for (rule, shock), g in runs.groupby(["split_rule", "shock"], sort=False):
        row = {"split_rule": rule, "shock": shock, "n": len(g)}
        for m in STABILITY_MEASURES:
            iv = interval(g[m].to_numpy())
            lo, hi = bounds[m]
            row[m] = iv["mean"]
            row[f"{m}_low"], row[f"{m}_high"] = float(np.clip(iv["ci_low"], lo, hi)), float(np.clip(iv["ci_high"], lo, hi))
        rows.append(row)
    return pd.DataFrame(rows)


def build_frames(tasks: list[_Task], results: list[dict]) -> dict[str, pd.DataFrame]:
    """The study's tables (each written as ``<name>.parquet``) from its runs."""
    from sim.studies.validate import facts_table

    frames: dict[str, pd.DataFrame] = {}
    year_s, year_d, pol, stab = [], [], [], []
    for t, r in zip(tasks, results):
        if t.section == "year":
            year_s.append({**t.key, **r["summary"]})
            year_d.append(r["daily"].assign(**t.key))
        elif t.section == "policy":
            pol.append({**t.key, **r["summary"]})
        elif t.section == "game":
            frames.update(_game_frames(r["estimate"]))
        elif t.section == "stability":
            stab.append({**t.key, **r["summary"]})
    frames["year_summary"] = pd.DataFrame(year_s)
    frames["year_daily"] = pd.concat(year_d, ignore_index=True)
    frames["policy_runs"] = pd.DataFrame(pol)
    frames["policy_differences"] = _policy_differences(frames["policy_runs"], next(iter(dict.fromkeys(
        frames["policy_runs"]["arm"]))))
    frames["stability_runs"] = pd.DataFrame(stab)
    horizon = next(t.args[0].time.days for t in tasks if t.section == "stability")
    frames["stability_table"] = _stability_table(frames["stability_runs"], float(horizon))
    frames["validation"] = facts_table(frames["year_summary"])
    return frames


# ================================================================ findings
@dataclass
class Finding:
    section: str
    key: str
    text: str
    value: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")


def _pct(v: float, digits: int = 1) -> str:
    return f"{100 * v:.{digits}f}%"


def _pts(v: float, digits: int = 2) -> str:
    return f"{100 * v:+.{digits}f} points"


def _ci(lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    return f"95% interval {fmt(lo)} to {fmt(hi)}"


def _iv(values) -> dict:
    from sim.sweep.analyze import interval

    return interval(np.asarray(values, dtype=float))


def _year_findings(f: dict[str, pd.DataFrame]) -> list[Finding]:
    s, d = f["year_summary"], f["year_daily"]
    n = len(s)
    out = []
    gmv = _iv(s["gmv"] / 1e4)
    days = int(d["day"].max()) + 1
    out.append(Finding("year", "gmv", f"Over {days} days the default scenario sells a GMV of "
                       f"{gmv['mean']:,.0f} (10,000 yuan; mean of {n} seeds, "
                       f"{_ci(gmv['ci_low'], gmv['ci_high'], lambda v: f'{v:,.0f}')}).",
                       gmv["mean"], gmv["ci_low"], gmv["ci_high"]))
    month = min(30, days // 3) or 1
    first = d[d["day"] < month].groupby("seed")["top50_gmv_share"].mean()
    last = d[d["day"] >= days - month].groupby("seed")["top50_gmv_share"].mean()
    ch = _iv((last - first).to_numpy())
    out.append(Finding("year", "top50_drift", f"The top-50 anchors' share of daily live GMV moves from "
                       f"{_pct(first.mean())} in the first {month} days to {_pct(last.mean())} in the last {month} "
                       f"({_pts(ch['mean'])}, {_ci(ch['ci_low'], ch['ci_high'], _pts)}); over the whole run it is "
                       f"{_pct(s['top50_gmv_share'].mean())}.", ch["mean"], ch["ci_low"], ch["ci_high"]))
    sme = _iv(s["sme_gmv_share"])
    out.append(Finding("year", "sme_share", f"SME merchants sell {_pct(sme['mean'])} of GMV "
                       f"({_ci(sme['ci_low'], sme['ci_high'], _pct)}).", sme["mean"], sme["ci_low"], sme["ci_high"]))
    t0 = d[d["day"] == 0].set_index("seed")["mean_institutional_trust"]
    t1 = d[d["day"] == days - 1].set_index("seed")["mean_institutional_trust"]
    dt = _iv((t1 - t0).to_numpy())
    out.append(Finding("year", "trust", f"Mean institutional trust goes from {t0.mean():.3f} on day 0 to "
                       f"{t1.mean():.3f} on day {days - 1} (change {dt['mean']:+.4f}, "
                       f"{_ci(dt['ci_low'], dt['ci_high'], lambda v: f'{v:+.4f}')}).",
                       dt["mean"], dt["ci_low"], dt["ci_high"]))
    rr = _iv(s["return_rate"])
    text = f"{_pct(rr['mean'])} of deliveries come back ({_ci(rr['ci_low'], rr['ci_high'], _pct)})"
    if "defaults_suppliers" in s:
        dd = _iv(s["defaults_suppliers"])
        text += (f"; suppliers default {dd['mean']:.1f} times per run on average "
                 f"({_ci(dd['ci_low'], dd['ci_high'], lambda v: f'{v:.1f}')})")
    out.append(Finding("year", "returns_defaults", text + ".", rr["mean"], rr["ci_low"], rr["ci_high"]))
    return out


def _policy_findings(f: dict[str, pd.DataFrame]) -> list[Finding]:
    diff = f["policy_differences"]
    runs = f["policy_runs"]
    n = runs.groupby("arm").size().min()
    out = []

    def fmt(unit):
        return _pts if unit == "points" else (lambda v: f"{100 * v:+.2f}%")

    for arm, g in diff.groupby("arm", sort=False):
        g = g.set_index("measure")
        parts = []
        for m in ("top50_gmv_share", "sme_gmv_share", "gmv"):
            r = g.loc[m]
            fm = fmt(r["unit"])
            parts.append(f"the {r['label']} by {fm(r['difference'])} ({_ci(r['ci_low'], r['ci_high'], fm)})")
        r = g.loc["top50_gmv_share"]
        out.append(Finding("policy", f"{arm}", f"Against the status quo on the same {n} seeds, {arm} changes "
                           + ", ".join(parts[:-1]) + " and " + parts[-1] + ".",
                           r["difference"], r["ci_low"], r["ci_high"]))
    # which policies can be told apart from the status quo on GMV
    gm = diff[diff["measure"] == "gmv"]
    lower = gm[gm["ci_high"] < 0]["arm"].tolist()
    text = f"{len(lower)} of {len(gm)} policies lower GMV with a 95% interval below zero"
    text += f" ({', '.join(lower)})" if lower else ""
    if len(lower) < len(gm):
        text += "; for the others the study cannot tell their GMV from the status quo's"
    out.append(Finding("policy", "gmv_cost", text + ".", float(len(lower))))
    return out


def _game_findings(f: dict[str, pd.DataFrame]) -> list[Finding]:
    s = f["game_summary"].iloc[0]
    units = f["game_units"]
    players = s["players"].split(",")
    alone = units[players].sum(axis=1)
    grand = units[",".join(sorted(players))]
    theta_u = _iv((grand / alone - 1.0).to_numpy())
    w = f["game_worths"].set_index("coalition")
    gw = w.loc[",".join(sorted(players))]
    out = [Finding("game", "theta", f"The grand coalition earns v(N) = {gw['mean']:,.0f} yuan over the "
                   f"{int(s['window_days'])}-day window (standard error {gw['se']:,.0f}, {int(s['units'])} "
                   f"replications); theta_emergent = v(N) / (sum of standalone worths) - 1 = "
                   f"{s['theta_emergent']:.3f} (per replication {theta_u['mean']:.3f}, "
                   f"{_ci(theta_u['ci_low'], theta_u['ci_high'], lambda v: f'{v:.3f}')}).",
                   float(s["theta_emergent"]), theta_u["ci_low"], theta_u["ci_high"])]
    a = f["game_allocations"]
    rules = a.drop_duplicates("rule").set_index("rule")
    defined = rules[rules["defined"]]
    in_core = defined[defined["in_core"]].index.tolist()
    core = "empty" if s["core_empty"] else "non-empty"
    out.append(Finding("game", "core", f"The core of the estimated game is {core} (least-core epsilon "
                       f"{s['least_core_epsilon']:,.0f} yuan); {len(in_core)} of {len(defined)} split rules give a "
                       f"split in it" + (f" ({', '.join(in_core)})" if in_core else "") + ".", float(len(in_core))))
    sh = a[a["rule"] == "shapley"].set_index("player")
    if sh["defined"].all():
        shares = ", ".join(f"{p} {sh.at[p, 'value']:,.0f} (se {sh.at[p, 'se']:,.0f})" for p in players)
        block = sh["blocking"].iloc[0]
        out.append(Finding("game", "shapley", f"The Shapley split gives {shares} yuan; it is "
                           + ("in the core." if sh["in_core"].iloc[0] else f"blocked by {block}."),
                           float(sh["in_core"].iloc[0])))
    return out


def _stability_findings(f: dict[str, pd.DataFrame]) -> list[Finding]:
    t = f["stability_table"]
    out = []
    for shock, g in t.groupby("shock", sort=False):
        g = g.sort_values("share_in_core", ascending=False)
        best, worst = g.iloc[0], g.iloc[-1]
        out.append(Finding("stability", f"{shock}", f"Shock '{shock}': {best['split_rule']} keeps the split in the "
                           f"period's core in {_pct(best['share_in_core'], 0)} of settlement periods "
                           f"({_ci(best['share_in_core_low'], best['share_in_core_high'], lambda v: _pct(v, 0))}), "
                           f"{worst['split_rule']} in {_pct(worst['share_in_core'], 0)}; under {worst['split_rule']} "
                           f"{_pct(worst['share_defecting'])} of agents defect and the coalition keeps "
                           f"{_pct(worst['surplus_kept'])} of the surplus.",
                           float(best["share_in_core"]), float(best["share_in_core_low"]),
                           float(best["share_in_core_high"])))
    return out


def _validation_findings(f: dict[str, pd.DataFrame]) -> list[Finding]:
    v = f["validation"]
    fails = v[v["result"] == "fail"]
    text = f"{int((v['result'] == 'pass').sum())} of {len(v)} stylized facts pass on {len(f['year_summary'])} seeds"
    if len(fails):
        text += "; outside their band: " + "; ".join(
            f"{r['id']} {r['measure']} ({_pct(r['mean'], 2)}, band {r['band']})" for _, r in fails.iterrows())
    return [Finding("validation", "passes", text + ".", float((v["result"] == "pass").sum()))]


def compute_findings(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The findings of every section, computed from the study's tables."""
    rows = []
    for fn in (_year_findings, _policy_findings, _game_findings, _stability_findings, _validation_findings):
        rows += [asdict(x) for x in fn(frames)]
    return pd.DataFrame(rows)


# ==================================================================== files
FRAME_NAMES = ("year_summary", "year_daily", "policy_runs", "policy_differences", "game_units", "game_worths",
               "game_allocations", "game_summary", "stability_runs", "stability_table", "validation", "findings")


def load_frames(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The study's Parquet files of ``folder``, by name."""
    folder = Path(folder)
    missing = [n for n in FRAME_NAMES if not (folder / f"{n}.parquet").exists()]
    if missing:
        from sim.errors import InputError

        raise InputError(f"{folder}: not a default-study folder (missing {', '.join(missing)}.parquet)")
    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in FRAME_NAMES}


@dataclass
class StudyResult:
    folder: Path
    frames: dict[str, pd.DataFrame]
    seconds: float
    runs: int


def run_default_study(out: str | Path = "results/default", size: StudySize | str = "default", workers: int = 2,
                      progress: bool | Callable[[int], None] = True) -> StudyResult:
    """Run the study, write its Parquet files, ``report.html`` and ``report.md``
    into ``out``; returns the tables. ``progress``: True for a bar on stderr,
    or a callable given the number of runs just finished."""
    from sim.provenance import provenance
    from sim.report.study_html import study_html, study_markdown

    size = SIZES[size] if isinstance(size, str) else size
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = plan_tasks(size)
    t0 = time.perf_counter()
    bar = None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), unit="run", desc="livesim study", file=sys.stderr)
        tick = bar.update
    else:
        tick = progress or None
    try:
        results = _execute(tasks, workers, tick)
    finally:
        if bar is not None:
            bar.close()
    frames = build_frames(tasks, results)
    frames["findings"] = compute_findings(frames)
    seconds = time.perf_counter() - t0
    for name in FRAME_NAMES:
        write_atomic(out / f"{name}.parquet", lambda p, n=name: frames[n].to_parquet(p, index=False))
    size_dict = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(size).items()}
    size_dict["policy_arms"] = {k: list(v) for k, v in size.policy_arms.items()}
    cpu = {sec: round(sum(r["cpu_s"] for t, r in zip(tasks, results) if t.section == sec), 1)
           for sec in dict.fromkeys(t.section for t in tasks)}
    prov = provenance(seed=size.master_seed, workers=workers, runs=len(tasks), wall_time_s=round(seconds, 1),
                      cpu_s=round(sum(cpu.values()), 1), cpu_s_by_section=cpu)
    prov["study_size"] = size_dict
    write_atomic(out / "provenance.json", lambda p: p.write_text(json.dumps(prov, indent=2, default=str), "utf-8"))
    write_atomic(out / "report.html", lambda p: p.write_text(study_html(frames, prov, commands=FULL_SIZE_COMMANDS), encoding="utf-8"))
    write_atomic(out / "report.md", lambda p: p.write_text(study_markdown(frames, prov, commands=FULL_SIZE_COMMANDS), encoding="utf-8"))
    return StudyResult(out, frames, seconds, len(tasks))


def rebuild_report(folder: str | Path) -> Path:
    """Re-render ``report.html`` and ``report.md`` of a finished study from its
    Parquet files (no run)."""
    from sim.report.study_html import study_html, study_markdown

    folder = Path(folder)
    frames = load_frames(folder)
    prov = json.loads((folder / "provenance.json").read_text("utf-8")) if (folder / "provenance.json").exists() else {}
    write_atomic(folder / "report.html", lambda p: p.write_text(study_html(frames, prov, commands=FULL_SIZE_COMMANDS), encoding="utf-8"))
    write_atomic(folder / "report.md", lambda p: p.write_text(study_markdown(frames, prov, commands=FULL_SIZE_COMMANDS), encoding="utf-8"))
    return folder / "report.html"


__all__ = ["DEFAULT_SIZE", "TINY_SIZE", "SIZES", "StudySize", "StudyResult", "Finding", "FULL_SIZE_COMMANDS",
           "compute_findings", "load_frames", "plan_tasks", "rebuild_report", "run_default_study"]
