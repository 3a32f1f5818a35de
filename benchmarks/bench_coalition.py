"""Cost of the one-shot coalition game and the error cut of common random numbers.

1. The one-shot three-player game (7 coalition forks, one replication,
   batch-means standard errors) against one plain run of the same window,
   on the default scenario: the ratio must stay at most 9.
2. The standard error of the Shapley values from R replications with common
   random numbers against independent seeds per coalition, at equal cost
   (7 R window runs each): the factor SE(independent) / SE(CRN), of the
   Shapley values, of the marginal contributions and of the excesses of every
   coalition at each rule's split.
3. The variance of every worth, Shapley value and excess split into world
   noise (W populations) and dynamics noise (S seeds of the day-to-day draws
   per population), and how firm each rule's core verdict is over the W x S
   replications (in how many it was in the core, how many a 95% verdict needs).

    .venv/bin/python benchmarks/bench_coalition.py --skip-cost      # parts 2-3 at 5,000 consumers, R = 10, 5 x 4 (~3 min)
    .venv/bin/python benchmarks/bench_coalition.py --consumers 20000 --replications 30 --worlds 8 --seeds 6   # firmer, ~30 min
    .venv/bin/python benchmarks/bench_coalition.py --skip-cost --players "platform;large=suppliers:large;sme=suppliers:sme;head=anchors:head;tail=anchors:rest"

The factor cannot exceed the *efficiency ceiling* the benchmark prints:
Shapley values sum to the grand coalition's worth in every replication, and
the grand run is an independent replication in both designs
(sim.coalition.benchmark.efficiency_ceiling).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from sim.coalition.benchmark import cost_ratio, crn_factor, variance_decomposition
from sim.scenario import Scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=5000,
                    help="consumers of the CRN comparison and the decomposition (default 5000)")
    ap.add_argument("--replications", type=int, default=10, help="replications of the CRN comparison (default 10)")
    ap.add_argument("--worlds", type=int, default=5, help="populations of the variance decomposition (default 5)")
    ap.add_argument("--seeds", type=int, default=4, help="dynamics seeds per population (default 4)")
    ap.add_argument("--skip-decomposition", action="store_true", help="skip the variance decomposition")
    ap.add_argument("--window", type=int, default=30, help="evaluation window in days (default 30)")
    ap.add_argument("--repeats", type=int, default=2, help="timing repeats of the cost ratio (best of; default 2)")
    ap.add_argument("--players", default="roles", help="player specification of the CRN comparison (default roles)")
    ap.add_argument("--world-seed", type=int, default=None, help="share one initial population across all runs")
    ap.add_argument("--skip-cost", action="store_true", help="skip the cost ratio")
    ap.add_argument("--skip-crn", action="store_true", help="skip the CRN comparison")
    args = ap.parse_args()
    for name, low in (("consumers", 100), ("replications", 2), ("worlds", 2), ("seeds", 2), ("window", 1), ("repeats", 1)):
        if getattr(args, name) < low:
            ap.error(f"--{name} must be at least {low}, got {getattr(args, name)}")   # (exit code 2)
    if not args.skip_cost:
        c = cost_ratio(Scenario(), seed=1, window=args.window, repeats=args.repeats)
        print(f"one-shot game, default scenario, {args.window}-day window: game {c['game_s']:.2f} s, "
              f"one run {c['run_s']:.2f} s, ratio {c['ratio']:.2f} (budget 9)")
        print(json.dumps(c))
    sc = Scenario().with_overrides({"population.consumers": args.consumers,
                                    "population.anchors": max(50, args.consumers // 50),
                                    "population.suppliers": max(20, args.consumers // 250)})
    if not args.skip_crn:
        crn_part(sc, args)
    if not args.skip_decomposition:
        decomposition_part(sc, args)


def crn_part(sc, args) -> None:
    f = crn_factor(sc, replications=args.replications, seed=1, window=args.window, players=args.players,
                   world_seed=args.world_seed)
    print(f"CRN vs independent seeds, {args.consumers} consumers, players {args.players!r}, "
          f"R = {args.replications}, {f['crn']['runs']} window runs each "
          f"({f['crn']['seconds']:.1f} s CRN, {f['independent']['seconds']:.1f} s independent):")
    for p in f["factor"]:
        print(f"  {p:<10} SE(CRN) {f['crn']['shapley_se'][p]:>12,.0f}  SE(indep) "
              f"{f['independent']['shapley_se'][p]:>12,.0f}  factor {f['factor'][p]:.2f} "
              f"({f['factor_interval'][p][0]:.2f}-{f['factor_interval'][p][1]:.2f})"
              f"  at equal time {f['factor_equal_time'][p]:.2f}  marginal contributions (median) "
              f"{f['marginal_factor'][p]:.1f}")
    print(f"  smallest factor {f['factor_min']:.2f}, rms factor {f['factor_rms']:.2f} (target 3)")
    print(f"  efficiency ceiling on the smallest factor: {f['ceiling']:.2f} on this sample, "
          f"{f['ceiling_pooled']:.2f} with the grand worth's spread pooled over both designs")
    print("  excesses at each rule's split, factor SE(indep) / SE(CRN): median over coalitions [range]")
    for rule, e in f["excess_factor"].items():
        if e is None:
            print(f"    {rule:<24} undefined in some replication")
            continue
        vals = list(e["by_coalition"].values())
        print(f"    {rule:<24} {e['median']:.2f} [{min(vals):.2f}-{max(vals):.2f}]" if vals else f"    {rule:<24} -")
    print(json.dumps({k: f[k] for k in ("factor", "factor_interval", "factor_min", "factor_rms", "factor_equal_time", "time_ratio",
                                        "marginal_factor", "ceiling", "ceiling_pooled", "excess_factor")}))


def decomposition_part(sc, args) -> None:
    import sys

    d = variance_decomposition(sc, worlds=args.worlds, seeds=args.seeds, seed=2, window=args.window,
                               players=args.players,
                               progress=lambda k, n: print(f"  world {k}/{n}", file=sys.stderr, flush=True))
    print(f"variance split into world noise ({args.worlds} populations) and dynamics noise ({args.seeds} seeds each), "
          f"{args.consumers} consumers, {args.window}-day window, {d['seconds']:.0f} s:")
    print("  worths: world share of the variance (SD world, SD dynamics, yuan)")
    for name, c in d["worths"].items():
        print(f"    {name:<32} {c['world_share']:.2f}  ({np.sqrt(c['world']):>10,.0f} {np.sqrt(c['dynamics']):>10,.0f})")
    print("  Shapley values:")
    for name, c in d["shapley"].items():
        print(f"    {name:<32} {c['world_share']:.2f}  ({np.sqrt(c['world']):>10,.0f} {np.sqrt(c['dynamics']):>10,.0f})")
    print("  excesses at each rule's split: world share, median over coalitions [range]")
    for rule, e in d["excesses"].items():
        if e is None:
            print(f"    {rule:<24} undefined in some replication")
            continue
        sh = [c["world_share"] for c in e.values() if np.isfinite(c["world_share"])]
        print(f"    {rule:<24} {np.median(sh):.2f} [{min(sh):.2f}-{max(sh):.2f}]" if sh else f"    {rule:<24} -")
    pooled = d["pooled"]
    print(f"  core verdicts over the {pooled.n_units} replications (each replication's game split by the rule):")
    for rule, v in pooled.verdicts().items():
        if v is None:
            print(f"    {rule:<24} undefined in some replication")
            continue
        print(f"    {rule:<24} in the core in {v['in_core_units']:>3} of {v['units']}; binding {v['binding'] or '-'} "
              f"mean excess {v['binding_excess']:,.0f} (se {v['binding_excess_se']:,.0f}); "
              f"replications for a 95% verdict: {v['units_needed'] if v['units_needed'] is not None else '-'}")
    print(json.dumps({"worths": d["worths"], "shapley": d["shapley"], "excesses": d["excesses"],
                      "verdicts": pooled.verdicts(), "seconds": d["seconds"]}, default=float))

if __name__ == "__main__":
    main()
