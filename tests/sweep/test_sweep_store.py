"""The results store and the engine around it: files, manifest, combined
table, resume, failures, refusals."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.sweep.engine import run_sweep
from sim.sweep.executors import ProcessExecutor, SerialExecutor
from sim.sweep.seeds import run_seed
from sim.sweep.spec import spec_from_dict
from sim.sweep.store import SweepStore, write_atomic


def make_spec(model="tests.sweep.toy:toy_run", reps=2, daily=False, sets=None, keep=("gmv", "top50_gmv_share")):
    raw = {
        "experiment": {"name": "store", "model": model, "replications": reps, "master_seed": 5},
        "scenario": {"population": {"consumers": 300, "anchors": 40}, "time": {"days": 4}},
        "parameters": {"traffic.anchor_cap": {"values": [1.0, 0.05, 0.01]}},
        "keep": {"summary": list(keep), "daily": daily},
    }
    return spec_from_dict(raw, sets=sets)


def test_layout_manifest_and_combined_table(tmp_path):
    spec = make_spec(daily=["gmv"])
    report = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False, command=["x"])
    root = tmp_path / "s"
    assert report.ok == 6 and report.failed == 0 and not report.interrupted and report.missing == 0
    names = sorted(p.name for p in (root / "runs").iterdir())
    assert names == [f"p{p:06d}-r{r:04d}.parquet" for p in range(3) for r in range(2)]
    assert len(list((root / "daily").iterdir())) == 6
    m = json.loads((root / "manifest.json").read_text())
    assert m["status"] == "complete" and m["fingerprint"] == spec.fingerprint()
    assert m["counts"] == {"total": 6, "done": 6, "ok": 6, "failed": 0, "missing": 0}
    assert m["sessions"][0]["provenance"]["packages"]["numpy"]
    assert m["sessions"][0]["provenance"]["command"] == ["x"]
    runs = pd.read_parquet(root / "runs.parquet")
    assert runs.columns.tolist() == ["point", "replication", "seed", "traffic.anchor_cap", "status", "error",
                                     "gmv", "top50_gmv_share"]
    assert runs[["point", "replication"]].values.tolist() == [[p, r] for p in range(3) for r in range(2)]
    assert runs["seed"].tolist() == [run_seed(5, p, r) for p in range(3) for r in range(2)]
    assert runs["traffic.anchor_cap"].tolist() == [1.0, 1.0, 0.05, 0.05, 0.01, 0.01]
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    daily = pd.read_parquet(root / "daily.parquet")
    assert daily.columns.tolist() == ["point", "replication", "traffic.anchor_cap", "day", "gmv"]
    assert len(daily) == 6 * 4
    assert (root / "spec.toml").is_file() and (root / "scenario.toml").is_file()
    assert pd.read_parquet(root / "points.parquet")["traffic.anchor_cap"].tolist() == [1.0, 0.05, 0.01]


def test_measures_match_a_direct_model_call(tmp_path):
    from tests.sweep.toy import toy_run

    spec = make_spec()
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    row = runs.iloc[3]
    direct = toy_run(spec.base.with_overrides({"traffic.anchor_cap": row["traffic.anchor_cap"]}), int(row["seed"]))
    assert row["gmv"] == direct.summary["gmv"] and row["top50_gmv_share"] == direct.summary["top50_gmv_share"]


def test_failed_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path):
    spec = make_spec(model="tests.sweep.toy:toy_run_fragile")
    report = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    assert (report.ok, report.failed) == (4, 2)
    assert report.failures[0][0] == "p000002-r0000"
    assert report.failures[0][1] == "ToyModelError: toy model refuses anchor_cap=0.01"
    assert any("2 run(s) failed; tracebacks in" in line for line in report.lines())
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    bad = runs[runs["status"] == "error"]
    assert bad["traffic.anchor_cap"].tolist() == [0.01, 0.01] and bad["gmv"].isna().all()
    tb = (tmp_path / "s" / "errors" / "p000002-r0001.txt").read_text()
    assert "Traceback" in tb and "ToyModelError" in tb
    m = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert m["counts"]["failed"] == 2 and m["failed_runs"][0]["run"] == "p000002-r0000"


def test_missing_measure_fails_the_run_with_a_clear_message(tmp_path):
    spec = make_spec(keep=("gmv", "no_such_measure"))
    report = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    assert report.failed == 6
    assert "did not report measure(s) ['no_such_measure']" in report.failures[0][1]


def test_resume_skips_done_runs_and_repairs_damaged_files(tmp_path):
    spec = make_spec()
    full = tmp_path / "full"
    run_sweep(spec, executor=SerialExecutor(), out=full, progress=False)
    part = tmp_path / "part"
    run_sweep(spec, executor=SerialExecutor(), out=part, progress=False)
    store = SweepStore(part)
    # damage: a run deleted, a run truncated (half-written), a leftover temporary file, no combined table
    store.run_path(0, 1).unlink()
    data = store.run_path(1, 0).read_bytes()
    store.run_path(1, 0).write_bytes(data[: len(data) // 2])
    (part / "runs" / ".p000002-r0000.parquet.123.tmp").write_bytes(b"junk")
    (part / "runs.parquet").unlink()
    before = store.run_path(2, 1).stat().st_mtime_ns
    report = run_sweep(spec, executor=SerialExecutor(), out=part, resume=True, progress=False)
    assert report.ran == 2 and report.skipped == 4 and report.done == 6
    assert store.run_path(2, 1).stat().st_mtime_ns == before  # not repeated
    assert not list((part / "runs").glob(".*.tmp"))
    pd.testing.assert_frame_equal(pd.read_parquet(part / "runs.parquet"), pd.read_parquet(full / "runs.parquet"),
                                  check_exact=True)
    m = json.loads((part / "manifest.json").read_text())
    assert [s["ran"] for s in m["sessions"]] == [6, 2]


def test_resume_of_a_complete_sweep_runs_nothing(tmp_path):
    spec = make_spec()
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    report = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", resume=True, progress=False)
    assert report.ran == 0 and report.done == 6


def test_retry_failed(tmp_path):
    spec = make_spec(model="tests.sweep.toy:toy_run_fragile")
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    again = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", resume=True, progress=False)
    assert again.ran == 0
    retried = run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", resume=True, retry_failed=True,
                        progress=False)
    assert retried.ran == 2 and retried.failed == 2


def test_refusals(tmp_path):
    spec = make_spec()
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    with pytest.raises(InputError, match="use --resume to continue it"):
        run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    other = make_spec(sets=[("experiment.master_seed", 6)])
    with pytest.raises(InputError, match="holds a sweep of a different spec"):
        run_sweep(other, executor=SerialExecutor(), out=tmp_path / "s", resume=True, progress=False)
    with pytest.raises(InputError, match="no sweep to resume here"):
        run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "empty", resume=True, progress=False)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not an empty folder"):
        run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "busy", progress=False)
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]  # left as it was
    assert not (tmp_path / "empty").exists()


def test_folder_lock_refuses_a_second_writer(tmp_path):
    store = SweepStore(tmp_path / "s")
    with store.lock():
        with pytest.raises(InputError, match="another livesim sweep is writing"):
            with SweepStore(tmp_path / "s").lock():
                pass


def test_write_atomic_leaves_no_temporary(tmp_path):
    write_atomic(tmp_path / "a.bin", b"123")
    write_atomic(tmp_path / "a.bin", "456")
    assert (tmp_path / "a.bin").read_bytes() == b"456"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_run_files_carry_the_spec_fingerprint(tmp_path):
    spec = make_spec()
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    meta = pq.read_schema(tmp_path / "s" / "runs" / "p000000-r0000.parquet").metadata
    assert meta[b"livesim.sweep"] == spec.fingerprint().encode()
    # a run file of another sweep is not taken for a result
    store = SweepStore(tmp_path / "s")
    assert len(store.scan(spec.fingerprint())) == 6
    assert store.scan("0" * 64) == {}


def test_a_run_that_kills_its_worker_is_recorded_and_others_are_not_harmed(tmp_path):
    spec = make_spec(model="sweep_models:crash_below", reps=3)
    report = run_sweep(spec, executor=ProcessExecutor(2), out=tmp_path / "s", progress=False)
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    assert report.done == 9
    assert runs.loc[runs["status"] == "error", "traffic.anchor_cap"].tolist() == [0.01] * 3
    assert (runs.loc[runs["status"] == "ok", "traffic.anchor_cap"] > 0.02).all()
    assert all(e.startswith("WorkerDied") for _, e in report.failures)
