"""Errors that reach the user as a clear message rather than a traceback.

Every error of bad input raised by livesim is an :class:`InputError`: the
command line prints its ``problems`` one per line and exits with code 2
before any work starts.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str] | str, *, source: str | None = None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))


class ScenarioError(InputError):
    """A scenario (file, table or override) that does not validate."""
