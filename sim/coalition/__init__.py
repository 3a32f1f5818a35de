"""Coalition modes, emergent coalition payoffs and the stability of profit splits
(MODEL.md 4.6-4.7; docs/coalition.md).

- :mod:`sim.coalition.players`: player partitions (roles, groups of agents);
- :mod:`sim.coalition.modes`: per-agent blocs the model consults, standalone channels;
- :mod:`sim.coalition.worth`: forks, accrual profit, per-coalition runs;
- :mod:`sim.coalition.game`: the one-shot game with standard errors, split rules;
- :mod:`sim.coalition.dynamics`: a game per settlement period, defection, stability.

The split-stability study built on them is :mod:`sim.studies.split_stability`.
"""

import importlib
from typing import Any

# lazy, like sim.sweep: the model imports sim.coalition.modes (a sub-model of the day),
# which must not pull in the drivers above the model (worth, game, dynamics)
_EXPORTS = {
    "RULES": "sim.coalition.game", "GameEstimate": "sim.coalition.game", "allocate": "sim.coalition.game",
    "estimate_game": "sim.coalition.game",
    "Mode": "sim.coalition.modes", "coalition_mode": "sim.coalition.modes", "grand_mode": "sim.coalition.modes",
    "Player": "sim.coalition.players", "PlayerSpecError": "sim.coalition.players",
    "parse_spec": "sim.coalition.players", "resolve_players": "sim.coalition.players",
    "fork": "sim.coalition.worth", "run_mode": "sim.coalition.worth", "wealth": "sim.coalition.worth",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.coalition' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
