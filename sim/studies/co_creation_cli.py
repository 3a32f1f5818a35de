"""``livesim co-creation SPEC``: what each party co-creates (sim/studies/co_creation.py).

    livesim co-creation experiments/co_creation.toml                    # 5 variants x 10 seeds
    livesim co-creation experiments/co_creation.toml --set study.replications=3 \\
        --set population.consumers=20000 --out results/co_creation_quick
    livesim co-creation SPEC --dry-run                                  # validate, show the plan, run nothing

Writes ``runs.parquet`` (one row per variant and seed), ``differences.parquet``
(each variant minus the baseline, paired by seed, with 95% intervals),
``games.parquet`` (each variant's mean game), ``study.json`` and
``report.md`` (the findings) into ``--out`` (default: the spec's
``study.output``). Exit codes: 0 done; 2 bad input (nothing was run).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from sim.studies.variants import add_study_arguments

    add_study_arguments(p, kind="co-creation", example="experiments/co_creation.toml", variant_example="variants.platform.set.recommendation.enabled=false")


def main(args: argparse.Namespace) -> int:
    from sim.commands import checks
    from sim.studies.co_creation import load_co_creation, run_co_creation

    checks.integer(args.workers, "--workers", 1, 1024)
    spec = load_co_creation(args.spec, args.sets)        # refused here, before any run
    out = checks.output_folder(args.out if args.out else spec.output, kind="co-creation", overwrite=args.overwrite)
    from sim.estimate import estimate_run, estimate_runs

    import dataclasses

    first = spec.scenario(spec.variants[0])
    one = estimate_run(first)
    # a run holds the warmed-up model, the grand coalition's fork and one more fork at a time,
    # and simulates the warm-up once and the window 7 times (about 8 horizons' worth at most)
    one = dataclasses.replace(one, memory=3 * one.memory)
    checks.cost(estimate_runs(one, spec.runs * 8, args.workers), scenario=first)
    print(f"livesim co-creation: {len(spec.variants)} variants x {spec.replications} seeds = {spec.runs} runs, each "
          f"{spec.warmup_days} warm-up days and the coalition game ({spec.players}) over {spec.window_days} days; "
          f"{first.population.consumers:,} consumers; baseline {spec.baseline!r}", file=sys.stderr)
    for v in spec.variants:
        print(f"  {v.name}: {v.label} {v.overrides or ''}", file=sys.stderr)
    if args.dry_run:
        print(f"would write to {out}")
        return 0
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    with checks.staged_output(out, kind="co-creation", overwrite=args.overwrite) as tmp:
        res = run_co_creation(spec, out=tmp, workers=args.workers, progress=progress)
    print("\n\n".join(res.findings()))
    print(f"\n{len(res.runs)} runs in {res.seconds:.0f} s ({res.cpu_s:.0f} s of CPU); wrote {out}")
    return 0
