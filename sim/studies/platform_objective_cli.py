"""``livesim platform-objective SPEC``: a fixed policy against a GMV-driven and a
profit-driven platform (sim/studies/platform_objective.py).

    livesim platform-objective experiments/platform_objective.toml        # 3 variants x 8 seeds, 365 days
    livesim platform-objective experiments/platform_objective.toml --set study.replications=3 \\
        --set study.days=120 --set population.consumers=20000 --out results/platform_objective_quick
    livesim platform-objective SPEC --dry-run                             # validate, show the plan, run nothing

Writes ``runs.parquet`` (one row per variant and seed), ``summary.parquet``
(means with 95% intervals), ``differences.parquet`` (paired differences, with
95% intervals), ``paths.parquet`` (the levers in force per run and day),
``policy_paths.png``, ``study.json`` and ``report.md`` (the table and the
findings) into ``--out`` (default: the spec's ``study.output``). Exit codes:
0 done; 2 bad input (nothing was run, nothing written).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from sim.studies.variants import add_study_arguments

    add_study_arguments(p, kind="platform-objective", example="experiments/platform_objective.toml", variant_example="variants.gmv.set.platform_adaptation.interval_days=14")


def main(args: argparse.Namespace) -> int:
    from sim.commands import checks
    from sim.studies.platform_objective import load_platform_objective, run_platform_objective

    checks.integer(args.workers, "--workers", 1, 1024)
    spec = load_platform_objective(args.spec, args.sets)        # refused here, before any run
    out = checks.output_folder(args.out if args.out else spec.output, kind="platform-objective",
                               overwrite=args.overwrite)
    from sim.estimate import estimate_run, estimate_runs

    first = spec.scenario(spec.variants[0])
    checks.cost(estimate_runs(estimate_run(first), spec.runs, args.workers), scenario=first)
    print(f"livesim platform-objective: {len(spec.variants)} variants x {spec.replications} seeds = {spec.runs} runs "
          f"of {spec.days} days; {first.population.consumers:,} consumers; baseline {spec.baseline!r}", file=sys.stderr)
    for v in spec.variants:
        print(f"  {v.name}: {v.label} {v.overrides or ''}", file=sys.stderr)
    if args.dry_run:
        print(f"would write to {out}")
        return 0
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    with checks.staged_output(out, kind="platform-objective", overwrite=args.overwrite) as tmp:
        res = run_platform_objective(spec, out=tmp, workers=args.workers, progress=progress)
    print(res.table())
    print()
    print("\n\n".join(res.findings()))
    print(f"\n{len(res.runs)} runs in {res.seconds:.0f} s ({res.cpu_s:.0f} s of CPU); wrote {out}")
    return 0
