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
    p.add_argument("--out", metavar="DIR", help="where to write (default: DIR/analysis); must be new or empty, or an "
                   "earlier analysis with --overwrite")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier analysis in --out whole")
    p.add_argument("--no-plots", action="store_true", help="tables only")


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "nan"
    a = abs(x)
    if a >= 1e5 or (0 < a < 1e-3):
        return f"{x:.3e}"
    return f"{x:.4g}"


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from sim.commands import checks
    from sim.errors import InputError
    from sim.sweep.analysis import analyze_sweep
    from sim.sweep.analyze import load_results
    from sim.sweep.store import RUNS, read_completeness

    checks.number(args.conf, "--conf", 0.0, 1.0, open_low=True, open_high=True)
    if not str(args.dir).strip():
        raise InputError("DIR: empty path (give a sweep's output folder)")
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise InputError(f"DIR: {root} is a file, not a sweep folder")
    measures = [m.strip() for m in args.measures.split(",") if m.strip()] if args.measures else None
    results = load_results(root)  # refuses a folder that is not a sweep
    unknown = [m for m in measures or [] if m not in results.measures]
    if unknown:
        raise InputError(f"--measures: unknown measure(s) {unknown}; this sweep has: {', '.join(results.measures)}")
    out = checks.output_folder(args.out if args.out is not None else root / "analysis", kind="analysis",
                               overwrite=args.overwrite)
    with checks.staged_output(out, kind="analysis", overwrite=args.overwrite) as tmp:
        done = analyze_sweep(root, measures=measures, conf=args.conf, out=tmp, plots=not args.no_plots)
    done["out"] = out
    results, summary, indices = done["results"], done["summary"], done["indices"]
    counts = results.manifest.get("counts", {})
    table_counts = read_completeness(root / RUNS) if (root / RUNS).is_file() else None
    print(f"{results.spec.name}: {results.sampler} design, {results.n_points} points, "
          f"{len(results.ok)} ok and {len(results.failed)} failed runs"
          + (f" of {counts['total']}" if counts.get("total") else "")
          + (f" (status: {results.manifest.get('status')})" if results.manifest.get("status") != "complete" else ""))
    if table_counts is not None and table_counts.get("missing"):
        print(f"partial results: {RUNS} holds {table_counts['done']} of {table_counts['total']} runs "
              f"({table_counts['missing']} missing, status {table_counts['status']}); every figure below is "
              f"computed from the finished runs only", file=sys.stderr)
    pct = f"{args.conf:.0%}"
    if results.sampler == "grid" or len(summary["point"].unique()) <= 30:
        from sim.measures import PLACE_MEASURES

        shown = summary
        if measures is None and not summary["measure"].isin(list(PLACE_MEASURES)).all():
            # the run tallies by place (kept for the traffic decomposition) stay in the files
            shown = summary[~summary["measure"].isin(list(PLACE_MEASURES))]
        wide = shown.assign(value=[f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"
                                     for m, lo, hi in zip(shown["mean"], shown["ci_low"], shown["ci_high"])])
        table = wide.pivot(index=["point", *results.names], columns="measure", values="value")
        table = table[[m for m in shown["measure"].unique()]]
        with pd.option_context("display.width", 200, "display.max_columns", 8, "display.max_colwidth", 40):
            print(f"\nmean [{pct} interval] per point:")
            print(table.to_string())
    else:
        print(f"\n{len(summary['point'].unique())} points: per-point means and {pct} intervals "
              f"in {done['out'] / 'point_summary.csv'}")
    dec = done.get("decomposition")
    if dec is not None:
        from sim.studies.traffic_decomposition import FACTORS

        d = dec[dec["place"] == "all"]
        d = d.assign(value=[f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"
                            for m, lo, hi in zip(d["mean"], d["ci_low"], d["ci_high"])])
        table = d.pivot(index=["point", *results.names], columns="factor", values="value")
        table = table[["total", *[f for f in FACTORS if f in table.columns]]]
        with pd.option_context("display.width", 250, "display.max_columns", 10, "display.max_colwidth", 40):
            print(f"\nchange of SME merchants' GMV from no cap and no reserve, and its parts (yuan, mean [{pct} "
                  f"interval] over paired replications; per place in traffic_decomposition.csv):")
            print(table.to_string())
    if indices is not None:
        with pd.option_context("display.width", 200, "display.float_format", _fmt):
            print(f"\n{indices.method} indices ({pct} interval half-widths in *_conf):")
            print(indices.table.to_string(index=False))
            if indices.second_order is not None and not indices.second_order.empty:
                print("\nsecond order:")
                print(indices.second_order.to_string(index=False))
        for m, why in indices.skipped.items():
            print(f"skipped {m}: {why}", file=sys.stderr)
    print(f"\nwrote {len(done['written'])} files to {out}")
    return 0
