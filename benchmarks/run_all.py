"""Run every benchmark and print one table of their headline lines.

Each benchmark runs as its own process (``.venv/bin/python benchmarks/<name>.py``)
one after the other, so that they do not compete for the cores. With
``--quick`` each gets the short arguments below (all together in under 10
minutes on a quiet 2-core machine); without it, each runs with its own
defaults (about an hour). The full output of every benchmark is written to
``--log`` (default ``results/benchmarks/last_run.txt``); the table gives the wall
time, the exit code and the last line of each.

    .venv/bin/python benchmarks/run_all.py --quick
    .venv/bin/python benchmarks/run_all.py --only bench_reference,bench_run
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (benchmark, arguments with --quick, arguments without); a name with a suffix after
#: ``:`` is the same script run a second way (``bench_run:whole`` runs bench_run.py)
BENCHMARKS = [
    ("bench_reference", ["--days", "3"], []),
    ("bench_run", ["--days", "30", "--sizes", "25000,100000"], []),
    ("bench_run:whole", ["--whole", "--days", "30", "--reps", "1"], ["--whole"]),
    ("bench_identical", ["--quick"], []),
    ("bench_estimate", ["--quick"], []),
    ("bench_trust", ["--days", "30", "--repeats", "1"], []),
    ("bench_finance", ["--days", "30", "--repeats", "1"], []),
    ("bench_games", [], []),
    ("bench_sweep", ["--replications", "2", "--days", "20", "--overhead-runs", "200"], []),
    ("bench_coalition", ["--skip-crn", "--skip-decomposition", "--repeats", "1", "--window", "20"], []),
    ("bench_calibrate", ["overhead", "--points", "4"], ["overhead"]),
    ("bench_scale", ["--days", "10", "--sizes", "100000,25000,1000000"], ["--sizes", "100000,25000,1000000"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short arguments for each benchmark (under 10 minutes)")
    ap.add_argument("--only", default=None, help="comma-separated benchmark names to run")
    ap.add_argument("--log", type=Path, default=HERE.parent / "results" / "benchmarks" / "last_run.txt",
                    help="where the full output goes")
    args = ap.parse_args()
    names = [b[0] for b in BENCHMARKS]
    chosen = names if args.only is None else [s.strip() for s in args.only.split(",")]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"--only: unknown benchmark(s) {', '.join(unknown)}; valid: {', '.join(names)}", file=sys.stderr)
        return 2
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    head = (f"livesim benchmarks{' (quick)' if args.quick else ''}, {dt.datetime.now():%Y-%m-%d %H:%M}, "
            f"{os.cpu_count()} cores, load average {load:.1f}, Python {platform.python_version()}")
    rows, log = [], [head, ""]
    t_all = time.perf_counter()
    for name, quick, full in BENCHMARKS:
        if name not in chosen:
            continue
        script = name.split(":")[0]
        cmd = [sys.executable, str(HERE / f"{script}.py"), *(quick if args.quick else full)]
        print(f"running {name} {' '.join(cmd[2:])} ...", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        last = lines[-1] if lines else (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        rows.append((name, wall, proc.returncode, last))
        log += [f"$ {' '.join(['.venv/bin/python', f'benchmarks/{script}.py', *cmd[2:]])}   "
                f"({wall:.0f} s, exit {proc.returncode})", proc.stdout.rstrip(), proc.stderr.rstrip(), ""]
        print(f"  {wall:.0f} s, exit {proc.returncode}: {last}", flush=True)
    total = time.perf_counter() - t_all
    args.log.parent.mkdir(parents=True, exist_ok=True)
    args.log.write_text("\n".join(log) + "\n")
    print()
    print(head)
    print(f"{'benchmark':<18} {'wall s':>7} {'exit':>4}  last line")
    for name, wall, rc, last in rows:
        print(f"{name:<18} {wall:>7.0f} {rc:>4}  {last}")
    print(f"all: {total:.0f} s; full output in {args.log}")
    return 1 if any(rc for _, _, rc, _ in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
