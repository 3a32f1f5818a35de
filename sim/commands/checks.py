"""Argument checks shared by the commands: one place for seeds, counts,
``--set`` options, output paths and the cost estimate.

Every command calls these before any work, so bad input ends with exit code
2 and one line naming the option and its valid range (each raises
:class:`~sim.errors.InputError`). A new command follows the pattern of
``sim/commands/run.py``::

    from sim.commands import checks

    def main(args):
        scenario = checks.scenario_from_args(args.scenario, args.overrides)      # --scenario, --set
        checks.seed(args.seed)                                                   # --seed
        out = checks.output_folder(args.out, kind="report", overwrite=args.overwrite)
        checks.cost(estimate_run(scenario), max_memory=args.max_memory, scenario=scenario)
        with checks.staged_output(out, kind="report", overwrite=args.overwrite) as tmp:
            ...                       # write everything into tmp; renamed to out at the end

and declares the common options with :func:`add_output_arguments` and
:func:`add_memory_argument`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.io import check_output_file, check_output_folder, staged_output, write_atomic  # noqa: F401 (re-exported)

SEED_MAX = 2**63 - 1


def add_output_arguments(p: argparse.ArgumentParser, *, default: str | None, what: str = "output folder") -> None:
    """``--out DIR`` and ``--overwrite``."""
    p.add_argument("--out", metavar="DIR", default=default,
                   help=f"{what} (default {default}); must be new or empty, or an earlier result of this "
                        "command with --overwrite" if default else f"{what}; must be new or empty, or an earlier "
                        "result of this command with --overwrite")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier result of this command in --out whole (never another folder)")


def add_memory_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-memory", metavar="SIZE",
                   help="refuse to start when the estimated peak memory exceeds SIZE, e.g. 8G "
                        "(default: the machine's available memory)")


def seed(value: Any, flag: str = "--seed") -> int:
    """A seed: an integer from 0 to 2**63 - 1."""
    return integer(value, flag, 0, SEED_MAX, hint="2**63 - 1")


def integer(value: Any, flag: str, low: int | None = None, high: int | None = None, *, hint: str | None = None) -> int:
    """An integer option within [low, high] (either end may be open)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{flag}: expected an integer, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            rng = f"{low} to {hint or high}"
        elif low is not None:
            rng = f">= {low}"
        else:
            rng = f"<= {hint or high}"
        raise InputError(f"{flag}: {value} is out of range (allowed: {rng})")
    return value


def number(value: Any, flag: str, low: float, high: float, *, open_low: bool = False, open_high: bool = False) -> float:
    """A finite number within its range."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{flag}: expected a finite number, got {value!r}")
    bad_low = value <= low if open_low else value < low
    bad_high = value >= high if open_high else value > high
    if bad_low or bad_high:
        lo = f"{'>' if open_low else '>='} {low}"
        hi = f"{'<' if open_high else '<='} {high}"
        raise InputError(f"{flag}: {value} is out of range (allowed: {lo} and {hi})")
    return float(value)


def scenario_from_args(path: str | None, sets: list[str] | None, extra: dict[str, Any] | None = None):
    """The scenario of ``--scenario FILE`` with ``--set`` options (and
    ``extra`` overrides such as ``{"time.days": args.days}``) applied."""
    from sim.scenario import load_scenario, parse_overrides

    if path is not None and str(path).strip() == "":
        raise InputError("--scenario: empty path (give a scenario TOML file)")
    if path is not None and Path(path).is_dir():
        raise InputError(f"--scenario: {path} is a folder (give a scenario TOML file)")
    overrides = parse_overrides(sets)
    overrides.update(extra or {})
    return load_scenario(path, overrides or None)


def output_folder(path: str | Path | None, *, kind: str, overwrite: bool = False, flag: str = "--out") -> Path:
    """See :func:`sim.io.check_output_folder`."""
    return check_output_folder(path, kind=kind, overwrite=overwrite, flag=flag)


def cost(estimate, *, max_memory: str | float | None = None, scenario=None) -> None:
    """Refuse a job over the memory limit (see :func:`sim.estimate.check_cost`)."""
    from sim.estimate import check_cost, parse_memory, population_sizes

    limit = parse_memory(max_memory) if isinstance(max_memory, str) else max_memory
    check_cost(estimate, max_memory=limit, sizes=population_sizes(scenario) if scenario is not None else "")
