"""The results folder of a sweep.

Layout::

    DIR/manifest.json     the spec, its fingerprint, provenance, counts, sessions
    DIR/spec.toml         the effective spec (after --set), re-runnable
    DIR/scenario.toml     the base scenario in full
    DIR/points.parquet    the design: point, then one column per parameter
    DIR/runs/pPPPPPP-rRRRR.parquet    one file per finished run (one row)
    DIR/daily/pPPPPPP-rRRRR.parquet   its daily series, when kept
    DIR/errors/pPPPPPP-rRRRR.txt      the traceback of a run that raised
    DIR/runs.parquet      all runs: point, replication, seed, parameters,
                          status, error, measures; sorted by (point, replication)
    DIR/daily.parquet     all daily series, when kept

Every file is written to a temporary name and renamed into place, so a
killed sweep leaves whole files or none. A run's summary file is written
last (after its daily series and traceback): its existence marks the run as
done. When resuming, each run file is opened and checked (readable, one row,
the right point, replication and spec fingerprint); a file that fails the
check is deleted and its run repeated.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io import write_atomic  # noqa: F401  (re-exported: every file of the store is written through it)
from sim.sweep.task import FINGERPRINT_KEY, RunOutcome

MANIFEST = "manifest.json"
SPEC = "spec.toml"
SCENARIO = "scenario.toml"
POINTS = "points.parquet"
RUNS = "runs.parquet"
DAILY = "daily.parquet"
FORMAT = "livesim-sweep/1"
COMPLETENESS_KEY = b"livesim.completeness"  # runs.parquet metadata: JSON of status, total, done, ok, failed, missing
IDENTITY = ["point", "replication", "seed"]

_NAME = re.compile(r"^p(\d+)-r(\d+)$")


def run_name(point: int, replication: int) -> str:
    return f"p{point:06d}-r{replication:04d}"


def parse_run_name(stem: str) -> tuple[int, int] | None:
    m = _NAME.match(stem)
    return (int(m.group(1)), int(m.group(2))) if m else None


class SweepStore:
    """Reads and writes one sweep's results folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.daily_dir = self.root / "daily"
        self.errors_dir = self.root / "errors"

    # ---------------------------------------------------------------- paths

    def run_path(self, point: int, replication: int) -> Path:
        return self.runs_dir / f"{run_name(point, replication)}.parquet"

    def daily_path(self, point: int, replication: int) -> Path:
        return self.daily_dir / f"{run_name(point, replication)}.parquet"

    def error_path(self, point: int, replication: int) -> Path:
        return self.errors_dir / f"{run_name(point, replication)}.txt"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    # ------------------------------------------------------------- lifecycle

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder (released even if the process
        is killed), so two sweeps never write into it at once."""
        created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform
            fcntl = None
        fh = open(self.root / ".lock", "w")
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise InputError(f"{self.root}: another livesim sweep is writing into this folder") from None
            yield
        finally:
            fh.close()
            if not self.manifest_path.exists():  # refused before writing anything: leave no trace
                (self.root / ".lock").unlink(missing_ok=True)
                if created and not any(self.root.iterdir()):
                    self.root.rmdir()

    def is_empty(self) -> bool:
        return not any(p.name != ".lock" for p in self.root.iterdir()) if self.root.is_dir() else True

    def create(self, *, spec_toml: str, scenario_toml: str, points: pa.Table) -> None:
        for d in (self.runs_dir, self.errors_dir):
            d.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / SPEC, spec_toml)
        write_atomic(self.root / SCENARIO, scenario_toml)
        write_points(self.root / POINTS, points)

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.manifest_path}: unreadable manifest ({exc})") from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_atomic(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n",
                     durable=True)

    # ------------------------------------------------------------------ runs

    def save(self, outcome: RunOutcome) -> None:
        """Persist one run; the summary file goes last and marks it done."""
        p, r = outcome.point, outcome.replication
        if outcome.traceback:
            self.errors_dir.mkdir(exist_ok=True)
            write_atomic(self.error_path(p, r), outcome.traceback)
        if outcome.daily is not None:
            self.daily_dir.mkdir(exist_ok=True)
            write_atomic(self.daily_path(p, r), outcome.daily)
        write_atomic(self.run_path(p, r), outcome.summary)

    def forget(self, point: int, replication: int) -> None:
        """Delete a run's files (so it runs again)."""
        for path in (self.run_path(point, replication), self.daily_path(point, replication),
                     self.error_path(point, replication)):
            path.unlink(missing_ok=True)

    def clean_temporaries(self) -> int:
        n = 0
        for d in (self.root, self.runs_dir, self.daily_dir, self.errors_dir):
            if d.is_dir():
                for tmp in d.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
                    n += 1
        return n

    def scan(self, fingerprint: str, *, need_daily: bool = False) -> dict[tuple[int, int], str]:
        """The runs already done: ``{(point, replication): status}``. Files
        that are not whole results of this sweep are deleted."""
        self.clean_temporaries()
        done: dict[tuple[int, int], str] = {}
        if not self.runs_dir.is_dir():
            return done
        for path in self.runs_dir.glob("p*-r*.parquet"):
            key = parse_run_name(path.stem)
            if key is None:
                continue
            status = self._check_run_file(path, key, fingerprint)
            if status == "ok" and need_daily and not self.daily_path(*key).is_file():
                status = None
            if status is None:
                self.forget(*key)
                continue
            done[key] = status
        return done

    @staticmethod
    def _check_run_file(path: Path, key: tuple[int, int], fingerprint: str) -> str | None:
        try:
            pf = pq.ParquetFile(path)
            meta = pf.schema_arrow.metadata or {}
            if meta.get(FINGERPRINT_KEY) != fingerprint.encode():
                return None
            t = pf.read(columns=["point", "replication", "status"])
        except Exception:  # truncated, empty or foreign: not a result
            return None
        if t.num_rows != 1:
            return None
        row = t.to_pylist()[0]
        if (row["point"], row["replication"]) != key or row["status"] not in ("ok", "error"):
            return None
        return row["status"]

    # -------------------------------------------------------------- combined

    def combine(self, *, names: list[str], measures: list[str] | None, fingerprint: str,
                daily: bool, completeness: dict[str, Any] | None = None) -> tuple[int, list[str]]:
        """Write ``runs.parquet`` (and ``daily.parquet``) from the per-run
        files, sorted by (point, replication); ``completeness`` (status and
        run counts) goes into their metadata, so a partial table says so
        wherever it is copied. Returns (rows, measures)."""
        table = self.read_runs(names=names, measures=measures)
        meta = {FINGERPRINT_KEY: fingerprint.encode()}
        if completeness is not None:
            meta[COMPLETENESS_KEY] = json.dumps(completeness, sort_keys=True).encode()
        if table is None:
            (self.root / RUNS).unlink(missing_ok=True)
            (self.root / DAILY).unlink(missing_ok=True)
            return 0, []
        order = table.column_names[len(IDENTITY) + len(names) + 2:]
        table = table.replace_schema_metadata(meta)
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf, compression="zstd")
        write_atomic(self.root / RUNS, buf.getvalue().to_pybytes(), durable=True)
        if daily:
            self._combine_daily(meta)
        return table.num_rows, order

    def read_runs(self, *, names: list[str], measures: list[str] | None = None) -> pa.Table | None:
        """All per-run files as one table sorted by (point, replication):
        identity, parameters, status, error, then the measures (in the kept
        order, or as the first successful run reports them). None if no run
        is done."""
        tables = []
        for path in sorted(self.runs_dir.glob("p*-r*.parquet")) if self.runs_dir.is_dir() else []:
            if parse_run_name(path.stem) is not None:
                tables.append(pq.ParquetFile(path).read().replace_schema_metadata(None))
        if not tables:
            return None
        table = pa.concat_tables(tables, promote_options="default")
        table = table.sort_by([("point", "ascending"), ("replication", "ascending")])
        lead = IDENTITY + list(names) + ["status", "error"]
        if measures:
            order = list(measures)
        else:  # the order the model reports them in, first successful run first
            order = [c for c in table.column_names if c not in lead]
            ok = [t for t in sorted(tables, key=lambda t: (t["point"][0].as_py(), t["replication"][0].as_py()))
                  if t["status"][0].as_py() == "ok"]
            if ok:
                first = [c for c in ok[0].column_names if c not in lead]
                order = first + [c for c in order if c not in first]
        for m in order:  # measures no run reported (every run failed) still get a column
            if m not in table.column_names:
                table = table.append_column(pa.field(m, pa.float64()), pa.nulls(table.num_rows, pa.float64()))
        return table.select(lead + order)

    def _combine_daily(self, meta: dict) -> None:
        paths = sorted(self.daily_dir.glob("p*-r*.parquet")) if self.daily_dir.is_dir() else []
        tables = [pq.ParquetFile(p).read().replace_schema_metadata(None) for p in paths]
        if not tables:
            (self.root / DAILY).unlink(missing_ok=True)
            return
        table = pa.concat_tables(tables, promote_options="default")
        table = table.sort_by([("point", "ascending"), ("replication", "ascending"), ("day", "ascending")])
        buf = pa.BufferOutputStream()
        pq.write_table(table.replace_schema_metadata(meta), buf, compression="zstd")
        write_atomic(self.root / DAILY, buf.getvalue().to_pybytes(), durable=True)


def read_completeness(path: str | Path) -> dict[str, Any] | None:
    """The completeness a ``runs.parquet`` carries in its metadata (None for
    a table written before it was recorded)."""
    meta = pq.ParquetFile(path).schema_arrow.metadata or {}
    raw = meta.get(COMPLETENESS_KEY)
    return json.loads(raw) if raw else None


def write_points(path: Path, points: pa.Table) -> None:
    buf = pa.BufferOutputStream()
    pq.write_table(points, buf, compression="zstd")
    write_atomic(path, buf.getvalue().to_pybytes(), durable=True)
