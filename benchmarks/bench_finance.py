"""Cost of the credit sub-model: the default scenario with finance on vs off.

Runs the default scenario (100,000 consumers, 365 days unless told otherwise)
with ``finance.enabled`` false and true, alternating, each run in a fresh
process pinned to one core, and prints the wall times and the ratio of the
medians (target: at most 1.3).

    .venv/bin/python benchmarks/bench_finance.py              # 2 runs of each, full year
    .venv/bin/python benchmarks/bench_finance.py --days 90 --repeats 3
    .venv/bin/python benchmarks/bench_finance.py --set finance.presale_share=0.2   # pre-sale on (finance-on arm)

``--set PATH=VALUE`` (repeatable) changes the finance-on arm only; the
finance-off arm is the plain default scenario, so the ratio is the cost of the
credit sub-model with those settings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, os, sys, time
try:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
except (AttributeError, OSError):
    pass
from sim.scenario import Scenario
from sim.runner import run_scenario
days, finance = int(sys.argv[1]), sys.argv[2] == "1"
extra = json.loads(sys.argv[3]) if finance else {}
sc = Scenario().with_overrides({"time.days": days, "finance.enabled": finance, **extra})
t0 = time.perf_counter()
r = run_scenario(sc, 1)
print(json.dumps({"finance": finance, "wall_s": time.perf_counter() - t0, "gmv": r.summary["gmv"],
                  "defaults": r.summary["defaults_suppliers"], "loans_drawn": r.summary["loans_drawn"],
                  "presale_orders": r.summary["presale_orders"]}))
"""


def measure(days: int, finance: bool, extra: dict | None = None) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(days), "1" if finance else "0", json.dumps(extra or {})],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeats", type=int, default=2, help="runs of each arm, alternating (default 2)")
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                    help="a scenario override for the finance-on arm (repeatable), e.g. finance.presale_share=0.2")
    args = ap.parse_args()
    from sim.scenario import parse_value

    extra = {}
    for item in args.set:
        path, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--set {item!r}: expected PATH=VALUE")
        extra[path.strip()] = parse_value(value.strip())
    print(f"finance benchmark: default scenario, {args.days} days, {args.repeats} runs per arm, one core per run"
          + (f"; finance-on arm with {extra}" if extra else ""))
    times = {False: [], True: []}
    for _ in range(args.repeats):
        for fin in (False, True):
            r = measure(args.days, fin, extra)
            times[fin].append(r["wall_s"])
            print(f"  finance {'on ' if fin else 'off'}: {r['wall_s']:6.1f} s  GMV {r['gmv'] / 1e4:,.0f} (10,000 yuan), "
                  f"defaults {r['defaults']:.0f}, loans drawn {r['loans_drawn'] / 1e4:,.1f} (10,000 yuan), "
                  f"pre-sale orders {r['presale_orders']:,.0f}", flush=True)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    ratio = on / off
    print(f"median wall time: off {off:.1f} s, on {on:.1f} s; ratio on/off {ratio:.2f} "
          f"({'meets' if ratio <= 1.3 else 'misses'} the 1.3 target)")


if __name__ == "__main__":
    main()
