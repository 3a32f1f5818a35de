"""What each party co-creates (``experiments/co_creation.toml``, ``livesim co-creation``).

A *variant* is a named set of scenario overrides; the study runs every
variant on the same seeds (common random numbers) and reports each one's
difference from the baseline variant (every party's co-creation on) with a
95% interval of the paired differences. In the shipped spec each variant
switches one party's co-creation off: the platform's matching
(``recommendation``), the anchors' content and interaction (``content``,
``engagement``), the customers' reviews and product feedback (``reviews``,
``feedback``), the live-shelf links (``shelf_links``, ``search``); any
scenario switch or lever can make a variant.

One run (a variant on a seed) builds the world, runs ``warmup_days`` in the
grand coalition and plays the coalition game over ``window_days``: the
model is forked into the 7 coalitions of platform, suppliers and anchors
(``players``, docs/coalition.md), each run in its mode with the grand run's
random streams replayed day by day. The grand coalition's fork is the
continuation of the plain run (bit for bit), so the run's measures (GMV,
trust, returns, each role's profit over warm-up and window) come from it
at no extra cost. Per run the study keeps those measures, the 7 worths
``v_<coalition>``, the synergy ``v(N) - sum of standalone worths``,
``theta_emergent = v(N) / sum of standalone worths - 1`` and, for the
three role players, the pair synergies of MODEL.md section 7
(:func:`sim.coalition.synergy.three_party_view`) and each player's Shapley
value; per variant, the game of the replications (the mean game: its core
verdicts, Shapley in the core, least-core epsilon).

Bad specs are refused, every problem at once with its field, before any run
(:func:`load_co_creation`). Same spec, same results, whatever the number of
workers.
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
from sim.scenario import Scenario
from sim.studies.variants import Variant, check_variants, integer_field, read_tables, sentences, text_field

#: run measures the study reports (from the grand run's summary)
RUN_MEASURES = {
    "gmv": ("GMV", "yuan"),
    "net_gmv": ("GMV net of refunds", "yuan"),
    "sme_gmv_share": ("SME share of GMV", "share"),
    "top50_gmv_share": ("top-50 anchors' share of live GMV", "share"),
    "live_conversion": ("live conversion", "share"),
    "mean_institutional_trust": ("institutional trust (last day)", "share"),
    "mean_personal_trust": ("personal trust in followed anchors (last day)", "share"),
    "return_rate": ("return rate", "share"),
    "profit_platform": ("platform's profit (cash, warm-up and window)", "yuan"),
    "profit_suppliers": ("suppliers' profit (cash, warm-up and window)", "yuan"),
    "profit_anchors": ("anchors' profit (cash, warm-up and window)", "yuan"),
}
STUDY_FIELDS = {"name", "description", "replications", "master_seed", "warmup_days", "window_days", "players",
                "baseline", "output"}
class CoCreationSpecError(InputError):
    """A co-creation spec that does not validate."""


@dataclass
class CoCreationSpec:
    name: str
    description: str
    replications: int
    master_seed: int
    warmup_days: int
    window_days: int
    players: str
    baseline: str
    output: Path
    world: dict                     # overrides of the default scenario (the world)
    variants: list[Variant]
    source: str = ""

    def scenario(self, variant: Variant) -> Scenario:
        """The variant's scenario: the world, the horizon warm-up + window, the variant's overrides."""
        return Scenario().with_overrides({**self.world, "time.days": self.warmup_days + self.window_days,
                                          **variant.overrides})

    def variant(self, name: str) -> Variant:
        return next(v for v in self.variants if v.name == name)

    @property
    def runs(self) -> int:
        return len(self.variants) * self.replications


def co_creation_from_dict(raw: dict, *, source: str = "", base_dir: Path | None = None,
                          sets: list[tuple[str, Any]] | None = None) -> CoCreationSpec:
    """Validate a spec (a parsed TOML table); every problem is reported at once
    as a :class:`CoCreationSpecError`, before anything runs."""
    from sim.coalition.players import parse_spec

    t = read_tables(raw, STUDY_FIELDS, sets)
    study, problems = t.study, t.problems
    reps = integer_field(study, "replications", 2, 1000, problems, 8)
    seed = integer_field(study, "master_seed", 0, 2**63 - 1, problems, 0)
    warmup = integer_field(study, "warmup_days", 0, 3650, problems, 60)
    window = integer_field(study, "window_days", 1, 3650, problems, 30)
    players = study.get("players", "roles")
    if not isinstance(players, str):
        problems.append(f"study.players: expected text such as 'roles', got {players!r}")
        players = "roles"
    else:
        try:
            parse_spec(players)
        except InputError as exc:
            problems += [f"study.players: {p}" for p in exc.problems]
    name = text_field(study, "name", "co_creation")
    baseline = text_field(study, "baseline", "all_on")
    check_variants(t, baseline, horizon="study.warmup_days + study.window_days")
    if problems:
        raise CoCreationSpecError(problems, source=source or None)
    return CoCreationSpec(name=name, description=text_field(study, "description", ""), replications=reps,
                          master_seed=seed, warmup_days=warmup, window_days=window, players=players,
                          baseline=baseline, output=Path(text_field(study, "output", f"results/{name}")),
                          world=t.world, variants=t.variants, source=source)


def load_co_creation(path: str | Path, sets: list[str] | None = None) -> CoCreationSpec:
    """Read and validate a spec file; ``sets``: ``--set PATH=VALUE`` items
    (``study.replications=3``, ``population.consumers=5000``,
    ``variants.platform.set.recommendation.enabled=false``)."""
    from sim.scenario import parse_sets

    p = Path(path)
    raw = read_toml(p, CoCreationSpecError)
    return co_creation_from_dict(raw, source=str(p), base_dir=p.parent, sets=parse_sets(sets) if sets else None)


# ====================================================================== runs
def _mask_label(players: list[str], mask: int) -> str:
    from sim.coalition.game import label

    return label(players, mask)


def play(scenario: Scenario, seed: int, warmup: int, window: int, players: str = "roles") -> dict:
    """One run: warm-up in the grand coalition, then the coalition game over
    the window; the grand run's summary, the worths, the status quo and losses."""
    from sim.coalition.game import build_model, play_window
    from sim.coalition.players import resolve_players
    from sim.measures import run_summary
    from sim.runner import daily_frame

    t0 = time.process_time()
    model = build_model(scenario, seed)
    model.run(warmup)
    ps = resolve_players(players, model)
    worths, grand = play_window(model, ps, window, 1)
    summary = run_summary(grand.model, daily_frame(grand.model))
    return {"players": [p.name for p in ps], "worths": worths[0], "status_quo": grand.profit[0],
            "risk": grand.losses, "summary": summary, "cpu_s": time.process_time() - t0}


def _row(variant: str, replication: int, seed: int, out: dict) -> dict:
    players = out["players"]
    w = out["worths"]
    n = len(players)
    full = (1 << n) - 1
    row: dict[str, Any] = {"variant": variant, "replication": replication, "seed": seed, "cpu_s": out["cpu_s"]}
    row.update({m: out["summary"].get(m, np.nan) for m in RUN_MEASURES})
    for mask in range(1, full + 1):
        row[f"v_{_mask_label(players, mask)}"] = float(w[mask])
    alone = sum(float(w[1 << i]) for i in range(n))
    row["synergy"] = float(w[full]) - alone
    row["theta_emergent"] = float(w[full]) / alone - 1.0 if alone != 0 else np.nan
    from sim.games import CoalitionGame

    for p, v in CoalitionGame.from_array(players, w).shapley().items():
        row[f"shapley_{p}"] = float(v)
    for i, p in enumerate(players):
        row[f"status_quo_{p}"] = float(out["status_quo"][i])
        row[f"risk_{p}"] = float(out["risk"][i])       # losses borne in the grand run (risk-adjusted Shapley)
    if sorted(players) == ["anchor", "platform", "supplier"]:
        from sim.coalition.synergy import three_party_view

        tp = three_party_view({_mask_label(players, m): float(w[m]) for m in range(1, full + 1)})
        row.update({k: tp[k] for k in ("alpha", "beta", "gamma")})
    return row


def _task(spec_args: tuple, variant: str, replication: int, seed: int) -> dict:
    sc, warmup, window, players = spec_args
    return {"variant": variant, "replication": replication, "seed": seed,
            "out": play(sc, seed, warmup, window, players)}


def _execute(jobs: list[tuple], workers: int, tick: Callable[[int], None] | None) -> list[dict]:
    from sim.parallel import run_jobs

    return run_jobs(_task, jobs, workers, tick)


# ==================================================================== tables
def measures_of(runs: pd.DataFrame) -> list[str]:
    """The numeric per-run measures of a runs table, in report order."""
    skip = {"variant", "replication", "seed", "cpu_s"}
    return [c for c in runs.columns if c not in skip]


def differences(runs: pd.DataFrame, baseline: str, conf: float = 0.95) -> pd.DataFrame:
    """Each variant's paired difference from ``baseline`` per measure (same
    seed in both): mean, Student-t interval, and the difference as a fraction
    of the baseline's mean (``relative``)."""
    from sim.sweep.analyze import confidence_interval

    base = runs[runs["variant"] == baseline].set_index("replication")
    rows = []
    for variant, g in runs.groupby("variant", sort=False):
        if variant == baseline:
            continue
        g = g.set_index("replication")
        common = g.index.intersection(base.index)
        for m in measures_of(runs):
            d = (g.loc[common, m] - base.loc[common, m]).to_numpy(dtype=float)
            ci = confidence_interval(d, conf)
            bm = float(base.loc[common, m].mean())
            rows.append({"variant": variant, "measure": m, "n": ci["n"], "baseline": bm,
                         "variant_mean": float(g.loc[common, m].mean()), "difference": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "relative": ci["mean"] / abs(bm) if bm else np.nan})
    return pd.DataFrame(rows)


def games(runs: pd.DataFrame, players: list[str], window: int, risk_weight: float = 0.3) -> pd.DataFrame:
    """Per variant, the game of its replications (the mean game): theta_emergent,
    the synergy, whether the core is empty, whether the Shapley value and the
    status quo are in it, the least-core epsilon."""
    from sim.coalition.game import GameEstimate

    n = len(players)
    rows = []
    for variant, g in runs.groupby("variant", sort=False):
        w = np.zeros((len(g), 1 << n))
        for mask in range(1, 1 << n):
            w[:, mask] = g[f"v_{_mask_label(players, mask)}"].to_numpy()
        sq = g[[f"status_quo_{p}" for p in players]].to_numpy()
        risk = g[[f"risk_{p}" for p in players]].to_numpy()
        est = GameEstimate(players=players, worths=w, status_quo=sq, risk=risk, method="replications",
                           window_days=window, risk_weight=risk_weight)
        core = est.core()
        rules = core["rules"]
        in_core = [r for r, x in rules.items() if x["in_core"]]
        rows.append({"variant": variant, "units": est.n_units, "theta_emergent": est.theta_emergent(),
                     "synergy": float(w[:, -1].mean() - sum(w[:, 1 << i].mean() for i in range(n))),
                     "core_empty": core["empty"], "least_core_epsilon": core["least_core_epsilon"],
                     "shapley_in_core": bool(rules.get("shapley", {}).get("in_core", False)),
                     "status_quo_in_core": bool(rules.get("status_quo", {}).get("in_core", False)),
                     "rules_in_core": ",".join(in_core), "v_grand": float(w[:, -1].mean()),
                     **_thresholds(players, w.mean(axis=0))})
    return pd.DataFrame(rows)


def _thresholds(players: list[str], w: np.ndarray) -> dict[str, float]:
    """For the three role players: the closed-form theta from which the core is
    non-empty and the Shapley value is in it (MODEL.md section 7), for the
    game's standalone worths and pair synergies (NaN otherwise)."""
    nan = {"theta_core_nonempty": np.nan, "theta_shapley_in_core": np.nan}
    if sorted(players) != ["anchor", "platform", "supplier"]:
        return nan
    from sim.coalition.synergy import three_party_view
    from sim.games import GameError, ThreePartyGame

    tp = three_party_view({_mask_label(players, m): float(w[m]) for m in range(1, 1 << len(players))})
    try:
        th = ThreePartyGame(tp["R1"], tp["R2"], tp["R3"], tp["alpha"], tp["beta"], tp["gamma"]).theta_thresholds()
    except GameError:
        return nan
    return {"theta_core_nonempty": np.nan if th["core_nonempty"] is None else float(th["core_nonempty"]),
            "theta_shapley_in_core": np.nan if th["shapley_in_core"] is None else float(th["shapley_in_core"])}


@dataclass
class CoCreationResult:
    spec: CoCreationSpec
    runs: pd.DataFrame
    differences: pd.DataFrame
    games: pd.DataFrame
    players: list[str]
    seconds: float = 0.0
    cpu_s: float = 0.0
    folder: Path | None = None
    meta: dict = field(default_factory=dict)

    def findings(self) -> list[str]:
        return findings(self.differences, self.games, self.spec.baseline,
                        {v.name: v.label for v in self.spec.variants}, self.spec.replications)


def run_co_creation(spec: CoCreationSpec, *, out: str | Path | None = None, workers: int = 2,
                    progress: bool | Callable[[int], None] = False) -> CoCreationResult:
    """Run every variant on the same seeds; write the tables (Parquet), the
    findings (``report.md``) and provenance into ``out`` (if given)."""
    from sim.streams import replication_seeds

    seeds = replication_seeds(spec.master_seed, spec.replications)
    jobs = []
    for v in spec.variants:
        args = (spec.scenario(v), spec.warmup_days, spec.window_days, spec.players)
        jobs += [(args, v.name, r, s) for r, s in enumerate(seeds)]
    bar = None
    tick = progress if callable(progress) else None
    if progress is True:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", desc="livesim co-creation", file=sys.stderr)
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
    players = done[0]["out"]["players"]
    runs = pd.DataFrame([_row(d["variant"], d["replication"], d["seed"], d["out"]) for d in done])
    risk_weight = spec.scenario(spec.variant(spec.baseline)).coalition.risk_weight
    res = CoCreationResult(spec, runs, differences(runs, spec.baseline),
                           games(runs, players, spec.window_days, risk_weight), players, seconds,
                           float(runs["cpu_s"].sum()))
    if out is not None:
        write_result(res, Path(out), workers)
    return res


FILES = ("runs", "differences", "games")


def write_result(res: CoCreationResult, folder: Path, workers: int) -> None:
    from sim.io import write_atomic
    from sim.provenance import provenance

    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        frame = getattr(res, name)
        write_atomic(folder / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    spec = res.spec
    meta = {"spec": {"name": spec.name, "description": spec.description, "replications": spec.replications,
                     "master_seed": spec.master_seed, "warmup_days": spec.warmup_days,
                     "window_days": spec.window_days, "players": spec.players, "baseline": spec.baseline,
                     "world": spec.world, "variants": [{"name": v.name, "label": v.label, "set": v.overrides}
                                                       for v in spec.variants]},
            "players": res.players}
    prov = provenance(seed=spec.master_seed, workers=workers, runs=len(res.runs), wall_time_s=round(res.seconds, 1),
                      cpu_s=round(res.cpu_s, 1))
    meta["provenance"] = prov
    write_atomic(folder / "study.json", lambda p: p.write_text(json.dumps(meta, indent=2, default=str), "utf-8"))
    text = "\n\n".join(res.findings())
    write_atomic(folder / "report.md", lambda p: p.write_text(f"# {spec.name}\n\n{text}\n", "utf-8"))
    res.folder = folder
    res.meta = meta


def load_result(folder: str | Path) -> CoCreationResult:
    """A finished study's tables from its folder."""
    folder = Path(folder)
    missing = [n for n in FILES if not (folder / f"{n}.parquet").is_file()]
    if missing or not (folder / "study.json").is_file():
        raise InputError(f"{folder}: not a co-creation study folder (missing "
                         f"{', '.join([f'{n}.parquet' for n in missing] + (['study.json'] if not (folder / 'study.json').is_file() else []))})")
    meta = json.loads((folder / "study.json").read_text("utf-8"))
    s = meta["spec"]
    spec = CoCreationSpec(name=s["name"], description=s["description"], replications=s["replications"],
                          master_seed=s["master_seed"], warmup_days=s["warmup_days"], window_days=s["window_days"],
                          players=s["players"], baseline=s["baseline"], output=folder, world=s["world"],
                          variants=[Variant(v["name"], v["label"], v["set"]) for v in s["variants"]])
    frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in FILES}
    return CoCreationResult(spec, frames["runs"], frames["differences"], frames["games"], meta["players"],
                            folder=folder, meta=meta)


# ================================================================== findings
def _money(v: float) -> str:
    return f"{v:+,.0f} yuan"


def _ci(r, fmt) -> str:
    return f"95% interval {fmt(r['ci_low'])} to {fmt(r['ci_high'])}"


def findings(diff: pd.DataFrame, game: pd.DataFrame, baseline: str, labels: dict[str, str], n: int) -> list[str]:
    """Sentences with the numbers of the tables (computed, never typed): per
    variant what switching it off changes, and its share of the synergy."""
    out = []
    g = game.set_index("variant")
    b = g.loc[baseline]
    syn_total = float(b["synergy"])
    out.append(f"With the baseline '{baseline}' ({labels.get(baseline, baseline)}), the grand coalition's "
               f"synergy v(N) - (sum of standalone worths) is {syn_total:,.0f} yuan over the window and "
               f"theta_emergent is {b['theta_emergent']:.3f} (mean game of {int(b['units'])} replications); the core "
               f"is {'empty' if b['core_empty'] else 'non-empty'} and the Shapley split is "
               f"{'in' if b['shapley_in_core'] else 'outside'} it{_threshold_text(b)}.")
    for variant, d in diff.groupby("variant", sort=False):
        d = d.set_index("measure")
        label = labels.get(variant, variant)
        gmv = d.loc["gmv"]
        parts = [f"GMV by {100 * gmv['relative']:+.1f}% ({_money(gmv['difference'])}, {_ci(gmv, _money)})"]
        for m, text in (("mean_institutional_trust", "institutional trust"), ("return_rate", "the return rate")):
            r = d.loc[m]
            pts = lambda v: f"{100 * v:+.2f} points"  # noqa: E731
            parts.append(f"{text} by {pts(r['difference'])} ({_ci(r, pts)})")
        for m, text in (("profit_platform", "the platform's profit"), ("profit_suppliers", "the suppliers'"),
                        ("profit_anchors", "the anchors'")):
            r = d.loc[m]
            parts.append(f"{text} by {_money(r['difference'])} ({_ci(r, _money)})")
        out.append(f"{label} (against all on, paired over {n} seeds): " + ", ".join(parts) + ".")
        syn, th = d.loc["synergy"], d.loc["theta_emergent"]
        share = -syn["difference"] / syn_total if syn_total else np.nan
        lo, hi = (-syn["ci_high"] / syn_total, -syn["ci_low"] / syn_total) if syn_total > 0 else (np.nan, np.nan)
        gv = g.loc[variant]
        out.append(f"{label}: the synergy changes by {_money(syn['difference'])} ({_ci(syn, _money)}), so what it "
                   f"switches off accounts for {100 * share:.0f}% of the all-on synergy (95% interval "
                   f"{100 * lo:.0f}% to {100 * hi:.0f}%); theta_emergent changes by {th['difference']:+.3f} "
                   f"({_ci(th, lambda v: f'{v:+.3f}')}); in its mean game the core is "
                   f"{'empty' if gv['core_empty'] else 'non-empty'}, the Shapley split is "
                   f"{'in' if gv['shapley_in_core'] else 'outside'} it{_threshold_text(gv)}, and the rules with a "
                   f"split in the core are {gv['rules_in_core'] or 'none'}.")
    return sentences(out)


def _threshold_text(g) -> str:
    t = g.get("theta_shapley_in_core", np.nan)
    if t is None or not np.isfinite(t):
        return ""
    return (f" (the closed form puts the Shapley split in the core from theta = {t:.3f}: a margin of "
            f"{g['theta_emergent'] - t:+.3f})")


__all__ = ["CoCreationResult", "CoCreationSpec", "CoCreationSpecError", "RUN_MEASURES", "Variant",
           "co_creation_from_dict", "differences", "findings", "games", "load_co_creation", "load_result", "play",
           "run_co_creation"]
