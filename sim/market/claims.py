"""What the order book still owes each agent, and what it will still cost them.

An order placed today is paid out weeks later (settlement) and may come back
(returns). Until then, the order book holds claims: for every unsettled order
that will be kept, the platform's commission, the supplier's price net of the
platform's commission and of the anchor's commission, and the anchor's
commission (nothing for an anchor that has defaulted: settlement cancels it,
and the supplier keeps it); for every order that will still come back, the
supplier's reverse logistics (a cost) and the unit it gets back into stock
(an asset at unit cost, for a supplier still alive; an exited supplier's
returned goods are written off).

:func:`order_book_claims` states these claims per agent, next to the order
code (:class:`sim.market.orders.OrderChunk`); the accrual wealth of the coalition
worths (:func:`sim.coalition.worth.wealth`) sums them with the claims that the
finance and pre-sale sub-models state
(:meth:`sim.finance.credit.Finance.accrued_claims`,
:meth:`sim.finance.presale.Presale.accrued_claims`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.orders import KEPT, RETURNED



@dataclass
class Claims:
    """Claims (positive) and liabilities (negative) per agent, in cents."""

    platform: float
    supplier: np.ndarray   # float64, one per supplier
    anchor: np.ndarray     # float64, one per anchor


def order_book_claims(book, returned_through: int, n_suppliers: int, anchor_alive: np.ndarray,
                      supplier_alive: np.ndarray, unit_cost: np.ndarray,
                      reverse_share: np.ndarray) -> Claims:
    """The order book's claims per agent (cents; see the module docstring).

    ``book``: the unsettled order chunks; ``returned_through``: the last day
    whose returns have been processed (returns after it are still to come);
    ``anchor_alive``, ``supplier_alive``: who has not defaulted; ``unit_cost``
    (yuan per unit, per supplier) values the goods that come back;
    ``reverse_share``: each category's reverse-logistics cost as a share of
    the price."""
    plat = 0.0
    sup = np.zeros(n_suppliers)
    anc = np.zeros(anchor_alive.size)
    for ch in book:
        kept = ch.outcome == KEPT
        plat += float(ch.platform_fee[kept].sum())
        sup += np.bincount(ch.supplier[kept], weights=(ch.price - ch.platform_fee)[kept], minlength=n_suppliers)
        # a defaulted anchor's commission is cancelled at settlement: nobody owes it any more
        via = kept & (ch.anchor >= 0)
        via &= anchor_alive[np.maximum(ch.anchor, 0)]
        sup -= np.bincount(ch.supplier[via], weights=ch.anchor_fee[via], minlength=n_suppliers)
        anc += np.bincount(ch.anchor[via], weights=ch.anchor_fee[via], minlength=anc.size)
        back = (ch.outcome == RETURNED) & (ch.return_day > returned_through)
        if back.any():
            s = ch.supplier[back]
            cost = to_cents(ch.price[back] / 100.0 * reverse_share[ch.category[back]])
            sup -= np.bincount(s, weights=cost, minlength=n_suppliers)
            goods = np.where(supplier_alive[s], unit_cost[s] * 100.0, 0.0)
            sup += np.bincount(s, weights=goods, minlength=n_suppliers)
    return Claims(plat, sup, anc)
