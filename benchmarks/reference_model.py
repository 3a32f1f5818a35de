"""A per-agent reference of the consumer day: one Mesa Agent per consumer.

The column-wise model (:mod:`sim.consumers`, :mod:`sim.market.viewing`,
:mod:`sim.market.purchase`, :mod:`sim.market.returns`, the experience part of
:mod:`sim.trust`) applies each consumer rule to every consumer at once. This
module writes the same rules, with the same parameters, the way a Mesa model
usually writes them: each consumer is an :class:`ConsumerAgent` with scalar
attributes and a ``step`` that, in turn (``shuffle_do("step")``),

1. decides whether it is active today (activity follows institutional trust);
2. watches the followed anchors who are live, and clicks some of the public
   impressions the platform deals it (each impression lands on a broadcast with
   the broadcast's traffic share; followers were reached privately already);
3. considers one listed product per room entry and some shelf pages, with the
   purchase rule (:func:`sim.consumers.purchase_logit`, written for one view);
4. keeps the candidates its budget allows (in random order, as
   :func:`sim.market.orders.within_budget`) and takes stock from the shared
   supplier stock while it lasts (consumers in random order: the agent order);
5. draws each order's outcome (spoiled, returned, kept) and may follow the anchor
   of the room it bought in;
6. receives the orders due today: returns are counted, each delivery is an
   experience that moves personal trust (followed anchor) and institutional
   trust (guarantees' loss scales and floor, counterfeits of dishonest
   suppliers), and is passed to its social ties by word of mouth.

It is a *reference*, used by ``benchmarks/bench_reference.py`` (speed) and
``tests/test_reference.py`` (agreement in distribution), not part of ``sim``.
The consumer day runs against fixed broadcasts and traffic shares and a fixed
start-of-day stock, taken from a :class:`sim.model.LiveCommerceModel` (so both
versions see the same world); supplier-side bookkeeping (ledger, demand
forecasts, complaints) is not part of it. Its random numbers come from the Mesa
model's ``random`` (seeded), not from the model's streams: it is compared in
distribution, not draw for draw.

Two deliberate differences of order, both within one day: word of mouth moves a
tie's trust at once (the column-wise day applies it after all experiences), and
a consumer's deliveries are taken at the end of its own step rather than after
everybody's purchases (its own purchases were already made, so only a tie's
purchases later in the same day can differ).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import accumulate

import mesa
import numpy as np

from sim.finance.ledger import to_cents

RETURNED, SPOILED, KEPT = 1, 2, 0


def poisson(rnd, lam: float) -> int:
    """A Poisson count by multiplication of uniforms (Knuth; small ``lam``)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rnd()
    while p > limit:
        k += 1
        p *= rnd()
    return k


class ConsumerAgent(mesa.Agent):
    """One consumer: its own attributes and its pending orders."""

    def __init__(self, model, i: int, pop, ties):
        super().__init__(model)
        self.i = i
        self.base_activity = float(pop.base_activity[i])
        self.budget_cents = int(to_cents(pop.budget[i]))
        self.price_sensitivity = float(pop.price_sensitivity[i])
        self.impulsiveness = float(pop.impulsiveness[i])
        self.shelf_preference = float(pop.shelf_preference[i])
        self.category_pref = [float(x) for x in pop.category_pref[i]]
        self.it = float(pop.institutional_trust[i])
        self.follows = [int(a) for a in pop.follows[i]]
        self.pt = [float(x) for x in pop.personal_trust[i]]
        self.ties = [int(t) for t in ties[i]] if ties is not None else []
        self.orders = []   # (delivery_day, return_day, anchor, supplier, outcome, mismatch)

    # -------------------------------------------------------------- the day
    def step(self) -> None:
        m, rnd = self.model, self.model.random.random
        d = m.day
        rel = self.it / m.init_it
        if rnd() < self.base_activity * rel ** m.elasticity * m.multiplier:
            self.shop(d, m, rnd)
        if self.orders:
            self.receive(d, m, rnd)

    def shop(self, d: int, m, rnd) -> None:
        m.active += 1
        views = []   # (broadcast, trust in the room's anchor)
        for slot, a in enumerate(self.follows):
            if a >= 0:
                bi = m.bcast_of_anchor.get(a)
                if bi is not None and rnd() < m.watch_followed:
                    views.append((bi, self.pt[slot]))
        for _ in range(poisson(rnd, m.impressions)):
            bi = bisect_right(m.cum_shares, rnd())
            if bi >= m.nb or rnd() >= m.click_through:     # traffic left unused; not clicked
                continue
            a = m.b_anchor[bi]
            if a >= 0 and a in self.follows:               # a follower was reached privately
                continue
            views.append((bi, m.stranger * self.it))
        m.views += len(views)
        # ---- the purchase rule, one view at a time
        c = m.coef
        own = (c.institutional_trust * (self.it - 0.5) + c.impulsiveness * (self.impulsiveness - 0.5))
        wanted = []   # (supplier, broadcast or -1)
        for bi, ptrust in views:
            lst = m.listing[bi]
            s = lst[int(rnd() * len(lst))]
            z = (m.intercept + c.skill * m.log_skill[bi] + c.personal_trust * (ptrust - 0.5) + own
                 + m.adv_term[s] - self.price_sensitivity * m.log_rel_price[s]
                 + c.category_interest * math.log(self.category_pref[m.sup_cat[s]] * m.n_cat + 1e-12))
            if rnd() < 1.0 / (1.0 + math.exp(-z)):
                wanted.append((s, bi))
        pages = poisson(rnd, m.shelf_views * 2.0 * self.shelf_preference)
        m.shelf_page_views += pages
        for _ in range(pages):
            s = bisect_right(m.cum_shelf, rnd() * m.shelf_total)
            z = (m.shelf_intercept + own + m.adv_term[s] - self.price_sensitivity * m.log_rel_price[s]
                 + c.category_interest * math.log(self.category_pref[m.sup_cat[s]] * m.n_cat + 1e-12))
            if rnd() < 1.0 / (1.0 + math.exp(-z)):
                wanted.append((s, -1))
        if not wanted:
            return
        # ---- budget (random order, what was asked for counts), then stock
        m.random.shuffle(wanted)
        spent, followed_today = 0, False
        for s, bi in wanted:
            spent += m.price_cents[s]
            if spent > self.budget_cents:
                continue
            if m.stock[s] <= 0:
                m.lost += 1
                continue
            m.stock[s] -= 1
            anchor = m.b_anchor[bi] if bi >= 0 else -1
            self.place(d, m, rnd, s, anchor, live=bi >= 0)
            if anchor >= 0 and rnd() < m.follow_after_purchase and not followed_today:
                followed_today = True
                self.follow(anchor, m.initial_pt)

    def place(self, d: int, m, rnd, s: int, anchor: int, live: bool) -> None:
        m.orders += 1
        m.orders_live += live
        cat = m.sup_cat[s]
        base = m.cat_return[cat] * max(1.0 + m.impulsiveness_effect * (self.impulsiveness - m.impulsiveness_mean), 0.0)
        if m.try_on and m.cat_try_on[cat]:
            base *= 1.0 - m.try_on_reduction
        p = min(base * (1.0 + m.exaggeration_effect * m.gap[s]), 0.95)
        u = rnd()
        if rnd() < m.cat_spoil[cat]:
            outcome = SPOILED
        else:
            outcome = RETURNED if u < p else KEPT
        mismatch = outcome == RETURNED and u < p - min(base, p)
        delivery = d + m.cat_shipping[cat]
        self.orders.append((delivery, delivery + m.random.randint(0, m.window), anchor, s, outcome, mismatch))

    def follow(self, anchor: int, trust: float) -> None:
        if anchor in self.follows:
            return
        # an empty slot if any, else the least trusted anchor
        slot = min(range(len(self.follows)), key=lambda k: self.pt[k] if self.follows[k] >= 0 else -1.0)
        self.follows[slot] = anchor
        self.pt[slot] = trust

    # -------------------------------------------------------------- deliveries
    def receive(self, d: int, m, rnd) -> None:
        keep, n_good, keep_bad = [], 0, 1.0
        for o in self.orders:
            delivery, ret, anchor, s, outcome, mismatch = o
            if ret == d and outcome == RETURNED:
                m.returns += 1
            if delivery == d:
                spoiled = outcome == SPOILED
                m.deliveries += not spoiled
                fake = m.sells_fakes[s] and not spoiled and rnd() < m.counterfeit_rate
                good = not mismatch and not spoiled and not fake
                scale = m.mismatch_scale if mismatch and not fake else m.bad_scale
                self.personal(anchor, good, 1.0)
                if good:
                    n_good += 1
                else:
                    keep_bad *= 1.0 - m.inst_loss * scale
                for t in self.ties:     # word of mouth
                    if rnd() < (m.share_good if good else m.share_bad):
                        m.consumer[t].hear(anchor, good, scale)
            if ret > d or delivery > d:
                keep.append(o)
        self.orders = keep
        if n_good or keep_bad < 1.0:
            self.institutional(n_good, keep_bad, 1.0)

    def personal(self, anchor: int, good: bool, w: float) -> None:
        if anchor < 0 or anchor not in self.follows:
            return
        k = self.follows.index(anchor)
        m, pt = self.model, self.pt[k]
        self.pt[k] = pt + w * m.good_gain * (1 - pt) if good else pt * (1 - w * m.bad_loss)

    def institutional(self, n_good: int, keep_bad: float, w: float) -> None:
        m, it = self.model, self.it
        new = (1 - (1 - it) * (1 - w * m.inst_gain) ** n_good) * keep_bad
        self.it = max(new, min(m.floor, it))

    def hear(self, anchor: int, good: bool, scale: float) -> None:
        """A tie's experience, at the word-of-mouth weight."""
        w = self.model.wom_weight
        self.personal(anchor, good, w)
        self.institutional(1 if good else 0, 1.0 if good else 1.0 - w * self.model.inst_loss * scale, w)


class ReferenceModel(mesa.Model):
    """The consumer day of ``world`` (a :class:`sim.model.LiveCommerceModel`),
    one agent per consumer, against the broadcasts ``b`` and traffic ``shares``."""

    def __init__(self, world, b, shares, seed: int = 0):
        super().__init__(rng=int(seed))
        sc = world.params
        if sc.finance.presale_share > 0:
            raise ValueError("the reference consumer day has no pre-sale orders (finance.presale_share must be 0)")
        cs, pl, pu, rp, tp = sc.consumers, sc.platform, sc.purchase, sc.returns, sc.trust
        sp, cat, tr = world.suppliers, world.categories, world.trust
        self.day, self.multiplier = 0, 1.0
        self.init_it, self.elasticity = cs.initial_institutional_trust, cs.activity_trust_elasticity
        self.watch_followed, self.impressions, self.click_through = cs.watch_followed, \
            pl.public_impressions_per_active, pl.click_through
        self.stranger, self.shelf_views = cs.stranger_trust_factor, pl.shelf_views_per_active
        self.follow_after_purchase, self.initial_pt = cs.follow_after_purchase, cs.initial_personal_trust
        self.coef, self.intercept, self.shelf_intercept = pu, pu.intercept, pu.shelf_intercept
        # the broadcasts
        self.nb = b.size
        self.b_anchor = [int(a) for a in b.anchor]
        self.bcast_of_anchor = {int(a): i for i, a in enumerate(b.anchor) if a >= 0}
        self.listing = [[int(s) for s in row if s >= 0] for row in b.listing]
        self.log_skill = [math.log(x) for x in b.skill]
        self.cum_shares = list(accumulate(float(x) for x in shares))
        # the suppliers and categories
        self.sup_cat = [int(x) for x in sp.category]
        self.price_cents = [int(x) for x in to_cents(sp.price)]
        self.adv_term = [pu.advertised_quality * (float(q) - 0.5) for q in sp.advertised_quality]
        self.log_rel_price = [math.log(float(p) / float(cat.mean_price[c])) for p, c in zip(sp.price, sp.category)]
        self.gap = [max(float(a) - float(t), 0.0) for a, t in zip(sp.advertised_quality, sp.true_quality)]
        self.cum_shelf = list(accumulate(float(w) for w in sp.shelf_weight))
        self.shelf_total = self.cum_shelf[-1]
        self.sells_fakes = [bool(x) for x in sp.sells_fakes]
        self.stock0 = [int(x) for x in sp.stock]
        self.n_cat = cat.n
        self.cat_return, self.cat_spoil = [float(x) for x in cat.return_rate], [float(x) for x in cat.spoil]
        self.cat_shipping, self.cat_try_on = [int(x) for x in cat.shipping], [bool(x) for x in cat.try_on]
        self.impulsiveness_effect, self.exaggeration_effect = rp.impulsiveness_effect, rp.exaggeration_effect
        self.impulsiveness_mean = cs.impulsiveness_mean
        self.try_on, self.try_on_reduction = rp.virtual_try_on, rp.try_on_reduction
        self.window = pl.return_window_days
        # trust
        self.good_gain, self.bad_loss = tp.good_gain, tp.bad_loss
        self.inst_gain, self.inst_loss = tp.institutional_gain, tp.institutional_loss
        self.floor, self.bad_scale, self.mismatch_scale = tr.floor, tr.bad_loss_scale, tr.mismatch_loss_scale
        self.counterfeit_rate = tr.counterfeit_rate
        wm = sc.word_of_mouth
        wom = wm.enabled and wm.ties > 0
        self.share_good, self.share_bad, self.wom_weight = wm.share_good, wm.share_bad, wm.weight
        # the consumers, one agent each, in the world's initial state
        pop = world.consumers
        ties = tr.graph.ties if wom else None
        self.consumer = [ConsumerAgent(self, i, pop, ties) for i in range(pop.n)]

    def step(self) -> None:
        """One consumer day; its counts are in ``self.counts``."""
        self.stock = list(self.stock0)
        self.active = self.views = self.shelf_page_views = self.orders = self.orders_live = 0
        self.lost = self.returns = self.deliveries = 0
        self.agents.shuffle_do("step")
        self.counts = {"active": self.active, "views": self.views, "shelf_views": self.shelf_page_views,
               "orders": self.orders, "orders_live": self.orders_live, "lost_sales": self.lost,
               "returns": self.returns, "deliveries": self.deliveries,
               "mean_institutional_trust": float(np.mean([a.it for a in self.consumer]))}
        self.day += 1


# ------------------------------------------------------------------ the column-wise day

def world(scenario, seed: int):
    """A model at day 0 with today's broadcasts and traffic shares (kept fixed)."""
    from sim.coalition.modes import PLAIN
    from sim.model import LiveCommerceModel

    m = LiveCommerceModel(scenario, seed)
    m.trust.start_day()
    b = m.broadcasting.open(0, PLAIN)
    shares = m.traffic.allocate(b, 0, PLAIN)
    return m, b, shares


class ColumnwiseDay:
    """The same consumer day with the model's own column-wise sub-models
    (viewing, purchase with its ledger and order book, deliveries, returns and
    trust), against the same fixed broadcasts, shares and start-of-day stock."""

    def __init__(self, m, b, shares):
        from sim.coalition.modes import PLAIN

        self.m, self.b, self.shares, self.mode = m, b, shares, PLAIN
        self.stock0 = m.suppliers.stock.copy()
        self.day = 0

    def step(self) -> dict:
        m, d = self.m, self.day
        m.suppliers.stock[:] = self.stock0
        m.trust.start_day()
        v = m.viewing.watch(self.b, self.shares, 1.0, self.mode)
        o = m.purchase.buy(d, self.b, v, self.mode)
        dl = m.fulfilment.deliver_and_return(d)
        self.day += 1
        return {"active": int(v.active.size), "views": v.viewers, "shelf_views": o.shelf_views,
                "orders": o.orders, "orders_live": o.orders_live, "lost_sales": o.lost_sales,
                "returns": dl.returns, "deliveries": dl.deliveries,
                "mean_institutional_trust": float(m.consumers.institutional_trust.mean())}
