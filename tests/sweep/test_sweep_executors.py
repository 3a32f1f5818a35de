"""Serial, local processes and a Dask LocalCluster give the same results, bit for bit."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.sweep.engine import run_sweep
from sim.sweep.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from sim.errors import InputError
from sim.sweep.spec import spec_from_dict


@pytest.fixture(scope="module")
def spec():
    raw = {
        "experiment": {"name": "same", "model": "tests.sweep.toy:toy_run_fragile", "replications": 3,
                       "master_seed": 123},
        "scenario": {"population": {"consumers": 2000, "anchors": 60}, "time": {"days": 8}},
        "parameters": {"traffic.anchor_cap": {"values": [1.0, 0.05, 0.01]},
                       "traffic.long_tail_reserve": {"values": [0.0, 0.3]}},
        "keep": {"daily": ["gmv", "orders"]},  # all summary measures, some daily ones
    }
    return spec_from_dict(raw)


@pytest.fixture(scope="module")
def sweeps(spec, tmp_path_factory):
    root = tmp_path_factory.mktemp("executors")
    executors = {"serial": SerialExecutor(), "processes": ProcessExecutor(2),
                 "dask": DaskExecutor(local_workers=2)}
    reports = {name: run_sweep(spec, executor=ex, out=root / name, progress=False) for name, ex in executors.items()}
    return root, reports


def test_all_executors_finish_with_the_same_counts(sweeps):
    _, reports = sweeps
    for report in reports.values():
        assert (report.ok, report.failed, report.missing) == (12, 6, 0)


@pytest.mark.parametrize("other", ["processes", "dask"])
def test_combined_tables_identical_bit_for_bit(sweeps, other):
    root, _ = sweeps
    a = pd.read_parquet(root / "serial" / "runs.parquet")
    b = pd.read_parquet(root / other / "runs.parquet")
    assert len(a) == 18 and a["gmv"].notna().sum() == 12
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (root / "serial" / "runs.parquet").read_bytes() == (root / other / "runs.parquet").read_bytes()
    assert (root / "serial" / "daily.parquet").read_bytes() == (root / other / "daily.parquet").read_bytes()


@pytest.mark.parametrize("other", ["processes", "dask"])
def test_per_run_files_identical_bit_for_bit(sweeps, other):
    root, _ = sweeps
    for sub in ("runs", "daily"):
        mine = sorted(p.name for p in (root / "serial" / sub).iterdir())
        theirs = sorted(p.name for p in (root / other / sub).iterdir())
        assert mine == theirs and mine
        for name in mine:
            assert (root / "serial" / sub / name).read_bytes() == (root / other / sub / name).read_bytes(), name


def test_make_executor_choices():
    assert isinstance(make_executor(), ProcessExecutor)
    assert make_executor(workers=3).workers == 3
    assert isinstance(make_executor(serial=True), SerialExecutor)
    assert make_executor(dask_local=2).local_workers == 2
    assert make_executor(scheduler="tcp://127.0.0.1:1").address == "tcp://127.0.0.1:1"
    with pytest.raises(InputError, match="exclude each other"):
        make_executor(serial=True, dask_local=2)
    with pytest.raises(InputError, match="at least 1"):
        make_executor(workers=0)


def test_existing_scheduler_gives_the_same_results(spec, sweeps, tmp_path):
    from distributed import LocalCluster

    root, _ = sweeps
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        report = run_sweep(spec, executor=DaskExecutor(address=cluster.scheduler_address), out=tmp_path / "s",
                           progress=False)
    assert report.done == 18
    assert (tmp_path / "s" / "runs.parquet").read_bytes() == (root / "serial" / "runs.parquet").read_bytes()


def test_unreachable_scheduler_is_refused_before_anything_is_written(spec, tmp_path):
    executor = DaskExecutor(address="tcp://127.0.0.1:9", connect_timeout="1s")
    with pytest.raises(InputError, match="--scheduler tcp://127.0.0.1:9: cannot connect"):
        run_sweep(spec, executor=executor, out=tmp_path / "s", progress=False)
    assert not (tmp_path / "s").exists()
