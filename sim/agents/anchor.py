"""Anchors: streamers, from head to tail."""

from __future__ import annotations

import mesa
import numpy as np
from scipy.special import ndtri

from sim.agents.fraud_state import declare_fraud_columns
from sim.scenario import Scenario

TIER_HEAD, TIER_WAIST, TIER_TAIL = 0, 1, 2
TIER_NAMES = ("head", "waist", "tail")


class AnchorTable:
    """Column-wise state of all anchors."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator):
        an = scenario.anchors
        n = scenario.population.anchors
        self.n = n
        # popularity drives who is followed; heavy-tailed (Pareto)
        # stratified draw from the Pareto law (one draw per 1/n quantile band, in
        # random order): the head of the distribution varies less between seeds
        u = (rng.permutation(n) + rng.random(n)) / n
        self.popularity = np.power(1.0 - u, -1.0 / an.popularity_pareto_shape)
        # skill rises with popularity rank (a normal score, so it stays bounded)
        rank = np.argsort(np.argsort(self.popularity, kind="stable"), kind="stable")
        z = ndtri((rank + 0.5) / n)
        self.skill = np.exp(rng.normal(0.0, an.skill_sigma, n) + an.skill_popularity_elasticity * z)
        self.age = np.where(rng.random(n) < an.new_share,
                            rng.integers(0, max(scenario.traffic.new_entrant_days, 1), n),
                            rng.integers(max(scenario.traffic.new_entrant_days, 1), 3 * 365, n)).astype(np.int64)
        self.followers = np.zeros(n, dtype=np.int64)
        self.tier = np.full(n, TIER_TAIL, dtype=np.int64)
        self.commission_rate = np.full(n, an.commission_rate)
        self.fee_multiplier = np.ones(n)     # scales the pit fee per follower
        self.performance = np.zeros(n)       # GMV memory behind the ranking score
        self.units_per_listing = np.zeros(n) # recent units sold per listing: suppliers' forecast
        self.partners = np.zeros((n, an.partners), dtype=np.int64)
        self.partner_gmv = np.zeros((n, an.partners))
        self.period_offered = np.zeros(n, dtype=np.int64)
        self.period_accepted = np.zeros(n, dtype=np.int64)
        self.alive = np.ones(n, dtype=bool)   # False once it has defaulted and exited
        self.reserved = np.zeros(n, dtype=bool)   # a reserve row no entrant has taken yet (sim/market/entry.py)
        # fraud state (drawn and updated by sim.trust.TrustSystem; the credit model reads it)
        declare_fraud_columns(self, n)
        self.suspended_until = np.full(n, -1, dtype=np.int64)  # after a persona collapse
        # interaction skill in the room (sim/market/engagement.py draws it from the
        # engagement stream; 1 everywhere while engagement is off)
        self.interaction_skill = np.ones(n)

    def set_tiers(self, followers: np.ndarray, head_share: float, waist_share: float,
                  base_commission: float, head_premium: float) -> None:
        """Tiers by follower rank; head anchors ask a higher commission."""
        self.followers = followers
        order = np.argsort(-followers, kind="stable")
        n = self.n - int(self.reserved.sum())   # (reserve rows not taken yet are nobody)
        n_head = int(round(head_share * n))
        n_waist = int(round(waist_share * n))
        tier = np.full(self.n, TIER_TAIL, dtype=np.int64)
        tier[order[:n_head]] = TIER_HEAD
        tier[order[n_head:n_head + n_waist]] = TIER_WAIST
        newly_head = (tier == TIER_HEAD) & (self.tier != TIER_HEAD)
        self.commission_rate = np.where(newly_head, self.commission_rate + head_premium, self.commission_rate)
        lost_head = (tier != TIER_HEAD) & (self.tier == TIER_HEAD)
        self.commission_rate = np.where(lost_head, np.maximum(self.commission_rate - head_premium, 0.0), self.commission_rate)
        self.tier = tier

    def adapt_fees(self, step: float) -> None:
        """Anchors in demand (nearly every listing accepted) ask more; those
        refused often ask less."""
        offered = np.maximum(self.period_offered, 1)
        rate = self.period_accepted / offered
        up = (rate > 0.9) & (self.period_offered > 0)
        down = (rate < 0.6) & (self.period_offered > 0)
        f = np.where(up, 1 + step, np.where(down, 1 - step, 1.0))
        self.fee_multiplier = np.clip(self.fee_multiplier * f, 0.05, 20.0)
        self.commission_rate = np.clip(self.commission_rate * f, 0.01, 0.6)
        self.period_offered[:] = 0
        self.period_accepted[:] = 0

    def pick_partners(self, rng: np.random.Generator, weight: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Choose partner suppliers for ``rows`` (all anchors by default) by
        weight, without repeats (Gumbel top-k)."""
        rows = np.arange(self.n) if rows is None else rows
        k = self.partners.shape[1]
        logw = np.log(np.maximum(weight, 1e-300))
        keys = logw[None, :] + rng.gumbel(size=(rows.size, weight.size))
        if weight.size <= k:
            top = np.argsort(-keys, axis=1)
            top = np.concatenate([top] * (k // weight.size + 1), axis=1)[:, :k]
        else:
            top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        self.partners[rows] = top
        self.partner_gmv[rows] = 0.0

    def replace_worst_partner(self, rng: np.random.Generator, weight: np.ndarray, probability: float) -> None:
        """Each anchor, with ``probability``, drops its partner with the least
        GMV since the last adaptation for a new supplier drawn by weight."""
        who = np.flatnonzero(rng.random(self.n) < probability)
        if who.size and weight.size > self.partners.shape[1]:
            worst = self.partner_gmv[who].argmin(axis=1)
            # draw by weight among suppliers the anchor does not partner yet (Gumbel max)
            keys = np.log(np.maximum(weight, 1e-300))[None, :] + rng.gumbel(size=(who.size, weight.size))
            keys[np.arange(who.size)[:, None], self.partners[who]] = -np.inf
            self.partners[who, worst] = keys.argmax(axis=1)
        self.partner_gmv[:] = 0.0


class Anchor(mesa.Agent):
    """One anchor: a handle on row ``idx`` of the model's AnchorTable."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = int(idx)

    @property
    def _t(self) -> AnchorTable:
        return self.model.anchors

    @property
    def followers(self) -> int:
        return int(self._t.followers[self.idx])

    @property
    def tier(self) -> str:
        return TIER_NAMES[self._t.tier[self.idx]]

    @property
    def skill(self) -> float:
        return float(self._t.skill[self.idx])

    @property
    def commission_rate(self) -> float:
        return float(self._t.commission_rate[self.idx])

    @property
    def cash(self) -> float:
        return self.model.ledger.anchor_balance[self.idx] / 100.0
