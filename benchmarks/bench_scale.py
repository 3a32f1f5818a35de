"""A bigger world is the same world, only finer? Intensive measures and cost at two sizes.

Runs the default scenario at 100,000 and 1,000,000 consumers (unless told
otherwise) for a short horizon, each in a fresh process pinned to one core, and
prints per size the wall and CPU time, peak resident memory, the cost per
consumer-day relative to the first size, and the intensive measures of the run
summary (conversions, shares, return rate, trust, stock-outs per order) with
their relative difference from the first size. The issue's aim is within 10%
at 1,000,000 against 100,000 (a measure over 10% off is marked ``*``); the cost
target is a cost per consumer-day within 1.3x.

Nothing here rescales the world with its size: large brands' capacity does not
grow with the population today (issue 16, item 3), so stock-outs grow with
size; this benchmark measures that, it does not fix it.

    .venv/bin/python benchmarks/bench_scale.py                       # 100k and 1M, 30 days (~1 min quiet)
    .venv/bin/python benchmarks/bench_scale.py --days 10 --sizes 25000,100000
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
t0, c0 = time.perf_counter(), time.process_time()
r = run_scenario(sc, 1)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
s = r.summary
print(json.dumps({"consumers": consumers, "days": days, "wall_s": wall, "cpu_s": cpu, "peak_mb": peak,
                  "summary": {k: float(v) for k, v in s.items() if isinstance(v, (int, float))}}))
"""

#: intensive measures compared across sizes (name in the run summary, label)
INTENSIVE = [
    ("live_conversion", "live conversion"),
    ("shelf_conversion", "shelf conversion"),
    ("return_rate", "return rate"),
    ("spoilage_share", "spoilage share"),
    ("top50_gmv_share", "top-50 GMV share"),
    ("sme_gmv_share", "SME GMV share"),
    ("top50_traffic_share", "top-50 traffic share"),
    ("mean_institutional_trust", "institutional trust (end)"),
    ("mean_personal_trust", "personal trust (end)"),
]


def measure(consumers: int, days: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(consumers), str(days)], env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"run at {consumers:,} consumers failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--sizes", default="100000,1000000", help="consumer counts, comma-separated (first: the reference)")
    args = ap.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        print(f"--sizes: comma-separated integers expected, got {args.sizes!r}", file=sys.stderr)
        return 2
    if args.days < 1 or len(sizes) < 2 or any(n < 10 for n in sizes):
        print("--days must be at least 1; --sizes needs two or more sizes of at least 10 consumers", file=sys.stderr)
        return 2
    print(f"default scenario, {args.days} days, seed 1, one core per run")
    rows = [measure(n, args.days) for n in sizes]
    ref = rows[0]
    ref_cost = ref["cpu_s"] / (ref["consumers"] * ref["days"])
    print(f"{'consumers':>10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'CPU cost/consumer-day vs first':>31}")
    for r in rows:
        cost = r["cpu_s"] / (r["consumers"] * r["days"])
        print(f"{r['consumers']:>10,} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_mb']:>8.0f} "
              f"{cost / ref_cost:>31.2f}")
    print()
    print(f"{'measure':<28}" + "".join(f"{r['consumers']:>12,}" for r in rows) + "   rel. diff of the last")
    off = []
    for key, label in INTENSIVE:
        vals = [r["summary"].get(key, float("nan")) for r in rows]
        rel = (vals[-1] - vals[0]) / abs(vals[0]) if vals[0] else float("nan")
        mark = " *" if abs(rel) > 0.10 else ""
        if mark:
            off.append(label)
        print(f"{label:<28}" + "".join(f"{v:>12.4f}" for v in vals) + f"   {100 * rel:+.1f}%{mark}")
    lost = [r["summary"]["lost_sales"] / max(r["summary"]["orders"], 1.0) for r in rows]
    rel = (lost[-1] - lost[0]) / lost[0] if lost[0] else (0.0 if lost[-1] == 0 else float("inf"))
    print(f"{'lost sales per order':<28}" + "".join(f"{v:>12.4f}" for v in lost)
          + f"   {100 * rel:+.1f}%" + (" *" if not abs(rel) <= 0.10 else ""))
    last = rows[-1]
    print(f"intensive measures at {last['consumers']:,} vs {ref['consumers']:,} consumers: "
          f"{len(INTENSIVE) - len(off)} of {len(INTENSIVE)} within 10%"
          + (f" (off: {', '.join(off)})" if off else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
