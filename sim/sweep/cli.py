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
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's experiment.output); must be new "
                   "or empty, or an earlier sweep with --resume or --overwrite")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier sweep in the output folder: the new sweep runs in a folder beside it "
                        "and replaces it whole once every run is done")
    p.add_argument("--max-memory", metavar="SIZE",
                   help="refuse to start when the estimated peak memory of the workers exceeds SIZE, e.g. 8G "
                        "(default: the machine's available memory)")
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
    from sim.io import check_output_folder, replace_folder, result_kind
    from sim.sweep.design import build_design
    from sim.sweep.engine import describe, run_sweep
    from sim.sweep.executors import SweepError, make_executor
    from sim.sweep.spec import load_spec

    if args.retry_failed and not args.resume:
        raise InputError("--retry-failed repeats the failed runs of an existing sweep: use it with --resume")
    if args.overwrite and args.resume:
        raise InputError("--overwrite starts the sweep again from nothing; --resume continues it: choose one")
    if not str(args.spec).strip():
        raise InputError("SPEC: empty path (give an experiment spec TOML file)")
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
        out = Path(args.out) if args.out is not None else spec.output
    if args.resume:
        if out.exists() and not out.is_dir():
            raise InputError(f"--out: {out} is a file, not a sweep folder")
    else:
        if not args.overwrite and result_kind(out) == "sweep":
            raise InputError(f"--out: {out} already holds a sweep; continue it with --resume, replace it with "
                             "--overwrite, or choose another folder")
        out = check_output_folder(out, kind="sweep", overwrite=args.overwrite)
    executor = make_executor(serial=args.serial, workers=args.workers, scheduler=args.scheduler,
                             dask_local=args.dask_local)
    design = build_design(spec)  # every point validated before any run
    cost = sweep_cost(spec, design, executor)
    basis = "" if spec.model == "sim.runner:run_scenario" else " (as runs of the core model of the same sizes)"
    print(f"livesim sweep: {describe(spec, design)}; estimated {cost.describe()}{basis}", file=sys.stderr)
    from sim.commands import checks

    checks.cost(cost, max_memory=args.max_memory, scenario=spec.base)
    if args.dry_run:
        print(design.points.to_string(index=False, max_rows=40))
        print(f"would write to {out} ({executor.label})")
        return 0
    where, resume = out, args.resume
    if args.overwrite and out.exists():
        where = out.parent / f".{out.name}.overwrite"  # the new sweep, beside the old one
        staged = result_kind(where) == "sweep"
        if where.exists() and not staged and any(where.iterdir()):
            raise InputError(f"--overwrite: {where} (the folder the new sweep runs in) holds other files")
        resume = staged and _same_spec(where, spec)
        if staged and not resume:
            import shutil

            shutil.rmtree(where)
    try:
        report = run_sweep(spec, executor=executor, out=where, resume=resume, retry_failed=args.retry_failed,
                           progress=args.progress, command=["livesim", *sys.argv[1:]], design=design)
    except SweepError as exc:
        print(f"livesim sweep: error: {exc}", file=sys.stderr)
        print(f"livesim sweep: the finished runs are kept; continue with: livesim sweep --resume {where}",
              file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    if where != out:
        if report.missing == 0:
            replace_folder(where, out)
            print(f"replaced the earlier sweep in {out}")
        else:
            print(f"the earlier sweep in {out} is untouched; run the same command (with --overwrite) again to "
                  f"finish the new one in {where} and replace it")
    if report.interrupted:
        return 130
    return 1 if report.failed or report.missing else 0


def _same_spec(folder: Path, spec) -> bool:
    import json

    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("fingerprint") == spec.fingerprint()
    except (OSError, ValueError):
        return False


SIZE_FIELDS = ("population.consumers", "population.anchors", "population.suppliers", "time.days",
               "adaptation.partner_switch_probability")


def sweep_cost(spec, design, executor):
    """The estimated cost of the sweep's runs: a run at the largest sizes the
    design takes (population sizes and horizon may be varied; the shortest
    adaptation interval), times the runs, on the executor's workers."""
    from sim.estimate import estimate_run, estimate_runs

    worst = {}
    if design.n_points:
        for name in spec.names:
            if name in SIZE_FIELDS:
                worst[name] = float(design.points[name].max())
            elif name == "time.adaptation_interval":
                worst[name] = float(design.points[name].min())
    one = estimate_run(spec.base, **worst)
    workers = getattr(executor, "workers", None) or 1
    return estimate_runs(one, design.n_points * spec.replications, workers)
