"""Settlement (MODEL.md 6.8, step 9 of the day, on settlement days).

Orders past delivery, the return window and the settlement delay are paid out
of escrow: the platform keeps its commission, the supplier gets the rest and
pays the anchor's commission (cancelled if the anchor has defaulted). Pre-sale
orders settle ``presale_lead_days`` later, out of ``presale_escrow``; the
supplier gets its part less what was released to it before.
"""

from __future__ import annotations

from sim.market.orders import KEPT


class Settlement:
    """Receives the ledger, the anchor table (who is alive), the order book and
    the credit sub-model (receivables sold to the lender, the risk reserve)."""

    def __init__(self, ledger, anchors, book, credit):
        self.ledger, self.anchors, self.book, self.credit = ledger, anchors, book, credit

    def settle(self, d: int) -> int:
        """Pay out the orders due; returns the value of the kept orders settled (cents)."""
        led = self.ledger
        commission = settled = 0
        for ch, due in self.book.settle(d):
            kept = (ch.outcome == KEPT) & due
            spot, pre = kept & ~ch.presale, kept & ch.presale
            fee = ch.platform_fee[spot]
            commission += led.transfer(led.acct("escrow"), led.acct("platform"), int(fee.sum()), "commission")
            led.transfer(led.acct("escrow"), led.supplier_accts(ch.supplier[spot]), ch.price[spot] - fee,
                         "settlement")
            if pre.any():
                fee = ch.platform_fee[pre]
                commission += led.transfer(led.acct("presale_escrow"), led.acct("platform"), int(fee.sum()),
                                           "presale_commission")
                led.transfer(led.acct("presale_escrow"), led.supplier_accts(ch.supplier[pre]),
                             ch.price[pre] - fee - ch.released[pre], "presale_settlement")
            via = kept & (ch.anchor >= 0) & self.anchors.alive[ch.anchor]  # a defaulted anchor's commission is cancelled
            led.transfer(led.supplier_accts(ch.supplier[via]), led.anchor_accts(ch.anchor[via]),
                         ch.anchor_fee[via], "anchor_commission")
            settled += int(ch.price[kept].sum())
            self.credit.on_settled_chunk(ch, kept, via)
        self.credit.on_settlement(commission)
        return settled
