"""Hypothesis strategies and reference implementations shared by the games tests.

The references are deliberately naive (permutations, definitions) so that
they check the vectorised library code rather than repeat it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from sim.games import CoalitionGame


def names(n: int) -> list[str]:
    return [f"p{i}" for i in range(n)]


@st.composite
def tables(draw, min_players: int = 1, max_players: int = 8, low: int = -50, high: int = 100):
    """A dense table of integer worths (as floats) for 1..max_players players."""
    n = draw(st.integers(min_players, max_players))
    body = draw(arrays(np.int64, (1 << n) - 1, elements=st.integers(low, high)))
    return n, np.r_[0.0, body.astype(float)]


@st.composite
def games(draw, min_players: int = 1, max_players: int = 8, low: int = -50, high: int = 100):
    n, table = draw(tables(min_players, max_players, low, high))
    return CoalitionGame.from_array(names(n), table)


@st.composite
def games_with_core(draw, min_players: int = 1, max_players: int = 8):
    """Games built around a point ``x`` in their core: v(S) = x(S) - slack(S), v(N) = x(N)."""
    n = draw(st.integers(min_players, max_players))
    x = draw(arrays(np.int64, n, elements=st.integers(-20, 60))).astype(float)
    slack = draw(arrays(np.int64, 1 << n, elements=st.integers(0, 40))).astype(float)
    masks = np.arange(1 << n)
    table = np.array([sum(x[i] for i in range(n) if m >> i & 1) for m in masks]) - slack
    table[0] = 0.0
    table[-1] = x.sum()
    return CoalitionGame.from_array(names(n), table), x


def shapley_by_permutations(game: CoalitionGame) -> np.ndarray:
    """Average marginal contribution over all n! orders (the definition)."""
    n = game.n
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        mask = 0
        for i in order:
            phi[i] += game.worth(mask | 1 << i) - game.worth(mask)
            mask |= 1 << i
    return phi / math.factorial(n)


def banzhaf_by_definition(game: CoalitionGame) -> np.ndarray:
    n = game.n
    out = np.zeros(n)
    for i in range(n):
        others = [m for m in range(1 << n) if not m >> i & 1]
        out[i] = sum(game.worth(m | 1 << i) - game.worth(m) for m in others) / len(others)
    return out


def core_feasible(game: CoalitionGame, slack: float = 1e-7) -> bool:
    """Whether {x : x(S) >= v(S) - slack for all S, x(N) = v(N)} is non-empty (feasibility LP)."""
    n = game.n
    if n == 1:
        return True
    rows = [[1.0 if m >> i & 1 else 0.0 for i in range(n)] for m in range(1, (1 << n) - 1)]
    worths = [game.worth(m) for m in range(1, (1 << n) - 1)]
    res = linprog(np.zeros(n), A_ub=-np.array(rows), b_ub=-np.array(worths) + slack,
                  A_eq=np.ones((1, n)), b_eq=[game.grand_worth], bounds=[(None, None)] * n, method="highs")
    return res.status == 0
