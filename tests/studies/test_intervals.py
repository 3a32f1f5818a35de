"""The one confidence-interval function: intervals that respect their measure."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.sweep.analyze import confidence_interval, kaplan_meier, measure_interval, measure_kind


def test_measure_kinds():
    assert measure_kind("share_in_core") == "share" and measure_kind("share_defecting") == "share"
    assert measure_kind("sme_gmv_share") == "share" and measure_kind("return_rate_apparel") == "share"
    assert measure_kind("in_core_shapley") == "share" and measure_kind("live_conversion") == "share"
    assert measure_kind("time_to_first_defection") == "survival"
    assert measure_kind("gmv") == "mean" and measure_kind("surplus_kept") == "mean"


def test_the_stability_table_case_stays_inside_zero_and_one():
    # the example: share in core 0.68 over 5 replications, t-interval 0.17 to 1.19
    x = np.array([1.0, 1.0, 1.0, 0.2, 0.2])
    t = confidence_interval(x, kind="mean")
    assert t["ci_high"] > 1.0  # what Student t gives
    w = confidence_interval(x, kind="share")
    assert 0.0 <= w["ci_low"] < w["mean"] < w["ci_high"] <= 1.0
    assert w["mean"] == pytest.approx(0.68)


def test_wilson_for_verdicts_matches_the_formula():
    x = np.array([1, 1, 1, 0, 1, 1, 0, 1, 1, 1], dtype=float)
    got = confidence_interval(x, kind="share")
    lo, hi = stats.binomtest(8, 10).proportion_ci(0.95, method="wilson")
    assert got["method"] == "wilson"
    assert (got["ci_low"], got["ci_high"]) == (pytest.approx(lo, abs=1e-4), pytest.approx(hi, abs=1e-4))
    none = confidence_interval(np.zeros(24), kind="share")
    assert none["ci_low"] == 0.0 and 0 < none["ci_high"] < 0.2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=40))
def test_share_intervals_are_inside_the_unit_interval_and_hold_the_mean(values):
    got = confidence_interval(np.array(values), kind="share")
    assert 0.0 <= got["ci_low"] <= got["mean"] + 1e-12
    assert got["mean"] - 1e-12 <= got["ci_high"] <= 1.0


def test_wilson_covers_at_about_its_level():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        x = (rng.random(20) < 0.3).astype(float)
        ci = confidence_interval(x, kind="share")
        hits += ci["ci_low"] <= 0.3 <= ci["ci_high"]
    assert 0.92 <= hits / 2000 <= 0.99


def test_kaplan_meier_by_hand():
    t = np.array([2.0, 3.0, 3.0, 5.0, 8.0, 8.0])
    e = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    km = kaplan_meier(t, e)
    # S(2) = 5/6; S(3) = 5/6 * 4/5; S(5) = that * 2/3
    assert km["survival"].tolist() == pytest.approx([5 / 6, 4 / 6, 4 / 6 * 2 / 3])
    assert km["at_risk"].tolist() == [6, 5, 3]


def test_time_to_first_defection_gets_a_positive_survival_interval():
    # censored at the horizon (150): the restricted mean equals the mean of the observed times
    t = np.array([150.0, 150.0, 40.0, 90.0, 150.0])
    e = np.array([0, 0, 1, 1, 0], dtype=float)
    mean = confidence_interval(t, kind="mean")
    assert mean["ci_high"] > 150 or mean["ci_low"] < 40  # Student t ignores the bounds
    got = confidence_interval(t, kind="survival", events=e)
    assert got["method"] == "kaplan_meier_rmst" and got["mean"] == pytest.approx(t.mean())
    assert 0.0 < got["ci_low"] < got["mean"] < got["ci_high"] <= 150.0
    # nobody defected: the estimate is the horizon, the interval still says how sure we are
    none = confidence_interval(np.full(5, 150.0), kind="survival", events=np.zeros(5))
    assert none["mean"] == 150.0 and 0.0 < none["ci_low"] < 150.0 and none["ci_high"] == 150.0
    # measure_interval finds the event column by the measure's name
    frame = pd.DataFrame({"time_to_first_defection": t, "defected": e})
    assert measure_interval(frame, "time_to_first_defection")["method"] == "kaplan_meier_rmst"
