"""Memory and adaptation (steps 10-11 of the day).

Every day the performance memories behind the ranking and the suppliers'
forecasts learn today's results (:meth:`Adaptation.remember`); every
``time.adaptation_interval`` days anchors reprice their slots, suppliers their
products, anchors replace a weak partner and tiers follow followers
(:meth:`Adaptation.adapt`).
"""

from __future__ import annotations

import numpy as np

from sim.market.supply import NO_SUPPLY


class Adaptation:
    """Receives the scenario, the anchor, supplier and consumer tables and the ``adapt`` stream;
    the model hands it the supply side (``supply``: screening anchors replace failed
    partners, cold-chain adoption; a null object when off) once that is built."""

    supply = NO_SUPPLY

    def __init__(self, params, anchors, suppliers, consumers, rng):
        self.params, self.anchors, self.suppliers, self.consumers, self.rng = params, anchors, suppliers, consumers, rng

    def partner_weight(self) -> np.ndarray:
        """How attractive each supplier is as an anchor's partner."""
        sp = self.suppliers
        margin = np.maximum(sp.price - sp.unit_cost, 0.01)
        return sp.appeal * np.sqrt(margin)

    def set_tiers(self) -> None:
        sc = self.params
        self.anchors.set_tiers(self.consumers.follower_counts(self.anchors.n), sc.anchors.head_share,
                               sc.anchors.waist_share, sc.anchors.commission_rate, sc.anchors.head_commission_premium)

    def adapt(self) -> None:
        ad = self.params.adaptation
        self.set_tiers()
        self.anchors.adapt_fees(ad.fee_step)
        self.suppliers.adapt_prices(ad.price_step, ad.max_markup)
        weight = self.partner_weight()
        self.anchors.replace_worst_partner(self.rng, weight, ad.partner_switch_probability)
        self.supply.adapt(weight)

    def remember(self, b, orders) -> None:
        """Update the performance memories behind ranking and forecasts."""
        an, sp = self.anchors, self.suppliers
        decay = 0.5 ** (1.0 / self.params.traffic.performance_half_life)
        room_gmv_today = orders.room_gmv
        an.performance = decay * an.performance + (1 - decay) * room_gmv_today[:an.n]
        sp.store_performance = decay * sp.store_performance + (1 - decay) * room_gmv_today[an.n:]
        live = b.anchor[b.anchor >= 0]
        is_a = b.anchor >= 0
        per_listing = orders.room_orders[live] / np.maximum(b.n_listed[is_a], 1)
        an.units_per_listing[live] = 0.8 * an.units_per_listing[live] + 0.2 * per_listing
        self._partner_gmv(b, orders)

    def _partner_gmv(self, b, orders) -> None:
        """GMV per partner slot since the last adaptation (for partner replacement)."""
        ob = orders.bcast
        if not ob.size:
            return
        via = ob >= 0
        ob = ob[via]
        anc = b.anchor[ob]
        sup_orders = orders.chunk.supplier[via]
        lst = b.listing[ob]
        k = (lst == sup_orders[:, None]).argmax(axis=1)
        slot = b.listing_slot[ob, k]
        m = (anc >= 0) & (slot >= 0)
        np.add.at(self.anchors.partner_gmv, (anc[m], slot[m]), orders.chunk.price[via][m] / 100.0)
