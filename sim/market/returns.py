"""Returns and logistics (MODEL.md 4.3, step 6-7 of the day).

Orders due for delivery today arrive (spoiled produce is refunded); returns
due today are refunded, the supplier pays the reverse logistics and the units
go back to stock; then the trust sub-model learns from the day's experiences.
The day's counts are a :class:`Deliveries` record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.orders import CH_SHELF, KEPT, SPOILED


@dataclass
class Deliveries:
    """What today's deliveries and returns did (money in cents)."""

    n_categories: int
    deliveries: int = 0
    refunds: int = 0                  # of returned and spoiled orders (pre-sale ones included)
    spoiled_value: int = 0
    spoiled_live_value: int = 0       # of orders placed in live rooms
    returns: int = 0
    reverse_logistics: int = 0
    returns_not_as_described: int = 0
    cat_deliveries: np.ndarray = field(default=None)
    cat_returns: np.ndarray = field(default=None)

    def __post_init__(self):
        self.cat_deliveries = np.zeros(self.n_categories, dtype=np.int64)
        self.cat_returns = np.zeros(self.n_categories, dtype=np.int64)


def _joined(parts, dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


class Fulfilment:
    """Receives the supplier table, the category terms, the ledger, the order book,
    the pre-sale and credit sub-models (their refunds and the return-insurance
    pool), the trust sub-model (what consumers learn) and the reviews and feedback
    sub-models (what buyers post and tell suppliers; null objects when off)."""

    def __init__(self, suppliers, categories, ledger, book, presale, credit, trust, reviews=None, feedback=None):
        self.suppliers, self.categories, self.ledger, self.book = suppliers, categories, ledger, book
        self.presale, self.credit, self.trust = presale, credit, trust
        self.reviews, self.feedback = reviews, feedback

    def deliver_and_return(self, d: int) -> Deliveries:
        out = Deliveries(self.categories.n)
        delivered = {k: [] for k in ("consumer", "anchor", "supplier", "mismatch", "spoiled", "kept")}
        returned_mismatch, returned_supplier = [], []
        for ch in self.book:
            dl = ch.delivered_on(d)
            if dl.any():
                self._deliver(ch, dl, out, delivered)
            rt = ch.returned_on(d)
            if rt.any():
                self._take_back(ch, rt, out)
                returned_mismatch.append(ch.mismatch[rt])
                returned_supplier.append(ch.supplier[rt])
        got = {"consumer": _joined(delivered["consumer"], np.int64), "anchor": _joined(delivered["anchor"], np.int64),
               "supplier": _joined(delivered["supplier"], np.int64),
               "mismatch": _joined(delivered["mismatch"], bool), "spoiled": _joined(delivered["spoiled"], bool),
               "kept": _joined(delivered["kept"], bool)}
        back = {"mismatch": _joined(returned_mismatch, bool), "supplier": _joined(returned_supplier, np.int64)}
        self.trust.after_delivery(d, got, back)
        if self.reviews is not None:
            self.reviews.after_delivery(d, got)          # reviews and videos of kept orders
        if self.feedback is not None:
            self.feedback.after_delivery(d, got, back)   # product feedback, quality
        return out

    def _deliver(self, ch, dl: np.ndarray, out: Deliveries, delivered: dict) -> None:
        """Goods arrive; spoiled ones are refunded."""
        led = self.ledger
        spoiled = dl & (ch.outcome == SPOILED)
        arrived = dl & ~spoiled
        out.deliveries += int(arrived.sum())
        out.cat_deliveries += np.bincount(ch.category[arrived], minlength=self.categories.n)
        refund = int(ch.price[spoiled & ~ch.presale].sum())
        led.transfer(led.acct("escrow"), led.acct("consumers"), refund, "refund")
        refund += self.presale.refund(ch, spoiled & ch.presale)
        out.refunds += refund
        out.spoiled_value += refund
        out.spoiled_live_value += int(ch.price[spoiled & (ch.channel != CH_SHELF)].sum())
        delivered["consumer"].append(ch.consumer[dl])
        delivered["anchor"].append(ch.anchor[dl])
        delivered["supplier"].append(ch.supplier[dl])
        delivered["mismatch"].append(ch.mismatch[dl])
        delivered["spoiled"].append(ch.outcome[dl] == SPOILED)
        delivered["kept"].append(ch.outcome[dl] == KEPT)

    def _take_back(self, ch, rt: np.ndarray, out: Deliveries) -> None:
        """Returns: refund, reverse logistics (part paid back by the insurance pool), restock."""
        led, sp = self.ledger, self.suppliers
        refund = int(ch.price[rt & ~ch.presale].sum())
        led.transfer(led.acct("escrow"), led.acct("consumers"), refund, "refund")
        refund += self.presale.refund(ch, rt & ch.presale)
        cost = to_cents(ch.price[rt] / 100.0 * self.categories.reverse_share[ch.category[rt]])
        led.transfer(led.supplier_accts(ch.supplier[rt]), led.acct("logistics"), cost, "reverse_logistics")
        self.credit.on_returns(ch.supplier[rt], cost)
        sp.stock += np.bincount(ch.supplier[rt], minlength=sp.n)
        out.refunds += refund
        out.returns += int(rt.sum())
        out.reverse_logistics += int(cost.sum())
        out.returns_not_as_described += int(ch.mismatch[rt].sum())
        out.cat_returns += np.bincount(ch.category[rt], minlength=self.categories.n)
