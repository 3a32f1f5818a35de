"""Independent jobs in worker processes, results in the order given.

The studies (validation, the default study, the co-creation study, the
traffic decomposition) run many independent model runs; this is the one
place they are handed to a process pool. Each job's result depends only on
its arguments (every run draws from its own seeded streams), so the results
are the same whatever the number of workers; they come back in the order of
``jobs``, whatever order the workers finish in.

Workers are started by ``forkserver`` where the platform has it (else
``spawn``): forking a process that runs threads (a notebook kernel, a test
runner, a Dask client) may deadlock the child.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def run_jobs(fn: Callable[..., Any], jobs: Sequence[tuple], workers: int = 1,
             progress: Callable[[int], None] | None = None, order: Sequence[int] | None = None) -> list[Any]:
    """``[fn(*job) for job in jobs]``, in ``workers`` processes when ``workers > 1``.

    ``progress`` is called with 1 after each job; ``order`` is the order the jobs
    are started in (for example the most costly first, so that no long job starts
    last), the results are in the order of ``jobs`` all the same. ``fn`` must be
    a module-level function (it is pickled by name)."""
    order = list(range(len(jobs))) if order is None else list(order)
    if sorted(order) != list(range(len(jobs))):
        raise ValueError("order must be a permutation of the jobs' positions")
    results: list[Any] = [None] * len(jobs)
    if workers <= 1 or len(jobs) <= 1:
        for i in order:
            results[i] = fn(*jobs[i])
            if progress:
                progress(1)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx) as ex:
        futs = {ex.submit(fn, *jobs[i]): i for i in order}
        for fut in as_completed(futs):
            results[futs[fut]] = fut.result()
            if progress:
                progress(1)
    return results
