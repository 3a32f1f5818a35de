"""Where the runs of a sweep execute: in this process, in local worker
processes, or on a Dask cluster.

Every executor calls :func:`sim.sweep.task.run_task` on each task and hands
each outcome, as it arrives, to a callback in this process (which writes the
run's files). Results do not depend on the executor: the run's seed and
files are functions of the task alone.

Stopping: when the ``stop`` event is set (first Ctrl-C) an executor submits
nothing more, cancels what has not started, and returns once the runs in
flight have finished and been handed over. A ``KeyboardInterrupt`` (second
Ctrl-C) stops at once: worker processes are terminated and their runs lost
(a resume repeats them).
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable

from sim.errors import InputError
from sim.sweep.task import (RunContext, RunOutcome, RunTask, parquet_bytes, init_worker, run_in_worker, run_task,
                            summary_table)

OnOutcome = Callable[[RunOutcome], None]


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def crash_outcome(task: RunTask, ctx: RunContext, message: str) -> RunOutcome:
    """The record of a run whose worker process died under it."""
    summary = parquet_bytes(summary_table(ctx, task, "error", message, {}))
    return RunOutcome(task.point, task.replication, "error", message, message + "\n", summary, None, 0.0)


class SweepError(RuntimeError):
    """The sweep cannot go on (its finished runs are kept; a resume continues)."""


class WorkerStartError(SweepError):
    """Worker processes die before running anything."""


def ping() -> bool:
    return True


class SerialExecutor:
    """Runs one after another in this process (for debugging and tiny studies)."""

    label = "serial"
    workers = 1

    def run(self, tasks: Iterable[RunTask], ctx: RunContext, on_outcome: OnOutcome, stop: threading.Event) -> None:
        for task in tasks:
            if stop.is_set():
                return
            on_outcome(run_task(task, ctx))


class ProcessExecutor:
    """Local worker processes (the default: one per core).

    Workers start from a fork server (or are spawned where there is none),
    import the model once, and ignore Ctrl-C. If a worker process dies (out
    of memory, a crash in native code), the runs that were in flight are
    repeated one at a time in a fresh pool; one that kills its worker again
    is recorded as failed, and the sweep goes on.
    """

    label = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, int(workers or default_workers()))

    def _pool(self, ctx: RunContext, workers: int) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        mp = multiprocessing.get_context(method)
        if method == "forkserver":
            mp.set_forkserver_preload(["sim.sweep.task", ctx.model.partition(":")[0]])
        return ProcessPoolExecutor(max_workers=workers, mp_context=mp, initializer=init_worker, initargs=(ctx,))

    @staticmethod
    def _terminate(pool: ProcessPoolExecutor) -> None:
        kill = getattr(pool, "terminate_workers", None)  # Python >= 3.14
        if kill is not None:
            kill()
            return
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def run(self, tasks: Iterable[RunTask], ctx: RunContext, on_outcome: OnOutcome, stop: threading.Event) -> None:
        pending = collections.deque(tasks)
        suspects: collections.deque[RunTask] = collections.deque()  # in flight when a worker died
        while (pending or suspects) and not stop.is_set():
            isolate = bool(suspects)  # run suspects alone, so a crash names its culprit
            pool = self._pool(ctx, 1 if isolate else min(self.workers, len(pending)))
            try:
                pool.submit(ping).result()
            except BrokenProcessPool:
                pool.shutdown(wait=False, cancel_futures=True)
                raise WorkerStartError("local worker processes could not start (see the messages above); "
                                       "try --serial to see the problem in this process") from None
            window = 1 if isolate else 2 * self.workers
            inflight: dict = {}
            broken: list[RunTask] = []
            try:
                while True:
                    source = suspects if isolate else pending
                    while source and len(inflight) < window and not stop.is_set():
                        task = source.popleft()
                        inflight[pool.submit(run_in_worker, task)] = task
                    if stop.is_set():
                        for fut in list(inflight):
                            if fut.cancel():  # not started: leave it for a resume
                                del inflight[fut]
                    if not inflight:
                        break
                    done, _ = wait(list(inflight), timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task = inflight.pop(fut)
                        try:
                            outcome = fut.result()
                        except BrokenProcessPool:
                            broken.append(task)
                            continue
                        on_outcome(outcome)
                    if broken:
                        broken += list(inflight.values())
                        inflight.clear()
                        break
            except KeyboardInterrupt:
                self._terminate(pool)
                raise
            finally:
                if broken:
                    pool.shutdown(wait=False, cancel_futures=True)
                else:
                    pool.shutdown(wait=True, cancel_futures=True)
            if broken:
                if isolate:  # it died alone: this run kills its worker
                    for task in broken:
                        on_outcome(crash_outcome(task, ctx, "WorkerDied: the worker process died while running "
                                                            "this run (out of memory? a crash in native code?)"))
                else:
                    suspects.extend(sorted(broken, key=lambda t: (t.point, t.replication)))


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler (``address``) or a
    LocalCluster of ``local_workers`` single-threaded worker processes
    started for this sweep on the loopback interface. Workers must be able
    to import ``sim`` and the model."""

    label = "dask"

    def __init__(self, address: str | None = None, local_workers: int | None = None, *,
                 connect_timeout: str = "20s"):
        if (address is None) == (local_workers is None):
            raise ValueError("give either a scheduler address or a number of local workers")
        self.address = address
        self.local_workers = local_workers
        self.workers = local_workers or 0
        self.connect_timeout = connect_timeout
        self._client = None
        self._cluster = None

    def start(self) -> None:
        """Connect (or start the local cluster); the engine calls this before
        it writes anything, so an unreachable scheduler is refused early."""
        if self._client is None:
            self._client, self._cluster = self._connect()
            self.workers = sum(self._client.nthreads().values())

    def close(self) -> None:
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _connect(self):
        from distributed import Client, LocalCluster

        if self.address is not None:
            try:
                client = Client(self.address, timeout=self.connect_timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(f"--scheduler {self.address}: cannot connect ({exc})") from None
            return client, None
        # Worker processes inherit an ignored SIGINT (Python keeps it ignored), so
        # a Ctrl-C at the terminal, sent to the whole process group, leaves the
        # runs in flight to finish; this process decides when to stop.
        main = threading.current_thread() is threading.main_thread()
        saved = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
        finally:
            if main:
                signal.signal(signal.SIGINT, saved)
        return Client(cluster), cluster

    def run(self, tasks: Iterable[RunTask], ctx: RunContext, on_outcome: OnOutcome, stop: threading.Event) -> None:
        from distributed import KilledWorker, as_completed

        pending = collections.deque(tasks)
        if not pending:
            return
        owned = self._client is None  # started here, so closed here
        self.start()
        client = self._client
        futures: dict = {}
        try:
            threads = sum(client.nthreads().values()) or 1  # none yet (an adaptive cluster): they may come
            self.workers = threads
            shared = client.scatter(ctx, broadcast=True, hash=False)
            window = 2 * threads
            stream = as_completed()

            def submit() -> None:
                while pending and len(futures) < window and not stop.is_set():
                    task = pending.popleft()
                    fut = client.submit(run_task, task, shared, pure=False, retries=0)
                    futures[fut] = task
                    stream.add(fut)

            submit()
            lost: list[tuple[RunTask, str]] = []
            for fut in stream:
                task = futures.pop(fut)
                try:
                    outcome = fut.result()
                except KilledWorker as exc:  # workers kept dying while running it: its own doing
                    outcome = crash_outcome(task, ctx, f"WorkerDied: {exc}")
                except Exception as exc:  # the cluster lost it (cancelled, connection closed): not a result
                    lost.append((task, f"{type(exc).__name__}: {exc}"))
                    continue
                on_outcome(outcome)
                submit()
            if lost and not stop.is_set():
                raise SweepError(f"{len(lost)} run(s) were lost by the Dask cluster (first: {lost[0][1]}); "
                                 "the finished runs are saved, and --resume repeats the lost ones")
        except KeyboardInterrupt:
            client.cancel(list(futures))
            raise
        finally:
            if owned:
                self.close()


def make_executor(*, serial: bool = False, workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None):
    """The executor the command-line options ask for (local processes by default)."""
    chosen = [name for name, on in (("--serial", serial), ("--workers", workers is not None),
                                    ("--scheduler", scheduler is not None), ("--dask-local", dask_local is not None))
              if on]
    if len(chosen) > 1:
        raise InputError(f"choose one way to run: {' and '.join(chosen)} exclude each other")
    if workers is not None and workers < 1:
        raise InputError(f"--workers: must be at least 1, got {workers}")
    if dask_local is not None and dask_local < 1:
        raise InputError(f"--dask-local: must be at least 1, got {dask_local}")
    if serial:
        return SerialExecutor()
    if scheduler is not None:
        return DaskExecutor(address=scheduler)
    if dask_local is not None:
        return DaskExecutor(local_workers=dask_local)
    return ProcessExecutor(workers)
