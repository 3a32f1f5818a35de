"""``livesim scenario``: show the default scenario, check a file, or write the field reference."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["show", "check", "docs"],
                   help="show: print a scenario as TOML; check: validate a file; docs: the field reference as Markdown")
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML file (default: the built-in default)")
    p.add_argument("--no-comments", action="store_true", help="with show: omit the per-field comments")


def main(args: argparse.Namespace) -> int:
    from sim.commands import checks
    from sim.scenario import scenario_reference_markdown, scenario_to_toml

    if args.action == "docs":
        sys.stdout.write(scenario_reference_markdown())
        return 0
    scenario = checks.scenario_from_args(args.scenario, None)
    if args.action == "show":
        sys.stdout.write(scenario_to_toml(scenario, comments=not args.no_comments))
    else:
        print(f"{args.scenario or 'default scenario'}: valid")
    return 0
