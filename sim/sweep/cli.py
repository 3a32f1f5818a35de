"""``livesim sweep``: run an experiment (grid or sampled design) locally or on Dask.

    livesim sweep experiments/traffic_caps.toml                  # local processes, one per core
    livesim sweep SPEC --set experiment.replications=2 --set population.consumers=2000
    livesim sweep SPEC --serial | --workers 4 | --dask-local 8 | --scheduler tcp://host:8786
    livesim sweep --resume results/traffic_caps                  # continue an interrupted sweep
    livesim sweep SPEC --dry-run                                 # validate and show the design only

Exit codes: 0 all runs done and ok; 1 some runs failed (the sweep still
finished) or the sweep could not go on; 2 bad input (nothing was run);
130 interrupted (Ctrl-C; finished runs are kept, ``--resume`` continues).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC",
                   help="experiment spec (TOML); with --resume it may also be the sweep's output folder")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="sets",
                   help="override a spec field (experiment.replications=2, design.samples=8, "
                        "parameters.traffic.anchor_cap.values=[1.0,0.02], keep.daily=true) or a field of the "
                        "base scenario (population.consumers=2000); repeatable; values in TOML syntax")
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's experiment.output)")
    where = p.add_argument_group("where the runs execute (default: local processes, one per core)")
    where.add_argument("--workers", type=int, metavar="N", help="N local worker processes")
    where.add_argument("--serial", action="store_true", help="one run after another in this process")
    where.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster with N workers")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in the output folder: runs already done are not repeated")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: also repeat the runs that failed")
    p.add_argument("--dry-run", action="store_true", help="validate the spec and print the design; run nothing")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None,
                     help="show the progress bar even when stderr is not a terminal")
    bar.add_argument("--no-progress", action="store_false", dest="progress", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from sim.errors import InputError
    from sim.sweep.design import build_design
    from sim.sweep.engine import describe, run_sweep
    from sim.sweep.executors import SweepError, make_executor
    from sim.sweep.spec import load_spec

    if args.retry_failed and not args.resume:
        raise InputError("--retry-failed repeats the failed runs of an existing sweep: use it with --resume")
    target = Path(args.spec)
    if target.is_dir():
        if not args.resume:
            raise InputError(f"{target} is a folder; to continue the sweep in it use --resume "
                             "(to start a sweep give a spec file)")
        if args.out is not None and Path(args.out).resolve() != target.resolve():
            raise InputError(f"--out {args.out}: a sweep folder is resumed in place ({target})")
        spec = load_spec(target / "spec.toml", args.sets)
        out = target
    else:
        spec = load_spec(target, args.sets)
        out = Path(args.out) if args.out else spec.output
    executor = make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler,
                             dask_local=args.dask_local)
    design = build_design(spec)  # every point validated before any run
    print(f"livesim sweep: {describe(spec, design)}", file=sys.stderr)
    if args.dry_run:
        print(design.points.to_string(index=False, max_rows=40))
        print(f"would write to {out} ({executor.label})")
        return 0
    try:
        report = run_sweep(spec, executor=executor, out=out, resume=args.resume, retry_failed=args.retry_failed,
                           progress=args.progress, command=["livesim", *sys.argv[1:]], design=design)
    except SweepError as exc:
        print(f"livesim sweep: error: {exc}", file=sys.stderr)
        print(f"livesim sweep: the finished runs are kept; continue with: livesim sweep --resume {out}",
              file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    if report.interrupted:
        return 130
    return 1 if report.failed or report.missing else 0
