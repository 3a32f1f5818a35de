"""Before/after speed of the default scenario, measured side by side.

Runs the default scenario (100,000 consumers) from two source trees in turn,
ABBA-interleaved (before, after, after, before, ...) so that a machine whose
load drifts favours neither, each run in a fresh process pinned to one core.
Prints each run's wall and CPU time and the medians with the ratio
after/before. CPU time is the steadier figure on a shared machine.

    git archive main | tar -x -C /tmp/before
    .venv/bin/python benchmarks/bench_compare.py --before /tmp/before --days 365 --reps 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, os, sys, time
try:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
except (AttributeError, OSError):
    pass
from sim.scenario import Scenario
from sim.runner import run_scenario
sc = Scenario().with_overrides({"time.days": int(sys.argv[1])})
t0, c0 = time.perf_counter(), time.process_time()
run_scenario(sc, 1)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="source tree of the code before (a folder holding sim/)")
    ap.add_argument("--after", default=str(Path(__file__).resolve().parent.parent),
                    help="source tree of the code after (default: this one)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--reps", type=int, default=4, help="runs of each tree")
    args = ap.parse_args()
    trees = {"before": Path(args.before), "after": Path(args.after)}
    for name, tree in trees.items():
        if not (tree / "sim" / "model.py").is_file():
            print(f"--{name}: {tree} holds no sim/model.py", file=sys.stderr)
            return 2
    if args.days < 1 or args.reps < 1:
        print("--days and --reps: must be at least 1", file=sys.stderr)
        return 2
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    order: list[str] = []
    for i in range(args.reps):
        order += ["before", "after"] if i % 2 == 0 else ["after", "before"]
    res: dict[str, list[dict]] = {"before": [], "after": []}
    print(f"default scenario, {args.days} days, ABBA order, one core per run")
    for name in order:
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.days)], cwd=trees[name], env=env,
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        res[name].append(r)
        print(f"{name:6} wall {r['wall']:7.1f} s  cpu {r['cpu']:7.1f} s", flush=True)
    for key in ("wall", "cpu"):
        b = statistics.median(r[key] for r in res["before"])
        a = statistics.median(r[key] for r in res["after"])
        print(f"median {key}: before {b:.2f} s, after {a:.2f} s, after/before {a / b:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
