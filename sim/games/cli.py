"""``livesim game FILE``: every value and every stability verdict of a cooperative game."""

from __future__ import annotations

import argparse
import json
import math

EPILOG = """\
file formats (a coalition is its members' names separated by ',' or ';', optionally in braces):
  JSON  {"players": ["a", "b"], "worths": {"a": 1, "b": 2, "a,b": 4},
         "risk": {"a": 1, "b": 1}, "risk_weight": 0.3}
        "worths" may also be a list of {"coalition": "a,b" or ["a", "b"], "worth": 4};
        "risk" and "risk_weight" are optional and add the risk-adjusted Shapley value.
  CSV   header coalition,worth, then one row per coalition:
        a,1
        "a,b",4        (or: a;b,4)
every non-empty coalition must be given exactly once. See docs/games.md.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("file", metavar="FILE", help="the game: a .json or .csv file of coalition worths")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--risk", metavar="NAME=A,...",
                   help="risk borne by each player, e.g. platform=4,supplier=2,anchor=4 (overrides the file's)")
    p.add_argument("--risk-weight", metavar="R", type=float,
                   help="weight r in [0, 1] of risk in the risk-adjusted Shapley value (overrides the file's)")
    p.add_argument("--tol", metavar="T", type=float,
                   help="absolute tolerance of the verdicts (default 1e-9 times the largest worth)")
    p.add_argument("--top", metavar="K", type=int, default=3,
                   help="blocking coalitions listed per rule in the table (default 3)")


def _parse_risk(text: str) -> dict[str, float]:
    from sim.games.errors import GameError

    risk, problems = {}, []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, amount = item.partition("=")
        try:
            if not sep:
                raise ValueError
            risk[name.strip()] = float(amount)
        except ValueError:
            problems.append(f"--risk: expected NAME=AMOUNT, got {item!r}")
    if problems:
        raise GameError(problems)
    return risk


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "-" if math.isinf(x) and x < 0 else str(x)
    text = f"{x:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _table(header: list[str], rows: list[list[str]], numeric: list[bool]) -> list[str]:
    """Plain-text columns: numbers right-aligned, text left-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        parts = [cell.rjust(w) if num else cell.ljust(w) for cell, w, num in zip(cells, widths, numeric)]
        return "  ".join(parts).rstrip()

    return [line(header)] + [line(row) for row in rows]


def render(result, top: int = 3) -> str:
    """The comparison as plain-text tables."""
    props = result.properties
    alloc = result.allocations
    players = list(alloc.index)
    rules = list(alloc.columns)
    lines = [f"game: {props['n_players']} players ({', '.join(players)}); v(N) = {_num(props['grand_worth'])}", "",
             "allocations (rows: players, columns: rules)"]
    body = [[p] + [_num(alloc.at[p, r]) for r in rules] for p in players]
    body.append(["total"] + [_num(t) for t in result.verdicts["total"]])
    lines += _table([""] + rules, body, [False] + [True] * len(rules))
    lines += ["", "verdicts (excess of S = v(S) - x(S); S blocks x when its excess is positive)"]
    body = []
    for rule, v in result.verdicts.iterrows():
        block = result.blocking[rule]
        shown = [f"{c} +{_num(e)}" for c, e in block.head(max(top, 0)).items()]
        if block.size > len(shown):
            shown.append(f"{block.size - len(shown)} more")
        body.append([rule, _yes(v["efficient"]), _yes(v["individually_rational"]), _yes(v["in_core"]),
                     _num(v["max_excess"]), "; ".join(shown) or "none"])
    lines += _table(["rule", "efficient", "indiv. rational", "in core", "max excess", "blocking coalitions"],
                    body, [False, False, False, False, True, False])
    lines += ["", "game",
              f"  essential (v(N) >= sum of standalone worths, {_num(props['standalone_sum'])}): "
              f"{_yes(props['essential'])}",
              f"  superadditive: {_yes(props['superadditive'])}",
              f"  convex: {_yes(props['convex'])}",
              f"  core empty: {_yes(props['core_empty'])}",
              f"  least-core epsilon: {_num(props['least_core_epsilon'])}"]
    if result.notes:
        lines += ["", "notes"] + [f"  {note}" for note in result.notes]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    from sim.games.analysis import compare_rules
    from sim.games.errors import GameError
    from sim.games.files import read_game_file

    spec = read_game_file(args.file)
    risk = _parse_risk(args.risk) if args.risk is not None else spec.risk
    r = args.risk_weight if args.risk_weight is not None else spec.risk_weight
    if (risk is None) != (r is None):
        raise GameError("the risk-adjusted Shapley value needs both the risk per player (--risk or the file's "
                        '"risk") and the risk weight (--risk-weight or the file\'s "risk_weight")')
    if args.top < 0:
        raise GameError(f"--top must be >= 0; got {args.top}")
    result = compare_rules(spec.game, risk, r, tol=args.tol)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        print(render(result, args.top))
    return 0
