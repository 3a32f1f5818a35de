"""Bad input and careless paths, one test per case found by trying livesim as a new
user would (issue 17): each is refused with exit code 2 and one line naming the
field or path, before any work, and never changes a result already written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cli import main as cli

TINY = ["--set", "population.consumers=1000", "--set", "population.anchors=60", "--set", "population.suppliers=20"]
TOY_SPEC = """
[experiment]
name = "t"
model = "tests.sweep.toy:toy_run"
replications = 1
[scenario]
population.consumers = 300
population.anchors = 30
time.days = 5
[parameters]
"traffic.anchor_cap" = { values = [1.0, 0.05] }
[keep]
summary = ["gmv"]
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (and the folder's own listing)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(capsys, argv, *names):
    """Run the CLI in-process; assert exit 2, one line naming each of ``names``, no traceback."""
    code = cli(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for name in names:
        assert name in err, err
    return err


@pytest.fixture(scope="module")
def run_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "res"
    assert cli(["run", *TINY, "--days", "5", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture()
def spec_file(tmp_path):
    p = tmp_path / "spec.toml"
    p.write_text(TOY_SPEC)
    return p


# ------------------------------------------------------------------- output paths


def test_run_out_under_a_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    refused(capsys, ["run", *TINY, "--days", "2", "--out", str(tmp_path / "afile" / "sub")], "--out", "afile")


def test_run_out_not_writable(capsys):
    refused(capsys, ["run", *TINY, "--days", "2", "--out", "/proc/x"], "--out", "/proc/x")


def test_sweep_out_is_a_file(spec_file, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("keep me")
    refused(capsys, ["sweep", str(spec_file), "--out", str(readme), "--serial"], "--out", "README.md")
    assert readme.read_text() == "keep me"


def test_analyze_out_is_an_existing_file(spec_file, tmp_path, capsys):
    sweep = tmp_path / "sw"
    assert cli(["sweep", str(spec_file), "--out", str(sweep), "--serial"]) == 0
    target = tmp_path / "existing.txt"
    target.write_text("keep me")
    refused(capsys, ["analyze", str(sweep), "--out", str(target), "--no-plots"], "--out", "existing.txt")
    assert target.read_text() == "keep me"


def test_validate_csv_is_a_folder_refused_before_any_run(tmp_path, capsys, monkeypatch):
    import sim.studies.validate

    def no_runs(*a, **k):
        raise AssertionError("a run started")

    monkeypatch.setattr(sim.studies.validate, "run_replications", no_runs)
    refused(capsys, ["validate", "--replications", "2", "--csv", str(tmp_path), "--no-paired", *TINY], "--csv")
    assert list(tmp_path.iterdir()) == []


def test_run_into_an_existing_result_needs_overwrite_and_replaces_it_whole(run_result, tmp_path, capsys):
    out = tmp_path / "res"
    assert cli(["run", *TINY, "--days", "5", "--out", str(out), "--quiet"]) == 0
    assert (out / "gmv.png").is_file() and (out / "defaults.parquet").is_file()
    before = snapshot(out)
    refused(capsys, ["run", *TINY, "--days", "4", "--out", str(out), "--quiet"], "--out", "--overwrite")
    assert snapshot(out) == before
    # --no-plots and finance off: the old PNGs and defaults.parquet must not stay beside the new data
    assert cli(["run", *TINY, "--days", "4", "--out", str(out), "--quiet", "--no-plots", "--overwrite",
                "--set", "finance.enabled=false"]) == 0
    names = {p.name for p in out.iterdir()}
    assert not any(n.endswith(".png") for n in names) and "defaults.parquet" not in names
    assert len(pq.read_table(out / "daily.parquet")) == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_run_refuses_an_unrelated_non_empty_folder_even_with_overwrite(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    for extra in ([], ["--overwrite"]):
        refused(capsys, ["run", *TINY, "--days", "2", "--out", str(tmp_path), *extra], "--out", "not a livesim result")
    assert snapshot(tmp_path) == before


def test_run_refuses_an_empty_out(capsys):
    refused(capsys, ["run", *TINY, "--days", "2", "--out", ""], "--out", "empty path")


def test_refused_or_failed_out_leaves_an_existing_result_byte_identical(run_result, capsys, monkeypatch):
    before = snapshot(run_result)
    refused(capsys, ["run", *TINY, "--days", "3", "--out", str(run_result)], "--overwrite")
    refused(capsys, ["run", *TINY, "--set", "time.days=0", "--out", str(run_result), "--overwrite"], "time.days")
    assert snapshot(run_result) == before
    # a run that fails half-way (after the staging folder was made) leaves the result as it was
    import sim.runner

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sim.runner, "run_scenario", boom)
    code = cli(["run", *TINY, "--days", "3", "--out", str(run_result), "--overwrite", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "internal error (RuntimeError: disk on fire)" in err and "Traceback" not in err
    assert snapshot(run_result) == before
    assert not [p for p in run_result.parent.iterdir() if p.name.startswith(".")]


def test_unexpected_error_gives_exit_1_and_a_saved_traceback(tmp_path, capsys, monkeypatch):
    import sim.commands.scenario as S

    monkeypatch.setenv("LIVESIM_TRACEBACK_DIR", str(tmp_path))
    monkeypatch.setattr(S, "main", lambda args: 1 / 0)
    assert cli(["scenario", "show"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "Traceback" not in err
    saved = list(tmp_path.glob("livesim-scenario-*.txt"))
    assert len(saved) == 1 and str(saved[0]) in err and "Traceback" in saved[0].read_text()


# --------------------------------------------------------------------- coalition


def test_coalition_negative_seed(capsys):
    refused(capsys, ["coalition", "--seed", "-1", *TINY], "--seed", "-1")


def test_coalition_refuses_more_players_than_exact_games_allow(capsys):
    groups = "platform;" + ";".join(f"s{i}=suppliers:{i}" for i in range(20)) + ";r=suppliers:rest;a=anchors:all"
    t0 = time.perf_counter()
    # a valid partition (40 suppliers): on main this starts 8,388,607 coalition runs
    err = refused(capsys, ["coalition", "--players", groups, *TINY, "--set", "population.suppliers=40"],
                  "--players", "23 players", "at most 20")
    assert time.perf_counter() - t0 < 10
    assert "8,388,607 coalitions" in err


def test_coalition_window_beyond_the_horizon(capsys):
    refused(capsys, ["coalition", "--window", "40", "--set", "time.days=30", *TINY], "--window", "horizon")


# ------------------------------------------------------------------------- types


def test_set_boolean_for_a_count_is_refused(capsys):
    refused(capsys, ["run", "--set", "population.anchors=true", "--days", "2", "--out", "x"], "population.anchors",
            "expected an integer")


@pytest.mark.parametrize("text, field", [
    ("[traffic]\nanchor_cap = true\n", "traffic.anchor_cap"),
    ('[returns]\nvirtual_try_on = "yes"\n', "returns.virtual_try_on"),
    ('[population]\nconsumers = "3000"\n', "population.consumers"),
    ("[population]\nconsumers = 3000.0\n", "population.consumers"),
], ids=["anchor_cap_true", "try_on_yes", "consumers_text", "consumers_decimal"])
def test_toml_values_are_not_coerced(tmp_path, capsys, text, field):
    f = tmp_path / "s.toml"
    f.write_text(text)
    refused(capsys, ["scenario", "check", "--scenario", str(f)], field, "expected")


@pytest.mark.parametrize("item, field", [("returns.virtual_try_on=yes", "returns.virtual_try_on"),
                                         ("traffic.anchor_cap=true", "traffic.anchor_cap"),
                                         ('population.consumers="3000"', "population.consumers")])
def test_set_values_are_not_coerced(capsys, item, field):
    refused(capsys, ["run", "--set", item, "--out", "x"], field, "expected")


def test_a_category_table_changes_that_category_and_keeps_the_others(tmp_path):
    from sim.scenario import Scenario, load_scenario

    f = tmp_path / "s.toml"
    f.write_text("[categories.apparel]\nbase_return_rate = 0.2\n\n[categories.toys]\nmean_price = 80.0\n")
    sc = load_scenario(f)
    default = Scenario()
    assert list(sc.categories) == [*default.categories, "toys"]
    assert sc.categories["apparel"].base_return_rate == 0.2
    assert sc.categories["apparel"].mean_price == default.categories["apparel"].mean_price
    assert sc.categories["food"] == default.categories["food"]
    # a scenario written out is read back unchanged, also one with fewer categories
    only = Scenario(categories={"food": default.categories["food"]})
    g = tmp_path / "only.toml"
    g.write_text(only.to_toml())
    assert load_scenario(g) == only
    g.write_text(sc.to_toml())
    assert load_scenario(g) == sc


# ------------------------------------------------------------------------- sizes


def test_populations_too_big_for_memory_are_refused_with_the_estimate(capsys):
    refused(capsys, ["run", "--set", "population.anchors=1000000", "--set", "population.suppliers=200000",
                           "--out", "never"], "estimated peak memory", "TiB", "population.anchors")
    assert not Path("never").exists()


def test_max_memory_limit(capsys):
    err = refused(capsys, ["run", "--set", "population.anchors=30000", "--set", "population.suppliers=10000",
                           "--days", "5", "--max-memory", "4G", "--out", "never"], "--max-memory", "4.0 GiB")
    assert "6." in err  # the estimate (about 6.9 GiB) is named
    refused(capsys, ["run", "--max-memory", "lots", "--out", "never"], "--max-memory")


def test_huge_sample_counts_are_refused_at_once(tmp_path, capsys):
    f = tmp_path / "lhs.toml"
    f.write_text('[experiment]\nmodel = "tests.sweep.toy:toy_run"\n[design]\nsampler = "lhs"\nsamples = 10000000\n'
                 '[parameters]\n"traffic.anchor_cap" = { range = [0.01, 1.0] }\n')
    t0 = time.perf_counter()
    refused(capsys, ["sweep", str(f), "--dry-run"], "design.samples")
    assert time.perf_counter() - t0 < 10


# -------------------------------------------------------------------- sweep specs


def test_unknown_kept_measure_is_refused_before_any_run(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text('[experiment]\nname = "k"\n[scenario]\npopulation.consumers = 300\ntime.days = 3\n'
                 '[parameters]\n"traffic.anchor_cap" = { values = [1.0] }\n[keep]\nsummary = ["nosuch_measure"]\n')
    out = tmp_path / "o"
    refused(capsys, ["sweep", str(f), "--out", str(out), "--serial"], "keep.summary", "nosuch_measure")
    assert not out.exists()


def test_model_entry_point_must_be_registered(tmp_path, capsys, monkeypatch):
    import importlib

    calls = []
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: calls.append(name) or real(name, *a))
    f = tmp_path / "s.toml"
    f.write_text('[experiment]\nmodel = "os:system"\n[parameters]\n"traffic.anchor_cap" = { values = [1.0] }\n')
    refused(capsys, ["sweep", str(f), "--dry-run"], "experiment.model", "os:system", "sim.runner:run_scenario")
    assert "os" not in calls


def test_partial_runs_table_says_so_and_analyze_reports_it(spec_file, tmp_path, capsys):
    from sim.sweep.spec import load_spec

    out = tmp_path / "sw"
    assert cli(["sweep", str(spec_file), "--out", str(out), "--serial"]) == 0
    meta = pq.ParquetFile(out / "runs.parquet").schema_arrow.metadata
    assert json.loads(meta[b"livesim.completeness"]) == {"status": "complete", "total": 2, "done": 2, "ok": 2,
                                                         "failed": 0, "missing": 0}
    # an interrupted sweep: one run lost, the table written again as a stopped session would
    from sim.sweep.engine import run_sweep
    from sim.sweep.executors import SerialExecutor

    spec = load_spec(out / "spec.toml")
    (out / "runs" / "p000001-r0000.parquet").unlink()

    class Stop(SerialExecutor):
        def run(self, tasks, ctx, on_outcome, stop):
            raise KeyboardInterrupt

    capsys.readouterr()
    report = run_sweep(spec, executor=Stop(), out=out, resume=True)
    assert report.interrupted and report.missing == 1
    meta = pq.ParquetFile(out / "runs.parquet").schema_arrow.metadata
    assert json.loads(meta[b"livesim.completeness"])["missing"] == 1
    assert cli(["analyze", str(out), "--no-plots"]) == 0
    assert "partial results: runs.parquet holds 1 of 2 runs" in capsys.readouterr().err


def test_sweep_overwrite_replaces_the_old_sweep_whole(spec_file, tmp_path, capsys):
    out = tmp_path / "sw"
    assert cli(["sweep", str(spec_file), "--out", str(out), "--serial"]) == 0
    (out / "runs" / "stray.txt").write_text("old")
    assert cli(["sweep", str(spec_file), "--out", str(out), "--serial", "--overwrite",
                "--set", "experiment.replications=2"]) == 0
    assert not (out / "runs" / "stray.txt").exists()
    assert len(pq.read_table(out / "runs.parquet")) == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -------------------------------------------------------------- real subprocesses


@pytest.mark.parametrize("argv, code, needle", [
    (["run", "--seed", "-1"], 2, "--seed"),
    (["run", "--out", ""], 2, "--out"),
    (["coalition", "--window", "0"], 2, "--window"),
    (["sweep", "nosuch.toml"], 2, "nosuch.toml"),
    (["run", "--days", "x"], 2, "--days"),
])
def test_exit_codes_end_to_end(tmp_path, argv, code, needle):
    r = subprocess.run([sys.executable, "-m", "sim.cli", *argv], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "LIVESIM_TRACEBACK_DIR": str(tmp_path)}, timeout=120)
    assert r.returncode == code, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ the helpers themselves


def test_memory_sizes_and_the_estimate_grow_with_the_populations():
    from sim.errors import InputError
    from sim.estimate import estimate_run, parse_memory
    from sim.scenario import Scenario

    assert parse_memory("8G") == 8 * 1024**3 and parse_memory("512MiB") == 512 * 1024**2
    assert parse_memory("1000") == 1000.0
    for bad in ("", "-1G", "lots", "nan", "0"):
        with pytest.raises(InputError, match="--max-memory"):
            parse_memory(bad)
    base = estimate_run(Scenario())
    for path in ("population.consumers", "population.anchors", "population.suppliers", "time.days"):
        bigger = estimate_run(Scenario(), **{path: 4 * Scenario().get(path)})
        assert bigger.seconds > base.seconds and bigger.memory >= base.memory, path
    # the partner draw: 24 bytes per anchor-supplier pair dominates at large sizes
    huge = estimate_run(Scenario(), **{"population.anchors": 1_000_000, "population.suppliers": 200_000})
    assert 1_000_000 * 200_000 * 8 < huge.memory < 1_000_000 * 200_000 * 32


def test_staged_output_keeps_the_old_folder_when_the_block_fails(tmp_path):
    from sim.io import result_kind, staged_output

    out = tmp_path / "r"
    with staged_output(out, kind="run") as tmp:
        (tmp / "a.txt").write_text("one")
    assert result_kind(out) == "run" and (out / "a.txt").read_text() == "one"
    with pytest.raises(RuntimeError):
        with staged_output(out, kind="run", overwrite=True) as tmp:
            (tmp / "b.txt").write_text("two")
            raise RuntimeError("half-way")
    assert sorted(p.name for p in out.iterdir()) == [".livesim.json", "a.txt"]
    with staged_output(out, kind="run", overwrite=True) as tmp:
        (tmp / "b.txt").write_text("two")
    assert sorted(p.name for p in out.iterdir()) == [".livesim.json", "b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_one_set_parser_for_every_command():
    from sim.errors import InputError
    from sim.scenario import parse_sets
    from sim.sweep.spec import SpecError
    from sim.sweep.spec import parse_sets as spec_sets

    assert parse_sets(["a.b=1", "c = true", 'd="x"', "e=yes", "f=[1, 2]"]) == [
        ("a.b", 1), ("c", True), ("d", "x"), ("e", "yes"), ("f", [1, 2])]
    assert spec_sets(["a.b=1"]) == [("a.b", 1)]
    for bad in ("novalue", "=1", "a..b=1", "a.b="):
        with pytest.raises(InputError, match="--set"):
            parse_sets([bad])
        with pytest.raises(SpecError, match="--set"):
            spec_sets([bad])
