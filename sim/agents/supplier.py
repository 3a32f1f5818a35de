"""Suppliers: merchants, brands and farms (large brands and SMEs)."""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents.fraud_state import declare_fraud_columns
from sim.scenario import Scenario


class SupplierTable:
    """Column-wise state of all suppliers (one product each)."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator):
        sp = scenario.suppliers
        n = scenario.population.suppliers
        cats = list(scenario.categories.values())
        self.n = n
        n_large = int(round(n * scenario.population.large_brand_share))
        self.is_large = np.zeros(n, dtype=bool)
        self.is_large[rng.permutation(n)[:n_large]] = True
        w = np.array([c.supplier_weight for c in cats])
        self.category = rng.choice(len(cats), size=n, p=w / w.sum()).astype(np.int64)
        mean_price = np.array([c.mean_price for c in cats])[self.category]
        disp = np.array([c.price_dispersion for c in cats])[self.category]
        self.price = mean_price * np.exp(rng.normal(-0.5 * disp**2, disp))
        self.unit_cost = np.array([c.unit_cost_share for c in cats])[self.category] * self.price
        L = self.is_large
        q = np.where(L, sp.quality_large, sp.quality_sme)
        self.true_quality = np.clip(rng.beta(20 * q + 1e-9, 20 * (1 - q) + 1e-9), 0, 1)
        ex = np.where(L, sp.exaggeration_large, sp.exaggeration_sme)
        self.exaggeration = rng.exponential(1.0, n) * ex
        self.advertised_quality = np.clip(self.true_quality + self.exaggeration, 0, 1)
        # capacity is given for population.reference_consumers consumers shared by
        # reference_suppliers suppliers: more consumers per supplier, proportionally
        # bigger suppliers (and so stock and starting cash, which are days of
        # capacity); exactly 1.0 at the reference (docs/model.md, Population scale)
        scale = scenario.supplier_scale
        self.capacity = (np.where(L, sp.capacity_large * scale, sp.capacity_sme * scale)
                         * np.exp(rng.normal(-0.125, 0.5, n)))
        self.lead_time = np.where(L, sp.lead_time_large, sp.lead_time_sme).astype(np.int64)
        self.appeal = np.where(L, sp.appeal_large, sp.appeal_sme) * np.exp(rng.normal(-0.125, 0.5, n))
        self.store_probability = np.where(L, sp.store_broadcast_probability_large, sp.store_broadcast_probability_sme)
        self.shelf_weight = np.where(L, sp.shelf_visibility_large, sp.shelf_visibility_sme)
        self.stock = np.floor(sp.initial_stock_days * self.capacity).astype(np.int64)
        depth = int(self.lead_time.max()) + 1
        self.pipeline = np.zeros((n, depth), dtype=np.int64)  # arrivals by day mod depth
        self.demand_ema = self.capacity * 0.5           # units/day asked for (sold + lost)
        self.store_performance = np.zeros(n)            # GMV memory of store broadcasts
        self.alive = np.ones(n, dtype=bool)            # False once it has defaulted and exited
        self.reserved = np.zeros(n, dtype=bool)   # a reserve row no entrant has taken yet (sim/market/entry.py)
        # tallies since the last adaptation
        self.period_sold = np.zeros(n, dtype=np.int64)
        self.period_lost = np.zeros(n, dtype=np.int64)
        # fraud state (drawn and updated by sim.trust.TrustSystem; the credit model reads it)
        declare_fraud_columns(self, n)
        self.sells_fakes = np.zeros(n, dtype=bool)            # ships some fake goods
        # how much the supplier acts on buyers' feedback (sim/market/feedback.py draws it
        # from the feedback stream; 0 while feedback is off: true quality stays as drawn)
        self.listening = np.zeros(n)

    def produce(self, day: int, target_days: float, max_units: np.ndarray | None = None,
                committed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Production orders placed today (units); they arrive after the lead time.
        ``max_units`` caps the order (what the supplier can pay for); ``committed``
        (units owed to pre-sale orders not shipped yet) is produced for on top of
        the stock target. Returns (units ordered, units arriving today)."""
        depth = self.pipeline.shape[1]
        arriving = self.pipeline[:, day % depth].copy()
        self.pipeline[:, day % depth] = 0
        self.stock += arriving
        in_transit = self.pipeline.sum(axis=1)
        want = target_days * self.demand_ema - self.stock - in_transit
        if committed is not None:
            want = want + committed
        order = np.clip(np.floor(want), 0, np.floor(self.capacity)).astype(np.int64)
        if max_units is not None:
            order = np.minimum(order, max_units)
        slot = (day + self.lead_time) % depth
        immediate = self.lead_time == 0
        self.stock += np.where(immediate, order, 0)
        np.add.at(self.pipeline, (np.flatnonzero(~immediate), slot[~immediate]), order[~immediate])
        return order, arriving

    def adapt_prices(self, step: float, max_markup: float) -> None:
        """Raise the price where demand outran stock, cut it where stock sits unsold."""
        asked = self.period_sold + self.period_lost
        short = self.period_lost > 0.1 * np.maximum(asked, 1)
        slow = (self.period_sold == 0) & (self.stock > 0)
        self.price = np.where(short, self.price * (1 + step), np.where(slow, self.price * (1 - step), self.price))
        self.price = np.clip(self.price, self.unit_cost * 1.05, self.unit_cost * max_markup)
        self.period_sold[:] = 0
        self.period_lost[:] = 0


class Supplier(mesa.Agent):
    """One supplier: a handle on row ``idx`` of the model's SupplierTable."""

    def __init__(self, model, idx: int):
        super().__init__(model)
        self.idx = int(idx)

    @property
    def _t(self) -> SupplierTable:
        return self.model.suppliers

    @property
    def is_large(self) -> bool:
        return bool(self._t.is_large[self.idx])

    @property
    def category(self) -> str:
        return self.model.category_names[self._t.category[self.idx]]

    @property
    def price(self) -> float:
        return float(self._t.price[self.idx])

    @property
    def stock(self) -> int:
        return int(self._t.stock[self.idx])

    @property
    def cash(self) -> float:
        return self.model.ledger.supplier_balance[self.idx] / 100.0
