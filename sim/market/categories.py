"""The product categories: one row per category, the terms every order reads."""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import to_cents


class CategoryTable:
    """Column-wise terms of the scenario's categories (fixed during a run)."""

    def __init__(self, scenario):
        cats = list(scenario.categories.values())
        self.names = list(scenario.categories)
        self.n = len(cats)
        self.mean_price = np.array([c.mean_price for c in cats])
        self.commission = np.array([c.commission_rate for c in cats])
        self.return_rate = np.array([c.base_return_rate for c in cats])
        self.reverse_share = np.array([c.reverse_logistics_share for c in cats])
        self.forward = to_cents([c.forward_logistics for c in cats])      # cents per order
        self.shipping = np.array([c.shipping_days for c in cats], dtype=np.int64)
        # chance an order spoils in transit over its shipping days
        self.spoil = 1.0 - np.power(1.0 - np.array([c.spoilage_per_day for c in cats]), self.shipping)
        self.try_on = np.array([c.try_on_applicable for c in cats])
