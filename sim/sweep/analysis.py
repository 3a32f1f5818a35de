"""The analysis of a sweep written as files: what ``livesim analyze DIR`` does.

:func:`analyze_sweep` computes the summaries of :mod:`sim.sweep.analyze`
(per-point intervals, Sobol' or Morris indices) and draws them with
:mod:`sim.sweep.plots`, writing tables and PNGs into ``DIR/analysis``. It sits
above both modules, so that the summaries and the plots do not import each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.sweep import plots as P
from sim.sweep.analyze import check_measures, load_results, point_summary, sensitivity


def safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def analyze_sweep(root: str | Path, *, measures: list[str] | None = None, conf: float = 0.95,
                  out: str | Path | None = None, plots: bool = True) -> dict[str, Any]:
    """Write the analysis of a sweep into ``out`` (default ``DIR/analysis``):
    ``point_summary.csv`` (and ``.parquet``), ``sobol.csv`` /
    ``sobol_second_order.csv`` or ``morris.csv`` with their bar plots, and for
    grid or Latin-hypercube designs a plot of each measure against each
    parameter; for a sweep of the traffic levers that kept the run tallies
    (``experiments/traffic_caps.toml``), ``traffic_decomposition.csv``: each
    policy's change of SME GMV split into its parts
    (:func:`sim.studies.traffic_decomposition.sweep_decomposition`). Returns
    what was computed and written."""
    if not 0.0 < conf < 1.0:
        raise InputError(f"--conf: must be between 0 and 1, got {conf}")
    results = load_results(root)
    measures = check_measures(results, measures)
    out = Path(out) if out is not None else results.root / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = point_summary(results, measures, conf)
    summary.to_csv(out / "point_summary.csv", index=False)
    summary.to_parquet(out / "point_summary.parquet", index=False)
    written += [out / "point_summary.csv", out / "point_summary.parquet"]
    # a traffic-policy sweep with the run tallies: where each policy moves SME GMV
    # (sim.studies.traffic_decomposition; None when the sweep does not fit)
    from sim.studies.traffic_decomposition import sweep_decomposition

    decomposition = sweep_decomposition(results)
    if decomposition is not None:
        decomposition.to_csv(out / "traffic_decomposition.csv", index=False)
        written.append(out / "traffic_decomposition.csv")
    indices = sensitivity(results, measures, conf)
    if indices is not None:
        path = out / f"{indices.method}.csv"
        indices.table.to_csv(path, index=False)
        written.append(path)
        if indices.second_order is not None:
            path = out / f"{indices.method}_second_order.csv"
            indices.second_order.to_csv(path, index=False)
            written.append(path)
    if plots and not results.ok.empty:
        if indices is not None:
            for m in sorted(set(indices.table["measure"]), key=measures.index):
                fig = P.indices_figure(indices, m)
                path = out / f"{indices.method}_{safe_name(m)}.png"
                fig.savefig(path, dpi=110)
                written.append(path)
        elif results.names:
            for m in measures:
                fig = P.measure_figure(results, m, conf)
                path = out / f"{'grid' if results.sampler == 'grid' else 'scatter'}_{safe_name(m)}.png"
                fig.savefig(path, dpi=110)
                written.append(path)
    return {"results": results, "summary": summary, "indices": indices, "out": out, "written": written,
            "decomposition": decomposition}
