"""Building games, and the errors bad input raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.errors import InputError
from sim.games import MAX_EXACT_PLAYERS, CoalitionGame, GameError, coalitions_of

ABC = ["a", "b", "c"]


def full(players, f=lambda s: float(len(s) ** 2)):
    return {c: f(c) for c in coalitions_of(players)}


def test_three_constructors_build_the_same_game():
    value = full(ABC, lambda s: 10.0 * len(s) + ("a" in s))
    by_map = CoalitionGame(ABC, value)
    by_fn = CoalitionGame.from_function(ABC, lambda s: value[s])
    by_array = CoalitionGame.from_array(ABC, [0.0] + [value[by_map.coalition(m)] for m in range(1, 8)])
    assert np.array_equal(by_map.values, by_fn.values) and np.array_equal(by_map.values, by_array.values)
    assert by_map.worth({"a", "c"}) == 21.0 and by_map.worth([]) == 0.0 and by_map.grand_worth == 31.0
    assert by_map.label(0b101) == "{a, c}" and by_map.coalition(0b110) == frozenset("bc")
    assert list(by_map.to_frame().index) == ["{a}", "{b}", "{a, b}", "{c}", "{a, c}", "{b, c}", "{a, b, c}"]
    assert not by_map.values.flags.writeable


def test_keys_may_be_sets_or_tuples_and_the_empty_coalition_may_be_given_as_zero():
    value = {tuple(sorted(c)): float(len(c)) for c in coalitions_of(ABC)}
    value[()] = 0
    assert CoalitionGame(ABC, value).grand_worth == 3.0


def test_game_errors_are_input_errors():
    assert issubclass(GameError, InputError)


@pytest.mark.parametrize(("players", "message"), [
    ([], "at least one player; got no players"),
    ("abc", "players must be a list of names"),
    (["a", "a"], "player 'a' is listed twice"),
    (["a", ""], "non-empty strings"),
    (["a", 3], "non-empty strings; got 3"),
])
def test_bad_players(players, message):
    with pytest.raises(GameError, match=message):
        CoalitionGame(players, {})
    with pytest.raises(GameError, match=message):
        CoalitionGame.from_function(players, len)


def test_unknown_player_in_a_coalition_is_named():
    value = full(ABC)
    value[frozenset({"a", "zed"})] = 1.0
    with pytest.raises(GameError, match="names unknown player\\(s\\): 'zed'"):
        CoalitionGame(ABC, value)


def test_missing_coalitions_are_counted_and_named():
    value = full(ABC)
    del value[frozenset("ab")], value[frozenset("c")]
    with pytest.raises(GameError, match="2 coalition\\(s\\) have no worth: \\{a, b\\}, \\{c\\}"):
        CoalitionGame(ABC, value)
    many = {frozenset("a"): 1.0}
    with pytest.raises(GameError, match="have no worth: .* and 1018 more") as err:
        CoalitionGame([f"p{i}" for i in range(10)], many)
    assert len(str(err.value)) < 400


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "12", None, True])
def test_worths_must_be_finite_numbers(bad):
    value = full(ABC)
    value[frozenset("bc")] = bad
    with pytest.raises(GameError, match="worth of coalition \\{b, c\\}"):
        CoalitionGame(ABC, value)
    with pytest.raises(GameError, match="worth of coalition \\{b, c\\}"):
        CoalitionGame.from_function(ABC, lambda s: bad if s == frozenset("bc") else 1.0).shapley()


def test_every_problem_is_reported_at_once():
    value = full(ABC)
    value[frozenset("ab")] = math.nan
    value[frozenset("q")] = 1.0
    del value[frozenset("c")]
    with pytest.raises(GameError) as err:
        CoalitionGame(ABC, value)
    assert len(err.value.problems) == 3


def test_duplicate_and_malformed_coalitions():
    value = full(ABC)
    value[("b", "a")] = 4.0
    with pytest.raises(GameError, match="coalition \\{a, b\\} is given twice"):
        CoalitionGame(ABC, value)
    with pytest.raises(GameError, match="not the string 'a'"):
        CoalitionGame(ABC, {"a": 1.0})
    with pytest.raises(GameError, match="empty coalition has worth 0"):
        CoalitionGame(ABC, {**full(ABC), frozenset(): 2.0})
    with pytest.raises(GameError, match="names a player twice"):
        CoalitionGame(ABC, {**full(ABC), ("a", "a"): 2.0})
    with pytest.raises(GameError, match="value must be a mapping"):
        CoalitionGame(ABC, [1, 2, 3])


def test_from_array_checks_shape_entries_and_the_empty_coalition():
    with pytest.raises(GameError, match="2\\*\\*3 = 8 worths"):
        CoalitionGame.from_array(ABC, [0, 1, 2])
    with pytest.raises(GameError, match="2\\*\\*2 = 4 worths"):
        CoalitionGame.from_array(["a", "b"], [[0, 1], [2, 3]])
    with pytest.raises(GameError, match="1 worth\\(s\\) are NaN or infinite: \\{a, b\\} = nan"):
        CoalitionGame.from_array(["a", "b"], [0, 1, 2, np.nan])
    with pytest.raises(GameError, match="entry 0 \\(the empty coalition\\) must be 0"):
        CoalitionGame.from_array(["a", "b"], [1, 1, 2, 3])
    with pytest.raises(GameError, match="array of numbers"):
        CoalitionGame.from_array(["a", "b"], ["x", 1, 2, 3])


def test_more_than_twenty_players_for_exact_methods():
    players = [f"p{i}" for i in range(MAX_EXACT_PLAYERS + 1)]
    with pytest.raises(GameError, match="21 players: a dense table is limited to 20"):
        CoalitionGame.from_array(players, np.zeros(4))
    with pytest.raises(GameError, match="21 players: a game given as a table"):
        CoalitionGame(players, {})
    lazy = CoalitionGame.from_function(players, lambda s: float(len(s)))
    for method in ("shapley", "banzhaf", "nucleolus", "least_core", "is_convex", "core_is_empty"):
        with pytest.raises(GameError, match="21 players: exact methods .* limited to 20 players; use shapley_sampled"):
            getattr(lazy, method)()
    assert lazy.worth(players[:3]) == 3.0 and lazy.n_evaluated == 1
    assert lazy.shapley_sampled(3, seed=0).value.sum() == pytest.approx(21.0)


def test_worth_lookups_check_their_coalition():
    game = CoalitionGame(ABC, full(ABC))
    with pytest.raises(GameError, match="unknown player\\(s\\): 'd'"):
        game.worth({"a", "d"})
    with pytest.raises(GameError, match="bitmask 8 is out of range"):
        game.worth(8)
    with pytest.raises(GameError, match="collection of player names"):
        game.worth(2.5)
