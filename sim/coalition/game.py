"""The one-shot coalition game of a scenario: worths with standard errors,
every split rule's allocation with standard errors, the core verdict.

Standard errors come from *units*: with several replications, a unit is one
replication (all coalitions forked from one model, one seed: common random
numbers); with one replication, a unit is one of ``batches`` equal parts of
the window, scaled to the whole window (batch means). A rule's allocation is
the rule applied to the mean game; its standard error is the spread of the
rule applied to each unit's game, over the square root of the number of units.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.coalition.players import Player, resolve_players
from sim.coalition.worth import run_mode
from sim.games import CoalitionGame, GameError
from sim.scenario import Scenario
from sim.streams import replication_seeds

RULES = ("shapley", "risk_adjusted_shapley", "nucleolus", "least_core", "proportional", "equal_surplus",
         "status_quo")


def label(players: list[str], mask: int) -> str:
    """Coalition name: member names sorted and joined by commas."""
    return ",".join(sorted(p for i, p in enumerate(players) if mask >> i & 1))


def allocate(game: CoalitionGame, rule: str, status_quo: np.ndarray | None = None,
             risk: np.ndarray | None = None, r: float = 0.3) -> pd.Series:
    """The allocation of ``rule`` (one of :data:`RULES`) for ``game``.
    ``status_quo``: what the contracts paid each player in the grand run;
    ``risk``: losses borne per player (risk-adjusted Shapley)."""
    if rule == "shapley":
        return game.shapley()
    if rule == "risk_adjusted_shapley":
        a = np.maximum(np.asarray(risk, dtype=float), 0.0)
        if a.sum() <= 0:
            a = np.ones(game.n)
        return game.risk_adjusted_shapley(dict(zip(game.players, a)), r)
    if rule == "nucleolus":
        return game.nucleolus()
    if rule == "least_core":
        return game.least_core().point
    if rule == "proportional":
        return game.proportional()
    if rule == "equal_surplus":
        return game.equal_surplus()
    if rule == "status_quo":
        return pd.Series(np.asarray(status_quo, dtype=float), index=list(game.players), name="status_quo")
    raise ValueError(f"unknown split rule {rule!r} (allowed: {', '.join(RULES)})")


@dataclass
class GameEstimate:
    """Worths per unit (rows) and coalition mask (columns), what the grand
    run paid each player (status quo) and the losses each bore, per unit."""

    players: list[str]
    worths: np.ndarray          # (units, 2**n), column 0 is the empty coalition
    status_quo: np.ndarray      # (units, n)
    risk: np.ndarray            # (units, n)
    method: str                 # "replications" or "batch_means"
    window_days: int
    risk_weight: float
    seconds: float = 0.0
    runs: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return self.worths.shape[0]

    def _se(self, x: np.ndarray) -> np.ndarray:
        u = x.shape[0]
        return x.std(axis=0, ddof=1) / np.sqrt(u) if u > 1 else np.full(x.shape[1:], np.nan)

    def game(self, unit: int | None = None) -> CoalitionGame:
        w = self.worths.mean(axis=0) if unit is None else self.worths[unit]
        return CoalitionGame.from_array(self.players, w)

    def worth_table(self) -> dict[str, dict[str, float]]:
        mean, se = self.worths.mean(axis=0), self._se(self.worths)
        n = len(self.players)
        masks = sorted(range(1, 1 << n), key=lambda m: (bin(m).count("1"), label(self.players, m)))
        return {label(self.players, m): {"mean": float(mean[m]), "se": float(se[m])} for m in masks}

    def allocation(self, rule: str, unit: int | None = None) -> pd.Series:
        sq = self.status_quo.mean(axis=0) if unit is None else self.status_quo[unit]
        risk = self.risk.mean(axis=0) if unit is None else self.risk[unit]
        return allocate(self.game(unit), rule, sq, risk, self.risk_weight)

    def allocations(self) -> tuple[dict[str, dict[str, float] | None], dict[str, dict[str, float] | None],
                                   dict[str, str]]:
        """Per rule: the allocation of the mean game, its standard error, and
        the reason a rule is undefined for this game (if it is)."""
        vals, ses, why = {}, {}, {}
        for rule in RULES:
            try:
                x = self.allocation(rule)
            except GameError as exc:
                vals[rule], ses[rule], why[rule] = None, None, str(exc)
                continue
            vals[rule] = {p: float(v) for p, v in x.items()}
            per = []
            for u in range(self.n_units):
                try:
                    per.append(self.allocation(rule, u).to_numpy())
                except GameError:
                    per = []
                    break
            se = self._se(np.array(per)) if len(per) == self.n_units else np.full(len(self.players), np.nan)
            ses[rule] = {p: float(s) for p, s in zip(self.players, se)}
        return vals, ses, why

    def shapley_units(self) -> np.ndarray:
        """Shapley value of each unit's game, (units, n)."""
        return np.array([self.game(u).shapley().to_numpy() for u in range(self.n_units)])

    def theta_emergent(self) -> float:
        """v(N) / (sum of standalone worths) - 1."""
        w = self.worths.mean(axis=0)
        alone = sum(w[1 << i] for i in range(len(self.players)))
        return float(w[-1] / alone - 1.0) if alone != 0 else float("nan")

    def core(self) -> dict:
        """Core verdict of the mean game, and which rules' allocations are in it."""
        g = self.game()
        lc = g.least_core()
        vals, _, _ = self.allocations()
        out = {"empty": bool(g.core_is_empty()), "least_core_epsilon": float(lc.epsilon), "rules": {}}
        for rule, x in vals.items():
            if x is None:
                continue
            block = g.blocking_coalitions(pd.Series(x))
            out["rules"][rule] = {"in_core": bool(g.in_core(pd.Series(x))),
                                  "blocking": {",".join(sorted(c)) if not isinstance(c, str) else c: float(e)
                                               for c, e in _blocking_items(block)}}
        return out

    def unit_excesses(self, rule: str) -> np.ndarray | None:
        """Excess ``v(S) - x(S)`` of every proper coalition (columns, bitmask order
        1 .. 2**n - 2) in each unit (rows), ``x`` the rule's split of that unit's
        game; None if the rule is undefined for some unit's game."""
        out = []
        for u in range(self.n_units):
            try:
                x = self.allocation(rule, u)
            except GameError:
                return None
            out.append(self.game(u).excesses(x).to_numpy()[:-1])
        return np.array(out)

    def verdicts(self, z: float = 1.96) -> dict[str, dict]:
        """How firm each rule's core verdict is.

        Per rule: in how many units (replications, or batches with one
        replication) the rule's split of that unit's game was in its core
        (``in_core_units`` of ``units``); the coalition whose mean excess is
        largest (``binding``) with its mean excess and standard error; and
        ``units_needed``: how many units a verdict at 95% (``z`` = 1.96, no
        correction for the several coalitions) would need at the spread seen,
        ``ceil((z * SD / mean)**2)`` for the binding coalition's excess if its
        mean is positive (blocked), else the largest such figure over the
        coalitions (every excess must be negative to be in the core); None
        for a rule undefined on some unit, or a spread too small to measure.
        With fewer than 2 units there is no spread: ``units_needed`` is None."""
        out = {}
        n = len(self.players)
        full = (1 << n) - 1
        for rule in RULES:
            e = self.unit_excesses(rule)
            if e is None or e.shape[1] == 0:
                out[rule] = None
                continue
            tol = 1e-9 * np.maximum(np.abs(self.worths).max(axis=1), 1.0)
            in_core = int((e.max(axis=1) <= tol).sum())
            mean = e.mean(axis=0)
            sd = e.std(axis=0, ddof=1) if e.shape[0] > 1 else np.full(e.shape[1], np.nan)
            j = int(np.argmax(mean))

            def need(k: int) -> float:
                if not np.isfinite(sd[k]) or mean[k] == 0:
                    return float("nan")
                return float(np.ceil((z * sd[k] / abs(mean[k])) ** 2)) if sd[k] > 0 else 1.0

            if mean[j] > 0:
                needed = need(j)
            else:
                # coalitions whose excess is identically 0 (a tight constraint of the rule) need no test
                cand = [need(k) for k in range(e.shape[1]) if sd[k] > 0 or mean[k] != 0]
                needed = max(cand) if cand else float("nan")
            out[rule] = {"in_core_units": in_core, "units": int(e.shape[0]),
                         "binding": label(self.players, j + 1) if j + 1 < full else "",
                         "binding_excess": float(mean[j]),
                         "binding_excess_se": float(sd[j] / np.sqrt(e.shape[0])) if e.shape[0] > 1 else float("nan"),
                         "units_needed": None if not np.isfinite(needed) else int(max(needed, 2.0))}
        return out

    def to_dict(self) -> dict:
        vals, ses, why = self.allocations()
        return {
            "players": list(self.players),
            "worths": self.worth_table(),
            "allocations": vals,
            "allocation_se": ses,
            "undefined_rules": why,
            "core": self.core(),
            "verdicts": self.verdicts(),
            "theta_emergent": self.theta_emergent(),
            "se_method": self.method,
            "units": self.n_units,
            "window_days": self.window_days,
            "runs": self.runs,
            "seconds": self.seconds,
            "notes": self.notes,
        }


def _blocking_items(block: pd.Series):
    for key, e in block.items():
        if isinstance(key, frozenset | set | tuple):
            yield ",".join(sorted(key)), e
        else:
            yield str(key), e


def play_window(model, players: list[Player], days: int, batches: int = 1, sync: bool = True, tick=None):
    """Fork ``model`` into every coalition's mode and run ``days``: returns
    worths (batches, 2**n) per batch, and the grand run (its per-player profit
    is the status quo; it keeps its model). The grand coalition runs first;
    with ``sync`` every other mode replays its random streams day by day.
    ``tick`` (if given) is called after each coalition's run."""
    n = len(players)
    full = (1 << n) - 1
    worths = np.zeros((batches, 1 << n))
    states: list | None = [] if sync else None
    grand = run_mode(model, players, full, days, batches, keep_model=True, record=states)
    worths[:, full] = grand.profit.sum(axis=1)
    if tick is not None:
        tick()
    for mask in range(1, full):
        run = run_mode(model, players, mask, days, batches, replay=states)
        members = [i for i in range(n) if mask >> i & 1]
        worths[:, mask] = run.profit[:, members].sum(axis=1)
        if tick is not None:
            tick()
    return worths, grand


def build_model(scenario: Scenario, seed: int, world_seed: int | None = None):
    """The model of ``seed``; with ``world_seed``, the population (the ``init``
    stream) comes from ``world_seed`` and only the dynamics from ``seed``:
    replications of one world."""
    from sim.model import LiveCommerceModel
    from sim.streams import derive_streams

    if world_seed is None:
        return LiveCommerceModel(scenario, seed)
    m = LiveCommerceModel(scenario, world_seed)
    for name, stream in derive_streams(seed).items():
        if name == "init":
            continue
        if name == "coalition":
            # the standalone channels key their daily generator by this stream's seed
            # (sim.coalition.modes.day_stream): the generator itself must be the seed's
            m.streams[name] = stream
        else:
            # set the state of the model's own generators: sub-models hold references to them
            # (replacing the objects left finance and pre-sale drawing the world's streams)
            m.streams[name].bit_generator.state = stream.bit_generator.state
    return m


def estimate_game(scenario: Scenario | None = None, players: str | None = None, *, seed: int = 0,
                  replications: int | None = None, window: int | None = None, warmup: int | None = None,
                  batches: int | None = None, crn: bool = True, world_seed: int | None = None,
                  progress=None) -> GameEstimate:
    """The one-shot game of ``scenario`` over a window (defaults from the
    scenario's ``coalition`` section). With ``crn=False`` every coalition of a
    replication runs on its own seed (independent seeds, same number of runs).
    With ``world_seed`` every run starts from the population of that seed
    (see :func:`build_model`). ``progress``: called with ``(done, total)``
    coalition runs after each run."""

    sc = scenario if scenario is not None else Scenario()
    cp = sc.coalition
    spec = cp.players if players is None else players
    R = cp.replications if replications is None else replications
    days = cp.window_days if window is None else window
    wu = cp.warmup_days if warmup is None else warmup
    nb = (cp.batches if batches is None else batches) if R == 1 else 1
    notes = []
    if wu + days > sc.time.days:
        notes.append(f"warm-up + window = {wu + days} days runs past the scenario's horizon ({sc.time.days} days); "
                     "scheduled events are read by day and none fire after the horizon")
    t0 = time.perf_counter()
    names: list[str] | None = None
    units_w, units_sq, units_r = [], [], []
    runs = 0
    seeds = replication_seeds(seed, R * (1 if crn else 1 << 12))

    def tick():
        nonlocal runs
        runs += 1
        if progress is not None:
            progress(runs, R * ((1 << len(names)) - 1))

    for r in range(R):
        base = build_model(sc, seeds[r], world_seed)
        base.run(wu)
        ps = resolve_players(spec, base)
        n = len(ps)
        if names is None:
            names = [p.name for p in ps]
        if crn:
            w, grand = play_window(base, ps, days, nb, tick=tick)
        else:
            # independent seeds: each coalition forks its own model (own seed, own warm-up)
            w = np.zeros((nb, 1 << n))
            for mask in range(1, 1 << n):
                s = replication_seeds(seeds[r] + 7919 * mask, 1)[0]
                other = build_model(sc, s, world_seed)
                other.run(wu)
                ps_m = resolve_players(spec, other)
                run = run_mode(other, ps_m, mask, days, nb, keep_model=(mask == (1 << n) - 1))
                w[:, mask] = run.profit[:, [i for i in range(n) if mask >> i & 1]].sum(axis=1)
                tick()
                if mask == (1 << n) - 1:
                    grand = run
        if nb > 1:
            units_w.append(w * nb)
            units_sq.append(grand.profit * nb)
            units_r.append(np.repeat(grand.losses[None, :], nb, axis=0))
        else:
            units_w.append(w)
            units_sq.append(grand.profit)
            units_r.append(grand.losses[None, :])
    return GameEstimate(players=names, worths=np.concatenate(units_w), status_quo=np.concatenate(units_sq),
                        risk=np.concatenate(units_r), method="batch_means" if nb > 1 else "replications",
                        window_days=days, risk_weight=cp.risk_weight, seconds=time.perf_counter() - t0,
                        runs=runs, notes=notes)
