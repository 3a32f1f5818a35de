"""Seeds for the runs of a sweep, derived from the master seed alone.

Every run's seed is a pure function of ``(master_seed, point, replication)``
through numpy's :class:`~numpy.random.SeedSequence` (the point and
replication form its ``spawn_key``), so a run's result never depends on the
number of workers, the executor or the order in which runs finish. With
common random numbers, replication ``r`` uses the same seed at every point,
so differences between points are not blurred by different noise.

The design sampler and the bootstrap of the sensitivity analysis draw from
their own streams of the same master seed (one-element spawn keys that no
run uses), so they are reproducible too.
"""

from __future__ import annotations

import numpy as np

#: spawn keys of the auxiliary streams (runs use two-element keys, or a
#: one-element key below 2**31 with common random numbers)
DESIGN_STREAM = 2**32 - 1
ANALYSIS_STREAM = 2**32 - 2

SEED_LIMIT = 2**63  # run seeds are non-negative Python ints below this


def _draw(master_seed: int, key: tuple[int, ...]) -> int:
    state = np.random.SeedSequence(master_seed, spawn_key=key).generate_state(1, dtype=np.uint64)
    return int(state[0]) >> 1  # 63 bits: fits a signed 64-bit integer column


def run_seed(master_seed: int, point: int, replication: int, *, common: bool = False) -> int:
    """The seed of run ``(point, replication)``: a non-negative int below 2**63."""
    if point < 0 or replication < 0:
        raise ValueError("point and replication must be non-negative")
    return _draw(master_seed, (replication,) if common else (point, replication))


def run_seeds(master_seed: int, n_points: int, replications: int, *, common: bool = False) -> np.ndarray:
    """All run seeds as an ``(n_points, replications)`` int64 array."""
    out = np.empty((n_points, replications), dtype=np.int64)
    if common:
        row = [run_seed(master_seed, 0, r, common=True) for r in range(replications)]
        out[:] = row
        return out
    for p in range(n_points):
        for r in range(replications):
            out[p, r] = run_seed(master_seed, p, r)
    return out


def stream_seed(master_seed: int, stream: int) -> int:
    """Seed of an auxiliary stream (:data:`DESIGN_STREAM`, :data:`ANALYSIS_STREAM`)."""
    return _draw(master_seed, (stream,))
