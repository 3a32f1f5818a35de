"""``livesim sweep`` and ``livesim analyze``: bad input is refused with one
line per problem, exit code 2 and no traceback, before anything is written."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main

SPEC = """
[experiment]
name = "cli"
model = "tests.sweep.toy:toy_run"
replications = 2

[scenario]
population.consumers = 300
population.anchors = 30
time.days = 3

[parameters]
"traffic.anchor_cap" = { values = [1.0, 0.05] }

[keep]
summary = ["gmv", "sme_gmv_share"]
"""


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    return path


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("sets, message", [
    (["parameters.traffic.anchor_cap.values=[1.0, 1.5]"],
     "parameters.traffic.anchor_cap.values: 1.5 is outside the range of scenario field traffic.anchor_cap"),
    (["parameters.traffic.nope.values=[1]"], "parameters.traffic.nope: not a scenario field"),
    (["experiment.replications=0"], "experiment.replications: Input should be greater than or equal to 1"),
    (["design.sampler=\"sobolev\""], "design.sampler: unknown value 'sobolev'"),
    (["design.sampler=\"lhs\"", "design.samples=4", "parameters.traffic.anchor_cap.range=[0.5, 0.1]",
      "parameters.traffic.anchor_cap.values=[]"], "parameters.traffic.anchor_cap: the lhs sampler draws from a range"),
    (["nonsense=1"], "--set nonsense: unknown field"),
    (["population.consumers=1"], "scenario: population.consumers: Input should be greater than or equal to 10"),
])
def test_bad_input_exits_2_before_any_run(capsys, spec_file, tmp_path, sets, message):
    out_dir = tmp_path / "out"
    args = ["sweep", str(spec_file), "--out", str(out_dir), "--serial"]
    for s in sets:
        args += ["--set", s]
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert f"livesim sweep: {spec_file}: {message}" in err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_reversed_range_and_missing_file(capsys, spec_file, tmp_path):
    code, _, err = run_cli(capsys, "sweep", str(spec_file), "--out", str(tmp_path / "o"),
                           "--set", 'design.sampler="sobol"', "--set", "design.samples=4",
                           "--set", "parameters.consumers.activity.range=[0.5, 0.2]")
    assert code == 2
    lines = err.strip().splitlines()
    assert f"livesim sweep: {spec_file}: parameters.consumers.activity.range: empty or reversed range [0.5, 0.2] " \
           "(low must be below high)" in lines
    assert any("parameters.traffic.anchor_cap: the sobol sampler draws from a range" in x for x in lines)
    assert not (tmp_path / "o").exists()
    code, _, err = run_cli(capsys, "sweep", str(tmp_path / "missing.toml"))
    assert code == 2 and "no such file" in err


def test_option_conflicts(capsys, spec_file, tmp_path):
    code, _, err = run_cli(capsys, "sweep", str(spec_file), "--serial", "--dask-local", "2")
    assert code == 2 and "exclude each other" in err
    code, _, err = run_cli(capsys, "sweep", str(spec_file), "--retry-failed")
    assert code == 2 and "use it with --resume" in err
    code, _, err = run_cli(capsys, "sweep", str(tmp_path))
    assert code == 2 and "use --resume" in err


def test_dry_run_writes_nothing(capsys, spec_file, tmp_path):
    code, out, err = run_cli(capsys, "sweep", str(spec_file), "--out", str(tmp_path / "o"), "--dry-run")
    assert code == 0 and "2 points x 2 replications = 4 runs" in err
    assert "traffic.anchor_cap" in out and not (tmp_path / "o").exists()


def test_sweep_resume_and_analyze(capsys, spec_file, tmp_path):
    out_dir = tmp_path / "o"
    code, out, err = run_cli(capsys, "sweep", str(spec_file), "--out", str(out_dir), "--serial",
                             "--set", "experiment.replications=3")
    assert code == 0, err
    assert "cli: 6 of 6 runs done (6 ok, 0 failed)" in out
    assert len(pd.read_parquet(out_dir / "runs.parquet")) == 6
    code, out, err = run_cli(capsys, "sweep", "--resume", str(out_dir), "--serial")
    assert code == 0 and "0 ran in this session" in out
    code, out, err = run_cli(capsys, "sweep", str(spec_file), "--out", str(out_dir), "--serial")
    assert code == 2 and "already holds a sweep; continue it with --resume" in err
    code, out, err = run_cli(capsys, "sweep", str(spec_file), "--out", str(out_dir), "--serial", "--resume")
    assert code == 2 and "holds a sweep of a different spec" in err  # replications differ
    code, out, err = run_cli(capsys, "analyze", str(out_dir))
    assert code == 0, err
    assert "mean [95% interval] per point" in out and "sme_gmv_share" in out
    assert (out_dir / "analysis" / "grid_gmv.png").is_file()
    code, out, err = run_cli(capsys, "analyze", str(out_dir), "--measures", "gmv,bogus")
    assert code == 2 and "unknown measure(s) ['bogus']" in err


def test_failed_runs_give_exit_code_1(capsys, spec_file, tmp_path):
    code, out, _ = run_cli(capsys, "sweep", str(spec_file), "--out", str(tmp_path / "o"), "--serial",
                           "--set", 'experiment.model="tests.sweep.toy:toy_run_fragile"',
                           "--set", "parameters.traffic.anchor_cap.values=[1.0, 0.01]")
    assert code == 1
    assert "2 run(s) failed; tracebacks in" in out and "ToyModelError" in out


def test_analyze_refuses_a_folder_that_is_not_a_sweep(capsys, tmp_path):
    code, _, err = run_cli(capsys, "analyze", str(tmp_path))
    assert code == 2 and "not a sweep folder" in err


def test_console_entry_point_prints_no_traceback(spec_file, tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec_file), "--set",
                        "experiment.replications=0", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"livesim sweep: {spec_file}: experiment.replications: Input should be greater than or equal to 1, got 0"]
