"""Excesses, blocking coalitions, core membership, superadditivity and convexity."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from games_strategies import games, names, tables
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.games import CoalitionGame, GameError

MANGO = CoalitionGame.from_array(["platform", "supplier", "anchor"], [0, 0, 540, 577.8, 120, 170.4, 699.6, 726])


def test_excesses_of_every_coalition():
    x = {"platform": 23.5, "supplier": 558.1, "anchor": 144.4}
    e = MANGO.excesses(x)
    assert len(e) == 7
    assert e[frozenset({"platform", "anchor"})] == pytest.approx(170.4 - 167.9)
    assert e[frozenset({"supplier"})] == pytest.approx(540 - 558.1)
    assert e[frozenset({"platform", "supplier", "anchor"})] == pytest.approx(0.0, abs=1e-12)


def test_blocking_coalitions_sorted_by_excess():
    game = CoalitionGame.from_array(["a", "b", "c"], [0, 1, 2, 5, 3, 6, 7, 10])
    x = [0.0, 0.0, 10.0]
    block = game.blocking_coalitions(x)
    assert list(block.values) == sorted(block.values, reverse=True)
    assert block.index[0] == frozenset({"a", "b"}) and block.iloc[0] == pytest.approx(5.0)
    assert set(block.index) == {frozenset("ab"), frozenset("a"), frozenset("b")}
    assert not game.in_core(x)
    assert game.blocking_coalitions([2.0, 3.0, 5.0]).empty and game.in_core([2.0, 3.0, 5.0])


def test_blocking_includes_the_grand_coalition_when_x_falls_short():
    game = CoalitionGame.from_array(["a", "b"], [0, 1, 1, 4])
    block = game.blocking_coalitions({"a": 1, "b": 1})
    assert block.index[0] == frozenset({"a", "b"}) and block.iloc[0] == 2.0
    assert not game.in_core({"a": 1, "b": 1})
    assert not game.in_core({"a": 3, "b": 3})  # over-allocation: not feasible, not in the core


@settings(max_examples=100, deadline=None)
@given(games(max_players=6), st.data())
def test_verdicts_agree_with_their_definitions(game, data):
    x = np.array(data.draw(st.lists(st.integers(-30, 60), min_size=game.n, max_size=game.n)), dtype=float)
    x[-1] += game.grand_worth - x.sum()  # efficient
    coalitions = [frozenset(c) for k in range(1, game.n + 1) for c in itertools.combinations(game.players, k)]
    xs = dict(zip(game.players, x))
    expected = {c: game.worth(c) - sum(xs[p] for p in c) for c in coalitions}
    e = game.excesses(x)
    assert all(e[c] == pytest.approx(expected[c], abs=1e-9) for c in coalitions)
    blocking = {c for c, v in expected.items() if v > 1e-9}
    assert set(game.blocking_coalitions(x).index) == blocking
    assert game.in_core(x) == (not blocking)


@settings(max_examples=150, deadline=None)
@given(games(max_players=6))
def test_superadditive_and_convex_agree_with_their_definitions(game):
    n = game.n
    masks = range(1 << n)
    v = game.values
    superadditive = all(v[s | t] >= v[s] + v[t] - 1e-9 for s in masks for t in masks if not s & t)
    convex = all(v[s | t] + v[s & t] >= v[s] + v[t] - 1e-9 for s in masks for t in masks)
    assert game.is_superadditive() == superadditive
    assert game.is_convex() == convex


def test_superadditivity_beyond_one_block_of_twelve_players():
    n = 14
    sizes = np.bitwise_count(np.arange(1 << n)).astype(float)
    good = CoalitionGame.from_array(names(n), sizes ** 1.5)
    assert good.is_superadditive() and good.is_convex()
    bad_table = sizes ** 1.5
    bad_table[(1 << 13) | (1 << 12) | 1] -= 10.0  # {p0, p12, p13} worth less than {p0} + {p12, p13}
    bad = CoalitionGame.from_array(names(n), bad_table)
    assert not bad.is_superadditive() and not bad.is_convex()


@settings(max_examples=60, deadline=None)
@given(tables(min_players=2, max_players=7, low=0, high=20))
def test_convex_games_have_the_shapley_value_in_their_core(drawn):
    n, table = drawn
    sizes = np.bitwise_count(np.arange(1 << n)).astype(float)
    members = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    weights = table[1 << np.arange(n)]
    # |S|^2 times a random positive factor, plus a random additive game: supermodular, so convex
    convex = (1 + table.max()) * sizes ** 2 + members @ weights
    game = CoalitionGame.from_array(names(n), convex)
    assert game.is_convex() and game.is_superadditive()
    assert game.in_core(game.shapley())
    assert not game.core_is_empty()


def test_allocations_are_checked():
    with pytest.raises(GameError, match="no amount for player\\(s\\): 'anchor'"):
        MANGO.in_core({"platform": 1, "supplier": 2})
    with pytest.raises(GameError, match="unknown player\\(s\\): 'farmer'"):
        MANGO.excesses({"platform": 1, "supplier": 2, "anchor": 3, "farmer": 0})
    with pytest.raises(GameError, match="one amount per player \\(3\\); got 2"):
        MANGO.blocking_coalitions([1, 2])
    with pytest.raises(GameError, match="must be finite"):
        MANGO.in_core([1, np.nan, 3])
    with pytest.raises(GameError, match="tol must be"):
        MANGO.in_core([1, 2, 3], tol=-1)
    assert MANGO.in_core(pd.Series({"anchor": 146.8, "platform": 25.0, "supplier": 554.2}))
