"""Transferable-utility cooperative games: values, nucleolus and least core,
core and blocking coalitions.

The toolkit the coalition analysis (MODEL.md sections 4.7 and 7) stands on;
it does not depend on the simulation. Computing a split and verifying it are
kept apart:

- :mod:`sim.games.game`: :class:`CoalitionGame` (the characteristic function)
  and :class:`ThreePartyGame` (the platform / supplier / anchor family);
- :mod:`sim.games.values`: Shapley (exact and sampled), Banzhaf, proportional,
  equal surplus, risk-adjusted Shapley;
- :mod:`sim.games.nucleolus`: least core, nucleolus, pre-nucleolus, core bounds
  (linear programmes with HiGHS);
- :mod:`sim.games.verify`: excesses, blocking coalitions, core membership,
  core emptiness, superadditivity, convexity, Kohlberg's nucleolus test;
- :mod:`sim.games.analysis`: every rule and every verdict in one table;
- :mod:`sim.games.files`: games read from JSON or CSV files.

Every method is also available on :class:`CoalitionGame`, e.g.
``CoalitionGame(players, value).shapley()``.
"""

from sim.games.analysis import RuleComparison, compare_rules
from sim.games.errors import GameError
from sim.games.files import GameFile, read_game_file
from sim.games.game import MAX_EXACT_PLAYERS, CoalitionGame, ThreePartyGame, coalitions_of
from sim.games.nucleolus import LeastCore, core_bounds, least_core, nucleolus, prenucleolus
from sim.games.values import (
    SampledShapley,
    banzhaf,
    equal_surplus,
    proportional,
    risk_adjusted_shapley,
    shapley,
    shapley_sampled,
)
from sim.games.verify import (
    blocking_coalitions,
    core_is_empty,
    excesses,
    in_core,
    is_convex,
    is_efficient,
    is_essential,
    is_individually_rational,
    is_nucleolus,
    is_superadditive,
    max_excess,
)

__all__ = [
    "MAX_EXACT_PLAYERS",
    "CoalitionGame",
    "GameError",
    "GameFile",
    "LeastCore",
    "RuleComparison",
    "SampledShapley",
    "ThreePartyGame",
    "banzhaf",
    "blocking_coalitions",
    "coalitions_of",
    "compare_rules",
    "core_bounds",
    "core_is_empty",
    "equal_surplus",
    "excesses",
    "in_core",
    "is_convex",
    "is_efficient",
    "is_essential",
    "is_individually_rational",
    "is_nucleolus",
    "is_superadditive",
    "least_core",
    "max_excess",
    "nucleolus",
    "prenucleolus",
    "proportional",
    "read_game_file",
    "risk_adjusted_shapley",
    "shapley",
    "shapley_sampled",
]
