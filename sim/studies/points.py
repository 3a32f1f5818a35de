"""Run an explicit table of points on the sweep engine.

Calibration proposes its points batch by batch (each batch depends on the
results of the ones before) and the split-discovery study stratifies a
categorical column inside a Latin hypercube: neither is a design the sweep
spec can state. :func:`run_points` runs such a table as one sweep folder with
the engine itself (:func:`sim.sweep.engine.run_sweep`: serial, processes or
Dask; resumable; per-run files identical bit for bit whatever executes them).

The folder's fingerprint covers every point's values, so a folder is resumed
only by the very same table. Its ``spec.toml`` lists each parameter's values
point by point (not a grid to expand): read such a folder with
:func:`read_points_runs`, not with ``livesim analyze``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.scenario import Scenario
from sim.sweep.design import Design, check_points
from sim.sweep.spec import DEFAULT_MODEL, ParamSpec, Spec
from sim.sweep.store import MANIFEST, RUNS, SweepStore


def kind_of(base: Scenario, path: str) -> str:
    value = base.get(path)
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value), "float")


def points_spec(name: str, base: Scenario, points: pd.DataFrame, *, replications: int, master_seed: int,
                output: Path, model: str = DEFAULT_MODEL, keep_summary: tuple[str, ...] = (),
                common_random_numbers: bool = True, description: str = "") -> tuple[Spec, Design]:
    """A spec and design whose points are the rows of ``points`` (columns:
    scenario paths; an optional ``point`` column is ignored)."""
    names = [c for c in points.columns if c != "point"]
    params = {}
    frame = pd.DataFrame({"point": np.arange(len(points), dtype=np.int64)})
    for n in names:
        kind = kind_of(base, n)
        col = points[n].tolist()
        if kind == "float":
            col = [float(v) for v in col]
            frame[n] = np.asarray(col, dtype=np.float64)
        elif kind == "int":
            col = [int(v) for v in col]
            frame[n] = np.asarray(col, dtype=np.int64)
        elif kind == "bool":
            col = [bool(v) for v in col]
            frame[n] = np.asarray(col, dtype=bool)
        else:
            col = [str(v) for v in col]
            frame[n] = pd.Series(col, dtype=object)
        params[n] = ParamSpec(n, kind, values=tuple(col))
    spec = Spec(name=name, description=description, model=model, replications=replications,
                master_seed=master_seed, common_random_numbers=common_random_numbers, output=Path(output),
                sampler="grid", samples=None, second_order=False, levels=4, parameters=params,
                keep_summary=tuple(keep_summary), keep_daily=False, base=base, source=None)
    design = Design("points", names, frame)
    check_points(spec, design)
    return spec, design


def run_points(name: str, base: Scenario, points: pd.DataFrame, out: str | Path, *, replications: int,
               master_seed: int, executor_factory: Callable[[], Any], model: str = DEFAULT_MODEL,
               keep_summary: tuple[str, ...] = (), progress: bool | None = None,
               common_random_numbers: bool = True, description: str = "") -> pd.DataFrame:
    """Run (or resume, or just read) the points in folder ``out``; return the
    runs table (one row per point and replication). A finished folder of
    the same table is read without running anything."""
    from sim.sweep.engine import run_sweep

    out = Path(out)
    spec, design = points_spec(name, base, points, replications=replications, master_seed=master_seed,
                               output=out, model=model, keep_summary=keep_summary,
                               common_random_numbers=common_random_numbers, description=description)
    manifest = SweepStore(out).read_manifest() if (out / MANIFEST).is_file() else None
    report = None
    if manifest is not None:
        if manifest.get("fingerprint") != spec.fingerprint():
            raise InputError(f"{out}: holds runs of other points or settings (the spec changed since they "
                             "ran); use another output folder, or remove this one to start again")
        if manifest.get("status") != "complete" or not (out / RUNS).is_file():
            report = run_sweep(spec, executor=executor_factory(), out=out, resume=True, progress=progress,
                               design=design)
    else:
        report = run_sweep(spec, executor=executor_factory(), out=out, resume=False, progress=progress,
                           design=design)
    if report is not None and (report.interrupted or report.missing):
        # the batch is incomplete: stop here (what is done is kept; resuming runs the rest)
        raise KeyboardInterrupt(f"{out}: {report.missing} run(s) of the batch still to run")
    return read_points_runs(out)


def read_points_runs(out: str | Path) -> pd.DataFrame:
    out = Path(out)
    path = out / RUNS
    if not path.is_file():
        raise InputError(f"{out}: no runs table (runs.parquet); the batch did not finish")
    return pq.read_table(path).to_pandas()


def manifest_parameters(out: str | Path) -> list[str]:
    m = json.loads((Path(out) / MANIFEST).read_text())
    return list(m.get("parameters", []))


