"""One run of a sweep, as every executor performs it.

:func:`run_task` builds the point's scenario, calls the model function, and
returns the run's result as the bytes of its Parquet file (plus the daily
file when kept). Executors differ only in where this function runs; the
files are made from the run's own result alone, so they are identical bit
for bit whichever executor, worker count or completion order produced them.
A model that raises gives an ``error`` row carrying the parameters and the
message (the traceback travels alongside), never a crashed sweep.
"""

from __future__ import annotations

import importlib
import io
import signal
import time
import traceback as tb
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.scenario import Scenario

ERROR_LIMIT = 2000  # characters of the error message kept in the table
FINGERPRINT_KEY = b"livesim.sweep"


@dataclass(frozen=True)
class RunTask:
    point: int
    replication: int
    seed: int
    overrides: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class RunContext:
    """What every run of a sweep shares (sent once to each worker)."""

    model: str
    base: Scenario
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    keep_summary: tuple[str, ...]
    keep_daily: bool | tuple[str, ...]
    fingerprint: str


@dataclass
class RunOutcome:
    point: int
    replication: int
    status: str  # "ok" or "error"
    error: str | None
    traceback: str | None
    summary: bytes  # the run's Parquet file
    daily: bytes | None
    seconds: float  # wall time of the run in its worker (not stored in the files)
    cpu_seconds: float = 0.0  # CPU time of the run's process meanwhile (not stored in the files)


_MODELS: dict[str, Callable] = {}


def load_model(path: str) -> Callable:
    """The model function named ``'module:function'`` (cached per process)."""
    fn = _MODELS.get(path)
    if fn is None:
        mod_name, _, func_name = path.partition(":")
        fn = getattr(importlib.import_module(mod_name), func_name)
        _MODELS[path] = fn
    return fn


_ARROW_TYPES = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}


def _param_type(kind: str, value: Any) -> pa.DataType:
    if kind == "int" and isinstance(value, float):
        return pa.float64()
    return _ARROW_TYPES.get(kind, pa.float64())


def parquet_bytes(table: pa.Table) -> bytes:
    """A small Parquet file (no compression, dictionaries or statistics:
    they cost more than they save on a few rows)."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="none", use_dictionary=False, write_statistics=False)
    return buf.getvalue()


def summary_table(ctx: RunContext, task: RunTask, status: str, error: str | None,
                  measures: dict[str, float]) -> pa.Table:
    """The one-row table of a run: identity, parameters, status, measures."""
    over = dict(task.overrides)
    fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64()), pa.field("seed", pa.int64())]
    arrays = [pa.array([task.point], pa.int64()), pa.array([task.replication], pa.int64()),
              pa.array([task.seed], pa.int64())]
    for name, kind in zip(ctx.names, ctx.kinds):
        typ = _param_type(kind, over[name])
        fields.append(pa.field(name, typ))
        arrays.append(pa.array([over[name]], typ))
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
    arrays += [pa.array([status], pa.string()), pa.array([error], pa.string())]
    for name, value in measures.items():
        fields.append(pa.field(name, pa.float64()))
        arrays.append(pa.array([value], pa.float64()))
    schema = pa.schema(fields, metadata={FINGERPRINT_KEY: ctx.fingerprint.encode()})
    return pa.Table.from_arrays(arrays, schema=schema)


def daily_table(ctx: RunContext, task: RunTask, frame) -> pa.Table:
    """The daily series of a run, with its point, replication and parameters."""
    if "day" not in frame.columns:
        raise ValueError("the model's daily frame has no 'day' column")
    wanted = list(frame.columns) if ctx.keep_daily is True else ["day", *[c for c in ctx.keep_daily if c != "day"]]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"the model's daily frame lacks column(s) {missing} (it has {list(frame.columns)})")
    n = len(frame)
    fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64())]
    arrays = [pa.array(np.full(n, task.point, dtype=np.int64)), pa.array(np.full(n, task.replication, dtype=np.int64))]
    over = dict(task.overrides)
    for name, kind in zip(ctx.names, ctx.kinds):
        typ = _param_type(kind, over[name])
        fields.append(pa.field(name, typ))
        arrays.append(pa.array([over[name]] * n, typ))
    for col in ["day", *[c for c in wanted if c != "day"]]:
        arr = pa.array(np.asarray(frame[col].to_numpy()))
        fields.append(pa.field(str(col), arr.type))
        arrays.append(arr)
    schema = pa.schema(fields, metadata={FINGERPRINT_KEY: ctx.fingerprint.encode()})
    return pa.Table.from_arrays(arrays, schema=schema)


def _measures(ctx: RunContext, summary: Any) -> dict[str, float]:
    if not hasattr(summary, "items"):
        raise TypeError(f"the model's summary is a {type(summary).__name__}, not a mapping of measure -> number")
    if ctx.keep_summary:
        missing = [m for m in ctx.keep_summary if m not in summary]
        if missing:
            raise KeyError(f"the model did not report measure(s) {missing} (it reports: {sorted(summary)})")
        names = list(ctx.keep_summary)
    else:
        names = [str(k) for k in summary]
        clash = [m for m in names if m in ("point", "replication", "seed", "status", "error") or m in ctx.names]
        if clash:
            raise ValueError(f"the model reports measure(s) named like sweep columns: {clash}")
    out = {}
    for m in names:
        try:
            out[m] = float(summary[m])
        except (TypeError, ValueError):
            raise TypeError(f"measure {m!r} is not a number: {summary[m]!r}") from None
    return out


def run_task(task: RunTask, ctx: RunContext) -> RunOutcome:
    """Run one (point, replication) and return its files' bytes; never raises
    for a failure of the model (that becomes an ``error`` row)."""
    start, cpu = time.perf_counter(), time.process_time()
    daily = None
    try:
        scenario = ctx.base.with_overrides(dict(task.overrides))
        model = load_model(ctx.model)
        result = model(scenario, task.seed, keep_daily=bool(ctx.keep_daily), progress=False)
        measures = _measures(ctx, result.summary)
        if ctx.keep_daily:
            frame = getattr(result, "daily", None)
            if frame is None:
                raise ValueError("daily series were asked for, but the model returned none")
            daily = parquet_bytes(daily_table(ctx, task, frame))
        summary = parquet_bytes(summary_table(ctx, task, "ok", None, measures))
        return RunOutcome(task.point, task.replication, "ok", None, None, summary, daily,
                          time.perf_counter() - start, time.process_time() - cpu)
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        summary = parquet_bytes(summary_table(ctx, task, "error", message, {}))
        return RunOutcome(task.point, task.replication, "error", message, tb.format_exc(), summary, None,
                          time.perf_counter() - start, time.process_time() - cpu)


# -------------------------------------------------------- local worker processes

_CONTEXT: RunContext | None = None


def init_worker(ctx: RunContext) -> None:
    """Initializer of a local worker process: keep the context, and ignore
    Ctrl-C (the parent decides when to stop; runs in flight finish)."""
    global _CONTEXT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CONTEXT = ctx
    try:
        load_model(ctx.model)  # import once, up front
    except Exception:
        pass  # every run will then report the import error


def run_in_worker(task: RunTask) -> RunOutcome:
    assert _CONTEXT is not None, "init_worker was not called"
    return run_task(task, _CONTEXT)
