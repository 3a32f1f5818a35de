"""``livesim analyze DIR``: summarise a finished sweep: intervals, sensitivity indices, plots.

Writes into ``DIR/analysis`` (or ``--out``): ``point_summary.csv`` and
``.parquet`` (per point and measure: n, mean, sd, standard error, interval),
``sobol.csv`` or ``morris.csv`` with one bar plot per measure for sampled
sensitivity designs, and for grids a plot of each measure against each
varied parameter. Prints the tables it computed.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep's output folder")
    p.add_argument("--measures", metavar="M1,M2", help="comma-separated measures (default: every kept measure)")
    p.add_argument("--conf", type=float, default=0.95, metavar="LEVEL", help="confidence level (default 0.95)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: DIR/analysis)")
    p.add_argument("--no-plots", action="store_true", help="tables only")


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "nan"
    a = abs(x)
    if a >= 1e5 or (0 < a < 1e-3):
        return f"{x:.3e}"
    return f"{x:.4g}"


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.sweep.analyze import analyze_sweep

    measures = [m.strip() for m in args.measures.split(",") if m.strip()] if args.measures else None
    done = analyze_sweep(args.dir, measures=measures, conf=args.conf, out=args.out, plots=not args.no_plots)
    results, summary, indices = done["results"], done["summary"], done["indices"]
    counts = results.manifest.get("counts", {})
    print(f"{results.spec.name}: {results.sampler} design, {results.n_points} points, "
          f"{len(results.ok)} ok and {len(results.failed)} failed runs"
          + (f" of {counts['total']}" if counts.get("total") else "")
          + (f" (status: {results.manifest.get('status')})" if results.manifest.get("status") != "complete" else ""))
    pct = f"{args.conf:.0%}"
    if results.sampler == "grid" or len(summary["point"].unique()) <= 30:
        wide = summary.assign(value=[f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"
                                     for m, lo, hi in zip(summary["mean"], summary["ci_low"], summary["ci_high"])])
        table = wide.pivot(index=["point", *results.names], columns="measure", values="value")
        table = table[[m for m in summary["measure"].unique()]]
        with pd.option_context("display.width", 200, "display.max_columns", 8, "display.max_colwidth", 40):
            print(f"\nmean [{pct} interval] per point:")
            print(table.to_string())
    else:
        print(f"\n{len(summary['point'].unique())} points: per-point means and {pct} intervals "
              f"in {done['out'] / 'point_summary.csv'}")
    if indices is not None:
        with pd.option_context("display.width", 200, "display.float_format", _fmt):
            print(f"\n{indices.method} indices ({pct} interval half-widths in *_conf):")
            print(indices.table.to_string(index=False))
            if indices.second_order is not None and not indices.second_order.empty:
                print("\nsecond order:")
                print(indices.second_order.to_string(index=False))
        for m, why in indices.skipped.items():
            print(f"skipped {m}: {why}", file=sys.stderr)
    print(f"\nwrote {len(done['written'])} files to {done['out']}")
    return 0
