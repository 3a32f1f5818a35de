"""Speed and memory of one run: the default scenario and 25k/100k/400k consumers.

Each size runs in a fresh process pinned to one core (so peak memory and
time are that run's own). Prints wall time, consumer-days per second, peak
resident memory, and the cost per consumer-day relative to the 100k run:
about 1.0 at every size means cost grows linearly with consumers.

    .venv/bin/python benchmarks/bench_run.py            # full year, default sizes
    .venv/bin/python benchmarks/bench_run.py --days 60  # quicker look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time
try:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
except (AttributeError, OSError):
    pass
from sim.scenario import Scenario
from sim.runner import run_scenario
consumers, days = int(sys.argv[1]), int(sys.argv[2])
sc = Scenario().with_overrides({"population.consumers": consumers, "time.days": days})
t0 = time.perf_counter()
run_scenario(sc, 1)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
print(json.dumps({"consumers": consumers, "days": days, "wall_s": wall, "peak_mb": peak}))
"""


def measure(consumers: int, days: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(consumers), str(days)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--sizes", default="25000,100000,400000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"livesim run benchmark: default scenario, {args.days} days, one core per run")
    rows = [measure(n, args.days) for n in sizes]
    ref = next((r for r in rows if r["consumers"] == 100_000), rows[0])
    ref_cost = ref["wall_s"] / (ref["consumers"] * ref["days"])
    print(f"{'consumers':>10} {'wall s':>8} {'consumer-days/s':>16} {'peak MB':>8} {'cost/consumer-day vs 100k':>26}")
    for r in rows:
        cd = r["consumers"] * r["days"]
        print(f"{r['consumers']:>10,} {r['wall_s']:>8.1f} {cd / r['wall_s']:>16,.0f} {r['peak_mb']:>8.0f} "
              f"{(r['wall_s'] / cd) / ref_cost:>26.2f}")
    if args.days == 365 and ref["consumers"] == 100_000:
        verdict = "meets" if ref["wall_s"] <= 30 else "misses"
        print(f"default scenario (100k consumers, 365 days): {ref['wall_s']:.1f} s, {verdict} the 30 s target")


if __name__ == "__main__":
    main()
