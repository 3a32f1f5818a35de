"""``livesim run``: one scenario, with measures, provenance, plots and a report.

Everything is checked before the run (the scenario and its ``--set``
options, the seed, the output folder, the cost estimate against the memory
limit); the result is written into a temporary folder beside ``--out`` and
renamed into place at the end, so ``--out`` holds either the old result or
the whole new one.
"""

from __future__ import annotations

import argparse
import json
import time

from sim.commands import checks


def parse_overrides(items: list[str]) -> dict:
    """``PATH=VALUE`` strings to a dict (see :func:`sim.scenario.parse_sets`)."""
    from sim.scenario import parse_overrides as _parse

    return _parse(items)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML (default: the built-in default)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0; allowed 0 to 2**63 - 1)")
    p.add_argument("--days", type=int, help="days to simulate (default: the scenario's time.days)")
    checks.add_output_arguments(p, default="results/run")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set traffic.anchor_cap=0.05 (repeatable)")
    checks.add_memory_argument(p)
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from sim.estimate import estimate_run

    # ---- everything is checked before any work starts
    scenario = checks.scenario_from_args(args.scenario, args.overrides,
                                         {"time.days": args.days} if args.days is not None else None)
    checks.seed(args.seed)
    out = checks.output_folder(args.out, kind="run", overwrite=args.overwrite)
    estimate = estimate_run(scenario)
    checks.cost(estimate, max_memory=args.max_memory, scenario=scenario)

    from sim.provenance import provenance
    from sim.report.pages import run_report
    from sim.runner import run_scenario

    with checks.staged_output(out, kind="run", overwrite=args.overwrite) as tmp:
        t0 = time.perf_counter()
        result = run_scenario(scenario, args.seed, keep_daily=True, progress=not args.quiet)
        wall = time.perf_counter() - t0
        import pandas as pd

        daily = result.daily
        summary = pd.DataFrame([{"seed": args.seed, **result.summary}])
        write = checks.write_atomic
        write(tmp / "daily.parquet", lambda p: daily.to_parquet(p, index=False))
        write(tmp / "summary.parquet", lambda p: summary.to_parquet(p, index=False))
        if result.defaults is not None:
            write(tmp / "defaults.parquet", lambda p: result.defaults.to_parquet(p, index=False))
        write(tmp / "scenario.toml", scenario.to_toml())
        prov = provenance(seed=args.seed, days=scenario.time.days, consumers=scenario.population.consumers,
                          wall_time_s=round(wall, 3),
                          estimate={"memory_bytes": round(estimate.memory), "seconds": round(estimate.seconds, 2)})
        write(tmp / "provenance.json", json.dumps(prov, indent=2))
        plots = []
        if not args.no_plots:
            from sim.report.plots import standard_plots

            plots = standard_plots(daily, result.summary, tmp)
        write(tmp / "report.md", run_report(scenario, result.summary, prov, plots))
    print(f"livesim run: {scenario.time.days} days, seed {args.seed}, {wall:.1f} s; results in {out}/")
    print(f"  GMV {result.summary['gmv'] / 1e4:,.0f} (10,000 yuan), live conversion "
          f"{100 * result.summary['live_conversion']:.1f}%, top-50 GMV share "
          f"{100 * result.summary['top50_gmv_share']:.1f}%, report: {out / 'report.md'}")
    return 0
