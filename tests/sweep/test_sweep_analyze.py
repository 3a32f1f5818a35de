"""Analysis: intervals, per-point summaries, Sobol' indices of a function
with known indices, Morris effects of a linear function, plots."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.errors import InputError
from sim.sweep.analysis import analyze_sweep
from sim.sweep.analyze import interval, level_summary, load_results, morris_indices, \
    point_summary, sobol_indices
from sim.sweep.engine import run_sweep
from sim.sweep.executors import SerialExecutor
from sim.sweep.spec import spec_from_dict

PI = math.pi


def sweep(tmp_path, raw, name="s"):
    run_sweep(spec_from_dict(raw), executor=SerialExecutor(), out=tmp_path / name, progress=False)
    return load_results(tmp_path / name)


def test_interval_is_the_student_t_interval():
    x = np.array([1.0, 2.0, 4.0, 7.0, np.nan])
    got = interval(x, 0.95)
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(x[:4]), scale=stats.sem(x[:4]))
    assert got["n"] == 4 and got["mean"] == pytest.approx(3.5)
    assert got["sd"] == pytest.approx(np.std(x[:4], ddof=1))
    assert (got["ci_low"], got["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    one = interval(np.array([5.0]))
    assert one["mean"] == 5.0 and math.isnan(one["ci_low"]) and math.isnan(one["sd"])


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    raw = {"experiment": {"model": "sweep_models:linear", "replications": 5, "master_seed": 1},
           "parameters": {"purchase.intercept": {"values": [-1.0, 0.0, 2.0]},
                          "purchase.skill": {"values": [0.5, 1.5]}},
           "keep": {"daily": True}}
    return sweep(tmp_path_factory.mktemp("grid"), raw)


def test_point_summary_matches_a_groupby(grid):
    s = point_summary(grid, ["noisy", "y"])
    assert len(s) == 6 * 2
    assert s.columns.tolist()[:3] == ["point", "purchase.intercept", "purchase.skill"]
    noisy = s[s["measure"] == "noisy"].set_index("point")
    by = grid.runs.groupby("point")["noisy"]
    assert np.allclose(noisy["mean"], by.mean()) and np.allclose(noisy["sd"], by.std())
    assert (noisy["n"] == 5).all() and (noisy["failed"] == 0).all()
    half = stats.t.ppf(0.975, 4) * by.std() / np.sqrt(5)
    assert np.allclose(noisy["ci_high"] - noisy["mean"], half)
    y = s[s["measure"] == "y"]
    assert np.allclose(y["mean"], 3.0 * y["purchase.intercept"]) and np.allclose(y["sd"], 0.0)


def test_level_summary_pools_the_other_parameters(grid):
    s = level_summary(grid, ["purchase.intercept"], ["noisy"])
    assert s["n"].tolist() == [10, 10, 10]
    with pytest.raises(InputError, match="not varied"):
        level_summary(grid, ["time.days"])


def test_unknown_measure_is_an_input_error(grid):
    with pytest.raises(InputError, match="unknown measure"):
        point_summary(grid, ["gmv"])


def test_daily_series_are_loaded(grid):
    d = grid.daily()
    assert len(d) == 6 * 5 * 3 and d.columns.tolist() == ["point", "replication", "purchase.intercept",
                                                            "purchase.skill", "day", "y"]


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    from SALib.analyze import sobol
    from SALib.test_functions import Ishigami

    raw = {"experiment": {"model": "sweep_models:ishigami", "master_seed": 2},
           "design": {"sampler": "sobol", "samples": 256, "second_order": True},
           "parameters": {"purchase.intercept": {"range": [-PI, PI]}, "purchase.skill": {"range": [-PI, PI]},
                          "purchase.personal_trust": {"range": [-PI, PI]}}}
    results = sweep(tmp_path, raw)
    assert len(results.runs) == 256 * 8
    ind = sobol_indices(results)
    t = ind.table.set_index("parameter")
    # the glue: exactly what SALib gives on the design's own matrix
    x = pd.read_parquet(tmp_path / "s" / "points.parquet")[results.names].to_numpy()
    direct = sobol.analyze({"num_vars": 3, "names": results.names, "bounds": [[-PI, PI]] * 3},
                           Ishigami.evaluate(x), calc_second_order=True, num_resamples=10)
    assert np.allclose(t["S1"], direct["S1"], rtol=1e-9) and np.allclose(t["ST"], direct["ST"], rtol=1e-9)
    # the science: the known indices lie within the reported 95% intervals (wide at this N)
    true_s1, true_st = np.array([0.3139, 0.4424, 0.0]), np.array([0.5576, 0.4424, 0.2437])
    assert np.all(np.abs(t["S1"] - true_s1) <= t["S1_conf"])
    assert np.all(np.abs(t["ST"] - true_st) <= t["ST_conf"])
    assert (t["S1_conf"] < 0.2).all()
    s2 = ind.second_order.set_index(["parameter_1", "parameter_2"])
    assert abs(s2.loc[("purchase.intercept", "purchase.personal_trust"), "S2"] - 0.2437) <= \
        s2.loc[("purchase.intercept", "purchase.personal_trust"), "S2_conf"]
    again = sobol_indices(load_results(tmp_path / "s"))
    pd.testing.assert_frame_equal(ind.table, again.table)  # the bootstrap is seeded too


def test_morris_effects_of_a_linear_function(tmp_path):
    raw = {"experiment": {"model": "sweep_models:linear", "master_seed": 3},
           "design": {"sampler": "morris", "samples": 6, "levels": 4},
           "parameters": {"purchase.intercept": {"range": [-1.0, 1.0]}, "purchase.skill": {"range": [0.0, 2.0]}}}
    results = sweep(tmp_path, raw)
    m = morris_indices(results, ["y"]).table.set_index("parameter")
    # y = 3 * intercept: an elementary effect per unit fraction of the range is 3 * (1 - (-1)) = 6
    assert m.loc["purchase.intercept", "mu_star"] == pytest.approx(6.0)
    assert m.loc["purchase.intercept", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert m.loc["purchase.skill", "mu_star"] == pytest.approx(0.0, abs=1e-12)


def _toy_sobol(model: str) -> dict:
    """A Sobol' design of 16 points over two levers of a toy model."""
    return {"experiment": {"model": model, "master_seed": 3},
            "scenario": {"population": {"consumers": 200, "anchors": 20}, "time": {"days": 2}},
            "design": {"sampler": "sobol", "samples": 4},
            "parameters": {"traffic.anchor_cap": {"range": [0.01, 0.03]},
                           "consumers.activity": {"range": [0.2, 0.5]}},
            "keep": {"summary": ["gmv"]}}


def test_sobol_skips_a_measure_with_unfinished_points(tmp_path):
    results = sweep(tmp_path, _toy_sobol("tests.sweep.toy:toy_run_fragile"))
    assert len(results.failed) > 0
    ind = sobol_indices(results)
    assert ind.table.empty and "have no successful run" in ind.skipped["gmv"]
    with pytest.raises(InputError, match="need a morris design"):
        morris_indices(results)


def test_sobol_says_when_a_measure_is_undefined_rather_than_failed(tmp_path):
    """A measure that is NaN at some points (a split rule undefined there) is
    skipped with that reason, not reported as failed runs."""
    results = sweep(tmp_path, _toy_sobol("tests.sweep.toy:toy_run"))
    assert len(results.failed) == 0
    results.runs.loc[results.runs["point"].isin([0, 3]), "gmv"] = np.nan
    ind = sobol_indices(results)
    why = ind.skipped["gmv"]
    assert "2 of 16 points have runs where the measure is undefined" in why
    assert "no successful run" not in why


def test_analyze_sweep_writes_tables_and_plots(grid, tmp_path):
    done = analyze_sweep(grid.root, measures=["noisy"], out=tmp_path / "a")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["grid_noisy.png", "point_summary.csv", "point_summary.parquet"]
    assert pd.read_csv(tmp_path / "a" / "point_summary.csv")["n"].tolist() == [5] * 6
    assert done["indices"] is None
    with pytest.raises(InputError, match="between 0 and 1"):
        analyze_sweep(grid.root, conf=1.5)


def test_load_results_refusals_and_partial_sweeps(tmp_path, grid):
    with pytest.raises(InputError, match="no such folder"):
        load_results(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a sweep folder"):
        load_results(tmp_path / "empty")


def test_difference_from_a_baseline_paired_and_unpaired(tmp_path):
    from sim.sweep.analyze import difference_from

    raw = {"experiment": {"model": "sweep_models:linear", "replications": 6, "master_seed": 4,
                          "common_random_numbers": True},
           "parameters": {"purchase.intercept": {"values": [0.0, 1.0]}}}
    paired = sweep(tmp_path, raw, "paired")
    d = difference_from(paired, {"purchase.intercept": 0.0}, ["noisy"])
    # same seeds at both points: the noise cancels exactly, the difference is 3 * 1.0
    assert d["difference"].tolist() == [0.0, 3.0]
    assert d["ci_high"].tolist() == [0.0, 3.0] and d["n"].tolist() == [6, 6]
    raw["experiment"]["common_random_numbers"] = False
    indep = sweep(tmp_path, raw, "indep")
    d = difference_from(indep, {"purchase.intercept": 0.0}, ["noisy"]).set_index("point")
    runs = indep.runs
    a, b = runs[runs["point"] == 1]["noisy"], runs[runs["point"] == 0]["noisy"]
    welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert d.loc[1, "difference"] == pytest.approx(a.mean() - b.mean())
    assert (d.loc[1, "ci_low"], d.loc[1, "ci_high"]) == (pytest.approx(welch.low), pytest.approx(welch.high))
    rel = difference_from(paired, {"purchase.intercept": 1.0}, ["y"], relative=True).set_index("point")
    assert rel.loc[0, "difference"] == pytest.approx(-1.0)
    with pytest.raises(InputError, match="a value for each varied parameter"):
        difference_from(paired, {"time.days": 3})
