"""Cost of fraud and word of mouth: the default scenario with both off and on.

Runs the two variants alternately (off, on, off, on, ...) in one process, so
a slow spell of a shared machine hits both alike, and prints wall time and
CPU time of each, their medians and the ratio on / off. The acceptance bound
for issue #5 is a ratio of at most 1.3.

    .venv/bin/python benchmarks/bench_trust.py                 # default scenario, 2 repeats
    .venv/bin/python benchmarks/bench_trust.py --days 90 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.runner import run_scenario
from sim.scenario import Scenario

OFF = {"fraud.enabled": False, "word_of_mouth.enabled": False}
ON = {"fraud.enabled": True, "word_of_mouth.enabled": True}


def timed(scenario: Scenario, seed: int) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    run_scenario(scenario, seed)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=None, help="horizon (default: the default scenario's)")
    ap.add_argument("--consumers", type=int, default=None, help="consumers (default: the default scenario's)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    base = {}
    if args.days:
        base["time.days"] = args.days
    if args.consumers:
        base["population.consumers"] = args.consumers
    sc = Scenario().with_overrides(base)
    off_sc, on_sc = sc.with_overrides(OFF), sc.with_overrides(ON)
    run_scenario(off_sc.with_overrides({"time.days": 3}), args.seed)  # warm imports and caches
    times = {"off": [], "on": []}
    for _ in range(args.repeats):
        times["off"].append(timed(off_sc, args.seed))
        times["on"].append(timed(on_sc, args.seed))
    print(f"fraud + word of mouth benchmark: {sc.population.consumers:,} consumers, {sc.time.days} days, "
          f"{args.repeats} alternating repeats")
    print(f"{'variant':<26} {'wall s (each)':>22} {'median wall s':>14} {'median cpu s':>13}")
    med = {}
    for k, label in (("off", "fraud and word of mouth off"), ("on", "fraud and word of mouth on")):
        walls = [w for w, _ in times[k]]
        cpus = [c for _, c in times[k]]
        med[k] = (statistics.median(walls), statistics.median(cpus))
        print(f"{label:<26} {', '.join(f'{w:.1f}' for w in walls):>22} {med[k][0]:>14.1f} {med[k][1]:>13.1f}")
    print(f"ratio on / off: wall {med['on'][0] / med['off'][0]:.2f}, cpu {med['on'][1] / med['off'][1]:.2f} "
          f"(acceptance: at most 1.30)")


if __name__ == "__main__":
    main()
