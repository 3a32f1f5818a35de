"""Players of the coalition game: the platform and groups of suppliers and anchors.

A player specification is ``roles`` (the default: ``platform``, ``supplier``
= all suppliers, ``anchor`` = all anchors) or a ``;``-separated list of
groups, each ``name=KIND:SELECTOR`` (or just ``platform``):

- ``KIND`` is ``suppliers`` or ``anchors`` (or ``platform``, the one platform);
- suppliers' selectors: ``all``, ``large``, ``sme``, ``topK`` (the K with the
  most capacity), ``rest`` (those in no other supplier group), or a list of
  indices ``3,17,42``;
- anchors' selectors: ``all``, ``head``, ``waist``, ``tail`` (tiers by
  followers at the window start), ``topK`` (the K with the most followers),
  ``rest``, or indices.

Example: ``platform;large=suppliers:large;sme=suppliers:sme;head=anchors:head;tail=anchors:rest``.
The groups must partition the agents: an unknown kind or selector, a group
that overlaps another, a group that is empty in the scenario and agents left
in no group are refused (:class:`sim.errors.InputError`, one line each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError

KINDS = ("platform", "suppliers", "anchors")
ROLES = "platform;supplier=suppliers:all;anchor=anchors:all"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PlayerSpecError(InputError):
    """A player specification that cannot be used."""


@dataclass(frozen=True)
class Player:
    name: str
    kind: str            # "platform", "suppliers" or "anchors"
    selector: str
    idx: np.ndarray      # agent indices of the group (empty for the platform)

    @property
    def size(self) -> int:
        return 1 if self.kind == "platform" else int(self.idx.size)


def parse_spec(spec: str) -> list[tuple[str, str, str]]:
    """``(name, kind, selector)`` per group, syntax checked (no model needed)."""
    spec = (spec or "roles").strip()
    if spec == "roles":
        spec = ROLES
    problems, out, seen = [], [], set()
    for part in [p.strip() for p in spec.split(";") if p.strip()]:
        if part == "platform":
            name, kind, sel = "platform", "platform", "all"
        elif "=" not in part or ":" not in part.split("=", 1)[1]:
            problems.append(f"group {part!r}: expected NAME=KIND:SELECTOR (e.g. sme=suppliers:sme) or 'platform'")
            continue
        else:
            name, rest = (x.strip() for x in part.split("=", 1))
            kind, sel = (x.strip() for x in rest.split(":", 1))
        if not _NAME.match(name):
            problems.append(f"group {part!r}: a player name must be letters, digits or '_'")
        if kind not in KINDS:
            problems.append(f"group {name!r}: unknown role {kind!r} (allowed: {', '.join(KINDS)})")
            continue
        if name in seen:
            problems.append(f"player name {name!r} is used twice")
        seen.add(name)
        out.append((name, kind, sel))
    if not out:
        problems.append("the player specification names no player")
    if sum(k == "platform" for _, k, _ in out) > 1:
        problems.append("the platform can be only one player")
    if out and not any(k == "platform" for _, k, _ in out):
        problems.append("the platform must be a player (add 'platform')")
    if problems:
        raise PlayerSpecError(problems)
    return out


def _select(kind: str, sel: str, model, taken: np.ndarray) -> np.ndarray:
    """Indices chosen by one selector, or raise ValueError with a reason."""
    n = model.suppliers.n if kind == "suppliers" else model.anchors.n
    if sel == "all":
        return np.arange(n)
    if sel == "rest":
        return np.flatnonzero(~taken)
    m = re.fullmatch(r"top(\d+)", sel)
    if m:
        k = int(m.group(1))
        if k < 1:
            raise ValueError("topK needs K >= 1")
        size = model.suppliers.capacity if kind == "suppliers" else model.anchors.followers
        return np.sort(np.argsort(-size, kind="stable")[:min(k, n)])
    if re.fullmatch(r"\d+(,\d+)*", sel):
        idx = np.array(sorted({int(x) for x in sel.split(",")}), dtype=np.int64)
        if idx.max() >= n:
            raise ValueError(f"index {int(idx.max())} is out of range (there are {n} {kind})")
        return idx
    if kind == "suppliers" and sel in ("large", "sme"):
        large = model.suppliers.is_large
        return np.flatnonzero(large if sel == "large" else ~large)
    if kind == "anchors" and sel in ("head", "waist", "tail"):
        return np.flatnonzero(model.anchors.tier == ("head", "waist", "tail").index(sel))
    allowed = ("all, large, sme, topK, rest or indices" if kind == "suppliers"
               else "all, head, waist, tail, topK, rest or indices")
    raise ValueError(f"unknown selector {sel!r} (allowed: {allowed})")


def resolve_players(spec: str, model) -> list[Player]:
    """The players of ``spec`` with their agents in ``model`` (tiers and sizes
    as they are now); raises :class:`PlayerSpecError` for a bad partition."""
    groups = parse_spec(spec)
    problems: list[str] = []
    taken = {"suppliers": np.zeros(model.suppliers.n, bool), "anchors": np.zeros(model.anchors.n, bool)}
    owner = {"suppliers": np.full(model.suppliers.n, -1), "anchors": np.full(model.anchors.n, -1)}
    players: list[Player | None] = [None] * len(groups)
    # 'rest' groups are resolved last, from what the others left
    order = sorted(range(len(groups)), key=lambda i: groups[i][2] == "rest")
    for i in order:
        name, kind, sel = groups[i]
        if kind == "platform":
            players[i] = Player(name, kind, sel, np.zeros(0, np.int64))
            continue
        try:
            idx = _select(kind, sel, model, taken[kind])
        except ValueError as exc:
            problems.append(f"group {name!r} ({kind}:{sel}): {exc}")
            continue
        if idx.size == 0:
            problems.append(f"group {name!r} ({kind}:{sel}) is empty in this scenario")
            continue
        clash = owner[kind][idx]
        others = sorted({groups[j][0] for j in clash[clash >= 0]})
        if others:
            problems.append(f"group {name!r} overlaps group(s) {', '.join(map(repr, others))}: "
                            f"{int((clash >= 0).sum())} {kind} in both")
        owner[kind][idx] = np.where(owner[kind][idx] >= 0, owner[kind][idx], i)
        taken[kind][idx] = True
        players[i] = Player(name, kind, sel, np.asarray(idx, dtype=np.int64))
    if not problems:
        for kind in ("suppliers", "anchors"):
            left = int((~taken[kind]).sum())
            if left:
                problems.append(f"{left} {kind} are in no group; add a group such as 'other=" + kind + ":rest'")
    if problems:
        raise PlayerSpecError(problems)
    return [p for p in players if p is not None]


def player_of_agents(players: list[Player], model) -> tuple[int, np.ndarray, np.ndarray]:
    """Player index of the platform, of every supplier and of every anchor."""
    sup = np.full(model.suppliers.n, -1, np.int64)
    anc = np.full(model.anchors.n, -1, np.int64)
    plat = -1
    for i, p in enumerate(players):
        if p.kind == "platform":
            plat = i
        elif p.kind == "suppliers":
            sup[p.idx] = i
        else:
            anc[p.idx] = i
    return plat, sup, anc
