"""The consumer population: column-wise state and vectorised daily rules.

Consumers are the numerous agents, so their state is one numpy array per
attribute (one row per consumer) and every rule is applied to all of them at
once. ``purchase_probability_one`` is the same purchase rule written for a
single consumer and a single product, the reference the vectorised rule is
tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario


# an unsigned integer as wide as a row of follow slots (a row's matches read as one word)
_ROW_WORD = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class PurchaseTerms:
    """The inputs of the purchase rule for a batch of (consumer, product) views."""

    log_skill: np.ndarray          # log selling skill of the room (0 on the shelf; a number or one per view)
    personal_trust: np.ndarray     # trust in the room's anchor (a neutral 0.5 on the shelf)
    institutional_trust: np.ndarray
    impulsiveness: np.ndarray
    advertised_quality: np.ndarray
    log_rel_price: np.ndarray      # log(price / category mean price)
    price_sensitivity: np.ndarray
    log_rel_interest: np.ndarray   # log(consumer's interest in the category x number of categories)
    engagement: np.ndarray | float = 0.0   # the viewer's engagement with the room's anchor (0: a stranger, the shelf)
    fan: np.ndarray | float = 0.0          # 1 for a member of the anchor's fan group


def purchase_logit(c, intercept: float, t: PurchaseTerms, e=None) -> np.ndarray:
    """The purchase rule (MODEL.md 4.2): a logistic in trust, skill, price, impulsiveness, claims.

    Scores in [0, 1] enter centred at 0.5, so ``intercept`` is the logit of a
    view by a middling consumer of a middling product at its category's mean
    price in a room of skill 1. ``e`` (the scenario's ``engagement`` section,
    ``None`` when engagement is off) adds the engagement term of a follower in
    the anchor's room: ``conversion_lift x engagement + fan_conversion_lift x fan``."""
    z = (intercept
            + c.skill * t.log_skill
            + c.personal_trust * (t.personal_trust - 0.5)
            + c.institutional_trust * (t.institutional_trust - 0.5)
            + c.impulsiveness * (t.impulsiveness - 0.5)
            + c.advertised_quality * (t.advertised_quality - 0.5)
            - t.price_sensitivity * t.log_rel_price
            + c.category_interest * t.log_rel_interest)
    if e is not None:
        z = z + (e.conversion_lift * t.engagement + e.fan_conversion_lift * t.fan)
    return z


def purchase_probability_one(c, intercept: float, *, skill: float, personal_trust: float,
                             institutional_trust: float, impulsiveness: float,
                             advertised_quality: float, price: float, category_mean_price: float,
                             price_sensitivity: float, interest: float, n_categories: int,
                             engagement: float = 0.0, fan: bool = False, e=None) -> float:
    """Reference: the purchase probability of one consumer for one product, plain Python
    (``e``: the ``engagement`` section, ``None`` when engagement is off)."""
    import math

    z = intercept
    z += c.skill * (math.log(skill) if skill > 0 else 0.0)
    z += c.personal_trust * (personal_trust - 0.5)
    z += c.institutional_trust * (institutional_trust - 0.5)
    z += c.impulsiveness * (impulsiveness - 0.5)
    z += c.advertised_quality * (advertised_quality - 0.5)
    z -= price_sensitivity * math.log(price / category_mean_price)
    z += c.category_interest * math.log(interest * n_categories)
    if e is not None:
        z += e.conversion_lift * engagement + e.fan_conversion_lift * (1.0 if fan else 0.0)
    return 1.0 / (1.0 + math.exp(-z))


class ConsumerPopulation:
    """State of all consumers, one array per attribute."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator, anchor_popularity: np.ndarray):
        cs = scenario.consumers
        an = scenario.anchors
        n = scenario.population.consumers
        cats = list(scenario.categories.values())
        self.n = n
        # heterogeneity: activity and budgets log-normal around their means
        act = np.exp(rng.normal(0.0, 0.5, n))
        self.base_activity = np.clip(cs.activity * act / act.mean(), 0.0, 1.0)
        sig = cs.budget_sigma
        self.budget = cs.budget_mean * np.exp(rng.normal(-0.5 * sig * sig, sig, n))
        self.price_sensitivity = cs.price_sensitivity * np.exp(rng.normal(-0.045, 0.3, n))
        m, k = cs.impulsiveness_mean, cs.impulsiveness_concentration
        self.impulsiveness = rng.beta(m * k, (1 - m) * k, n)
        m = cs.shelf_preference_mean
        self.shelf_preference = rng.beta(4 * m, 4 * (1 - m), n)
        interest = np.array([c.consumer_interest for c in cats], dtype=np.float64)
        alpha = cs.category_focus * interest / interest.sum() * len(cats)
        self.category_pref = rng.dirichlet(alpha, n)  # rows sum to 1
        self.institutional_trust = np.full(n, cs.initial_institutional_trust)
        # follows: a fixed-width table of anchor indices, -1 for an empty slot
        width = an.max_follows
        counts = np.minimum(rng.poisson(an.follows_per_consumer, n), width)
        p = anchor_popularity / anchor_popularity.sum()
        picks = rng.choice(anchor_popularity.size, size=(n, width), p=p)
        slot = np.arange(width)[None, :]
        follows = np.where(slot < counts[:, None], picks, -1)
        # a repeated anchor in one row is one follow
        srt = np.sort(follows, axis=1)
        dup = np.zeros_like(follows, dtype=bool)
        dup[:, 1:] = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
        follows = np.where(dup, -1, srt)
        self.follows = follows.astype(np.int32)
        self.personal_trust = np.where(self.follows >= 0, cs.initial_personal_trust, 0.0)
        # engagement per follow slot (sim/market/engagement.py makes it; None while engagement is off)
        self.engagement: np.ndarray | None = None

    # ------------------------------------------------------------------ rules
    def active_today(self, rng: np.random.Generator, scenario: Scenario, multiplier: float,
                     initial_trust: float) -> np.ndarray:
        """Indices of today's active consumers; activity follows institutional trust."""
        el = scenario.consumers.activity_trust_elasticity
        rel = self.institutional_trust / max(initial_trust, 1e-9)
        p = self.base_activity * np.power(rel, el) * multiplier
        return np.flatnonzero(rng.random(self.n) < p)

    def follow_slot(self, consumers: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        """Slot in which each consumer follows the paired anchor, -1 if not followed
        (``anchors`` must not be -1, the mark of an empty slot)."""
        rows = self.follows[consumers]
        a = anchors.astype(self.follows.dtype)
        width = rows.shape[1]
        if width in _ROW_WORD and np.little_endian and rows.size:
            # a row's matches as the bytes of one word: the first match is its lowest set byte
            word = (rows == a[:, None]).view(_ROW_WORD[width]).ravel().astype(np.uint64)
            low = word & (~word + np.uint64(1))
            first = np.log2(np.maximum(low, np.uint64(1)).astype(np.float64)).astype(np.int64) // 8
            return np.where(word != 0, first, -1)
        slot = np.full(consumers.size, -1, dtype=np.int64)
        for k in range(width - 1, -1, -1):   # the first slot that holds the anchor
            slot[rows[:, k] == a] = k
        return slot

    def follows_anchor(self, consumers: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        """Whether each consumer follows the paired anchor (``anchors`` -1: no anchor, False)."""
        rows = self.follows[consumers]
        a = np.where(anchors >= 0, anchors, -2).astype(self.follows.dtype)
        width = rows.shape[1]
        if width in _ROW_WORD and rows.size:       # a row's matches as the bytes of one word
            return (rows == a[:, None]).view(_ROW_WORD[width]).ravel() != 0
        hit = rows[:, 0] == a
        for k in range(1, rows.shape[1]):
            hit |= rows[:, k] == a
        return hit

    def update_trust(self, consumers: np.ndarray, anchors: np.ndarray, good: np.ndarray,
                     scenario: Scenario, loss_scale=1.0, floor: float | None = None,
                     weight: float = 1.0) -> None:
        """Experience updates personal trust (if the anchor is followed) and
        institutional trust: a good purchase raises both, a mismatch lowers
        both; guarantees put a floor under institutional trust.

        ``loss_scale`` (scalar or one per experience) shrinks the institutional
        loss of a bad experience (platform guarantees); ``floor`` overrides
        ``trust.institutional_floor``; ``weight`` scales every effect (an
        experience heard by word of mouth rather than lived)."""
        tp = scenario.trust
        if consumers.size == 0:
            return
        floor = tp.institutional_floor if floor is None else floor
        slot = self.follow_slot(consumers, np.where(anchors >= 0, anchors, -2))
        has = slot >= 0
        c, s, g = consumers[has], slot[has], good[has]
        pt = self.personal_trust[c, s]
        self.personal_trust[c, s] = np.where(g, pt + weight * tp.good_gain * (1 - pt),
                                             pt * (1 - weight * tp.bad_loss))
        # institutional trust: every experience of the day counts once
        # (counted over the consumers touched today, not over the whole population)
        touched, row = np.unique(consumers, return_inverse=True)
        n_good = np.bincount(row[good], minlength=touched.size)
        n_bad = np.bincount(row[~good], minlength=touched.size)
        it = self.institutional_trust[touched]
        it = 1 - (1 - it) * np.power(1 - weight * tp.institutional_gain, n_good)
        if np.ndim(loss_scale) == 0:
            it = it * np.power(1 - weight * tp.institutional_loss * float(loss_scale), n_bad)
        else:  # one scale per experience: multiply the factors of each consumer's bad experiences
            ls = np.asarray(loss_scale, dtype=np.float64)[~good]
            log_keep = np.bincount(row[~good], weights=np.log1p(-weight * tp.institutional_loss * ls),
                                   minlength=touched.size)
            it = it * np.exp(log_keep)
        self.institutional_trust[touched] = np.maximum(it, np.minimum(floor, self.institutional_trust[touched]))

    def follow(self, consumers: np.ndarray, anchors: np.ndarray, initial_trust: float) -> None:
        """Consumers start following anchors: an empty slot if any, else the least trusted one."""
        if consumers.size == 0:
            return
        consumers, first = np.unique(consumers, return_index=True)  # one new follow per consumer a day
        anchors = anchors[first]
        already = self.follow_slot(consumers, anchors) >= 0
        consumers, anchors = consumers[~already], anchors[~already]
        rows = self.follows[consumers]
        trust = np.where(rows >= 0, self.personal_trust[consumers], -1.0)
        slot = trust.argmin(axis=1)
        self.follows[consumers, slot] = anchors
        self.personal_trust[consumers, slot] = initial_trust
        if self.engagement is not None:   # a slot followed anew starts unengaged
            self.engagement[consumers, slot] = 0.0

    def unfollow(self, consumers: np.ndarray, slots: np.ndarray) -> None:
        self.follows[consumers, slots] = -1
        self.personal_trust[consumers, slots] = 0.0
        if self.engagement is not None:
            self.engagement[consumers, slots] = 0.0

    def follower_counts(self, n_anchors: int) -> np.ndarray:
        f = self.follows[self.follows >= 0]
        return np.bincount(f, minlength=n_anchors)
