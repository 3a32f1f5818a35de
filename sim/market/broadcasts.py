"""Broadcasts and listings (MODEL.md 4.1, step 2 of the day).

Anchors decide to go live and list products from their partners; suppliers
accept a listing when its expected margin covers the pit fee and pay the fee;
suppliers run store broadcasts. The day's broadcasts are a :class:`Broadcasts`
record, one row per broadcast (anchor broadcasts first, then store broadcasts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.stores import NoStores


@dataclass
class Broadcasts:
    """Today's broadcasts, one row each."""

    anchor: np.ndarray        # anchor index, -1 for a store broadcast
    store: np.ndarray         # supplier index, -1 for an anchor broadcast
    listing: np.ndarray       # (broadcasts, products_per_broadcast): listed suppliers, left-aligned, -1 empty
    listing_slot: np.ndarray  # which partner slot each listing came from, -1 empty
    rate: np.ndarray          # the anchor's commission rate (0 for a store)
    skill: np.ndarray         # selling skill of the room
    room: np.ndarray          # anchor index, or n_anchors + supplier for a store room
    n_listed: np.ndarray
    pit_fees: int             # cents paid by suppliers to anchors for today's listings
    n_anchor: int             # anchor broadcasts
    n_store: int              # store broadcasts

    @property
    def size(self) -> int:
        return int(self.anchor.size)


class Broadcasting:
    """Who goes live today and what they list.

    Receives the anchor and supplier tables, the category terms, the ledger
    (pit fees), the trust sub-model (suspended anchors) and the ``broadcast`` stream."""

    def __init__(self, params, anchors, suppliers, categories, ledger, trust, rng, supply=None, stores=None):
        self.params, self.anchors, self.suppliers = params, anchors, suppliers
        self.categories, self.ledger, self.trust, self.rng = categories, ledger, trust, rng
        self.supply = supply   # (sim/market/supply.py: screening anchors list only partners that passed)
        # the suppliers' channel choice (sim/market/stores.py; off: fixed store probabilities)
        self.stores = NoStores(suppliers) if stores is None else stores

    def open(self, d: int, mode) -> Broadcasts:
        """Today's broadcasts; ``mode`` (a coalition mode) restricts listings and stores."""
        sc, an, sp, rng = self.params, self.anchors, self.suppliers, self.rng
        a = sc.anchors
        prob = np.array([a.broadcast_probability_head, a.broadcast_probability_waist,
                         a.broadcast_probability_tail])[an.tier] * an.alive * self.trust.may_broadcast(d)
        live_a = np.flatnonzero(rng.random(an.n) < prob)
        k = min(a.products_per_broadcast, an.partners.shape[1])
        slots = np.argsort(rng.random((live_a.size, an.partners.shape[1])), axis=1)[:, :k]
        cand = an.partners[live_a[:, None], slots]
        pit_fee = a.pit_fee_per_follower * an.followers[live_a] * an.fee_multiplier[live_a]
        rate = an.commission_rate[live_a]
        accept = self._accepted(live_a, cand, pit_fee, rate, mode)
        an.period_offered[live_a] += k
        an.period_accepted[live_a] += accept.sum(axis=1)
        # broadcasts with no accepted listing do not happen
        has = accept.any(axis=1)
        live_a, cand, accept, slots, pit_fee, rate = (live_a[has], cand[has], accept[has], slots[has],
                                                      pit_fee[has], rate[has])
        # left-align accepted listings
        pos = np.argsort(~accept, axis=1, kind="stable")
        listing = np.where(np.take_along_axis(accept, pos, 1), np.take_along_axis(cand, pos, 1), -1)
        listing_slot = np.where(listing >= 0, np.take_along_axis(slots, pos, 1), -1)
        pit_fees = self._pay_pit_fees(live_a, cand, accept, pit_fee)
        # store broadcasts (a coalition mode: only suppliers on the platform)
        # (the stores sub-model: how often each supplier broadcasts from its store, by its channel)
        live_s = mode.store_broadcasts((rng.random(sp.n) < self.stores.store_probability()) & (sp.stock > 0))
        live_s = np.flatnonzero(live_s)
        self.stores.opened(d, live_s)                       # (the store broadcasts' running cost)
        store_listing = np.full((live_s.size, k), -1, dtype=np.int64)
        store_listing[:, 0] = live_s
        na, ns = live_a.size, live_s.size
        anchor = np.concatenate([live_a, np.full(ns, -1)]).astype(np.int64)
        store = np.concatenate([np.full(na, -1), live_s]).astype(np.int64)
        listing = np.concatenate([listing, store_listing]).astype(np.int64)
        return Broadcasts(
            anchor=anchor, store=store, listing=listing,
            listing_slot=np.concatenate([listing_slot, np.full((ns, k), -1)]).astype(np.int64),
            rate=np.concatenate([rate, np.zeros(ns)]),
            skill=np.concatenate([an.skill[live_a], np.full(ns, sc.suppliers.store_skill)]),
            room=np.where(anchor >= 0, anchor, an.n + store), n_listed=(listing >= 0).sum(axis=1),
            pit_fees=pit_fees, n_anchor=na, n_store=ns)

    def _accepted(self, live_a, cand, pit_fee, rate, mode) -> np.ndarray:
        """Supplier's decision: the expected margin from this anchor covers the pit fee."""
        sc, an, sp, cat = self.params, self.anchors, self.suppliers, self.categories
        plat = mode.platform_rate(cat.commission[sp.category[cand]], live_a)
        unit_margin = (sp.price[cand] * (1.0 - plat - rate[:, None]) - sp.unit_cost[cand]
                       - cat.forward[sp.category[cand]] / 100.0)
        exp_units = an.units_per_listing[live_a]
        min_margin = sc.suppliers.min_margin_share * sp.price[cand]
        accept = ((unit_margin >= min_margin) & (exp_units[:, None] * unit_margin >= pit_fee[:, None])
                  & (sp.stock[cand] > 0))
        if self.supply is not None:
            accept = self.supply.screen_listings(accept, live_a, cand)
        lists = self.stores.lists_with_anchors()            # (a supplier on its store alone lists with no anchor)
        if lists is not None:
            accept &= lists[cand]
        return mode.accept_listings(accept, live_a, cand)   # (a mode: only within a coalition)

    def _pay_pit_fees(self, live_a, cand, accept, pit_fee) -> int:
        led = self.ledger
        n_acc = accept.sum(axis=1)
        fee_cents = to_cents(pit_fee)
        led.transfer(led.supplier_accts(cand[accept]), led.anchor_accts(np.repeat(live_a, n_acc)),
                     np.repeat(fee_cents, n_acc), "pit_fee")
        self.stores.pit_fees(cand[accept], np.repeat(fee_cents, n_acc))
        return int((np.repeat(fee_cents, n_acc)).sum())
