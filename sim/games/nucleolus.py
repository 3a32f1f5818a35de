"""Least core, nucleolus and pre-nucleolus by linear programming (HiGHS).

Guarantee: LP-exact to tolerance. The programmes are solved by HiGHS through
``scipy.optimize.linprog`` on the game scaled to worths in [-1, 1], with
feasibility tolerances of 1e-9; results are accurate to about 1e-9 times the
largest worth. :func:`sim.games.verify.is_nucleolus` checks a nucleolus
independently (Kohlberg's criterion).

Size: each programme has one row per coalition (``2**n - 2``); 10 players
take a fraction of a second, 15 players seconds, 20 players are possible but
slow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, vstack

from sim.games._bits import member_matrix
from sim.games.errors import GameError

if TYPE_CHECKING:
    from sim.games.game import CoalitionGame

_HIGHS = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}
_TIGHT = 1e-8  # excess within this (scaled) distance of the optimum counts as tight
_DUAL = 1e-7  # a dual value above this is a positive multiplier (duals sum to 1)
_SPAN = 1e-9  # residual norm under which a coalition lies in the span of the fixed ones


@dataclass(frozen=True)
class LeastCore:
    """The least core: the smallest ``epsilon`` such that some efficient ``x``
    has ``v(S) - x(S) <= epsilon`` for every proper coalition, and one such ``x``.

    ``epsilon <= 0`` exactly when the core is non-empty (then ``-epsilon`` is
    how far inside the core ``point`` is); ``epsilon > 0`` is the smallest tax
    on every coalition's breaking away that would make some split stable.
    ``point`` is the vertex HiGHS returns; the least core is a set, and its
    canonical point is the pre-nucleolus. One player: ``epsilon = -inf``.
    """

    epsilon: float
    point: pd.Series


class _Programme:
    """The coalition constraints of a game, scaled to worths in [-1, 1]."""

    def __init__(self, game: CoalitionGame):
        v = game._dense()
        self.game = game
        self.n = n = game.n
        self.scale = float(np.abs(v).max()) or 1.0
        self.masks = np.arange(1, game.grand_mask, dtype=np.int64)  # proper, non-empty
        self.worth = v[self.masks] / self.scale
        self.grand = v[game.grand_mask] / self.scale
        self.standalone = v[1 << np.arange(n)] / self.scale
        members = member_matrix(self.masks, n)
        rows, cols = np.nonzero(members)
        self.A = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(self.masks.size, n))

    def solve(self, c, A_ub, b_ub, A_eq, b_eq, bounds):
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs",
                      options=_HIGHS)
        if res.status != 0:
            raise GameError(f"HiGHS could not solve a linear programme of this game: {res.message.strip()}")
        return res


def least_core(game: CoalitionGame) -> LeastCore:
    """The least-core epsilon and a point of the least core (one linear programme).

    ``min epsilon`` subject to ``x(S) + epsilon >= v(S)`` for every proper
    non-empty ``S`` (singletons included) and ``x(N) = v(N)``.
    """
    if game.n == 1:
        return LeastCore(float("-inf"), game._series([game.grand_worth], "least_core"))
    p = _Programme(game)
    n = p.n
    minus_one = csr_matrix(-np.ones((p.masks.size, 1)))
    res = p.solve(c=np.r_[np.zeros(n), 1.0], A_ub=hstack([-p.A, minus_one]).tocsr(), b_ub=-p.worth,
                  A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[p.grand], bounds=[(None, None)] * (n + 1))
    return LeastCore(float(res.x[n] * p.scale), game._series(res.x[:n] * p.scale, "least_core"))


def nucleolus(game: CoalitionGame) -> pd.Series:
    """The nucleolus: the imputation that lexicographically minimises the
    excesses ``v(S) - x(S)``, largest first. Unique.

    Solved by sequential linear programmes: each minimises the largest excess
    among the coalitions not yet fixed; coalitions whose excess is at that
    optimum in *every* optimal solution (those with a positive dual
    multiplier; failing that, each candidate checked by an auxiliary
    programme) are fixed at it; coalitions whose membership vector lies in the
    span of the fixed ones are dropped; it stops when the fixed coalitions
    determine ``x``, after at most ``n - 1`` programmes. Ties need no special
    care: a tied level just takes another programme.

    Over the imputation set (``x(N) = v(N)``, ``x_i >= v({i})``) when that set
    is non-empty, i.e. ``v(N) >= sum v({i})``. Otherwise no imputation exists
    and the pre-nucleolus (same programmes without ``x_i >= v({i})``) is
    returned: check :meth:`CoalitionGame.is_essential`. When the core is
    non-empty, the nucleolus is in it (and equals the pre-nucleolus).
    """
    game._dense()  # a game too large for exact methods fails here, before any evaluation
    imputations = game.is_essential()
    return _sequential(game, imputations, use_duals=True).rename("nucleolus" if imputations else "prenucleolus")


def prenucleolus(game: CoalitionGame) -> pd.Series:
    """The pre-nucleolus: like the nucleolus but over all efficient allocations
    (no ``x_i >= v({i})``). Unique, always defined; in the core when the core is
    non-empty, and the canonical point of the least core."""
    return _sequential(game, False, use_duals=True).rename("prenucleolus")


def _sequential(game: CoalitionGame, imputations: bool, use_duals: bool) -> pd.Series:
    if game.n == 1:
        return game._series([game.grand_worth], "nucleolus")
    p = _Programme(game)
    n = p.n
    if imputations:
        # is_essential allows v(N) a hair below sum v({i}); widen the bounds so the set stays non-empty.
        slack = _TIGHT if p.standalone.sum() > p.grand else 0.0
        bounds = [(float(s) - slack, None) for s in p.standalone] + [(None, None)]
    else:
        bounds = [(None, None)] * (n + 1)
    free = np.ones(p.masks.size, dtype=bool)
    fixed_rows: list[int] = []  # indices into p.masks
    fixed_excess: list[float] = []
    basis = np.ones((1, n)) / np.sqrt(n)  # orthonormal rows spanning the fixed equalities (x(N) first)
    while basis.shape[0] < n and free.any():  # free empties only once the span is full (singletons are in it)
        rows = np.flatnonzero(free)
        A_free = p.A[rows]
        A_ub = hstack([-A_free, csr_matrix(-np.ones((rows.size, 1)))]).tocsr()
        b_ub = -p.worth[rows]
        A_eq = vstack([p.A[fixed_rows], csr_matrix(np.ones((1, n)))]) if fixed_rows else csr_matrix(np.ones((1, n)))
        A_eq = hstack([A_eq, csr_matrix((A_eq.shape[0], 1))]).tocsr()
        b_eq = np.r_[p.worth[fixed_rows] - np.asarray(fixed_excess), p.grand]
        res = p.solve(np.r_[np.zeros(n), 1.0], A_ub, b_ub, A_eq, b_eq, bounds)
        level, x = res.x[n], res.x[:n]
        tight = (p.worth[rows] - A_free @ x) >= level - _TIGHT
        # A positive dual multiplier means tight in every optimal solution (complementary slackness).
        settle = tight & (-res.ineqlin.marginals > _DUAL) if use_duals else np.zeros(rows.size, dtype=bool)
        if not settle.any():
            settle = _always_tight(p, rows, tight, level, A_ub, b_ub, A_eq, b_eq, bounds)
        for j in rows[settle]:
            fixed_rows.append(int(j))
            fixed_excess.append(level)
            basis = _extend_basis(basis, p.A[int(j)].toarray().ravel())
        free[rows[settle]] = False
        # Coalitions in the span of the fixed ones have a determined excess: drop them.
        rest = np.flatnonzero(free)
        if rest.size:
            A_rest = p.A[rest].toarray()
            residual = A_rest - (A_rest @ basis.T) @ basis
            free[rest[np.linalg.norm(residual, axis=1) < _SPAN]] = False
    # The fixed equalities determine x; solve them directly rather than keep the LP's rounding.
    A_fix = np.vstack([p.A[fixed_rows].toarray(), np.ones((1, n))])
    b_fix = np.r_[p.worth[fixed_rows] - np.asarray(fixed_excess), p.grand]
    x = np.linalg.lstsq(A_fix, b_fix, rcond=None)[0]
    return game._series(x * p.scale, "nucleolus")


def _always_tight(p: _Programme, rows, tight, level, A_ub, b_ub, A_eq, b_eq, bounds) -> np.ndarray:
    """Among the tight candidates, those whose excess cannot drop below ``level``
    anywhere on the optimal face (one auxiliary programme each)."""
    n = p.n
    face_bounds = bounds[:n] + [(level, level + _TIGHT)]
    settle = np.zeros(rows.size, dtype=bool)
    lowest = np.full(rows.size, -np.inf)
    for k in np.flatnonzero(tight):
        a = p.A[int(rows[k])].toarray().ravel()
        res = p.solve(np.r_[-a, 0.0], A_ub, b_ub, A_eq, b_eq, face_bounds)  # max x(S): least excess
        lowest[k] = p.worth[rows[k]] - a @ res.x[:n]
        settle[k] = lowest[k] >= level - _TIGHT
    if not settle.any():  # numerically borderline: take the candidate that stays tightest
        settle[int(np.argmax(lowest))] = True
    return settle


def _extend_basis(basis: np.ndarray, a: np.ndarray) -> np.ndarray:
    residual = a - (basis @ a) @ basis
    norm = np.linalg.norm(residual)
    if norm < _SPAN:
        return basis
    return np.vstack([basis, residual / norm])


def core_bounds(game: CoalitionGame) -> pd.DataFrame:
    """For each player, the smallest and largest amount it gets over the core.

    ``2n`` linear programmes (``min`` and ``max`` of ``x_i`` subject to
    ``x(S) >= v(S)``, ``x(N) = v(N)``). Columns ``lower`` and ``upper``; NaN
    when the core is empty (least-core epsilon above the default tolerance); when
    the epsilon is positive but within tolerance, the bounds of the least core.
    """
    frame = pd.DataFrame({"lower": np.nan, "upper": np.nan}, index=list(game.players))
    epsilon = least_core(game).epsilon
    if epsilon > game._tol(None):
        return frame
    if game.n == 1:
        frame.loc[:, :] = game.grand_worth
        return frame
    p = _Programme(game)
    n = p.n
    relax = max(epsilon, 0.0) / p.scale  # a core non-empty only to tolerance: bound its least core
    for i, player in enumerate(game.players):
        for column, sign in (("lower", 1.0), ("upper", -1.0)):
            c = np.zeros(n)
            c[i] = sign
            res = p.solve(c, -p.A, -p.worth + relax, np.ones((1, n)), [p.grand], [(None, None)] * n)
            frame.loc[player, column] = res.x[i] * p.scale
    return frame
