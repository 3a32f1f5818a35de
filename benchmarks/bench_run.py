"""Speed and memory of one run: the default scenario and 25k/100k/400k consumers.

Each size runs in a fresh process pinned to one core (so peak memory and
time are that run's own). Prints wall time, consumer-days per second, peak
resident memory, and the cost per consumer-day relative to the 100k run:
about 1.0 at every size means cost grows linearly with consumers.

``--whole`` times instead the whole process of ``livesim run`` (start-up,
checks, the run, writing Parquet, provenance, plots and the report) of the
default year, as a user meets it: wall and CPU time and peak resident memory
of the child process, pinned to one core. With ``--against TREE`` (a source
tree holding ``sim/``, e.g. ``git worktree add /tmp/main main``) the two trees
run interleaved ABBA (this, that, that, this, ...) so that a drifting load
favours neither, and the medians and ratios are printed side by side.

    .venv/bin/python benchmarks/bench_run.py            # full year, default sizes
    .venv/bin/python benchmarks/bench_run.py --days 60  # quicker look
    .venv/bin/python benchmarks/bench_run.py --whole --against /tmp/main --reps 3   # livesim run, this vs main
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _pin() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def whole_process(tree: Path, days: int, plots: bool) -> dict:
    """One ``livesim run`` of the default scenario from ``tree``, as a child process:
    its wall time, CPU time (user + system) and peak resident memory."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
        cmd = [sys.executable, "-m", "sim.cli", "run", "--days", str(days), "--out", str(Path(tmp) / "run"),
               "--quiet", *([] if plots else ["--no-plots"])]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=_pin)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"livesim run from {tree} failed (exit {proc.returncode}):\n{err or out}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def main_whole(args) -> int:
    trees = {"this": Path(__file__).resolve().parent.parent}
    if args.against:
        trees["that"] = Path(args.against).resolve()
    for name, tree in trees.items():
        if not (tree / "sim" / "cli.py").is_file():
            print(f"--against: {tree} holds no sim/cli.py", file=sys.stderr)
            return 2
    order: list[str] = []
    for i in range(args.reps):
        order += list(trees) if i % 2 == 0 else list(reversed(trees))
    print(f"livesim run as a whole process: default scenario, {args.days} days, "
          f"{'plots, ' if not args.no_plots else ''}one core per run, "
          + ("ABBA order; this = " + str(trees["this"]) + ", that = " + str(trees.get("that")) if args.against
             else f"tree {trees['this']}"))
    res: dict[str, list[dict]] = {n: [] for n in trees}
    for name in order:
        r = whole_process(trees[name], args.days, plots=not args.no_plots)
        res[name].append(r)
        print(f"{name:5} wall {r['wall']:6.1f} s  cpu {r['cpu']:6.1f} s  peak {r['peak_mb']:5.0f} MB", flush=True)
    med = {n: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "peak_mb")} for n, rs in res.items()}
    for n, m in med.items():
        print(f"median {n}: wall {m['wall']:.2f} s, cpu {m['cpu']:.2f} s, peak {m['peak_mb']:.0f} MB")
    if "that" in med:
        a, b = med["this"], med["that"]
        print(f"this / that: wall {a['wall'] / b['wall']:.3f}, cpu {a['cpu'] / b['cpu']:.3f}, "
              f"peak {a['peak_mb'] / b['peak_mb']:.3f}")
    m = med["this"]
    if args.days == 365:
        print(f"default year as a whole process: median {m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU, "
              f"{m['peak_mb']:.0f} MB peak (targets 10 s and 300 MB)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--sizes", default="25000,100000,400000")
    ap.add_argument("--whole", action="store_true", help="time `livesim run` as a whole process (default scenario)")
    ap.add_argument("--against", metavar="TREE", help="with --whole: another source tree to run interleaved")
    ap.add_argument("--reps", type=int, default=3, help="with --whole: runs of each tree")
    ap.add_argument("--no-plots", action="store_true", help="with --whole: pass --no-plots to livesim run")
    args = ap.parse_args()
    if args.days < 1 or args.reps < 1:
        print("--days and --reps: must be at least 1", file=sys.stderr)
        return 2
    if args.whole:
        return main_whole(args)
    if args.against:
        print("--against: needs --whole", file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        print(f"--sizes: comma-separated integers expected, got {args.sizes!r}", file=sys.stderr)
        return 2
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
