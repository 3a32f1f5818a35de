"""Transferable-utility cooperative games.

:class:`CoalitionGame` holds a characteristic function ``v`` over named
players; every solution (:mod:`sim.games.values`, :mod:`sim.games.nucleolus`)
and every verdict (:mod:`sim.games.verify`) is reachable from it as a method.
:class:`ThreePartyGame` is the parametric platform / supplier / anchor family
of MODEL.md section 7, with its stability thresholds in ``theta`` solved in
exact rational arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from itertools import combinations
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import sim.games.nucleolus as _nucleolus
import sim.games.values as _values
import sim.games.verify as _verify
from sim.games._bits import popcounts
from sim.games.errors import GameError

if TYPE_CHECKING:
    from sim.games.nucleolus import LeastCore
    from sim.games.values import SampledShapley

#: Largest number of players for the methods that need the full table of
#: ``2**n`` worths (every method except :meth:`CoalitionGame.shapley_sampled`).
MAX_EXACT_PLAYERS = 20

_SHOW = 5  # problems of one kind listed before "and N more"

Allocation = Mapping[str, float] | pd.Series | Sequence[float] | np.ndarray


def _check_players(players: Any) -> tuple[str, ...]:
    if isinstance(players, str) or not isinstance(players, Iterable):
        raise GameError("players must be a list of names (strings)")
    names = tuple(players)
    if not names:
        raise GameError("a game needs at least one player; got no players")
    problems = [f"player names must be non-empty strings; got {p!r}" for p in names
                if not isinstance(p, str) or not p.strip()]
    seen: set[str] = set()
    for p in names:
        if isinstance(p, str):
            if p in seen:
                problems.append(f"player {p!r} is listed twice")
            seen.add(p)
    if problems:
        raise GameError(problems)
    return names


def _as_worth(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | np.integer | np.floating):
        raise GameError(f"the worth of {what} must be a number; got {value!r}")
    worth = float(value)
    if not math.isfinite(worth):
        raise GameError(f"the worth of {what} is {worth}; worths must be finite")
    return worth


def _listing(shown: list[str], total: int) -> str:
    """The first few items of a list of ``total``, with the count of the rest."""
    head = ", ".join(shown[:_SHOW])
    return head + (f" and {total - _SHOW} more" if total > _SHOW else "")


class CoalitionGame:
    """A TU game: named players and the worth ``v(S)`` of every coalition.

    Parameters
    ----------
    players:
        Distinct, non-empty player names.
    value:
        Mapping from each non-empty coalition (a ``frozenset`` of names; a
        ``set`` or tuple is accepted too) to its worth. Every non-empty
        coalition must be present; a coalition naming an unknown player, a
        missing coalition, a coalition given twice and a NaN or infinite worth
        are errors (:class:`GameError`). The empty coalition may be given only
        with worth 0.

    The worths are held in a dense array indexed by bitmask (bit ``i`` set
    means ``players[i]`` is in), so a mapping or array game has at most
    :data:`MAX_EXACT_PLAYERS` players. :meth:`from_function` builds a lazy game
    of any size whose worths are computed on demand and cached.
    """

    def __init__(self, players: Iterable[str], value: Mapping[Any, Any]):
        names = _check_players(players)
        self._setup(names)
        if len(names) > MAX_EXACT_PLAYERS:
            raise GameError(
                f"{len(names)} players: a game given as a table holds 2**n worths and is limited to "
                f"{MAX_EXACT_PLAYERS} players; use CoalitionGame.from_function for larger games")
        if not isinstance(value, Mapping):
            raise GameError("value must be a mapping from coalitions (frozensets of names) to worths")
        table = np.zeros(1 << self.n)
        given = np.zeros(1 << self.n, dtype=bool)
        given[0] = True
        problems: list[str] = []
        for key, worth in value.items():
            try:
                mask = self.mask(key)
            except GameError as exc:
                problems.extend(exc.problems)
                continue
            what = self.label(mask)
            if mask == 0:
                if not (isinstance(worth, Real | np.integer | np.floating) and float(worth) == 0.0):
                    problems.append(f"the empty coalition has worth 0 by definition; got {worth!r}")
                continue
            if given[mask]:
                problems.append(f"coalition {what} is given twice")
                continue
            try:
                table[mask] = _as_worth(worth, f"coalition {what}")
            except GameError as exc:
                problems.extend(exc.problems)
            given[mask] = True
        missing = np.flatnonzero(~given)
        if missing.size:
            problems.append(f"{missing.size} coalition(s) have no worth: "
                            + _listing([self.label(int(m)) for m in missing[:_SHOW]], missing.size))
        if problems:
            raise GameError(problems)
        table.flags.writeable = False
        self._table = table

    # ------------------------------------------------------------ constructors

    def _setup(self, names: tuple[str, ...]) -> None:
        self._players = names
        self._index = {p: i for i, p in enumerate(names)}
        self._table: np.ndarray | None = None
        self._oracle: Callable[[frozenset[str]], Any] | None = None
        self._cache: dict[int, float] = {}

    @classmethod
    def from_array(cls, players: Iterable[str], values: Any) -> CoalitionGame:
        """A game from a dense array of ``2**n`` worths indexed by bitmask.

        Entry ``m`` is the worth of the coalition of the players whose bits are
        set in ``m`` (bit ``i`` for ``players[i]``); entry 0 is the empty
        coalition and must be 0.
        """
        game = cls.__new__(cls)
        names = _check_players(players)
        game._setup(names)
        n = len(names)
        if n > MAX_EXACT_PLAYERS:
            raise GameError(f"{n} players: a dense table is limited to {MAX_EXACT_PLAYERS} players "
                            "(2**20 worths); use CoalitionGame.from_function for larger games")
        try:
            table = np.array(values, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise GameError("values must be an array of numbers") from None
        if np.ndim(values) != 1 or table.size != 1 << n:
            raise GameError(f"values must be a one-dimensional array of 2**{n} = {1 << n} worths "
                            f"(one per coalition, by bitmask); got shape {np.shape(values)}")
        bad = np.flatnonzero(~np.isfinite(table))
        if bad.size:
            raise GameError(f"{bad.size} worth(s) are NaN or infinite: "
                            + _listing([f"{game.label(int(m))} = {table[m]}" for m in bad[:_SHOW]], bad.size))
        if table[0] != 0.0:
            raise GameError(f"entry 0 (the empty coalition) must be 0; got {table[0]}")
        table.flags.writeable = False
        game._table = table
        return game

    @classmethod
    def from_function(cls, players: Iterable[str], f: Callable[[frozenset[str]], float]) -> CoalitionGame:
        """A game whose worth of ``S`` is ``f(frozenset(S))``, computed on demand.

        ``f`` is called at most once per coalition (results are cached) and only
        for coalitions a method needs: :meth:`worth` and :meth:`shapley_sampled`
        evaluate what they use, every exact method evaluates the full table
        (and so needs at most :data:`MAX_EXACT_PLAYERS` players). A NaN,
        infinite or non-numeric result is an error naming the coalition.
        """
        if not callable(f):
            raise GameError("f must be a function of a coalition (frozenset of names)")
        game = cls.__new__(cls)
        game._setup(_check_players(players))
        game._oracle = f
        return game

    # ---------------------------------------------------------------- basics

    @property
    def players(self) -> tuple[str, ...]:
        """The player names, in table (bit) order."""
        return self._players

    @property
    def n(self) -> int:
        """The number of players."""
        return len(self._players)

    @property
    def grand_mask(self) -> int:
        """The bitmask of the grand coalition, ``2**n - 1``."""
        return (1 << self.n) - 1

    @property
    def n_evaluated(self) -> int:
        """How many coalitions of a :meth:`from_function` game have been evaluated so far."""
        if self._oracle is None:
            return (1 << self.n) - 1
        return len(self._cache)

    @property
    def values(self) -> np.ndarray:
        """The dense, read-only table of worths indexed by bitmask (entry 0 is the empty coalition)."""
        return self._dense()

    def mask(self, coalition: Iterable[str] | int) -> int:
        """The bitmask of a coalition given as an iterable of names (or already a mask)."""
        if isinstance(coalition, int | np.integer) and not isinstance(coalition, bool):
            mask = int(coalition)
            if not 0 <= mask <= self.grand_mask:
                raise GameError(f"bitmask {mask} is out of range for {self.n} players")
            return mask
        if isinstance(coalition, str):
            raise GameError(f"a coalition must be a collection of player names, not the string {coalition!r}; "
                            f"write frozenset({{{coalition!r}}})")
        try:
            members = list(coalition)
        except TypeError:
            raise GameError(f"a coalition must be a collection of player names; got {coalition!r}") from None
        unknown = [m for m in members if not isinstance(m, str) or m not in self._index]
        if unknown:
            raise GameError(f"coalition {{{', '.join(map(str, members))}}} names unknown player(s): "
                            + ", ".join(repr(u) for u in unknown))
        if len(set(members)) != len(members):
            raise GameError(f"coalition {{{', '.join(members)}}} names a player twice")
        mask = 0
        for m in members:
            mask |= 1 << self._index[m]
        return mask

    def coalition(self, mask: int) -> frozenset[str]:
        """The coalition (frozenset of names) of a bitmask."""
        return frozenset(p for i, p in enumerate(self._players) if mask >> i & 1)

    def label(self, coalition: Iterable[str] | int) -> str:
        """A readable name for a coalition, members in player order: ``{platform, anchor}``."""
        mask = self.mask(coalition)
        return "{" + ", ".join(p for i, p in enumerate(self._players) if mask >> i & 1) + "}"

    def worth(self, coalition: Iterable[str] | int) -> float:
        """``v(S)`` of one coalition (names or bitmask); 0 for the empty coalition."""
        return self._worth_of_mask(self.mask(coalition))

    @property
    def grand_worth(self) -> float:
        """``v(N)``, the worth of the grand coalition."""
        return self._worth_of_mask(self.grand_mask)

    def standalone(self) -> pd.Series:
        """``v({i})`` for every player."""
        return pd.Series([self._worth_of_mask(1 << i) for i in range(self.n)], index=list(self._players),
                         name="standalone")

    def to_frame(self) -> pd.DataFrame:
        """The coalition table: one row per non-empty coalition, its size and worth."""
        table = self._dense()
        masks = np.arange(1, 1 << self.n)
        return pd.DataFrame({"size": popcounts(self.n)[masks].astype(int), "worth": table[masks]},
                            index=pd.Index([self.label(int(m)) for m in masks], name="coalition"))

    def __repr__(self) -> str:
        kind = "lazy" if self._oracle is not None else "table"
        return f"CoalitionGame({self.n} players: {', '.join(self._players[:6])}{', ...' if self.n > 6 else ''}; {kind})"

    # ------------------------------------------------------- worth evaluation

    def _worth_of_mask(self, mask: int) -> float:
        if mask == 0:
            return 0.0
        if self._table is not None:
            return float(self._table[mask])
        cached = self._cache.get(mask)
        if cached is None:
            coalition = self.coalition(mask)
            cached = _as_worth(self._oracle(coalition), f"coalition {self.label(mask)}")
            self._cache[mask] = cached
        return cached

    def _worths_of_masks(self, masks: np.ndarray) -> np.ndarray:
        """Worths for an array of masks (any shape), evaluating each distinct one once."""
        if self._table is not None:
            return self._table[masks.astype(np.int64)]
        unique, inverse = np.unique(masks, return_inverse=True)
        worths = np.array([self._worth_of_mask(int(m)) for m in unique], dtype=float)
        return worths[inverse].reshape(masks.shape)

    def _dense(self) -> np.ndarray:
        if self._table is None:
            if self.n > MAX_EXACT_PLAYERS:
                raise GameError(f"{self.n} players: exact methods need all 2**n worths and are limited to "
                                f"{MAX_EXACT_PLAYERS} players; use shapley_sampled")
            table = np.array([self._worth_of_mask(m) for m in range(1 << self.n)], dtype=float)
            table.flags.writeable = False
            self._table = table
        return self._table

    def _allocation(self, x: Allocation) -> np.ndarray:
        """An allocation as a float vector in player order, checked."""
        if isinstance(x, Mapping | pd.Series):
            keys = list(x.keys())
            unknown = [k for k in keys if k not in self._index]
            missing = [p for p in self._players if p not in set(keys)]
            problems = []
            if unknown:
                problems.append("allocation names unknown player(s): " + ", ".join(map(repr, unknown)))
            if missing:
                problems.append("allocation has no amount for player(s): " + ", ".join(map(repr, missing)))
            if problems:
                raise GameError(problems)
            vec = [x[p] for p in self._players]
        else:
            vec = list(np.asarray(x, dtype=object).reshape(-1)) if np.ndim(x) else [x]
            if len(vec) != self.n:
                raise GameError(f"an allocation needs one amount per player ({self.n}); got {len(vec)}")
        return np.array([_as_worth(a, f"player {p!r} in the allocation") for p, a in zip(self._players, vec)])

    def _series(self, vec: np.ndarray, name: str) -> pd.Series:
        return pd.Series(np.asarray(vec, dtype=float), index=list(self._players), name=name)

    def _tol(self, tol: float | None) -> float:
        """Absolute tolerance: ``tol`` if given, else 1e-9 relative to the largest worth."""
        if tol is not None:
            tol = float(tol)
            if not (math.isfinite(tol) and tol >= 0):
                raise GameError(f"tol must be a finite number >= 0; got {tol}")
            return tol
        return 1e-9 * max(1.0, float(np.abs(self._dense()).max()))

    # ---------------------------------------------------------- solutions

    def shapley(self) -> pd.Series:
        """Exact Shapley value; see :func:`sim.games.values.shapley`."""
        return _values.shapley(self)

    def shapley_sampled(self, n_permutations: int, seed: int | np.random.Generator | None = None) -> SampledShapley:
        """Shapley value estimated from random permutations, with standard errors;
        see :func:`sim.games.values.shapley_sampled`."""
        return _values.shapley_sampled(self, n_permutations, seed)

    def banzhaf(self, normalized: bool = False) -> pd.Series:
        """Banzhaf value; see :func:`sim.games.values.banzhaf`."""
        return _values.banzhaf(self, normalized=normalized)

    def proportional(self) -> pd.Series:
        """``v(N)`` split in proportion to standalone worths; see :func:`sim.games.values.proportional`."""
        return _values.proportional(self)

    def equal_surplus(self) -> pd.Series:
        """Standalone worth plus an equal share of the surplus; see :func:`sim.games.values.equal_surplus`."""
        return _values.equal_surplus(self)

    def risk_adjusted_shapley(self, risk: Mapping[str, float], r: float) -> pd.Series:
        """MODEL.md section 7 risk-adjusted Shapley value; see :func:`sim.games.values.risk_adjusted_shapley`."""
        return _values.risk_adjusted_shapley(self, risk, r)

    def nucleolus(self) -> pd.Series:
        """Nucleolus (pre-nucleolus if the imputation set is empty); see :func:`sim.games.nucleolus.nucleolus`."""
        return _nucleolus.nucleolus(self)

    def prenucleolus(self) -> pd.Series:
        """Pre-nucleolus; see :func:`sim.games.nucleolus.prenucleolus`."""
        return _nucleolus.prenucleolus(self)

    def least_core(self) -> LeastCore:
        """Least-core epsilon and a point of the least core; see :func:`sim.games.nucleolus.least_core`."""
        return _nucleolus.least_core(self)

    def core_bounds(self) -> pd.DataFrame:
        """Smallest and largest amount of each player over the core; see :func:`sim.games.nucleolus.core_bounds`."""
        return _nucleolus.core_bounds(self)

    # ------------------------------------------------------------ verdicts

    def excesses(self, x: Allocation) -> pd.Series:
        """``v(S) - x(S)`` for every non-empty coalition; see :func:`sim.games.verify.excesses`."""
        return _verify.excesses(self, x)

    def max_excess(self, x: Allocation) -> float:
        """Largest excess over the proper coalitions; see :func:`sim.games.verify.max_excess`."""
        return _verify.max_excess(self, x)

    def blocking_coalitions(self, x: Allocation, tol: float | None = None) -> pd.Series:
        """Coalitions that gain by leaving ``x``, largest excess first; see :func:`sim.games.verify.blocking_coalitions`."""
        return _verify.blocking_coalitions(self, x, tol)

    def is_efficient(self, x: Allocation, tol: float | None = None) -> bool:
        """Whether ``x(N) = v(N)`` to ``tol``."""
        return _verify.is_efficient(self, x, tol)

    def is_individually_rational(self, x: Allocation, tol: float | None = None) -> bool:
        """Whether every player gets at least its standalone worth."""
        return _verify.is_individually_rational(self, x, tol)

    def in_core(self, x: Allocation, tol: float | None = None) -> bool:
        """Whether ``x`` is efficient and blocked by no coalition; see :func:`sim.games.verify.in_core`."""
        return _verify.in_core(self, x, tol)

    def core_is_empty(self, tol: float | None = None) -> bool:
        """Whether no allocation is in the core; see :func:`sim.games.verify.core_is_empty`."""
        return _verify.core_is_empty(self, tol)

    def is_essential(self) -> bool:
        """Whether the imputation set is non-empty: ``v(N) >= sum of v({i})``."""
        return _verify.is_essential(self)

    def is_superadditive(self, tol: float | None = None) -> bool:
        """Whether ``v(S | T) >= v(S) + v(T)`` for all disjoint ``S, T``; see :func:`sim.games.verify.is_superadditive`."""
        return _verify.is_superadditive(self, tol)

    def is_convex(self, tol: float | None = None) -> bool:
        """Whether the game is convex (supermodular); see :func:`sim.games.verify.is_convex`."""
        return _verify.is_convex(self, tol)

    def is_nucleolus(self, x: Allocation, tol: float | None = None) -> bool:
        """Kohlberg's test that ``x`` is the nucleolus; see :func:`sim.games.verify.is_nucleolus`."""
        return _verify.is_nucleolus(self, x, tol)


# --------------------------------------------------------------------------
# The three-party family of MODEL.md section 7


THREE_PARTY_PLAYERS = ("platform", "supplier", "anchor")


def _exact(x: float, name: str) -> Fraction:
    """A parameter as the exact decimal it prints as (0.07 is 7/100, not the nearest binary fraction)."""
    if isinstance(x, bool) or not isinstance(x, Real | np.integer | np.floating):
        raise GameError(f"{name} must be a number; got {x!r}")
    if isinstance(x, Fraction | int | np.integer):
        return Fraction(int(x)) if isinstance(x, np.integer) else Fraction(x)
    value = float(x)
    if not math.isfinite(value):
        raise GameError(f"{name} must be finite; got {value}")
    return Fraction(repr(value))


class ThreePartyGame:
    """The platform / supplier / anchor game of MODEL.md section 7.

    Standalone incomes ``R1`` (platform), ``R2`` (supplier), ``R3`` (anchor);
    pairs earn ``(1+alpha)(R1+R2)``, ``(1+beta)(R1+R3)``, ``(1+gamma)(R2+R3)``;
    the grand coalition earns ``(1+theta)(R1+R2+R3)``. Only ``v(N)`` depends
    on ``theta``, linearly, so the Shapley value (and the risk-adjusted value)
    is affine in ``theta`` and each stability condition is a set of linear
    inequalities in ``theta``: :meth:`theta_thresholds` solves them exactly.
    Parameters are read as the decimals they print as (``0.07`` is ``7/100``).
    """

    players = THREE_PARTY_PLAYERS

    def __init__(self, R1: float, R2: float, R3: float, alpha: float, beta: float, gamma: float):
        params = {"R1": R1, "R2": R2, "R3": R3, "alpha": alpha, "beta": beta, "gamma": gamma}
        problems, exact = [], {}
        for name, value in params.items():
            try:
                exact[name] = _exact(value, name)
            except GameError as exc:
                problems.extend(exc.problems)
        if problems:
            raise GameError(problems)
        self._p = exact
        self.R1, self.R2, self.R3 = (float(exact[k]) for k in ("R1", "R2", "R3"))
        self.alpha, self.beta, self.gamma = (float(exact[k]) for k in ("alpha", "beta", "gamma"))

    def __repr__(self) -> str:
        return (f"ThreePartyGame(R1={self.R1:g}, R2={self.R2:g}, R3={self.R3:g}, "
                f"alpha={self.alpha:g}, beta={self.beta:g}, gamma={self.gamma:g})")

    def _worths(self, theta: Fraction) -> dict[int, Fraction]:
        """Exact worths by bitmask (bit 0 platform, 1 supplier, 2 anchor)."""
        p = self._p
        r1, r2, r3 = p["R1"], p["R2"], p["R3"]
        return {0: Fraction(0), 1: r1, 2: r2, 4: r3,
                3: (1 + p["alpha"]) * (r1 + r2), 5: (1 + p["beta"]) * (r1 + r3), 6: (1 + p["gamma"]) * (r2 + r3),
                7: (1 + theta) * (r1 + r2 + r3)}

    def game(self, theta: float) -> CoalitionGame:
        """The :class:`CoalitionGame` at ``theta``, players ``platform``, ``supplier``, ``anchor``."""
        worths = self._worths(_exact(theta, "theta"))
        return CoalitionGame.from_array(self.players, [float(worths[m]) for m in range(8)])

    def _shapley_affine(self) -> tuple[list[Fraction], list[Fraction]]:
        """Shapley value as ``c + theta * d`` (exact)."""
        zero = self._worths(Fraction(0))
        c = [Fraction(0)] * 3
        for i in range(3):
            for mask in range(8):
                if mask >> i & 1:
                    s = bin(mask).count("1")
                    weight = Fraction(math.factorial(s - 1) * math.factorial(3 - s), math.factorial(3))
                    c[i] += weight * (zero[mask] - zero[mask & ~(1 << i)])
        total = self._p["R1"] + self._p["R2"] + self._p["R3"]
        return c, [total / 3] * 3

    def _risk_affine(self, risk: Mapping[str, float], r: float) -> tuple[list[Fraction], list[Fraction]]:
        shares, weight = _values.check_risk(self.players, risk, r)
        rw = Fraction(repr(weight))
        share = [Fraction(repr(float(a))) for a in shares]
        share = [a / sum(share) for a in share]
        c, d = self._shapley_affine()
        total = self._p["R1"] + self._p["R2"] + self._p["R3"]
        return ([(1 - rw) * c[i] + rw * total * share[i] for i in range(3)],
                [(1 - rw) * d[i] + rw * total * share[i] for i in range(3)])

    def _smallest_theta(self, c: list[Fraction], d: list[Fraction], masks: Iterable[int]) -> Fraction | None:
        """Smallest theta with ``c(S) + theta d(S) >= v(S)`` for every mask given (None: no theta works)."""
        worths = self._worths(Fraction(0))
        bound: Fraction | None = None
        for mask in masks:
            cs = sum(c[i] for i in range(3) if mask >> i & 1)
            ds = sum(d[i] for i in range(3) if mask >> i & 1)
            if ds > 0:
                need = (worths[mask] - cs) / ds
            elif cs >= worths[mask]:
                continue
            else:
                return None
            bound = need if bound is None or need > bound else bound
        return bound

    def theta_thresholds(self, risk: Mapping[str, float] | None = None, r: float | None = None,
                         exact: bool = False) -> dict[str, float | Fraction | None]:
        """Smallest ``theta`` for each stability condition, solved exactly.

        Keys:

        - ``individually_rational``: the Shapley value gives every player at
          least its standalone worth;
        - ``core_nonempty``: the core is non-empty. With three players this
          holds iff ``v(N)`` is at least the worth of every minimal balanced
          collection (Bondareva-Shapley): the partitions, and half the sum of
          the three pairs;
        - ``shapley_in_core``: the Shapley value is in the core;
        - ``risk_adjusted_in_core`` (only with ``risk`` and ``r``): the
          risk-adjusted Shapley value is in the core.

        Each condition is a set of inequalities ``c(S) + theta d(S) >= v(S)``
        with ``d(S) >= 0`` when ``R1+R2+R3 > 0``, so it holds exactly for
        ``theta`` at or above the returned value (``None`` if for no theta).
        Values are floats, or :class:`fractions.Fraction` with ``exact=True``.
        """
        total = self._p["R1"] + self._p["R2"] + self._p["R3"]
        if total <= 0:
            raise GameError(f"theta thresholds need R1 + R2 + R3 > 0 (v(N) grows with theta); got {float(total)}")
        w = self._worths(Fraction(0))
        proper = range(1, 7)
        c, d = self._shapley_affine()
        # Bondareva-Shapley for three players: v(N) = (1+theta) total >= each balanced bound.
        balanced = [w[1] + w[2] + w[4], w[3] + w[4], w[5] + w[2], w[6] + w[1], (w[3] + w[5] + w[6]) / 2]
        out: dict[str, Fraction | None] = {
            "individually_rational": self._smallest_theta(c, d, [1, 2, 4]),
            "core_nonempty": max(b / total - 1 for b in balanced),
            "shapley_in_core": self._smallest_theta(c, d, proper),
        }
        if risk is not None or r is not None:
            if risk is None or r is None:
                raise GameError("the risk-adjusted threshold needs both risk and r")
            cr, dr = self._risk_affine(risk, r)
            out["risk_adjusted_in_core"] = self._smallest_theta(cr, dr, proper)
        if exact:
            return out
        return {k: (None if v is None else float(v)) for k, v in out.items()}


def coalitions_of(players: Sequence[str]) -> list[frozenset[str]]:
    """Every non-empty coalition of ``players``, smallest first (handy for building a ``value`` mapping)."""
    return [frozenset(c) for k in range(1, len(players) + 1) for c in combinations(players, k)]
