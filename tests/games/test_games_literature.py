"""Classical games with the values published for them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sim.games import CoalitionGame


def weighted_majority(weights: list[int], quota: int, players: list[str]) -> CoalitionGame:
    return CoalitionGame.from_function(
        players, lambda s: 1.0 if sum(w for p, w in zip(players, weights) if p in s) >= quota else 0.0)


def test_shapley_shubik_1954_security_council():
    """Shapley & Shubik, "A method for evaluating the distribution of power in a
    committee system", American Political Science Review 48(3), 1954, 787-792.

    The 11-member UN Security Council: a motion needs 7 votes including all 5
    permanent members. Published: each permanent member 76/385 (the five
    together 76/77, about 98.7%), each of the six others 1/462.
    """
    permanent = [f"P{i}" for i in range(5)]
    others = [f"E{i}" for i in range(6)]
    players = permanent + others

    def passes(s):
        return 1.0 if set(permanent) <= s and len(s) >= 7 else 0.0

    phi = CoalitionGame.from_function(players, passes).shapley()
    assert np.allclose(phi[permanent], float(Fraction(76, 385)), atol=1e-12)
    assert np.allclose(phi[others], float(Fraction(1, 462)), atol=1e-12)
    assert phi[permanent].sum() == pytest.approx(76 / 77, abs=1e-12)


def test_banzhaf_1965_nassau_county_board():
    """Banzhaf, "Weighted voting doesn't work: a mathematical analysis", Rutgers
    Law Review 19, 1965, 317-343.

    Nassau County Board of Supervisors, 1964: weights 9, 9, 7, 3, 1, 1 (30
    votes), majority 16. Banzhaf's finding: the three smallest members can
    never change an outcome (no power at all), the three largest have equal
    power. Each large member is decisive in half of the coalitions of the
    others.
    """
    players = ["Hempstead 1", "Hempstead 2", "North Hempstead", "Oyster Bay", "Glen Cove", "Long Beach"]
    game = weighted_majority([9, 9, 7, 3, 1, 1], 16, players)
    beta = game.banzhaf()
    assert np.allclose(beta[players[:3]], 0.5) and np.allclose(beta[players[3:]], 0.0)
    assert np.allclose(game.banzhaf(normalized=True)[players[:3]], 1 / 3)


@pytest.mark.parametrize(("estate", "published"), [
    (100, [100 / 3, 100 / 3, 100 / 3]),
    (200, [50, 75, 75]),
    (300, [50, 100, 150]),
])
def test_aumann_maschler_1985_talmud_bankruptcy(estate, published):
    """Aumann & Maschler, "Game theoretic analysis of a bankruptcy problem from
    the Talmud", Journal of Economic Theory 36(2), 1985, 195-213.

    Claims 100, 200, 300 on an estate of 100, 200 or 300; the Talmud's
    divisions (Ketubot 93a) are the nucleolus of the game
    ``v(S) = max(0, E - sum of the claims outside S)``.
    """
    claims = {"first": 100, "second": 200, "third": 300}
    game = CoalitionGame.from_function(
        list(claims), lambda s: max(0.0, estate - sum(c for p, c in claims.items() if p not in s)))
    x = game.nucleolus()
    assert np.allclose(x, published, atol=1e-9)
    assert game.is_nucleolus(x) and game.in_core(x)  # bankruptcy games are convex
    assert game.is_convex()


def test_littlechild_owen_1973_airport_game():
    """Littlechild & Owen, "A simple expression for the Shapley value in a
    special case", Management Science 20(3), 1973, 370-372.

    In the airport game ``c(S) = max of c_i over S`` (players sorted by
    ``c_1 <= ... <= c_n``), the Shapley value splits each runway segment
    equally among the players who need it:
    ``phi_j = sum_{k <= j} (c_k - c_{k-1}) / (n - k + 1)``.
    """
    costs = [1.0, 3.0, 3.0, 6.0, 10.0, 15.0]
    players = [f"plane{i}" for i in range(len(costs))]
    game = CoalitionGame.from_function(players, lambda s: max(c for p, c in zip(players, costs) if p in s))
    n = len(costs)
    expected = [sum((costs[k] - (costs[k - 1] if k else 0.0)) / (n - k) for k in range(j + 1)) for j in range(n)]
    assert np.allclose(game.shapley(), expected, atol=1e-12)


def test_von_neumann_morgenstern_three_person_majority():
    """The three-person simple majority game (von Neumann & Morgenstern,
    Theory of Games and Economic Behavior, 1944): any two players win 1.
    Its core is empty; the least core needs epsilon = 1/3, at the symmetric
    split, which is also the nucleolus and the Shapley value."""
    game = CoalitionGame.from_array(["a", "b", "c"], [0, 0, 0, 1, 0, 1, 1, 1])
    lc = game.least_core()
    assert lc.epsilon == pytest.approx(1 / 3) and np.allclose(lc.point, 1 / 3)
    assert game.core_is_empty()
    assert np.allclose(game.nucleolus(), 1 / 3) and np.allclose(game.shapley(), 1 / 3)
    assert game.is_superadditive() and not game.is_convex()
