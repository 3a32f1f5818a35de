"""Run seeds are functions of (master seed, point, replication) only."""

from __future__ import annotations

import numpy as np

from sim.sweep.seeds import DESIGN_STREAM, run_seed, run_seeds, stream_seed


def test_seed_is_a_pure_function_of_master_point_replication():
    assert run_seed(42, 3, 1) == run_seed(42, 3, 1)
    assert run_seed(42, 3, 1) == int(
        np.random.SeedSequence(42, spawn_key=(3, 1)).generate_state(1, dtype=np.uint64)[0]) >> 1


def test_seeds_are_distinct_and_in_range():
    seeds = run_seeds(7, 50, 20)
    assert seeds.shape == (50, 20) and seeds.dtype == np.int64
    assert len(np.unique(seeds)) == 1000
    assert (seeds >= 0).all()
    assert all(0 <= int(s) < 2**63 for s in seeds.ravel())


def test_seed_table_matches_single_seeds_in_any_order():
    seeds = run_seeds(99, 6, 4)
    order = [(p, r) for p in reversed(range(6)) for r in (3, 0, 2, 1)]
    assert all(seeds[p, r] == run_seed(99, p, r) for p, r in order)


def test_master_seed_changes_every_seed():
    assert not np.any(run_seeds(1, 5, 3) == run_seeds(2, 5, 3))


def test_common_random_numbers_share_seeds_across_points_only():
    seeds = run_seeds(5, 4, 3, common=True)
    assert (seeds == seeds[0]).all()
    assert len(set(seeds[0])) == 3
    assert seeds[0, 1] == run_seed(5, 17, 1, common=True)


def test_design_stream_differs_from_run_seeds():
    assert stream_seed(5, DESIGN_STREAM) not in set(run_seeds(5, 10, 10).ravel())
