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


def read_toml(path, error: type[InputError] = InputError) -> dict:
    """Parse a TOML file, or raise ``error`` naming the file and what is wrong
    (missing, not UTF-8 text, not valid TOML)."""
    import tomllib
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise error(f"no such file: {p}")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {exc}", source=str(p)) from None
    except UnicodeDecodeError:
        raise error("not a text file (expected UTF-8 TOML)", source=str(p)) from None
