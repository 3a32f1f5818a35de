"""The one process pool of the studies: results in the jobs' order whatever the
number of workers or the order the jobs start in."""

import os

import pytest

from sim.parallel import run_jobs
from sim.scenario import Scenario
from sim.studies.validate import run_replications

from tests.conftest import SMALL


def _job(i: int, k: int) -> tuple[int, int, int]:
    return i, i * k, os.getpid()


def test_results_come_back_in_the_jobs_order_with_any_workers_and_start_order():
    jobs = [(i, 3) for i in range(7)]
    ticks = []
    serial = run_jobs(_job, jobs, workers=1, progress=ticks.append)
    pooled = run_jobs(_job, jobs, workers=2, order=[6, 5, 4, 3, 2, 1, 0])
    assert [r[:2] for r in serial] == [r[:2] for r in pooled] == [(i, 3 * i) for i in range(7)]
    assert ticks == [1] * 7
    assert {r[2] for r in serial} == {os.getpid()}          # serial: in this process
    assert os.getpid() not in {r[2] for r in pooled}        # pooled: in worker processes
    with pytest.raises(ValueError, match="permutation"):
        run_jobs(_job, jobs, workers=1, order=[0, 0, 1])


def test_replications_are_the_same_run_serially_or_in_two_processes():
    sc = Scenario().with_overrides({**SMALL, "population.consumers": 1500, "time.days": 12})
    one = run_replications(sc, 2, master_seed=3, workers=1)
    two = run_replications(sc, 2, master_seed=3, workers=2)
    assert one.equals(two)
