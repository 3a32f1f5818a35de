"""Traffic allocation (MODEL.md section 4.1).

The platform shares the day's public impressions among the day's broadcasts:

* an *exploration* share spread evenly over all broadcasts;
* a *long-tail reserve* share given only to eligible broadcasts (SME store
  broadcasts, small or new anchors), in proportion to *predicted* GMV, not
  past volume;
* the rest in proportion to a ranking score, recent performance raised to the
  preferential exponent (the Matthew effect), times a boost for new entrants;
* finally a *cap*: no broadcast may take more than ``cap`` of the total; the
  excess is handed to the others in proportion to what they already have
  (water filling). When there are too few broadcasts for the cap to bind
  (cap x broadcasts < 1) each gets the cap and the rest goes unused.

The functions are pure (arrays in, shares out); :class:`PublicTraffic` is
the sub-model the day calls, which reads the tables and the policy in force.
"""

from __future__ import annotations

import numpy as np

from sim.consumers import sigmoid
from sim.market.recommend import NoRecommendation


def _normalise(w: np.ndarray) -> np.ndarray:
    s = w.sum()
    if s > 0:
        return w / s
    return np.full(w.size, 1.0 / w.size) if w.size else w


def ranking_score(performance: np.ndarray, exponent: float, boost: np.ndarray | None = None,
                  floor: float | None = None) -> np.ndarray:
    """Recent performance raised to ``exponent``; a small floor keeps broadcasts
    without history rankable (it is 1% of the mean positive performance)."""
    perf = np.asarray(performance, dtype=np.float64)
    if floor is None:
        pos = perf[perf > 0]
        floor = 0.01 * pos.mean() if pos.size else 1.0
    score = np.power(np.maximum(perf, 0.0) + floor, exponent)
    if boost is not None:
        score = score * boost
    return score


def cap_shares(shares: np.ndarray, cap: float, tol: float = 1e-12) -> np.ndarray:
    """Water-fill ``shares`` (summing to 1) so that none exceeds ``cap``."""
    x = np.asarray(shares, dtype=np.float64).copy()
    n = x.size
    if n == 0 or cap >= 1.0:
        return x
    if cap * n <= 1.0:  # cannot redistribute: everyone at the cap, rest unused
        return np.full(n, cap)
    capped = np.zeros(n, dtype=bool)
    for _ in range(n):
        over = (x > cap + tol) & ~capped
        if not over.any():
            break
        capped |= over
        x[capped] = cap
        free = ~capped
        room = 1.0 - cap * capped.sum()
        base = x[free].sum()
        if base > 0:
            x[free] *= room / base
        else:
            x[free] = room / free.sum()
    return x


def allocate_traffic(score: np.ndarray, predicted_gmv: np.ndarray, reserve_groups, *,
                     exploration_share: float, long_tail_reserve: float, cap: float) -> np.ndarray:
    """Shares of the day's public impressions per broadcast (sum <= 1).

    ``score``: ranking score per broadcast; ``predicted_gmv``: the platform's
    forecast for each broadcast; ``reserve_groups``: ``(eligible_mask, weight)``
    pairs: the long-tail reserve is split between the groups by weight and
    within a group by predicted GMV. A group with no broadcast today leaves its
    part of the reserve to the others (or to the ranking if none is left).
    """
    n = score.size
    if n == 0:
        return np.zeros(0)
    groups = [(np.asarray(m, dtype=bool), float(w)) for m, w in reserve_groups]
    groups = [(m, w) for m, w in groups if m.any() and w > 0]
    reserve = long_tail_reserve if groups else 0.0
    main = max(0.0, 1.0 - exploration_share - reserve)
    shares = main * _normalise(np.asarray(score, dtype=np.float64))
    shares += exploration_share / n
    if reserve > 0:
        total_w = sum(w for _, w in groups)
        for mask, w in groups:
            pg = np.where(mask, np.maximum(predicted_gmv, 0.0), 0.0)
            if pg.sum() <= 0:
                pg = mask.astype(np.float64)
            shares += reserve * (w / total_w) * _normalise(pg)
    shares = _normalise(shares) * min(1.0, shares.sum())
    return cap_shares(shares, cap)


def deal(rng, n: int, p: np.ndarray) -> np.ndarray:
    """Counts of ``n`` draws over categories with probabilities ``p`` (sum <= 1;
    the missing mass is draws that land nowhere)."""
    if p.size == 0:
        return np.zeros(0, dtype=np.int64)
    rest = max(0.0, 1.0 - float(p.sum()))
    q = np.append(np.clip(p, 0.0, None), rest)
    return rng.multinomial(n, q / q.sum())[:-1]


class PublicTraffic:
    """The platform's ranking (step 3 of the day): shares of today's public impressions.

    Receives the scenario, the platform (its policy levers in force), the anchor,
    supplier and consumer tables, the trust sub-model (fake orders inflate the
    ranking, detection demotes) and the recommender (:mod:`sim.market.recommend`;
    :class:`~sim.market.recommend.NoRecommendation` when it is off): the ranking
    blends past volume with the predicted value of a broadcast's matches, and the
    long-tail reserve is shared by the re-weighted predicted GMV."""

    def __init__(self, params, platform, anchors, suppliers, consumers, trust, recommender=None):
        self.params, self.platform, self.anchors = params, platform, anchors
        self.suppliers, self.consumers, self.trust = suppliers, consumers, trust
        self.recommender = NoRecommendation() if recommender is None else recommender
        self.volatility = TrafficVolatility(anchors.n + suppliers.n)
        self._shares = None
        self.stores = None   # the stores sub-model's traffic support (sim/market/stores.py; None: off)

    def remember(self, b, views) -> None:
        """Today's public traffic of each live room, as allocated: its share times the
        impressions served (the F20 measure; the allocation, not the draw of so
        many impressions among a sample of consumers that each stand for many users)."""
        if b.size and self._shares is not None and self._shares.size == b.size:
            self.volatility.add(b.room, self._shares * float(views.impressions.sum()))

    def allocate(self, b, d: int, mode) -> np.ndarray:
        """Share of the public impressions per broadcast (a coalition mode: only
        broadcasts on the platform get any)."""
        pol = self.platform.policy
        an, sp, sc = self.anchors, self.suppliers, self.params
        is_anchor = b.anchor >= 0
        perf = np.where(is_anchor, an.performance[np.maximum(b.anchor, 0)],
                        sp.store_performance[np.maximum(b.store, 0)])
        new = is_anchor & (an.age[np.maximum(b.anchor, 0)] < sc.traffic.new_entrant_days)
        boost = np.where(new, pol["new_entrant_boost"], 1.0)
        heat = self.trust.score_multiplier(b, d)
        perf = perf * heat
        score = ranking_score(perf, pol["preferential_exponent"], boost)
        rec = self.recommender
        predicted = rec.reweighted(b, self.predicted_gmv(b))
        if rec.enabled:
            match = ranking_score(rec.reweighted(b, self.predicted_conversion(b)), pol["preferential_exponent"],
                                  boost) * heat
            score = rec.score(score, match)
        self._shares = self.policy_shares(b, mode, score, predicted, pol["exploration_share"], new)
        return self._shares

    def policy_shares(self, b, mode, score: np.ndarray, predicted: np.ndarray | None = None,
                      exploration_share: float = 0.0, new: np.ndarray | None = None) -> np.ndarray:
        """Shares per broadcast of traffic ranked by ``score`` under the policy in force:
        the long-tail reserve (shared by ``predicted`` GMV, default: the re-weighted
        forecast), the cap, an exploration share, and the coalition mode (only
        broadcasts on the platform). Short videos are shared by it too (sim/market/content.py)."""
        pol = self.platform.policy
        an, sp, sc = self.anchors, self.suppliers, self.params
        is_anchor = b.anchor >= 0
        if new is None:
            new = is_anchor & (an.age[np.maximum(b.anchor, 0)] < sc.traffic.new_entrant_days)
        if predicted is None:
            predicted = self.recommender.reweighted(b, self.predicted_gmv(b))
        small_anchor = is_anchor & ((an.tier[np.maximum(b.anchor, 0)] == 2) | new)
        sme_store = ~is_anchor & ~sp.is_large[np.maximum(b.store, 0)]
        w_sme = sc.traffic.reserve_sme_share

        def shares_of(sel):
            shares = allocate_traffic(score[sel], predicted[sel], [(sme_store[sel], w_sme),
                                                                   (small_anchor[sel], 1.0 - w_sme)],
                                      exploration_share=exploration_share,
                                      long_tail_reserve=pol["long_tail_reserve"], cap=pol["anchor_cap"])
            if self.stores is not None:   # the platform's traffic support for store rooms, then the cap
                supported = self.stores.support_shares(b, sel, shares, predicted)
                if supported is not shares:
                    shares = cap_shares(supported, pol["anchor_cap"])
            return shares

        return mode.public_shares(b, shares_of)

    def predicted_gmv(self, b) -> np.ndarray:
        """The platform's forecast: the purchase rule's conversion at an average
        viewer times the mean listed price."""
        sp = self.suppliers
        lst = b.listing
        ok = lst >= 0
        price = np.where(ok, sp.price[np.maximum(lst, 0)], 0.0)
        mean_price = price.sum(axis=1) / np.maximum(b.n_listed, 1)
        return self.predicted_conversion(b) * mean_price

    def predicted_conversion(self, b) -> np.ndarray:
        """The purchase rule's conversion at an average viewer, per broadcast."""
        sp, sc = self.suppliers, self.params
        lst = b.listing
        ok = lst >= 0
        s = np.maximum(lst, 0)
        c = sc.purchase
        it = float(self.consumers.institutional_trust.mean())
        adv = np.where(ok, sp.advertised_quality[s], 0).sum(axis=1) / np.maximum(b.n_listed, 1)
        z = (c.intercept + c.skill * np.log(b.skill) + c.institutional_trust * (it - 0.5)
             + c.impulsiveness * (sc.consumers.impulsiveness_mean - 0.5) + c.advertised_quality * (adv - 0.5))
        return sigmoid(z)


class TrafficVolatility:
    """Running sums of each room's daily public traffic over the days it is live
    (the coefficient of variation of head rooms' daily public traffic, FACTS F20)."""

    def __init__(self, n_rooms: int):
        self.days = np.zeros(n_rooms, dtype=np.int64)
        self.total = np.zeros(n_rooms)
        self.total_sq = np.zeros(n_rooms)

    def add(self, rooms: np.ndarray, impressions: np.ndarray) -> None:
        """Today's traffic of the rooms live today (one entry per broadcast)."""
        x = np.asarray(impressions, dtype=np.float64)
        self.days[rooms] += 1
        self.total[rooms] += x
        self.total_sq[rooms] += x * x

    def head_cv(self, head_share: float = 0.01) -> float:
        """Mean, over the head rooms (the top ``head_share`` of rooms with any public
        traffic, by their total, at least one), of the coefficient of variation of the
        room's daily traffic over its live days (0 when no room had traffic)."""
        has = np.flatnonzero((self.total > 0) & (self.days >= 2))
        if has.size == 0:
            return 0.0
        k = max(1, int(np.ceil(head_share * has.size)))
        top = has[np.argsort(-self.total[has], kind="stable")[:k]]
        n = self.days[top]
        mean = self.total[top] / n
        var = np.maximum(self.total_sq[top] / n - mean * mean, 0.0) * n / (n - 1)
        return float((np.sqrt(var) / mean).mean())
