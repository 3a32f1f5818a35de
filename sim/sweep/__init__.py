"""Experiments at scale: specs, designs, executors, a results store, analysis.

A study is data: a TOML spec (:mod:`sim.sweep.spec`) says what to vary and
how; :func:`build_design` turns it into points (a grid, or a Latin
hypercube, Sobol'/Saltelli or Morris sample through SALib); :func:`run_sweep`
runs every (point, replication) with a seed derived from the master seed
(:mod:`sim.sweep.seeds`), serially, on local processes or on Dask, into a
results folder (:mod:`sim.sweep.store`); :func:`load_results` and the
functions of :mod:`sim.sweep.analyze` turn that folder into intervals and
sensitivity indices. ``livesim sweep`` and ``livesim analyze`` are thin
callers of these.

Names are imported lazily so that the command line stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Spec": "sim.sweep.spec",
    "SpecError": "sim.sweep.spec",
    "load_spec": "sim.sweep.spec",
    "spec_from_dict": "sim.sweep.spec",
    "Design": "sim.sweep.design",
    "build_design": "sim.sweep.design",
    "run_seed": "sim.sweep.seeds",
    "run_seeds": "sim.sweep.seeds",
    "run_sweep": "sim.sweep.engine",
    "SweepReport": "sim.sweep.engine",
    "SerialExecutor": "sim.sweep.executors",
    "ProcessExecutor": "sim.sweep.executors",
    "DaskExecutor": "sim.sweep.executors",
    "make_executor": "sim.sweep.executors",
    "SweepStore": "sim.sweep.store",
    "SweepResults": "sim.sweep.analyze",
    "load_results": "sim.sweep.analyze",
    "point_summary": "sim.sweep.analyze",
    "level_summary": "sim.sweep.analyze",
    "difference_from": "sim.sweep.analyze",
    "sobol_indices": "sim.sweep.analyze",
    "morris_indices": "sim.sweep.analyze",
    "analyze_sweep": "sim.sweep.analysis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
