"""Production for stock (runs after fraud, before settlement).

Today's arrivals enter stock; suppliers order production for their stock
target (and, with pre-sale orders, for the backlog they owe) and pay for it;
with credit, at most what cash and undrawn credit pay for, and part of a large
brand's production is bought on trade credit from its upstream suppliers.
"""

from __future__ import annotations


class Production:
    """Receives the scenario, the supplier table and the credit and pre-sale
    sub-models (the budget, the payment, the backlog)."""

    def __init__(self, params, suppliers, credit, presale):
        self.params, self.suppliers, self.credit, self.presale = params, suppliers, credit, presale

    def produce(self, d: int) -> int:
        """Place and pay today's production orders; returns what was paid (cents)."""
        order, _ = self.suppliers.produce(d, self.params.suppliers.target_stock_days, self.credit.production_budget(),
                                          self.presale.committed())
        return self.credit.pay_production(d, order)
