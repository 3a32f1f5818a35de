"""Every split rule and every stability verdict of one game, side by side.

:func:`compare_rules` is what ``livesim game`` prints and what the notebooks
tabulate: the allocations (players by rules), one row of verdicts per rule
(efficient, individually rational, in the core, largest excess, blocking
coalitions) and the game's own properties (core emptiness, least-core
epsilon, superadditivity, convexity).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.games.errors import GameError
from sim.games.game import CoalitionGame
from sim.games.verify import blocking_coalitions, in_core, is_efficient, is_individually_rational, max_excess


@dataclass(frozen=True)
class RuleComparison:
    """The result of :func:`compare_rules`.

    ``allocations``: one row per player, one column per rule.
    ``verdicts``: one row per rule; columns ``total``, ``efficient``,
    ``individually_rational``, ``in_core``, ``max_excess`` (over proper
    coalitions), ``n_blocking``.
    ``blocking``: per rule, its blocking coalitions (labels) and their excesses,
    largest first. ``properties``: facts about the game. ``notes``: rules left
    out and why, and fallbacks taken.
    """

    allocations: pd.DataFrame
    verdicts: pd.DataFrame
    blocking: dict[str, pd.Series]
    properties: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (non-finite numbers become ``None``)."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "players": list(self.allocations.index),
            "allocations": {rule: {p: num(a) for p, a in col.items()} for rule, col in self.allocations.items()},
            "verdicts": {
                rule: {
                    "total": num(row["total"]),
                    "efficient": bool(row["efficient"]),
                    "individually_rational": bool(row["individually_rational"]),
                    "in_core": bool(row["in_core"]),
                    "max_excess": num(row["max_excess"]),
                    "blocking_coalitions": [{"coalition": c, "excess": float(e)}
                                            for c, e in self.blocking[rule].items()],
                }
                for rule, row in self.verdicts.iterrows()
            },
            "game": {k: (num(v) if isinstance(v, float) else v) for k, v in self.properties.items()},
            "notes": list(self.notes),
        }


def compare_rules(game: CoalitionGame, risk: Mapping[str, float] | None = None, r: float | None = None,
                  tol: float | None = None) -> RuleComparison:
    """All split rules of :mod:`sim.games` on ``game`` with their verdicts.

    Rules: ``shapley``, ``banzhaf`` (raw, so usually not efficient),
    ``banzhaf_normalized``, ``proportional``, ``equal_surplus``, ``nucleolus``
    (``prenucleolus`` when the imputation set is empty), ``least_core`` (a
    least-core vertex) and, when ``risk`` and ``r`` are given,
    ``risk_adjusted_shapley``. A rule undefined for this game (e.g.
    proportional with every standalone worth 0) is left out with a note.
    """
    if (risk is None) != (r is None):
        raise GameError("the risk-adjusted Shapley value needs both risk and r")
    tol = game._tol(tol)
    core = game.least_core()
    essential = game.is_essential()
    notes: list[str] = []
    rules: dict[str, Any] = {
        "shapley": game.shapley,
        "banzhaf": game.banzhaf,
        "banzhaf_normalized": lambda: game.banzhaf(normalized=True),
        "proportional": game.proportional,
        "equal_surplus": game.equal_surplus,
        ("nucleolus" if essential else "prenucleolus"): game.nucleolus,
        "least_core": lambda: core.point,
    }
    if risk is not None:
        rules["risk_adjusted_shapley"] = lambda: game.risk_adjusted_shapley(risk, r)
    if not essential:
        notes.append("the imputation set is empty (v(N) < sum of standalone worths): "
                     "the pre-nucleolus is shown instead of the nucleolus")
    allocations = {}
    for name, rule in rules.items():
        try:
            allocations[name] = rule().to_numpy()
        except GameError as exc:
            if name == "risk_adjusted_shapley":
                raise
            notes.append(f"{name} left out: {'; '.join(exc.problems)}")
    table = pd.DataFrame(allocations, index=list(game.players))
    rows, blocking = {}, {}
    for name, x in table.items():
        block = blocking_coalitions(game, x, tol)
        blocking[name] = pd.Series(block.to_numpy(), index=[game.label(c) for c in block.index], name="excess")
        rows[name] = {"total": float(x.sum()), "efficient": is_efficient(game, x, tol),
                      "individually_rational": is_individually_rational(game, x, tol),
                      "in_core": in_core(game, x, tol), "max_excess": max_excess(game, x),
                      "n_blocking": int(block.size)}
    properties = {
        "n_players": game.n,
        "grand_worth": game.grand_worth,
        "standalone_sum": float(game.standalone().sum()),
        "essential": essential,
        "superadditive": game.is_superadditive(tol),
        "convex": game.is_convex(tol),
        "core_empty": bool(core.epsilon > tol),
        "least_core_epsilon": core.epsilon,
    }
    return RuleComparison(table, pd.DataFrame.from_dict(rows, orient="index"), blocking, properties, notes)
