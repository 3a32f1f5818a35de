"""A bigger world is the same world, only finer? Intensive measures and cost at two sizes.

Runs the default scenario at 100,000 and 1,000,000 consumers (unless told
otherwise) for a short horizon, each in a fresh process pinned to one core, and
prints per size the scale factor, the wall and CPU time, peak resident memory,
the cost per consumer-day relative to the first size, and the intensive
measures of the run summary (conversions, shares, return rate, trust,
stock-outs per order), each with its ratio to the first size and the relative
difference. The issue's aim is within 10% at 1,000,000 against 100,000 (a
measure more than 10% off is marked ``*``); the cost target is a cost per
consumer-day within 1.3x.

Suppliers' capacity (and with it stock and starting cash) scales with the
population: ``population.reference_consumers`` (docs/model.md, "Population
scale"). ``--unscaled`` sets ``reference_consumers`` to each run's own
population, i.e. the default capacities at every size, which is how the
model behaved before the scaling (issue 16, item 3): stock-outs grow with size.

    .venv/bin/python benchmarks/bench_scale.py                       # 100k and 1M, 30 days (~1 min quiet)
    .venv/bin/python benchmarks/bench_scale.py --days 10 --sizes 100000,25000
    .venv/bin/python benchmarks/bench_scale.py --unscaled            # the old behaviour, for comparison
    .venv/bin/python benchmarks/bench_scale.py --seeds 1,2,3         # measures averaged over three seeds
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
consumers, days, unscaled, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
over = {"population.consumers": consumers, "time.days": days}
if unscaled:
    over["population.reference_consumers"] = consumers   # scale factor 1: the default sizes as given
sc = Scenario().with_overrides(over)
t0, c0 = time.perf_counter(), time.process_time()
r = run_scenario(sc, seed)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
s = dict(r.summary)
s["lost_sales_per_order"] = s["lost_sales"] / max(s["orders"], 1.0)
print(json.dumps({"consumers": consumers, "days": days, "scale": sc.scale_factor, "wall_s": wall, "cpu_s": cpu, "peak_mb": peak,
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
    ("lost_sales_per_order", "stock-outs: lost sales/order"),
]


def measure_one(consumers: int, days: int, unscaled: bool, seed: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(consumers), str(days), "1" if unscaled else "0", str(seed)],
                         env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"run at {consumers:,} consumers failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(consumers: int, days: int, unscaled: bool = False, seeds: tuple[int, ...] = (1,)) -> dict:
    """One size: times and memory summed or maxed over the seeds' runs, measures
    averaged over them (the same seeds at every size: common random numbers)."""
    runs = [measure_one(consumers, days, unscaled, s) for s in seeds]
    keys = set.intersection(*(set(r["summary"]) for r in runs))
    return {"consumers": consumers, "days": days * len(runs), "scale": runs[0]["scale"],
            "wall_s": sum(r["wall_s"] for r in runs), "cpu_s": sum(r["cpu_s"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "summary": {k: sum(r["summary"][k] for r in runs) / len(runs) for k in keys}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--sizes", default="100000,1000000", help="consumer counts, comma-separated (first: the reference)")
    ap.add_argument("--unscaled", action="store_true",
                    help="keep the default capacities at every size (reference_consumers = consumers): the old behaviour")
    ap.add_argument("--seeds", default="1", help="seeds, comma-separated; measures are averaged over them")
    args = ap.parse_args()
    try:
        seeds = tuple(int(s) for s in args.seeds.split(","))
    except ValueError:
        print(f"--seeds: comma-separated integers expected, got {args.seeds!r}", file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        print(f"--sizes: comma-separated integers expected, got {args.sizes!r}", file=sys.stderr)
        return 2
    if args.days < 1 or len(sizes) < 2 or any(n < 10 for n in sizes):
        print("--days must be at least 1; --sizes needs two or more sizes of at least 10 consumers", file=sys.stderr)
        return 2
    print(f"default scenario, {args.days} days, seed(s) {', '.join(map(str, seeds))}, one core per run "
          "(times summed over the seeds), "
          + ("capacities NOT scaled (--unscaled)" if args.unscaled else "capacities scaled with the population"))
    rows = [measure(n, args.days, args.unscaled, seeds) for n in sizes]
    ref = rows[0]
    ref_cost = ref["cpu_s"] / (ref["consumers"] * ref["days"])
    print(f"{'consumers':>10} {'scale':>6} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'CPU cost/consumer-day vs first':>31}")
    for r in rows:
        cost = r["cpu_s"] / (r["consumers"] * r["days"])
        print(f"{r['consumers']:>10,} {r['scale']:>6.2f} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_mb']:>8.0f} "
              f"{cost / ref_cost:>31.2f}")
    print()
    others = rows[1:]
    print(f"{'measure':<30}" + "".join(f"{r['consumers']:>12,}" for r in rows)
          + "".join(f"{'ratio ' + format(r['consumers'], ','):>18}{'diff':>8}" for r in others))
    off: dict[int, list[str]] = {r["consumers"]: [] for r in others}
    for key, label in INTENSIVE:
        vals = [r["summary"].get(key, float("nan")) for r in rows]
        line = f"{label:<30}" + "".join(f"{v:>12.4f}" for v in vals)
        for r, v in zip(others, vals[1:]):
            ratio = v / vals[0] if vals[0] else (1.0 if v == 0 else float("inf"))
            rel = ratio - 1.0
            mark = "*" if not abs(rel) <= 0.10 else " "
            if mark == "*":
                off[r["consumers"]].append(label)
            line += f"{ratio:>18.3f}{100 * rel:>+7.1f}%{mark}"
        print(line)
    gmv = [r["summary"]["gmv"] / r["consumers"] for r in rows]
    print(f"{'GMV per consumer (extensive/s)':<30}" + "".join(f"{v:>12.2f}" for v in gmv)
          + "".join(f"{v / gmv[0]:>18.3f}{100 * (v / gmv[0] - 1):>+7.1f}% " for v in gmv[1:]))
    for r in others:
        bad = off[r["consumers"]]
        print(f"intensive measures at {r['consumers']:,} vs {ref['consumers']:,} consumers: "
              f"{len(INTENSIVE) - len(bad)} of {len(INTENSIVE)} within 10%"
              + (f" (off: {', '.join(bad)})" if bad else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
