"""Production for stock (runs after fraud, before settlement).

Today's arrivals enter stock; suppliers order production for their stock
target (and, with pre-sale orders, for the backlog they owe) and pay for it;
with credit, at most what cash and undrawn credit pay for, and part of a large
brand's production is bought on trade credit from its upstream suppliers.
With the supply side on, every living supplier then pays its fixed cost.
"""

from __future__ import annotations

from sim.market.supply import NO_SUPPLY


class Production:
    """Receives the scenario, the supplier table and the credit and pre-sale
    sub-models (the budget, the payment, the backlog), and the supply side
    (:mod:`sim.market.supply`: fixed costs and utilisation; a null object when off)."""

    def __init__(self, params, suppliers, credit, presale, supply=NO_SUPPLY):
        self.params, self.suppliers, self.credit, self.presale = params, suppliers, credit, presale
        self.supply = supply

    def produce(self, d: int) -> int:
        """Place and pay today's production orders, then the day's fixed costs (with the
        supply side); returns what was paid for production (cents)."""
        order, _ = self.suppliers.produce(d, self.params.suppliers.target_stock_days, self.credit.production_budget(),
                                          self.presale.committed())
        paid = self.credit.pay_production(d, order)
        self.supply.pay_fixed_costs(d, order)
        return paid
