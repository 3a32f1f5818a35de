"""Purchase (MODEL.md 4.2-4.3, step 5 of the day): viewers and shelf visitors buy.

Each room entry considers one listed product; active consumers view shelf
pages; the purchase rule (:func:`sim.consumers.purchase_logit`) decides who
wants to buy; budgets, then stock, ration the candidates
(:func:`sim.market.orders.within_budget`, :func:`~sim.market.orders.within_stock`);
orders pay into escrow, suppliers pay the forward shipping; each order's
outcome is drawn (kept, returned, spoiled) and the day's orders join the book
as one chunk; some buyers in an anchor's room start following the anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.consumers import PurchaseTerms, purchase_logit, sigmoid
from sim.finance.ledger import to_cents
from sim.market.orders import (CH_ANCHOR, CH_SHELF, CH_STORE, KEPT, RETURNED, SPOILED, OrderChunk, within_budget,
                               within_stock)
from sim.market.shelf import NO_SHELF_LINKS
from sim.market.traffic import deal
from sim.market.viewing import N_ARRIVALS


@dataclass
class Candidates:
    """(consumer, supplier) pairs that want to buy, before budgets and stock."""

    consumer: np.ndarray
    supplier: np.ndarray
    bcast: np.ndarray         # broadcast of a live-room candidate, -1 on the shelf
    viewers: int              # room entries today
    shelf_views: int          # shelf page views today
    entry: np.ndarray | None = None   # the room entry (row of Views) of a live-room candidate, -1 on the shelf
    source: np.ndarray = None  # how a live-room candidate arrived (Arrival), -1 on the shelf
    coupon: np.ndarray | None = None   # a shelf candidate holds a repurchase coupon (None: nobody does)
    # (tallies of the traffic decomposition, sim.measures.RunTotals: what each entry and page view offered)
    entry_supplier: np.ndarray | None = None   # per room entry: the listed product it considered
    shelf_supplier: np.ndarray | None = None   # per shelf page view: the product
    wanted: np.ndarray | None = None           # per candidate: within budget (set by Purchase.ration)


@dataclass
class DayOrders:
    """The orders placed today, with the totals the other steps read."""

    chunk: OrderChunk
    bcast: np.ndarray         # broadcast of each order, -1 on the shelf
    viewers: int
    shelf_views: int
    lost_sales: int
    gmv: int                  # cents, all channels
    gmv_live: int
    orders_live: int
    room_gmv: np.ndarray      # yuan per room (anchors, then stores)
    room_orders: np.ndarray
    supplier_gmv: np.ndarray  # yuan per supplier
    cat_gmv_live: np.ndarray  # yuan per category, live rooms
    entry: np.ndarray | None = None   # per order: its room entry (row of Views), -1 on the shelf
    arrival_orders: np.ndarray = None   # live-room orders by how the viewer arrived (indexed by Arrival)
    # (tallies of the traffic decomposition, sim.measures.RunTotals)
    entry_supplier: np.ndarray | None = None   # per room entry: the listed product it considered
    shelf_supplier: np.ndarray | None = None   # per shelf page view: the product
    wanted_bcast: np.ndarray | None = None     # per candidate within budget: its broadcast (-1 shelf)
    wanted_supplier: np.ndarray | None = None  # per candidate within budget: the supplier

    @property
    def orders(self) -> int:
        return int(self.chunk.price.size)

    @property
    def gmv_shelf(self) -> int:
        return self.gmv - self.gmv_live

    @property
    def orders_shelf(self) -> int:
        return self.orders - self.orders_live

    @classmethod
    def of(cls, chunk: OrderChunk, bcast, cand: Candidates, lost_sales: int, n_rooms: int, n_suppliers: int,
           n_categories: int, entry: np.ndarray | None = None, source=None) -> "DayOrders":
        price, room = chunk.price, chunk.room
        live = chunk.channel != CH_SHELF
        gmv = int(price.sum())
        return cls(
            chunk=chunk, bcast=bcast, viewers=cand.viewers, shelf_views=cand.shelf_views, lost_sales=lost_sales,
            gmv=gmv, gmv_live=int(price[live].sum()), orders_live=int(live.sum()),
            room_gmv=np.bincount(room[live], weights=price[live] / 100.0, minlength=n_rooms),
            room_orders=np.bincount(room[live], minlength=n_rooms),
            supplier_gmv=np.bincount(chunk.supplier, weights=price / 100.0, minlength=n_suppliers),
            cat_gmv_live=np.bincount(chunk.category[live], weights=price[live] / 100.0, minlength=n_categories),
            entry=entry,
            arrival_orders=(np.zeros(N_ARRIVALS, np.int64) if source is None
                            else np.bincount(source[source >= 0], minlength=N_ARRIVALS)),
            entry_supplier=cand.entry_supplier, shelf_supplier=cand.shelf_supplier,
            wanted_bcast=None if cand.wanted is None else cand.bcast[cand.wanted],
            wanted_supplier=None if cand.wanted is None else cand.supplier[cand.wanted])


class Purchase:
    """Receives the scenario, the consumer and supplier tables, the category terms,
    the ledger, the order book, the pre-sale sub-model and the ``purchase``,
    ``returns`` and ``trust`` streams, and the shelf links (:mod:`sim.market.shelf`:
    repurchase, "watch live", coupons, purchase memory; a null object when off)."""

    def __init__(self, params, consumers, suppliers, categories, ledger, book, presale, streams, n_rooms: int,
                 shelf=NO_SHELF_LINKS):
        self.n_rooms = n_rooms   # anchors' rooms, then suppliers' store rooms
        self.shelf = shelf
        self.params, self.consumers, self.suppliers, self.categories = params, consumers, suppliers, categories
        self.ledger, self.book, self.presale = ledger, book, presale
        self.rng, self.returns_rng, self.trust_rng = streams["purchase"], streams["returns"], streams["trust"]

    def buy(self, d: int, b, v, mode, engaged=None) -> DayOrders:
        """``engaged``: the entries' engagement (:class:`sim.market.engagement.EntryEngagement`),
        ``None`` when engagement is off."""
        cand = self.candidates(b, v, mode, engaged)
        keep, pre, lost = self.ration(d, cand)
        o_cons, o_sup, o_b, o_pre = cand.consumer[keep], cand.supplier[keep], cand.bcast[keep], pre[keep]
        chunk = self.place(d, b, o_cons, o_sup, o_b, o_pre, mode)
        self.book.add(chunk)
        self.follow(chunk)
        o_src = cand.source[keep]
        o_coupon = None if cand.coupon is None else cand.coupon[keep]
        self.shelf.remember(d, chunk, o_src, o_coupon)     # repeat orders, coupons, purchase memory
        return DayOrders.of(chunk, o_b, cand, lost, self.n_rooms, self.suppliers.n, self.categories.n,
                            entry=cand.entry[keep], source=o_src)

    # ---------------------------------------------------------------- who wants to buy
    def candidates(self, b, v, mode, engaged=None) -> Candidates:
        """Viewers in live rooms (one listed product each), then shelf visitors."""
        sc, cons, sp, rng = self.params, self.consumers, self.suppliers, self.rng
        c = sc.purchase
        vb = v.bcast
        pick = np.floor(rng.random(vb.size) * b.n_listed[vb]).astype(np.int64)
        v_sup = b.listing.ravel()[vb * b.listing.shape[1] + pick]
        v_cons = v.consumer
        intercept = mode.intercept(c.intercept, b, vb)   # (a mode: off the platform, more friction)
        live_p = self.buy_probability(v_cons, v_sup, np.log(b.skill)[vb], v.ptrust, intercept, engaged)
        buy = rng.random(vb.size) < live_p
        # ---- shelf: page views by shelf preference, products by visibility
        lam = sc.platform.shelf_views_per_active * 2.0 * cons.shelf_preference[v.active]
        n_pages = rng.poisson(lam)
        s_cons, w = mode.shelf(np.repeat(v.active, n_pages), sp.shelf_weight)   # (a mode: suppliers on the platform)
        s_sup = np.repeat(np.arange(sp.n), deal(rng, s_cons.size, w / w.sum()))
        s_cons = s_cons[rng.permutation(s_cons.size)]
        # the shelf links (off: unchanged): a share of the pages to remembered suppliers, pages
        # of live products that led into the room dropped, coupons in the intercept
        s_cons, s_sup, s_icpt, s_coupon = self.shelf.pages(b, s_cons, s_sup, w, c.shelf_intercept, mode)
        # no room on the shelf: skill 1 (log 0) and a neutral personal-trust term (the same
        # for every page view, so given as numbers: the terms they add are exactly zero)
        shelf_p = self.buy_probability(s_cons, s_sup, 0.0, 0.5, s_icpt)
        s_buy = rng.random(s_cons.size) < shelf_p
        n_shelf = int(s_buy.sum())
        return Candidates(consumer=np.concatenate([v_cons[buy], s_cons[s_buy]]),
                          supplier=np.concatenate([v_sup[buy], s_sup[s_buy]]),
                          bcast=np.concatenate([vb[buy], np.full(n_shelf, -1)]),
                          viewers=int(vb.size), shelf_views=int(s_cons.size),
                          entry=np.concatenate([np.flatnonzero(buy), np.full(n_shelf, -1)]),
                          source=np.concatenate([v.source[buy].astype(np.int64), np.full(n_shelf, -1)]),
                          coupon=(None if s_coupon is None
                                  else np.concatenate([np.zeros(int(buy.sum()), bool), s_coupon[s_buy]])),
                          entry_supplier=v_sup, shelf_supplier=s_sup)

    def buy_probability(self, cons_idx, sup_idx, log_skill, ptrust, intercept, engaged=None):
        cons, sp, cat_t = self.consumers, self.suppliers, self.categories
        cat = sp.category
        # terms of a supplier or of a (consumer, category) pair are computed once per
        # supplier or pair and gathered: the same numbers as computed per view
        terms = PurchaseTerms(
            log_skill=log_skill, personal_trust=ptrust,
            institutional_trust=cons.institutional_trust[cons_idx],
            impulsiveness=cons.impulsiveness[cons_idx],
            advertised_quality=sp.advertised_quality[sup_idx],
            log_rel_price=np.log(sp.price / cat_t.mean_price[cat])[sup_idx],
            price_sensitivity=cons.price_sensitivity[cons_idx],
            log_rel_interest=self._log_interest_at(cons_idx * cat_t.n + cat[sup_idx]),
        )
        if engaged is None:
            return sigmoid(purchase_logit(self.params.purchase, intercept, terms))
        terms.engagement, terms.fan = engaged.engagement, engaged.fan.astype(np.float64)
        return sigmoid(purchase_logit(self.params.purchase, intercept, terms, self.params.engagement))

    def _log_interest_at(self, flat: np.ndarray) -> np.ndarray:
        """``log(category_pref x categories)`` at the flat (consumer x categories +
        category) positions ``flat``: the same numbers as the table of
        :meth:`_log_interest`, computed only where read while the preferences change
        daily (content seeding makes a new array each day); the whole table once the
        same array has been read on two calls before this one."""
        pref = self.consumers.category_pref
        if getattr(self, "_log_interest_of", None) is pref:
            return self._log_interest_table.ravel()[flat]
        if getattr(self, "_pref_seen", None) is pref:
            self._pref_reads += 1
        else:
            self._pref_seen, self._pref_reads = pref, 1
        if self._pref_reads > 2:
            return self._log_interest().ravel()[flat]
        return np.log(pref.ravel()[flat] * self.categories.n + 1e-12)

    def _log_interest(self) -> np.ndarray:
        """``log(category_pref x categories)`` per consumer and category (the
        preferences are fixed in a run: computed on first use, again if replaced)."""
        pref = self.consumers.category_pref
        if getattr(self, "_log_interest_of", None) is not pref:
            self._log_interest_table = np.ascontiguousarray(np.log(pref * self.categories.n + 1e-12))
            self._log_interest_of = pref
        return self._log_interest_table

    # ---------------------------------------------------------------- budgets and stock
    def ration(self, d: int, cand: Candidates) -> tuple[np.ndarray, np.ndarray, int]:
        """Budgets, then stock: returns the candidates kept, which of them are
        pre-sale orders, and the sales lost to stock-outs."""
        sp = self.suppliers
        price = to_cents(sp.price[cand.supplier])
        ok = within_budget(cand.consumer, price, to_cents(self.consumers.budget), self.rng)
        cand.wanted = ok
        # pre-sale orders (live rooms only) take no stock today: theirs is committed on the shipping day
        pre = self.presale.choose(d, ok & (cand.bcast >= 0))
        ok_stock, lost = within_stock(cand.supplier, ok & ~pre, sp.stock, self.rng)
        keep = ok & (ok_stock | pre)
        np.add.at(sp.period_lost, cand.supplier[ok & ~pre & ~ok_stock], 1)   # (pre-sale orders asked for no stock)
        sp.demand_ema = 0.9 * sp.demand_ema + 0.1 * np.bincount(cand.supplier[ok], minlength=sp.n)
        return keep, pre, int(lost)

    # ---------------------------------------------------------------- the orders
    def place(self, d: int, b, o_cons, o_sup, o_b, o_pre, mode) -> OrderChunk:
        """Stock, money and outcomes of the kept orders: the day's chunk."""
        sc, sp, cat_t, led = self.params, self.suppliers, self.categories, self.ledger
        o_price = to_cents(sp.price[o_sup])
        ix = np.where(o_b >= 0, o_b, b.anchor.size)  # shelf orders read the padding (also with no broadcast)
        o_anchor = np.append(b.anchor, -1)[ix]
        o_room = np.append(b.room, -1)[ix]
        o_channel = np.where(o_b < 0, CH_SHELF, np.where(o_anchor >= 0, CH_ANCHOR, CH_STORE))
        o_rate = np.where(o_anchor >= 0, np.append(b.rate, 0.0)[ix], 0.0)
        sold = np.bincount(o_sup, minlength=sp.n)
        sp.stock -= np.bincount(o_sup[~o_pre], minlength=sp.n)
        sp.period_sold += sold
        # ---- money: consumers pay into escrow (a pre-sale order: its deposit into
        # presale_escrow); suppliers pay to ship (a pre-sale order: on its shipping day)
        led.transfer(led.acct("consumers"), led.acct("escrow"), int(o_price[~o_pre].sum()), "sale")
        cat = sp.category[o_sup]
        led.transfer(led.supplier_accts(o_sup[~o_pre]), led.acct("logistics"), cat_t.forward[cat[~o_pre]],
                     "forward_logistics")
        platform_fee = to_cents(sp.price[o_sup] * cat_t.commission[cat] * mode.commission_share(o_anchor, o_sup))
        deposit, released = self.presale.open_orders(o_sup, o_price, platform_fee, o_pre)
        # ---- outcomes (decided now, revealed on delivery / return day)
        outcome, mismatch = self.draw_outcomes(o_cons, o_sup, cat)
        lead = sc.finance.presale_lead_days
        delivery = d + cat_t.shipping[cat] + np.where(o_pre, lead, 0)
        window = sc.platform.return_window_days
        return_day = delivery + self.returns_rng.integers(0, window + 1, o_sup.size)
        settle = d + int(cat_t.shipping.max()) + window + sc.platform.settlement_delay_days + 1
        return OrderChunk(
            day=d, settle_day=settle, presale_settle_day=settle + lead, consumer=o_cons, supplier=o_sup,
            anchor=o_anchor, room=o_room, channel=o_channel, category=cat, price=o_price,
            platform_fee=platform_fee, anchor_fee=to_cents(sp.price[o_sup] * o_rate),
            outcome=outcome, mismatch=mismatch, delivery_day=delivery, return_day=return_day,
            presale=o_pre, deposit=deposit, released=released)

    def draw_outcomes(self, cons_idx, sup_idx, cat):
        """Spoilage in transit, else a return within the window, with probability
        from the category's base rate, impulsiveness and exaggeration (4.3)."""
        sc, sp, cons, cat_t = self.params, self.suppliers, self.consumers, self.categories
        r = sc.returns
        rng = self.returns_rng
        n = sup_idx.size
        gap = np.maximum(sp.advertised_quality[sup_idx] - sp.true_quality[sup_idx], 0.0)
        base = cat_t.return_rate[cat] * np.maximum(
            1.0 + r.impulsiveness_effect * (cons.impulsiveness[cons_idx] - sc.consumers.impulsiveness_mean), 0.0)
        if r.virtual_try_on:
            base = np.where(cat_t.try_on[cat], base * (1.0 - r.try_on_reduction), base)
        p = np.minimum(base * (1.0 + r.exaggeration_effect * gap), 0.95)
        p_mismatch = p - np.minimum(base, p)          # the part of the risk due to exaggeration
        u = rng.random(n)
        spoil = rng.random(n) < cat_t.spoil[cat]
        outcome = np.where(spoil, SPOILED, np.where(u < p, RETURNED, KEPT)).astype(np.int8)
        mismatch = (outcome == RETURNED) & (u < p_mismatch)
        return outcome, mismatch

    def follow(self, chunk: OrderChunk) -> None:
        """Some buyers in an anchor's room start following the anchor."""
        sc = self.params
        in_room = ((chunk.anchor >= 0)
                   & (self.trust_rng.random(chunk.anchor.size) < sc.consumers.follow_after_purchase))
        self.consumers.follow(chunk.consumer[in_room], chunk.anchor[in_room], sc.consumers.initial_personal_trust)
