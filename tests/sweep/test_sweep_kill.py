"""A sweep killed with SIGKILL, or stopped with Ctrl-C, resumes to exactly
the results of an uninterrupted sweep, every run exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.engine import run_sweep
from sim.sweep.executors import ProcessExecutor
from sim.sweep.spec import load_spec

# toy runs of about 0.1 s each (its cost grows with consumers x days): slow
# enough to kill the sweep half-way, with 5 points x 4 replications = 20 runs
SPEC = """
[experiment]
name = "killme"
model = "tests.sweep.toy:toy_run"
replications = 4
master_seed = 99

[scenario]
population.consumers = 400000
population.anchors = 50
time.days = 30

[parameters]
"traffic.anchor_cap" = { values = [1.0, 0.2, 0.05, 0.02, 0.01] }

[keep]
summary = ["gmv", "top50_gmv_share", "mean_institutional_trust"]
daily = ["gmv"]
"""
TOTAL = 20


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("kill") / "spec.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "out"
    report = run_sweep(load_spec(spec_file), executor=ProcessExecutor(2), out=out, progress=False)
    assert report.done == TOTAL
    return out


def start(spec_file: Path, out: Path, *where: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec_file), "--out", str(out),
                             *(where or ("--workers", "2"))], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # its own process group: workers included


def wait_for_runs(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = out / "runs"
        done = len(list(runs.glob("p*-r*.parquet"))) if runs.is_dir() else 0
        if done >= n:
            return done
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended early: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail("the sweep made no progress")


def resume(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", "sweep", "--resume", str(out), "--workers", "2"],
                          capture_output=True, text=True, timeout=120)


def assert_same_as_reference(out: Path, reference: Path) -> None:
    runs = pd.read_parquet(out / "runs.parquet")
    keys = list(zip(runs["point"], runs["replication"]))
    assert len(keys) == TOTAL and len(set(keys)) == TOTAL  # every run exactly once
    assert len(list((out / "runs").glob("p*-r*.parquet"))) == TOTAL
    assert not list((out / "runs").glob(".*")) and not list((out / "daily").glob(".*"))
    pd.testing.assert_frame_equal(runs, pd.read_parquet(reference / "runs.parquet"), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "daily.parquet"),
                                  pd.read_parquet(reference / "daily.parquet"), check_exact=True)
    for f in (reference / "runs").iterdir():
        assert (out / "runs" / f.name).read_bytes() == f.read_bytes()


def test_sigkill_then_resume_gives_every_run_once_identical_to_uninterrupted(spec_file, reference, tmp_path):
    out = tmp_path / "out"
    proc = start(spec_file, out)
    wait_for_runs(out, 4, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, mid-run
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    done = len(list((out / "runs").glob("p*-r*.parquet")))
    assert 4 <= done < TOTAL, "the kill came too late to test anything"
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "running"  # it never got to say otherwise

    r = resume(out)
    assert r.returncode == 0, r.stderr
    assert f"{TOTAL} of {TOTAL} runs done ({TOTAL} ok, 0 failed); {TOTAL - done} ran" in r.stdout
    assert_same_as_reference(out, reference)
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["sessions"][1]["ran"] == TOTAL - done


@pytest.mark.parametrize("where", [("--workers", "2"), ("--dask-local", "2")], ids=["processes", "dask"])
def test_ctrl_c_finishes_runs_in_flight_then_resume(spec_file, reference, tmp_path, where):
    out = tmp_path / "out"
    proc = start(spec_file, out, *where)
    wait_for_runs(out, 3, proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the whole group, workers too
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "waiting for the runs in flight" in stderr
    assert "Traceback" not in stderr
    assert f"continue with: livesim sweep --resume {out}" in stdout
    files = len(list((out / "runs").glob("p*-r*.parquet")))
    assert 3 <= files < TOTAL
    runs = pd.read_parquet(out / "runs.parquet")  # the combined table of what was done
    assert len(runs) == files and (runs["status"] == "ok").all()  # no run was cut short
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["counts"]["done"] == files and m["counts"]["failed"] == 0
    if where[0] == "--dask-local":
        return  # resuming does not depend on what stopped the sweep: the processes case resumes

    r = resume(out)
    assert r.returncode == 0, r.stderr
    assert_same_as_reference(out, reference)
