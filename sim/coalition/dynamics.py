"""Split rules over time: a game per settlement period, side payments, defection.

Each settlement period the running model is forked into every coalition's
mode and each fork runs the period: that is the period's game (worths from the
same state and the same random numbers). The split rule gives an allocation
``x``; the excess of each coalition is ``e(S) = v(S) - x(S)``. Then:

- side payments realise ``x``: player ``i`` receives ``x_i`` minus what its
  agents earned under the contracts in the grand coalition (the status quo),
  times the share of the grand coalition still intact (the least intact
  group's share of its agents); the platform clears them (ledger flow
  ``side_payment``), so they sum to zero; inside a group they are shared in
  proportion to the agents' positive profit of the period (equally if none);
- members of the blocking coalition with the largest excess defect: each of
  its agents still in the grand coalition leaves with probability
  ``e / (e + inertia)``, ``e`` the excess relative to ``|v(N)|`` (the
  platform is one agent, one draw); defectors operate in the blocking
  coalition's mode from the next period (:class:`sim.coalition.modes.Mode`:
  one bloc per blocking coalition); with ``reentry_probability``, a defector
  returns when the split is in the core.

While nobody has defected, the grand coalition's fork *is* the continuation
of the run, so an intact period costs ``2**n - 1`` period runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.coalition.game import allocate, label, play_window
from sim.coalition.modes import Mode
from sim.coalition.players import Player, resolve_players
from sim.coalition.worth import fork, wealth
from sim.finance.ledger import to_cents
from sim.games import CoalitionGame, GameError
from sim.scenario import Scenario

GRAND_BLOC = 0


def defection_probability(excess: np.ndarray | float, inertia: float) -> np.ndarray | float:
    """Probability that a member of a blocking coalition defects: ``e / (e + inertia)``
    for a relative excess ``e > 0``, 0 otherwise. Rises with ``e``, falls with
    ``inertia``, stays below 1."""
    if inertia <= 0:
        raise ValueError("inertia must be positive")
    e = np.maximum(np.asarray(excess, dtype=float), 0.0)
    return e / (e + inertia)


@dataclass
class PeriodRecord:
    period: int
    day: int                 # first day of the period
    worths: np.ndarray       # the period's game, by mask
    allocation: np.ndarray   # the rule's split (player order)
    rule_used: str           # the rule, or "status_quo" when the rule was undefined
    in_core: bool
    max_excess: float        # relative to |v(N)|
    blocking: str            # the coalition with the largest excess ("" if none blocks)
    p_defect: float
    defected_now: int
    actual_profit: float     # every agent's profit in the period as it was played
    intact: float            # share of the grand coalition intact during the period


@dataclass
class DynamicsResult:
    players: list[str]
    rule: str
    periods: list[PeriodRecord]
    n_agents: int
    ever_defected: int
    horizon_days: int
    first_defection_day: int | None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """The stability measures of the run."""
        v_n = sum(p.worths[-1] for p in self.periods)
        kept = sum(p.actual_profit for p in self.periods)
        return {
            "periods": float(len(self.periods)),
            "share_in_core": float(np.mean([p.in_core for p in self.periods])) if self.periods else 0.0,
            "time_to_first_defection": float(self.first_defection_day if self.first_defection_day is not None
                                             else self.horizon_days),
            "defected": float(self.first_defection_day is not None),
            "share_defecting": self.ever_defected / self.n_agents,
            "surplus_kept": kept / v_n if v_n else float("nan"),
            "mean_max_excess": float(np.mean([p.max_excess for p in self.periods])) if self.periods else 0.0,
            "rule_undefined_share": float(np.mean([p.rule_used != self.rule for p in self.periods]))
            if self.periods else 0.0,
            "v_grand": float(v_n),
            "profit_as_played": float(kept),
        }

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for p in self.periods:
            row = {"period": p.period, "day": p.day, "rule_used": p.rule_used, "in_core": p.in_core,
                   "max_excess": p.max_excess, "blocking": p.blocking, "p_defect": p.p_defect,
                   "defected_now": p.defected_now, "actual_profit": p.actual_profit, "intact": p.intact,
                   "v_grand": p.worths[-1]}
            row.update({f"x_{name}": float(v) for name, v in zip(self.players, p.allocation)})
            rows.append(row)
        return pd.DataFrame(rows)


class _Membership:
    """Blocs of the actual run: 0 = the grand coalition, 1 + mask = defectors to that coalition."""

    def __init__(self, model):
        self.platform = GRAND_BLOC
        self.supplier = np.zeros(model.suppliers.n, np.int64)
        self.anchor = np.zeros(model.anchors.n, np.int64)
        self.ever_s = np.zeros(model.suppliers.n, bool)
        self.ever_a = np.zeros(model.anchors.n, bool)
        self.ever_p = False

    def intact(self, players: list[Player]) -> float:
        fr = []
        for p in players:
            if p.kind == "platform":
                fr.append(1.0 if self.platform == GRAND_BLOC else 0.0)
            else:
                b = self.supplier if p.kind == "suppliers" else self.anchor
                fr.append(float((b[p.idx] == GRAND_BLOC).mean()))
        return min(fr)

    def mode(self, model) -> Mode | None:
        if self.platform == GRAND_BLOC and not self.supplier.any() and not self.anchor.any():
            return None
        return Mode(self.platform, self.supplier, self.anchor, model.params.coalition)

    @property
    def ever(self) -> int:
        return int(self.ever_s.sum() + self.ever_a.sum() + self.ever_p)


def _pay_side(model, players: list[Player], t: np.ndarray, profit_p, profit_s, profit_a) -> None:
    """Side payments ``t`` (yuan per player, summing to 0), cleared by the platform."""
    led = model.ledger
    for i, p in enumerate(players):
        if p.kind == "platform" or t[i] == 0:
            continue
        prof = profit_s[p.idx] if p.kind == "suppliers" else profit_a[p.idx]
        w = np.maximum(prof, 0.0)
        w = w / w.sum() if w.sum() > 0 else np.full(p.idx.size, 1.0 / p.idx.size)
        cents = np.floor(to_cents(t[i]) * w).astype(np.int64)
        cents[0] += int(to_cents(t[i])) - int(cents.sum())   # exact to the cent
        accts = led.supplier_accts(p.idx) if p.kind == "suppliers" else led.anchor_accts(p.idx)
        led.transfer(led.acct("platform"), accts, cents, "side_payment")


@dataclass
class _Verdict:
    """The period's split judged on the period's game (:mod:`sim.games`)."""

    in_core: bool
    max_excess: float      # the largest excess of a proper coalition, relative to |v(N)|
    blocking: int          # mask of the coalition with the largest excess, 0 if none blocks
    excess: float          # its excess (yuan)


def _period_game(model, ps: list[Player], days: int, rule: str, risk_weight: float):
    """Every coalition forked from the current state over the period: the game,
    the rule's split (the status quo if the rule is undefined), the grand run."""
    worths, grand = play_window(model, ps, days, 1)
    w = worths[0]
    game = CoalitionGame.from_array([p.name for p in ps], w)
    sq = grand.profit[0]
    try:
        return game, allocate(game, rule, sq, grand.losses, risk_weight).to_numpy(), rule, grand
    except GameError:
        return game, sq, "status_quo", grand


def _verdict(game: CoalitionGame, x: np.ndarray) -> _Verdict:
    """Core membership and the most attractive blocking coalition of ``x``
    (tolerance 1e-9 of ``|v(N)|``)."""
    scale = abs(game.grand_worth) or 1.0
    tol = 1e-9 * scale
    if game.n < 2:
        return _Verdict(True, 0.0, 0, 0.0)
    proper = game.excesses(x).iloc[:-1]            # (bitmask order; the grand coalition is last)
    in_core = game.in_core(x, tol=tol)
    blocking, e = 0, 0.0
    if proper.max() > tol:
        j = int(np.argmax(proper.to_numpy()))     # the first of the largest, in bitmask order
        blocking, e = j + 1, float(proper.iloc[j])
    return _Verdict(in_core, float(proper.max() / scale), blocking, e)


def _play_period(model, member: _Membership, grand, days: int):
    """The period as played: the grand fork while the coalition is intact, else
    the actual modes. Returns the model after the period and each agent's
    accrual profit (yuan: platform, suppliers, anchors)."""
    mode = member.mode(model)
    w0 = wealth(model)
    if mode is None:
        model = grand.model
    else:
        model = fork(model)
        model.mode = mode
        model.run(days)
    w1 = wealth(model)
    return model, ((w1[0] - w0[0]) / 100.0, (w1[1] - w0[1]) / 100.0, (w1[2] - w0[2]) / 100.0)


def _defect(member: _Membership, ps: list[Player], mask: int, p_def: float, rng) -> int:
    """Agents of the blocking coalition ``mask`` still in the grand coalition
    defect to its bloc with probability ``p_def`` each; returns how many moved."""
    bloc = 1 + mask
    moved = 0
    for i, p in enumerate(ps):
        if not mask >> i & 1:
            continue
        if p.kind == "platform":
            if member.platform == GRAND_BLOC and rng.random() < p_def:
                member.platform, member.ever_p = bloc, True
                moved += 1
            continue
        b = member.supplier if p.kind == "suppliers" else member.anchor
        ever = member.ever_s if p.kind == "suppliers" else member.ever_a
        stay = p.idx[b[p.idx] == GRAND_BLOC]
        go = stay[rng.random(stay.size) < p_def]
        b[go] = bloc
        ever[go] = True
        moved += int(go.size)
    return moved


def _reenter(member: _Membership, reentry: float, rng) -> None:
    """With the split in the core, each defector returns with probability ``reentry``."""
    back = rng.random(member.supplier.size) < reentry
    member.supplier[back] = GRAND_BLOC
    back = rng.random(member.anchor.size) < reentry
    member.anchor[back] = GRAND_BLOC
    if member.platform != GRAND_BLOC and rng.random() < reentry:
        member.platform = GRAND_BLOC


def run_dynamics(scenario: Scenario | None = None, seed: int = 0, *, rule: str | None = None,
                 players: str | None = None, inertia: float | None = None,
                 reentry: float | None = None, days: int | None = None) -> DynamicsResult:
    """Play the scenario period by period under a split rule (defaults from the
    scenario's ``coalition`` section); see the module docstring."""
    from sim.model import LiveCommerceModel

    sc = scenario if scenario is not None else Scenario()
    cp = sc.coalition
    rule = cp.split_rule if rule is None else rule
    inertia = cp.inertia if inertia is None else inertia
    reentry = cp.reentry_probability if reentry is None else reentry
    horizon = sc.time.days if days is None else days
    P = sc.time.settlement_period
    model = LiveCommerceModel(sc, seed)
    ps = resolve_players(cp.players if players is None else players, model)
    names = [p.name for p in ps]
    member = _Membership(model)
    records: list[PeriodRecord] = []
    first_day = None
    for k in range(horizon // P):
        day0 = model.day
        game, x, used, grand = _period_game(model, ps, P, rule, cp.risk_weight)
        verdict = _verdict(game, x)
        intact = member.intact(ps)
        model, (prof_p, prof_s, prof_a) = _play_period(model, member, grand, P)
        actual = prof_p + prof_s.sum() + prof_a.sum()
        # side payments realise the split on the intact part of the coalition
        _pay_side(model, ps, (x - grand.profit[0]) * intact, prof_p, prof_s, prof_a)
        rng = model.streams["coalition"]
        p_def, moved = 0.0, 0
        if verdict.blocking:
            p_def = float(defection_probability(verdict.excess / (abs(game.grand_worth) or 1.0), inertia))
            moved = _defect(member, ps, verdict.blocking, p_def, rng)
        if moved and first_day is None:
            first_day = model.day
        if reentry > 0 and verdict.in_core:
            _reenter(member, reentry, rng)
        records.append(PeriodRecord(k, day0, np.array(game.values), x, used,
                                    verdict.in_core, verdict.max_excess,
                                    label(names, verdict.blocking) if verdict.blocking else "",
                                    p_def, moved, float(actual), intact))
    n_agents = 1 + model.suppliers.n + model.anchors.n
    return DynamicsResult(names, rule, records, n_agents, member.ever, horizon, first_day, [])
