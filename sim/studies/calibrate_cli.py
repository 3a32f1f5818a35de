"""``livesim calibrate SPEC``: fit scenario parameters to targets (FACTS rows or
your own moments) on the sweep engine, with uncertainty, identifiability and
the fit of every target.

    livesim calibrate experiments/calibrate_facts.toml            # local processes
    livesim calibrate SPEC --serial | --workers 2 | --dask-local 4 | --scheduler tcp://host:8786
    livesim calibrate SPEC --resume                               # continue in the same folder
    livesim calibrate SPEC --dry-run                              # validate, show the plan, run nothing

Exit codes: 0 done; 2 bad input (nothing was run); 130 interrupted (the
finished batches are kept; ``--resume`` continues).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="calibration spec (TOML), see sim/studies/calibrate.py")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="sets",
                   help="override a spec field (search.population=20, calibration.replications=2) or a field of "
                        "the base scenario (population.consumers=2000); repeatable; values in TOML syntax")
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's calibration.output)")
    where = p.add_argument_group("where the runs execute (default: local processes, one per core)")
    where.add_argument("--workers", type=int, metavar="N", help="N local worker processes")
    where.add_argument("--serial", action="store_true", help="one run after another in this process")
    where.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster with N workers")
    p.add_argument("--resume", action="store_true", help="continue the calibration in the output folder")
    p.add_argument("--dry-run", action="store_true", help="validate the spec and print the plan; run nothing")
    p.add_argument("--no-plots", action="store_true", help="tables and report only")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None, help="show progress bars even off a terminal")
    bar.add_argument("--no-progress", action="store_false", dest="progress", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    from sim.studies.calibrate import describe, load_calibration, run_calibration
    from sim.sweep.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor

    cal = load_calibration(args.spec, args.sets)  # refused here, before any run
    make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler,
                  dask_local=args.dask_local)  # checks the options

    def factory():
        if args.serial:
            return SerialExecutor()
        if args.scheduler:
            return DaskExecutor(address=args.scheduler)
        if args.dask_local:
            return DaskExecutor(local_workers=args.dask_local)
        return ProcessExecutor(args.workers)

    out = Path(args.out) if args.out else cal.output
    print(f"livesim calibrate: {describe(cal)}", file=sys.stderr)
    if args.dry_run:
        print(f"would write to {out}")
        return 0
    try:
        res = run_calibration(cal, executor_factory=factory, out=out, resume=args.resume, progress=args.progress,
                              plots=not args.no_plots)
    except KeyboardInterrupt:
        print(f"livesim calibrate: interrupted; the finished runs are kept in {out}/batches; continue with: "
              f"livesim calibrate {args.spec} {' '.join('--set ' + s for s in args.sets)} --out {out} --resume",
              file=sys.stderr)
        return 130
    print((res.root / "report.md").read_text())
    print(f"wrote {res.root}")
    return 0
