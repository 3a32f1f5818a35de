"""Games read from files: JSON or CSV.

A coalition is written as its members' names separated by commas or
semicolons, optionally in braces: ``platform,supplier``,
``platform;supplier`` and ``{platform, supplier}`` are the same coalition.
Spaces around names are ignored.

JSON (``.json``)::

    {"players": ["platform", "supplier", "anchor"],
     "worths": {"platform": 0, "supplier": 540, "anchor": 120,
                "platform,supplier": 577.8, "platform,anchor": 170.4,
                "supplier,anchor": 699.6, "platform,supplier,anchor": 726},
     "risk": {"platform": 4, "supplier": 2, "anchor": 4},
     "risk_weight": 0.3}

``worths`` may instead be a list of ``{"coalition": ..., "worth": ...}``
objects, the coalition a string as above or a list of names. ``risk`` and
``risk_weight`` are optional (together they add the risk-adjusted Shapley
value); ``description`` is an optional free text.

CSV (``.csv``): a header ``coalition,worth`` and one row per coalition; a
coalition of several players is quoted (``"platform,supplier",577.8``) or
written with semicolons (``platform;supplier,577.8``). The players are the
names in order of first appearance.

Every non-empty coalition must be given exactly once. Problems are reported
together, one line each, as a :class:`~sim.games.errors.GameError`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from sim.games.errors import GameError
from sim.games.game import CoalitionGame
from sim.games.values import check_risk

_SEPARATORS = re.compile(r"[;,]")
_JSON_KEYS = {"players", "worths", "risk", "risk_weight", "description"}


@dataclass(frozen=True)
class GameFile:
    """A game read from a file, with the optional risk data of MODEL.md section 7."""

    game: CoalitionGame
    risk: dict[str, float] | None = None
    risk_weight: float | None = None


def parse_coalition(text: str) -> list[str]:
    """Member names of a coalition written ``a,b``, ``a;b`` or ``{a, b}`` (empty: ``""`` or ``{}``)."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not text.strip():
        return []
    return [name.strip() for name in _SEPARATORS.split(text)]


def read_game_file(path: str | Path) -> GameFile:
    """Read a game from a ``.json`` or ``.csv`` file (formats in the module docstring)."""
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise GameError(f"unknown file type {path.suffix or '(none)'!r}: use .json or .csv", source=source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GameError("no such file", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GameError(f"cannot read the file: {exc}", source=source) from None
    try:
        return _read_json(text) if suffix == ".json" else _read_csv(text)
    except GameError as exc:
        raise GameError(exc.problems, source=source) from None


def _names_in(text: str, where: str, problems: list[str]) -> list[str]:
    names = parse_coalition(text)
    if any(not name for name in names):
        problems.append(f"{where}: coalition {text!r} has an empty name")
    return names


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise GameError(f"key {key!r} appears twice in one JSON object")
        out[key] = value
    return out


def _read_json(text: str) -> GameFile:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise GameError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise GameError('the JSON file must hold an object with "players" and "worths"')
    problems = [f"unknown key {k!r} (allowed: {', '.join(sorted(_JSON_KEYS))})" for k in data if k not in _JSON_KEYS]
    problems += [f'missing key "{k}"' for k in ("players", "worths") if k not in data]
    if problems:
        raise GameError(problems)
    players = data["players"]
    if not isinstance(players, list):
        raise GameError('"players" must be a list of names')
    value: dict[tuple[str, ...], Any] = {}
    worths = data["worths"]
    if isinstance(worths, dict):
        items = [(f"worths[{key!r}]", key, worth) for key, worth in worths.items()]
    elif isinstance(worths, list):
        items = []
        for k, item in enumerate(worths):
            if not (isinstance(item, dict) and set(item) == {"coalition", "worth"}):
                problems.append(f'worths[{k}]: must be an object with exactly "coalition" and "worth"')
                continue
            items.append((f"worths[{k}]", item["coalition"], item["worth"]))
    else:
        raise GameError('"worths" must be an object {"a,b": worth} or a list of {"coalition", "worth"} objects')
    for where, coalition, worth in items:
        if isinstance(coalition, str):
            names = _names_in(coalition, where, problems)
        elif isinstance(coalition, list) and all(isinstance(c, str) for c in coalition):
            names = coalition
        else:
            problems.append(f"{where}: a coalition is a string 'a,b' or a list of names; got {coalition!r}")
            continue
        value[tuple(names)] = worth
    risk, risk_weight = data.get("risk"), data.get("risk_weight")
    if risk is not None and not (isinstance(risk, dict)):
        problems.append('"risk" must be an object mapping each player to the risk it bears')
    if risk_weight is not None and (isinstance(risk_weight, bool) or not isinstance(risk_weight, Real)):
        problems.append(f'"risk_weight" must be a number in [0, 1]; got {risk_weight!r}')
    if (risk is None) != (risk_weight is None):
        problems.append('"risk" and "risk_weight" go together: give both or neither')
    if problems:
        raise GameError(problems)
    game = CoalitionGame(players, value)
    if risk is not None:
        check_risk(game.players, risk, risk_weight)
        risk_weight = float(risk_weight)
    return GameFile(game, risk, risk_weight)


def _read_csv(text: str) -> GameFile:
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise GameError("the CSV file is empty; it needs a header coalition,worth")
    header = [h.strip().lower() for h in header]
    if header != ["coalition", "worth"]:
        raise GameError(f"the CSV header must be exactly coalition,worth; got {','.join(header)}")
    problems: list[str] = []
    players: list[str] = []
    value: dict[tuple[str, ...], float] = {}
    for line, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problems.append(f"line {line}: expected 2 fields (coalition, worth), got {len(row)}"
                            " (quote a coalition with commas, or separate names with ';')")
            continue
        names = _names_in(row[0], f"line {line}", problems)
        try:
            worth = float(row[1])
        except ValueError:
            problems.append(f"line {line}: worth {row[1].strip()!r} is not a number")
            continue
        if not math.isfinite(worth):
            problems.append(f"line {line}: worth {row[1].strip()} is not finite")
            continue
        for name in names:
            if name and name not in players:
                players.append(name)
        key = tuple(names)
        if key in value:
            problems.append(f"line {line}: coalition {row[0].strip()!r} is given twice")
        value[key] = worth
    if problems:
        raise GameError(problems)
    if not players:
        raise GameError("the CSV file names no players")
    return GameFile(CoalitionGame(players, value))
