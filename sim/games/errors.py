"""The one error type of :mod:`sim.games`."""

from __future__ import annotations

from sim.errors import InputError


class GameError(InputError):
    """A game, an allocation or a parameter that cannot be used as given.

    It is an :class:`~sim.errors.InputError`, so the command line prints its
    problems one per line and exits with code 2.
    """
