"""The three-party family of MODEL.md section 7 and the worked mango case."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.games import GameError, ThreePartyGame

MANGO = ThreePartyGame(R1=0, R2=540, R3=120, alpha=0.07, beta=0.42, gamma=0.06)
RISK = {"platform": 4, "supplier": 2, "anchor": 4}


def test_mango_worths_follow_the_formulas():
    game = MANGO.game(0.1)
    assert game.players == ("platform", "supplier", "anchor")
    assert game.worth({"platform", "supplier"}) == pytest.approx(1.07 * 540)
    assert game.worth({"platform", "anchor"}) == pytest.approx(1.42 * 120)
    assert game.worth({"supplier", "anchor"}) == pytest.approx(1.06 * 660)
    assert game.grand_worth == pytest.approx(726.0)
    assert MANGO.game(0.33).grand_worth == pytest.approx(877.8)


def test_mango_shapley_values_by_hand():
    # phi_1 = (v12 - v2)/6 + (v13 - v3)/6 + (v123 - v23)/3 = 6.3 + 8.4 + 26.4/3 = 23.5 at theta = 0.1, and so on;
    # raising theta to 0.33 adds 660 * 0.23 / 3 = 50.6 to each player.
    assert np.allclose(MANGO.game(0.1).shapley(), [23.5, 558.1, 144.4])
    assert np.allclose(MANGO.game(0.33).shapley(), [74.1, 608.7, 195.0])


def test_mango_risk_adjusted_values_by_hand():
    # 0.7 phi + 0.3 v(N) (0.4, 0.2, 0.4)
    assert np.allclose(MANGO.game(0.1).risk_adjusted_shapley(RISK, 0.3), [103.57, 434.23, 188.2])
    assert np.allclose(MANGO.game(0.33).risk_adjusted_shapley(RISK, 0.3), [157.206, 478.758, 241.836])


def test_mango_thresholds_exact():
    th = MANGO.theta_thresholds(risk=RISK, r=0.3, exact=True)
    assert th["individually_rational"] == Fraction(39, 2200)  # supplier: 558.1 + 220 (theta - 0.1) >= 540
    assert th["core_nonempty"] == Fraction(213, 2200)  # v(N) >= (577.8 + 170.4 + 699.6) / 2
    assert th["shapley_in_core"] == Fraction(93, 880)  # {platform, anchor}: 167.9 + 440 (theta - 0.1) >= 170.4
    assert th["risk_adjusted_in_core"] == Fraction(12513, 19360)  # supplier: 414.87 + 193.6 theta >= 540
    floats = MANGO.theta_thresholds()
    assert set(floats) == {"individually_rational", "core_nonempty", "shapley_in_core"}
    assert floats["shapley_in_core"] == pytest.approx(93 / 880)


def _conditions(tp: ThreePartyGame, theta: float, risk=None, r=None) -> dict[str, bool]:
    """Each condition checked by the general-purpose methods (LPs, excesses) at one theta."""
    game = tp.game(theta)
    phi = game.shapley()
    out = {"individually_rational": game.is_individually_rational(phi),
           "core_nonempty": not game.core_is_empty(),
           "shapley_in_core": game.in_core(phi)}
    if risk is not None:
        out["risk_adjusted_in_core"] = game.in_core(game.risk_adjusted_shapley(risk, r))
    return out


def test_mango_thresholds_match_a_brute_force_scan():
    step = 0.0025
    grid = np.round(np.arange(-0.05, 0.7, step), 6)
    held = {theta: _conditions(MANGO, float(theta), RISK, 0.3) for theta in grid}
    for name, threshold in MANGO.theta_thresholds(risk=RISK, r=0.3).items():
        holds = np.array([held[t][name] for t in grid])
        first = grid[np.argmax(holds)]
        assert holds.any() and holds[grid >= first].all(), name  # monotone: once it holds it keeps holding
        assert threshold <= first + 1e-9 < threshold + step, name


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=3, max_size=3),
       st.lists(st.integers(-50, 100), min_size=3, max_size=3),
       st.lists(st.integers(0, 10), min_size=3, max_size=3), st.integers(0, 10))
def test_thresholds_separate_failure_from_success(incomes, rates, risk, r_tenths):
    assume(sum(incomes) >= 10 and sum(risk) > 0)
    tp = ThreePartyGame(*incomes, *(k / 100 for k in rates))
    share = dict(zip(tp.players, risk))
    for name, threshold in tp.theta_thresholds(risk=share, r=r_tenths / 10).items():
        if threshold is None:  # e.g. all risk on one player with r = 1: someone gets 0 whatever theta is
            assert name == "risk_adjusted_in_core"
            assert not any(_conditions(tp, t, share, r_tenths / 10)[name] for t in (-1.0, 0.0, 10.0, 1e4))
            continue
        below = _conditions(tp, threshold - 1e-4, share, r_tenths / 10)[name]
        above = _conditions(tp, threshold + 1e-4, share, r_tenths / 10)[name]
        assert above and not below, name


def test_parameters_are_checked():
    with pytest.raises(GameError, match="alpha must be finite"):
        ThreePartyGame(0, 540, 120, float("nan"), 0.42, 0.06)
    with pytest.raises(GameError, match="R2 must be a number"):
        ThreePartyGame(0, "540", 120, 0.07, 0.42, 0.06)
    with pytest.raises(GameError, match="R1 \\+ R2 \\+ R3 > 0"):
        ThreePartyGame(0, 0, 0, 0.07, 0.42, 0.06).theta_thresholds()
    with pytest.raises(GameError, match="theta must be finite"):
        MANGO.game(float("inf"))
    with pytest.raises(GameError, match="needs both risk and r"):
        MANGO.theta_thresholds(risk=RISK)
    with pytest.raises(GameError, match="negative"):
        MANGO.theta_thresholds(risk={"platform": 4, "supplier": -2, "anchor": 4}, r=0.3)
