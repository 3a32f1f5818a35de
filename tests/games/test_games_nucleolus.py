"""Least core, nucleolus, pre-nucleolus and core bounds."""

from __future__ import annotations

import numpy as np
import pytest
from games_strategies import core_feasible, games, games_with_core, names, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.games import CoalitionGame
from sim.games.nucleolus import _sequential


@settings(max_examples=50, deadline=None)
@given(games_with_core(max_players=7))
def test_nucleolus_is_in_a_non_empty_core(drawn):
    game, witness = drawn
    assert game.in_core(witness)
    x = game.nucleolus()
    assert game.in_core(x)
    assert np.allclose(x, game.prenucleolus(), atol=1e-7)


@settings(max_examples=50, deadline=None)
@given(games(min_players=2, max_players=8))
def test_nucleolus_is_efficient_and_individually_rational_for_essential_games(game):
    x = game.nucleolus()
    assert x.sum() == pytest.approx(game.grand_worth, abs=1e-7)
    if game.is_essential():
        assert x.name == "nucleolus"
        assert game.is_individually_rational(x)
    else:
        assert x.name == "prenucleolus"


@settings(max_examples=40, deadline=None)
@given(games(min_players=2, max_players=7, low=-20, high=40))
def test_nucleolus_passes_kohlberg_criterion(game):
    x = game.nucleolus()
    assert game.is_nucleolus(x)
    # the test can fail: moving along an efficient direction leaves the nucleolus
    shifted = x.copy()
    shifted.iloc[0] += 1.0
    shifted.iloc[1] -= 1.0
    assert not game.is_nucleolus(shifted)


@settings(max_examples=40, deadline=None)
@given(games(min_players=2, max_players=6, low=-20, high=40))
def test_prenucleolus_passes_kohlberg_criterion_for_the_pre_nucleolus(game):
    from sim.games.verify import _balanced

    x = game.prenucleolus()
    # Kohlberg for the pre-nucleolus, levels taken directly: every D(t) is balanced.
    excess = game.excesses(x).to_numpy()[:-1]
    rows = np.array([[m >> i & 1 for i in range(game.n)] for m in range(1, game.grand_mask)], dtype=float)
    for level in np.unique(np.round(excess, 6)):
        assert _balanced(rows[excess >= level - 1e-6], np.zeros(0, dtype=int), game.n)


@settings(max_examples=40, deadline=None)
@given(tables(min_players=2, max_players=7, low=-20, high=40), st.data())
def test_nucleolus_treats_symmetric_players_equally(drawn, data):
    n, table = drawn
    i, j = data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))

    def swap(m):
        bi, bj = m >> i & 1, m >> j & 1
        return m & ~(1 << i) & ~(1 << j) | bi << j | bj << i

    game = CoalitionGame.from_array(names(n), table + table[[swap(m) for m in range(1 << n)]])
    x = game.nucleolus()
    assert x.iloc[i] == pytest.approx(x.iloc[j], abs=1e-7)


@settings(max_examples=25, deadline=None)
@given(games(min_players=2, max_players=6, low=-20, high=40), st.booleans())
def test_auxiliary_programmes_agree_with_dual_values(game, imputations):
    if imputations and not game.is_essential():
        imputations = False
    by_duals = _sequential(game, imputations, use_duals=True)
    by_checks = _sequential(game, imputations, use_duals=False)
    assert np.allclose(by_duals, by_checks, atol=1e-7)


@settings(max_examples=80, deadline=None)
@given(games(max_players=8))
def test_least_core_epsilon_is_non_positive_exactly_when_the_core_is_non_empty(game):
    lc = game.least_core()
    feasible = core_feasible(game)  # an independent feasibility programme
    assert (lc.epsilon <= 1e-7) == feasible
    assert lc.point.sum() == pytest.approx(game.grand_worth, abs=1e-7)
    assert game.max_excess(lc.point) == pytest.approx(lc.epsilon, abs=1e-7) or game.n == 1
    assert game.core_is_empty() == (not feasible)


@settings(max_examples=60, deadline=None)
@given(games_with_core(max_players=6))
def test_least_core_of_a_game_with_a_core_is_inside_it(drawn):
    game, _ = drawn
    lc = game.least_core()
    assert lc.epsilon <= 1e-9
    assert game.in_core(lc.point)


def test_least_core_epsilon_of_a_game_without_imputations():
    game = CoalitionGame.from_array(["a", "b"], [0, 5, 5, 6])  # v(N) < v(a) + v(b): core empty by 4
    lc = game.least_core()
    assert lc.epsilon == pytest.approx(2.0)
    assert np.allclose(lc.point, [3, 3])
    assert not game.is_essential()
    assert np.allclose(game.nucleolus(), [3, 3]) and game.nucleolus().name == "prenucleolus"


def test_nucleolus_when_imputation_bounds_bind_differs_from_prenucleolus():
    # v({1,2}) large makes the pre-nucleolus push player 3 below its standalone worth; the core is empty.
    players = ["1", "2", "3"]
    value = {frozenset("1"): 0, frozenset("2"): 0, frozenset("3"): 1, frozenset("12"): 10,
             frozenset("13"): 0, frozenset("23"): 0, frozenset("123"): 10}
    game = CoalitionGame(players, value)
    pre, nuc = game.prenucleolus(), game.nucleolus()
    # pre-nucleolus: e({3}) = 1 - x3 and e({1,2}) = x3 balance at x3 = 1/2, below v({3}) = 1
    assert np.allclose(pre, [4.75, 4.75, 0.5])
    # nucleolus: x3 >= 1 binds, e({1,2}) = x3 is smallest at 1
    assert np.allclose(nuc, [4.5, 4.5, 1.0])
    assert game.is_nucleolus(nuc) and not game.is_nucleolus(pre)


def test_one_player_game():
    game = CoalitionGame.from_array(["solo"], [0, 7])
    assert game.nucleolus().tolist() == [7.0]
    assert game.least_core().epsilon == -np.inf
    assert game.core_bounds().loc["solo"].tolist() == [7.0, 7.0]
    assert game.in_core({"solo": 7}) and not game.core_is_empty()


def test_core_bounds_are_the_extremes_of_the_core():
    # v(S) = x(S) - slack: the core is the box-like polytope around x
    game = CoalitionGame.from_array(["a", "b", "c"], [0, 1, 1, 4, 1, 4, 4, 9])
    bounds = game.core_bounds()
    # x_a >= 1 and x_a <= 9 - v(bc) = 5; same for all by symmetry
    assert np.allclose(bounds["lower"], 1) and np.allclose(bounds["upper"], 5)
    empty = CoalitionGame.from_array(["a", "b", "c"], [0, 0, 0, 1, 0, 1, 1, 1])  # 3-person majority
    assert empty.core_bounds().isna().all().all()


@settings(max_examples=20, deadline=None)
@given(games_with_core(min_players=2, max_players=5))
def test_core_bounds_contain_every_core_point_and_are_attained(drawn):
    game, witness = drawn
    bounds = game.core_bounds()
    assert ((bounds["lower"] <= witness + 1e-7) & (witness <= bounds["upper"] + 1e-7)).all()
    assert (bounds["lower"] <= game.nucleolus() + 1e-7).all()
