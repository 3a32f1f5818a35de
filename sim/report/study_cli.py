"""``livesim study``: the default study (the README's main job).

Runs the five sections of :mod:`sim.studies.default_study` with one progress
bar and writes ``report.html`` (self-contained), ``report.md`` and the
Parquet files behind every number to ``--out``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default="results/default", help="output folder (default results/default)")
    p.add_argument("--size", choices=("default", "tiny"), default="default",
                   help="default: sized for under 10 minutes on 2 cores; tiny: a few seconds, for a smoke test")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (default: up to 2); results do not depend on it")
    p.add_argument("--report-only", action="store_true",
                   help="re-render report.html and report.md from the Parquet files already in --out (no run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise InputError(f"--workers: {args.workers} (allowed: >= 1)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a folder")
    if args.report_only:
        from sim.studies.default_study import rebuild_report

        print(f"livesim study: report rebuilt: {rebuild_report(out)}")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise InputError(f"--out: {out} is not writable")
    from sim.studies.default_study import run_default_study

    res = run_default_study(out, args.size, workers=args.workers, progress=not args.quiet)
    print(f"livesim study: {res.runs} runs in {res.seconds:.0f} s on {args.workers} workers; "
          f"report: {out / 'report.html'} (terminal: {out / 'report.md'})")
    for text in res.frames["findings"]["text"].head(3):
        print(f"  {text}")
    return 0
