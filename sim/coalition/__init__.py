"""Coalition modes, emergent coalition payoffs and the stability of profit splits
(MODEL.md 4.6-4.7; docs/coalition.md).

- :mod:`sim.coalition.players`: player partitions (roles, groups of agents);
- :mod:`sim.coalition.modes`: per-agent blocs the model consults, standalone channels;
- :mod:`sim.coalition.worth`: forks, accrual profit, per-coalition runs;
- :mod:`sim.coalition.game`: the one-shot game with standard errors, split rules;
- :mod:`sim.coalition.dynamics`: a game per settlement period, defection, stability;
- :mod:`sim.coalition.study`: the sweep model of the split-stability study.
"""

from sim.coalition.game import RULES, GameEstimate, allocate, estimate_game
from sim.coalition.modes import Mode, coalition_mode, grand_mode
from sim.coalition.players import Player, PlayerSpecError, parse_spec, resolve_players
from sim.coalition.worth import fork, run_mode, wealth

__all__ = ["RULES", "GameEstimate", "Mode", "Player", "PlayerSpecError", "allocate", "coalition_mode",
           "estimate_game", "fork", "grand_mode", "parse_spec", "resolve_players", "run_mode", "wealth"]
