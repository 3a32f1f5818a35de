"""Cost of the one-shot coalition game and the error cut of common random numbers.

1. The one-shot three-player game (7 coalition forks, one replication,
   batch-means standard errors) against one plain run of the same window,
   on the default scenario: the ratio must stay at most 9.
2. The standard error of the Shapley values from R replications with common
   random numbers against independent seeds per coalition, at equal cost
   (7 R window runs each): the factor SE(independent) / SE(CRN).

    .venv/bin/python benchmarks/bench_coalition.py                 # default scenario; CRN comparison R = 30 at 20k consumers (~4 min)
    .venv/bin/python benchmarks/bench_coalition.py --consumers 5000 --replications 6   # quicker
    .venv/bin/python benchmarks/bench_coalition.py --skip-cost --players "platform;large=suppliers:large;sme=suppliers:sme;head=anchors:head;tail=anchors:rest"

The factor cannot exceed the *efficiency ceiling* the benchmark prints:
Shapley values sum to the grand coalition's worth in every replication, and
the grand run is an independent replication in both designs
(sim.coalition.benchmark.efficiency_ceiling).
"""

from __future__ import annotations

import argparse
import json

from sim.coalition.benchmark import cost_ratio, crn_factor
from sim.scenario import Scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=20000, help="consumers of the CRN comparison (default 20000)")
    ap.add_argument("--replications", type=int, default=30, help="replications of the CRN comparison (default 30)")
    ap.add_argument("--window", type=int, default=30, help="evaluation window in days (default 30)")
    ap.add_argument("--repeats", type=int, default=2, help="timing repeats of the cost ratio (best of; default 2)")
    ap.add_argument("--players", default="roles", help="player specification of the CRN comparison (default roles)")
    ap.add_argument("--world-seed", type=int, default=None, help="share one initial population across all runs")
    ap.add_argument("--skip-cost", action="store_true", help="skip the cost ratio")
    ap.add_argument("--skip-crn", action="store_true", help="skip the CRN comparison")
    args = ap.parse_args()
    if not args.skip_cost:
        c = cost_ratio(Scenario(), seed=1, window=args.window, repeats=args.repeats)
        print(f"one-shot game, default scenario, {args.window}-day window: game {c['game_s']:.2f} s, "
              f"one run {c['run_s']:.2f} s, ratio {c['ratio']:.2f} (budget 9)")
        print(json.dumps(c))
    if args.skip_crn:
        return
    sc = Scenario().with_overrides({"population.consumers": args.consumers,
                                    "population.anchors": max(50, args.consumers // 50),
                                    "population.suppliers": max(20, args.consumers // 250)})
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
    print(json.dumps({k: f[k] for k in ("factor", "factor_interval", "factor_min", "factor_rms", "factor_equal_time", "time_ratio",
                                        "marginal_factor", "ceiling", "ceiling_pooled")}))

if __name__ == "__main__":
    main()
