"""Pre-sale orders (预售) and the escrow of pre-sale funds (MODEL.md 4.5).

A pre-sale order is placed in a live room like any other, but the goods ship
``presale_lead_days`` later: the consumer pays a deposit
(``presale_deposit_share`` of the price) when ordering and the balance on the
shipping day. Pre-sale money is held by the platform in the account
``presale_escrow``. Without the mitigation ``presale_escrow``, the platform
releases ``presale_release_share`` of the merchant's part (price less the
platform's commission) of each payment to the merchant at once, before
delivery: that money is the merchant's cash and can pay production and bills
(pre-sale as a source of credit). At settlement the merchant receives its
part less what was released already.

Rules, as coded:

* **Which orders.** Each live-room order (anchor or store broadcast) that
  passes the consumer's budget is a pre-sale order with probability
  ``presale_share`` (or the ``share`` of a ``presale`` event on its days);
  shelf orders are never pre-sale orders. Budgets are checked against the full
  price; every consumer pays the balance on the shipping day.
* **Stock.** A pre-sale order does not take stock when it is placed; its
  units are committed on the shipping day (order day + lead days), before the
  day's new orders. Production planning sees the pre-sale backlog (units owed
  to pre-sale orders not yet shipped) and produces for it on top of its stock
  target. Orders the merchant cannot serve from stock on the shipping day are
  cancelled: the merchant pays back what was released for them and the
  consumers get their deposit back.
* **Refunds.** A returned or spoiled pre-sale order is refunded in full out of
  ``presale_escrow``, after the merchant paid back what was released for it
  (if that leaves its cash negative, it is a bill of the day, covered by credit
  or leading to default like any other).
* **Default.** When a merchant defaults, its pre-sale orders not shipped yet
  are cancelled: what of their deposits is still in escrow is refunded to the
  consumers at once; the released part is the consumers' claim on the
  merchant's estate, shared pro rata with the other creditors. What the estate
  cannot repay at the default is the consumers' loss, or, under
  ``guarantees.compensation``, the platform's: it pays the consumers at once
  out of its own funds and takes over their claim. ``presale_losses`` are these
  claims less the recoveries from the estate (at the default and later, as its
  receivables settle). Orders already shipped are delivered and settle as
  usual (their settlement goes to the estate).
"""

from __future__ import annotations

import numpy as np

from sim.market.orders import CANCELLED, within_stock

__all__ = ["CANCELLED", "PRESALE_DAILY", "PRESALE_SUMMARY", "NoPresale", "Presale"]

PRESALE_DAILY: dict[str, str] = {
    "presale_orders": "pre-sale orders placed today (live rooms)",
    "presale_deposits": "pre-sale deposits paid today (yuan)",
    "presale_released": "pre-sale money the platform released to merchants today, before delivery (yuan)",
    "presale_escrow": "pre-sale money held by the platform at the end of the day (yuan)",
    "presale_cancelled": "pre-sale orders cancelled today (out of stock on the shipping day, or the merchant defaulted)",
    "presale_losses": "released pre-sale money of orders cancelled at defaults today that the estates did not repay, "
                      "net of today's recoveries (lost by consumers, or by the platform under guarantees.compensation) (yuan)",
}

PRESALE_SUMMARY: dict[str, str] = {
    "presale_orders": "pre-sale orders placed over the run",
    "presale_released": "pre-sale money released to merchants before delivery over the run (yuan)",
    "presale_cancelled": "pre-sale orders cancelled over the run",
    "presale_losses": "released pre-sale money of orders cancelled at defaults that the estates did not repay, over the "
                      "run (lost by consumers, or by the platform under guarantees.compensation) (yuan)",
}


class Presale:
    """Pre-sale orders: deposits, balances, early release, shipping, cancellation."""

    enabled = True

    def __init__(self, params, ledger, suppliers, book, categories, rng):
        """Receives the scenario, the ledger, the supplier table, the order book, the
        category terms (forward logistics) and the ``presale`` stream."""
        self.ledger, self.suppliers, self.book, self.categories = ledger, suppliers, book, categories
        fp = self.p = params.finance
        self.lead = fp.presale_lead_days
        self.rng = rng
        self.windows = [(ev.day, ev.day + ev.duration, ev.share) for ev in params.events
                        if ev.kind == "presale"]
        self.active = fp.presale_share > 0 or bool(self.windows)
        n = suppliers.n
        self.backlog = np.zeros(n, dtype=np.int64)   # units owed to pre-sale orders not shipped yet
        self.totals = {"orders": 0, "released": 0, "cancelled": 0}
        self.claims_total = 0                       # released money owed to consumers at defaults
        self.recovered_total = 0                    # repaid by estates since
        self.today = self._zero_today()

    @staticmethod
    def _zero_today() -> dict:
        # cancel_refunds: deposits and balances refunded at cancellations (part of the day's refunds)
        return {"orders": 0, "deposits": 0, "released": 0, "cancelled": 0, "loss": 0, "cancel_refunds": 0}

    def start_day(self) -> None:
        self.today = self._zero_today()

    def committed(self) -> np.ndarray | None:
        """Units owed to pre-sale orders not shipped yet (production plans for them)."""
        return self.backlog if self.active else None

    @property
    def refunds_today(self) -> int:
        return self.today["cancel_refunds"]

    def share_today(self, d: int) -> float:
        """The pre-sale share in force on day ``d`` (a presale event overrides the lever)."""
        share = self.p.presale_share
        for start, end, s in self.windows:
            if start <= d < end:
                share = s
        return share

    # ---------------------------------------------------------------- ordering
    def choose(self, d: int, live: np.ndarray) -> np.ndarray:
        """Which of today's candidate orders are pre-sale orders (``live``: in a live room)."""
        share = self.share_today(d) if self.active else 0.0
        if share <= 0 or live.size == 0:
            return np.zeros(live.size, dtype=bool)
        return live & (self.rng.random(live.size) < share)

    def _release(self, pay: np.ndarray, price: np.ndarray, fee: np.ndarray) -> np.ndarray:
        """The part of a payment released to the merchant at once: ``release_share``
        of the merchant's share (price less commission) of it; none with escrow."""
        if self.p.presale_escrow or self.p.presale_release_share <= 0:
            return np.zeros(pay.size, dtype=np.int64)
        net = (price - fee).astype(np.float64) / np.maximum(price, 1)
        return np.floor(self.p.presale_release_share * pay * np.clip(net, 0.0, 1.0)).astype(np.int64)

    def open_orders(self, supplier: np.ndarray, price: np.ndarray, fee: np.ndarray,
                    pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Today's pre-sale orders pay their deposits into ``presale_escrow``; part of
        it is released to the merchants. Returns (deposit, released) per order (cents)."""
        led = self.ledger
        deposit = np.where(pre, np.minimum(np.floor(price * self.p.presale_deposit_share + 0.5).astype(np.int64),
                                           price), 0)
        released = np.where(pre, self._release(deposit, price, fee), 0)
        if pre.any():
            self.today["deposits"] += led.transfer(led.acct("consumers"), led.acct("presale_escrow"),
                                                   int(deposit.sum()), "presale_deposit")
            self._pay_release(supplier[pre], released[pre])
            n = int(pre.sum())
            self.today["orders"] += n
            self.totals["orders"] += n
            self.backlog += np.bincount(supplier[pre], minlength=self.backlog.size)
        return deposit, released

    def _pay_release(self, supplier: np.ndarray, released: np.ndarray) -> None:
        led = self.ledger
        total = led.transfer(led.acct("presale_escrow"), led.supplier_accts(supplier), released, "presale_release")
        self.today["released"] += total
        self.totals["released"] += total

    # ---------------------------------------------------------------- shipping
    def ship(self, d: int) -> None:
        """Pre-sale orders placed ``lead`` days ago ship today, before the day's new
        orders take stock: the balance is paid (and partly released), the merchant pays
        the forward logistics; orders it cannot serve from stock are cancelled."""
        if not self.active:
            return
        led, sp = self.ledger, self.suppliers
        for ch in self.book:
            if ch.day != d - self.lead:
                continue
            idx = np.flatnonzero(ch.presale & (ch.outcome != CANCELLED))
            if idx.size == 0:
                return
            s = ch.supplier[idx]
            self.backlog -= np.bincount(s, minlength=sp.n)
            ok, _ = within_stock(s, np.ones(idx.size, dtype=bool), sp.stock, self.rng)
            go, stop = idx[ok], idx[~ok]
            sp.stock -= np.bincount(ch.supplier[go], minlength=sp.n)
            balance = ch.price[go] - ch.deposit[go]
            led.transfer(led.acct("consumers"), led.acct("presale_escrow"), int(balance.sum()), "presale_balance")
            rel = self._release(balance, ch.price[go], ch.platform_fee[go])
            self._pay_release(ch.supplier[go], rel)
            ch.released[go] += rel
            led.transfer(led.supplier_accts(ch.supplier[go]), led.acct("logistics"),
                         self.categories.forward[ch.category[go]], "forward_logistics")
            if stop.size:
                np.add.at(sp.period_lost, ch.supplier[stop], 1)   # demand the stock could not serve
                self._cancel(ch, stop, ch.deposit[stop], clawback=True)
            return

    def _cancel(self, ch, idx: np.ndarray, paid: np.ndarray, clawback: bool) -> int:
        """Cancel orders ``idx`` of chunk ``ch``: with ``clawback`` the merchant pays back
        what was released and the consumers get all they paid; without, they get what
        is still in escrow. Returns the released money not paid back (cents)."""
        led = self.ledger
        released = ch.released[idx].copy()
        if clawback:
            led.transfer(led.supplier_accts(ch.supplier[idx]), led.acct("presale_escrow"), released,
                         "presale_clawback")
            refund = paid
            unpaid = 0
        else:
            refund = paid - released
            unpaid = int(released.sum())
        self._refund(int(refund.sum()))
        ch.released[idx] = 0
        ch.outcome[idx] = CANCELLED
        ch.mismatch[idx] = False
        ch.delivery_day[idx] = -1
        ch.return_day[idx] = -1
        self.today["cancelled"] += idx.size
        self.totals["cancelled"] += idx.size
        return unpaid

    def _refund(self, cents: int) -> None:
        led = self.ledger
        led.transfer(led.acct("presale_escrow"), led.acct("consumers"), cents, "presale_refund")
        self.today["cancel_refunds"] += cents

    def refund(self, ch, mask: np.ndarray) -> int:
        """Pre-sale orders of ``ch`` in ``mask`` are refunded (returned or spoiled): the
        merchant pays back what was released, the consumer gets the price. Returns
        the refund (cents); the caller counts it in the day's refunds."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return 0
        led = self.ledger
        led.transfer(led.supplier_accts(ch.supplier[idx]), led.acct("presale_escrow"), ch.released[idx],
                     "presale_clawback")
        ch.released[idx] = 0
        refund = int(ch.price[idx].sum())
        led.transfer(led.acct("presale_escrow"), led.acct("consumers"), refund, "presale_refund")
        return refund

    # ----------------------------------------------------------------- default
    def cancel_supplier(self, i: int, d: int) -> tuple[int, int, int]:
        """Supplier ``i`` defaults: its pre-sale orders not shipped yet are cancelled.
        Returns (orders cancelled, refunded out of escrow, released money not
        repaid: the consumers' claim on its estate), in cents."""
        if not self.active:
            return 0, 0, 0
        n, before, claim = 0, self.ledger.flow("presale_refund"), 0
        for ch in self.book:
            if ch.day + self.lead <= d:
                continue   # shipped already
            idx = np.flatnonzero(ch.presale & (ch.supplier == i) & (ch.outcome != CANCELLED))
            if idx.size:
                claim += self._cancel(ch, idx, ch.deposit[idx], clawback=False)
                n += idx.size
        self.backlog[i] = 0
        self.claims_total += claim
        self.today["loss"] += claim
        return n, self.ledger.flow("presale_refund") - before, claim

    def recovered(self, cents: int) -> None:
        self.recovered_total += cents
        self.today["loss"] -= cents

    # ------------------------------------------------------------ accrued claims
    def accrued_claims(self, shipped_through: int) -> np.ndarray:
        """What the pre-sale orders in the order book still cost each supplier
        (cents, negative), on top of the book's claims
        (:func:`sim.market.claims.order_book_claims`): the money released to it
        early is in its cash already (settlement pays the price less commission
        *less* what was released; a returned or spoiled order's release is paid
        back); an order not shipped yet (shipping day after ``shipped_through``)
        and not cancelled still owes its forward logistics and commits a unit
        of stock, valued at unit cost (whatever its outcome: it ships anyway)."""
        sp = self.suppliers
        out = np.zeros(sp.n)
        for ch in self.book:
            if not ch.presale.any():
                continue
            out -= np.bincount(ch.supplier, weights=ch.released, minlength=sp.n)
            if ch.day + self.lead > shipped_through:
                wait = ch.presale & (ch.outcome != CANCELLED)
                s = ch.supplier[wait]
                out -= np.bincount(s, weights=self.categories.forward[ch.category[wait]], minlength=sp.n)
                out -= np.bincount(s, weights=sp.unit_cost[s] * 100.0, minlength=sp.n)
        return out

    # ---------------------------------------------------------------- measures
    def daily_row(self) -> dict[str, float]:
        t = self.today
        row = {
            "presale_orders": float(t["orders"]),
            "presale_deposits": t["deposits"] / 100.0,
            "presale_released": t["released"] / 100.0,
            "presale_escrow": self.ledger["presale_escrow"] / 100.0,
            "presale_cancelled": float(t["cancelled"]),
            "presale_losses": t["loss"] / 100.0,
        }
        return row

    def summary(self) -> dict[str, float]:
        return {
            "presale_orders": float(self.totals["orders"]),
            "presale_released": self.totals["released"] / 100.0,
            "presale_cancelled": float(self.totals["cancelled"]),
            "presale_losses": (self.claims_total - self.recovered_total) / 100.0,
        }


class NoPresale:
    """The pre-sale sub-model when the credit sub-model is off: no pre-sale orders,
    every hook a no-op (the null object the daily rule calls instead of a branch)."""

    enabled = False
    active = False
    refunds_today = 0

    def start_day(self) -> None:
        pass

    def committed(self) -> None:
        return None

    def choose(self, d: int, live: np.ndarray) -> np.ndarray:
        return np.zeros(live.size, dtype=bool)

    def open_orders(self, supplier, price, fee, pre) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(supplier.size, dtype=np.int64), np.zeros(supplier.size, dtype=np.int64)

    def ship(self, d: int) -> None:
        pass

    def refund(self, ch, mask: np.ndarray) -> int:
        return 0

    def accrued_claims(self, shipped_through: int) -> None:
        return None
