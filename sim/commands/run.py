"""``livesim run``: one scenario, with measures, provenance, plots and a report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sim.errors import InputError


def parse_overrides(items: list[str]) -> dict:
    """``PATH=VALUE`` strings to a dict; VALUE is read as TOML (numbers, true,
    strings in quotes) and falls back to a bare string."""
    from sim.scenario import parse_value

    out = {}
    problems = []
    for item in items:
        if "=" not in item:
            problems.append(f"--set {item!r}: expected PATH=VALUE")
            continue
        path, raw = item.split("=", 1)
        out[path.strip()] = parse_value(raw)
    if problems:
        raise InputError(problems)
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML (default: the built-in default)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--days", type=int, help="days to simulate (default: the scenario's time.days)")
    p.add_argument("--out", metavar="DIR", default="results/run", help="output folder (default results/run)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set traffic.anchor_cap=0.05 (repeatable)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def main(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    # ---- everything is checked before any work starts
    overrides = parse_overrides(args.overrides)
    if args.days is not None:
        overrides["time.days"] = args.days
    scenario = load_scenario(args.scenario, overrides)
    if args.seed < 0 or args.seed >= 2**63:
        raise InputError(f"--seed: {args.seed} (allowed: 0 to 2**63 - 1)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise InputError(f"--out: {out} is not writable")

    from sim.measures import DAILY_MEASURES, SUMMARY_MEASURES  # noqa: F401
    from sim.provenance import provenance
    from sim.runner import run_scenario

    t0 = time.perf_counter()
    result = run_scenario(scenario, args.seed, keep_daily=True, progress=not args.quiet)
    wall = time.perf_counter() - t0
    import pandas as pd

    daily = result.daily
    summary = pd.DataFrame([{"seed": args.seed, **result.summary}])
    _atomic_write(out / "daily.parquet", lambda p: daily.to_parquet(p, index=False))
    _atomic_write(out / "summary.parquet", lambda p: summary.to_parquet(p, index=False))
    if result.defaults is not None:
        _atomic_write(out / "defaults.parquet", lambda p: result.defaults.to_parquet(p, index=False))
    _atomic_write(out / "scenario.toml", lambda p: p.write_text(scenario.to_toml(), encoding="utf-8"))
    prov = provenance(seed=args.seed, days=scenario.time.days, consumers=scenario.population.consumers,
                      wall_time_s=round(wall, 3))
    _atomic_write(out / "provenance.json", lambda p: p.write_text(json.dumps(prov, indent=2), encoding="utf-8"))
    plots = []
    if not args.no_plots:
        from sim.report.plots import standard_plots

        plots = standard_plots(daily, result.summary, out)
    from sim.report.pages import run_report

    _atomic_write(out / "report.md", lambda p: p.write_text(run_report(scenario, result.summary, prov, plots),
                                                             encoding="utf-8"))
    print(f"livesim run: {scenario.time.days} days, seed {args.seed}, {wall:.1f} s; results in {out}/")
    print(f"  GMV {result.summary['gmv'] / 1e4:,.0f} (10,000 yuan), live conversion "
          f"{100 * result.summary['live_conversion']:.1f}%, top-50 GMV share "
          f"{100 * result.summary['top50_gmv_share']:.1f}%, report: {out / 'report.md'}")
    return 0
