"""Running a sweep: plan the runs, skip those already done, execute them,
keep the records.

:func:`run_sweep` is the whole of ``livesim sweep`` minus argument parsing:
it validates the design (every point a valid scenario) before any run,
refuses to mix two studies in one folder, resumes a folder's sweep only if
its spec fingerprint is unchanged, shows a progress bar, handles Ctrl-C by
letting the runs in flight finish, and ends by writing the combined table
and the manifest, whatever happened.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io import mark_result
from sim.sweep.design import Design, build_design
from sim.sweep.executors import ProcessExecutor
from sim.sweep.seeds import run_seeds
from sim.sweep.spec import Spec
from sim.sweep.store import FORMAT, POINTS, RUNS, SweepStore, run_name, write_points
from sim.sweep.task import RunContext, RunOutcome, RunTask


@dataclass
class SweepReport:
    """What a sweep session did, and where the results are."""

    root: Path
    name: str
    total: int
    ok: int
    failed: int
    ran: int  # runs executed in this session
    skipped: int  # runs found done when the session started
    interrupted: bool
    seconds: float
    failures: list[tuple[str, str]] = field(default_factory=list)  # (run, error), all sessions

    @property
    def done(self) -> int:
        return self.ok + self.failed

    @property
    def missing(self) -> int:
        return self.total - self.done

    def lines(self) -> list[str]:
        """The end-of-sweep summary, for people."""
        out = [f"{self.name}: {self.done} of {self.total} runs done ({self.ok} ok, {self.failed} failed); "
               f"{self.ran} ran in this session in {_duration(self.seconds)}"
               + (f", {self.skipped} were already done" if self.skipped else "")]
        if self.done:
            out.append(f"results: {self.root / RUNS}")
        if self.failed:
            first_run, first_err = self.failures[0]
            out.append(f"{self.failed} run(s) failed; tracebacks in {self.root / 'errors'}/ "
                       f"(first: {first_run}: {first_err.splitlines()[0] if first_err else ''})")
        if self.interrupted or self.missing:
            out.append(f"{'interrupted' if self.interrupted else 'incomplete'}: {self.missing} run(s) to go; "
                       f"continue with: livesim sweep --resume {self.root}")
        return out


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def provenance(command: list[str] | None = None) -> dict[str, Any]:
    """Who ran what, where, with which versions: the record ``livesim run``
    writes too (:func:`sim.provenance.provenance`)."""
    from sim.provenance import provenance as record

    return record(command)


def plan(spec: Spec, design: Design) -> list[RunTask]:
    """Every run of the study in (point, replication) order, with its seed."""
    seeds = run_seeds(spec.master_seed, design.n_points, spec.replications, common=spec.common_random_numbers)
    columns = {name: design.points[name].tolist() for name in design.names}
    tasks = []
    for p in range(design.n_points):
        over = tuple((name, columns[name][p]) for name in design.names)
        for r in range(spec.replications):
            tasks.append(RunTask(p, r, int(seeds[p, r]), over))
    return tasks


def context(spec: Spec) -> RunContext:
    return RunContext(model=spec.model, base=spec.base, names=tuple(spec.names),
                      kinds=tuple(p.kind for p in spec.parameters.values()), keep_summary=spec.keep_summary,
                      keep_daily=spec.keep_daily, fingerprint=spec.fingerprint())


def points_table(design: Design) -> pa.Table:
    return pa.Table.from_pandas(design.points, preserve_index=False)


def describe(spec: Spec, design: Design) -> str:
    what = "grid" if spec.sampler == "grid" else f"{spec.sampler} design"
    n_par = len(spec.parameters)
    return (f"{spec.name}: {what} over {n_par} parameter{'s' if n_par != 1 else ''} "
            f"({', '.join(spec.names) or 'none'}): {design.n_points} points x {spec.replications} replications "
            f"= {design.n_points * spec.replications} runs of {spec.model}")


@contextlib.contextmanager
def _started(executor):
    """Release what the executor holds (a Dask client or cluster) at the end."""
    try:
        yield
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()


class _StopOnSignal:
    """First Ctrl-C (or SIGTERM): finish the runs in flight, then stop.
    Second: stop at once (KeyboardInterrupt)."""

    def __init__(self, stop: threading.Event, say):
        self.stop = stop
        self.say = say
        self.saved: dict[int, Any] = {}

    def _handle(self, signum, frame):
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()
        self.say("stopping: no new runs; waiting for the runs in flight (Ctrl-C again to stop at once)")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        return False


@dataclass
class _Session:
    """The state of one sweep session, passed between the steps of :func:`run_sweep`."""

    spec: Spec
    design: Design
    executor: Any
    store: SweepStore
    fingerprint: str
    total: int
    manifest: dict[str, Any] = field(default_factory=dict)
    done: dict[tuple[int, int], str] = field(default_factory=dict)
    tasks: list[RunTask] = field(default_factory=list)
    skipped: int = 0
    record: dict[str, Any] = field(default_factory=dict)  # this session's entry in the manifest
    counts: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False
    error: Exception | None = None


def run_sweep(spec: Spec, *, executor=None, out: str | Path | None = None, resume: bool = False,
              retry_failed: bool = False, progress: bool | None = None, command: list[str] | None = None,
              design: Design | None = None) -> SweepReport:
    """Run (or resume) the sweep of ``spec`` into ``out`` (default: the spec's
    output folder). ``progress=None`` shows the bar only on a terminal."""
    started = time.perf_counter()
    design = design or build_design(spec)  # raises before anything is written
    executor = executor or ProcessExecutor()
    root = Path(out) if out is not None else spec.output
    store = SweepStore(root)
    s = _Session(spec, design, executor, store, spec.fingerprint(), design.n_points * spec.replications)
    with store.lock(), _started(executor):
        _open_folder(s, resume)
        _plan_runs(s, retry_failed)
        _start_session(s, command)
        _execute(s, progress)
        failures = _finish(s, started)
    if s.error is not None:
        raise s.error
    ok, failed = s.manifest["counts"]["ok"], s.manifest["counts"]["failed"]
    return SweepReport(root=root, name=spec.name, total=s.total, ok=ok, failed=failed, ran=int(s.counts["ran"]),
                       skipped=s.skipped, interrupted=s.interrupted, seconds=s.record["seconds"],
                       failures=failures)


def _open_folder(s: _Session, resume: bool) -> None:
    """Check the folder (a sweep of this spec to resume, or empty), connect
    the executor, and for a new sweep write the manifest, spec and design."""
    spec, store, root = s.spec, s.store, s.store.root
    manifest = store.read_manifest()
    if resume:
        if manifest is None:
            raise InputError(f"{root}: no sweep to resume here (no manifest.json)")
        if manifest.get("fingerprint") != s.fingerprint:
            raise InputError(
                f"{root}: holds a sweep of a different spec (fingerprint {str(manifest.get('fingerprint'))[:12]}, "
                f"this spec {s.fingerprint[:12]}); resume with the same spec and --set options "
                f"(or just: livesim sweep --resume {root}), or choose another output folder")
        if (store.root / POINTS).is_file():
            _check_points(store, s.design)
        else:  # killed while the folder was being set up
            store.create(spec_toml=spec.to_toml(), scenario_toml=spec.base.to_toml(), points=points_table(s.design))
    elif not store.is_empty():
        hint = "use --resume to continue it, or --overwrite to replace it" if manifest else "it is not an empty folder"
        raise InputError(f"{root}: already exists and holds files ({hint}); choose another output folder")
    start = getattr(s.executor, "start", None)
    if start is not None:
        start()  # e.g. connect to the Dask scheduler: refused before anything is written
    if not resume:
        manifest = _new_manifest(spec, s.design, s.fingerprint, s.total)
        store.write_manifest(manifest)  # first: a folder with any file of a sweep can be resumed
        store.create(spec_toml=spec.to_toml(), scenario_toml=spec.base.to_toml(), points=points_table(s.design))
        mark_result(store.root, "sweep")
    s.manifest = manifest


def _new_manifest(spec: Spec, design: Design, fingerprint: str, total: int) -> dict[str, Any]:
    return {
        "format": FORMAT, "name": spec.name, "description": spec.description, "fingerprint": fingerprint,
        "model": spec.model, "sampler": spec.sampler, "parameters": spec.names,
        "points": design.n_points, "replications": spec.replications, "runs": total,
        "created": _now(), "status": "running", "counts": {},
        "spec": spec.to_dict(scenario_file="scenario.toml"),
        "files": {"runs": RUNS, "daily": "daily.parquet" if spec.wants_daily else None, "points": POINTS,
                  "per_run": "runs/", "errors": "errors/", "spec": "spec.toml", "scenario": "scenario.toml"},
        "sessions": [],
    }


def _plan_runs(s: _Session, retry_failed: bool) -> None:
    """The runs already done (checked file by file) and the tasks left."""
    s.done = s.store.scan(s.fingerprint, need_daily=s.spec.wants_daily)
    if retry_failed:
        for key in [k for k, st in s.done.items() if st == "error"]:
            s.store.forget(*key)
            del s.done[key]
    s.skipped = len(s.done)
    s.tasks = [t for t in plan(s.spec, s.design) if (t.point, t.replication) not in s.done]


def _start_session(s: _Session, command: list[str] | None) -> None:
    """Record the session (provenance, executor, runs to go) in the manifest."""
    prov = provenance(command)
    sessions = s.manifest["sessions"]
    first_git = (sessions[0].get("provenance") or {}).get("git") if sessions else None
    if first_git and prov["git"] and first_git.get("commit") != prov["git"].get("commit"):
        _say(f"note: the code changed since this sweep started (commit {first_git['commit'][:10]}, now "
             f"{prov['git']['commit'][:10]}); runs of the two sessions may differ")
    s.record = {"started": _now(), "executor": s.executor.label, "workers": s.executor.workers,
                "to_run": len(s.tasks), "status": "running", "provenance": prov}
    sessions.append(s.record)
    s.manifest["status"] = "running"
    s.store.write_manifest(s.manifest)


def _say(msg: str) -> None:
    from tqdm.auto import tqdm

    tqdm.write(f"livesim sweep: {msg}", file=sys.stderr)


def _execute(s: _Session, progress: bool | None) -> None:
    """Run the tasks with a progress bar, saving each outcome as it comes;
    Ctrl-C stops new runs, an executor error is kept for :func:`run_sweep`."""
    from tqdm.auto import tqdm

    s.counts = {"ran": 0, "ok": 0, "failed": 0, "model_seconds": 0.0, "model_cpu_seconds": 0.0}
    counts, done = s.counts, s.done
    stop = threading.Event()
    bar = tqdm(total=s.total, initial=s.skipped, desc=s.spec.name, unit="run", file=sys.stderr,
               disable=(progress is False) or (progress is None and not sys.stderr.isatty()),
               dynamic_ncols=True, smoothing=0.05)
    failed_before = sum(1 for st in done.values() if st == "error")
    if failed_before:
        bar.set_postfix(failed=failed_before)

    def on_outcome(outcome: RunOutcome) -> None:
        s.store.save(outcome)
        counts["ran"] += 1
        counts["model_seconds"] += outcome.seconds
        counts["model_cpu_seconds"] += outcome.cpu_seconds
        counts["ok" if outcome.status == "ok" else "failed"] += 1
        done[(outcome.point, outcome.replication)] = outcome.status
        bar.update(1)
        if outcome.status != "ok":
            bar.set_postfix(failed=failed_before + counts["failed"])

    try:
        with _StopOnSignal(stop, _say):
            if s.tasks:
                s.executor.run(s.tasks, context(s.spec), on_outcome, stop)
    except KeyboardInterrupt:
        s.interrupted = True
    except Exception as exc:  # recorded by _finish, then raised again
        s.error = exc
    finally:
        bar.close()
    s.interrupted = s.interrupted or stop.is_set()
    s.record["workers"] = s.executor.workers


def _finish(s: _Session, started: float) -> list[tuple[str, str]]:
    """Whatever happened: the combined table (with its completeness in its
    metadata) and the manifest of what is done. Returns the failures."""
    ok = sum(1 for st in s.done.values() if st == "ok")
    failed = sum(1 for st in s.done.values() if st != "ok")
    missing = s.total - ok - failed
    status = "complete" if missing == 0 else ("interrupted" if s.interrupted else
                                              "failed" if s.error is not None else "incomplete")
    counts = {"total": s.total, "done": ok + failed, "ok": ok, "failed": failed, "missing": missing}
    s.store.combine(names=s.spec.names, measures=list(s.spec.keep_summary) or None, fingerprint=s.fingerprint,
                    daily=s.spec.wants_daily, completeness={"status": status, **counts})
    failures = _failures(s.store)
    seconds = time.perf_counter() - started
    c = s.counts
    s.record.update({"ended": _now(), "ran": c["ran"], "ok": c["ok"], "failed": c["failed"],
                     "seconds": round(seconds, 3), "model_seconds": round(c["model_seconds"], 3),
                     "model_cpu_seconds": round(c["model_cpu_seconds"], 3), "status": status})
    if s.error is not None:
        s.record["error"] = f"{type(s.error).__name__}: {s.error}"
    s.manifest["status"] = status
    s.manifest["counts"] = counts
    s.manifest["failed_runs"] = [{"run": r, "error": e} for r, e in failures[:100]]
    s.store.write_manifest(s.manifest)
    return failures


def _check_points(store: SweepStore, design: Design) -> None:
    path = store.root / POINTS
    try:
        stored = pq.read_table(path).to_pandas()
    except Exception as exc:
        raise InputError(f"{path}: unreadable ({exc})") from None
    now = design.points.reset_index(drop=True)
    same = list(stored.columns) == list(now.columns) and len(stored) == len(now) and all(
        stored[c].tolist() == now[c].tolist() for c in now.columns)
    if not same:
        raise InputError(f"{path}: the design drawn now differs from the stored one (another SALib, numpy or "
                         f"scipy version?); resume with the environment that started the sweep")


def _failures(store: SweepStore) -> list[tuple[str, str]]:
    path = store.root / RUNS
    if not path.is_file():
        return []
    t = pq.read_table(path, columns=["point", "replication", "status", "error"]).to_pylist()
    return [(run_name(r["point"], r["replication"]), r["error"] or "") for r in t if r["status"] != "ok"]
