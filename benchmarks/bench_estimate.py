"""The cost estimate (sim.estimate) against measured peak memory and time, for three sizes.

Each size runs in a fresh process: the peak resident memory of the process
and the time of the run (model build and days, not the imports) are measured
and printed beside ``estimate_run``'s figures with their ratio (measured /
estimated). The time compared is the CPU time of the run (user + system; the
model is single-threaded), which is what its wall time is on a core of its
own; the wall time is printed too, with the load average, since on a shared
machine it is longer. The estimate is meant to be within a factor 2 (ratios
between 0.5 and 2); the exit code is 1 when one is not.

    .venv/bin/python benchmarks/bench_estimate.py           # the three sizes (about 2 minutes)
    .venv/bin/python benchmarks/bench_estimate.py --quick   # shorter horizons (about 30 s)

"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time
from sim.scenario import Scenario
from sim.runner import run_scenario
over = json.loads(sys.argv[1])
sc = Scenario().with_overrides(over)
t0, c0 = time.perf_counter(), time.process_time()
run_scenario(sc, 1)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB -> bytes on Linux
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_bytes": peak}))
"""

# (label, overrides): many consumers; many anchors and suppliers (the partner draw dominates); a long horizon
SIZES = [
    ("100k consumers, 1 year", {"population.consumers": 100_000, "time.days": 365}),
    ("20k anchors x 4k suppliers", {"population.consumers": 10_000, "population.anchors": 20_000,
                                    "population.suppliers": 4_000, "time.days": 30}),
    ("30k consumers, 6k anchors, 2 years", {"population.consumers": 30_000, "population.anchors": 6_000,
                                            "population.suppliers": 1_000, "time.days": 730}),
]
QUICK_DAYS = {"100k consumers, 1 year": 60, "20k anchors x 4k suppliers": 10, "30k consumers, 6k anchors, 2 years": 120}


def measure(overrides: dict) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(overrides)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter horizons")
    args = ap.parse_args()
    from sim.estimate import estimate_run, format_bytes
    from sim.scenario import Scenario

    try:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    except OSError:
        pass
    print(f"{'size':<40} {'memory est.':>11} {'measured':>10} {'ratio':>6}   {'time est.':>9} {'cpu':>8} "
          f"{'ratio':>6} {'wall':>8}")
    worst = 1.0
    for label, over in SIZES:
        if args.quick:
            over = {**over, "time.days": QUICK_DAYS[label]}
        est = estimate_run(Scenario().with_overrides(over))
        got = measure(over)
        rm, rt = got["peak_bytes"] / est.memory, got["cpu_s"] / est.seconds
        worst = max(worst, rm, 1 / rm, rt, 1 / rt)
        days = over["time.days"]
        print(f"{label + f' ({days} d)':<40} {format_bytes(est.memory):>11} {format_bytes(got['peak_bytes']):>10} "
              f"{rm:>6.2f}   {est.seconds:>8.1f}s {got['cpu_s']:>7.1f}s {rt:>6.2f} {got['wall_s']:>7.1f}s")
    print(f"largest factor between estimate and measurement: {worst:.2f} (target: at most 2)")
    return 0 if worst <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
