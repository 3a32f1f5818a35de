"""Credit: order loans, receivable financing, trade credit, deposits, defaults
and contagion (MODEL.md section 4.5).

:class:`Finance` is the lender's loan book and the platform's finance arm in
one object; it receives the ledger, the tables, the order book, the pre-sale
sub-model and its stream (never the model), and the day calls it from a few
places (events, production, settlement, returns, the end of the day). With the
credit sub-model off the day calls :class:`NoCredit` instead, whose hooks do
nothing. All money moves through the double-entry
:class:`~sim.finance.ledger.Ledger` in integer cents.

The rules, as coded:

* **Credit line.** ``credit_multiple`` x a supplier's sales (platform sales and
  upstream invoices) over the trailing ``sales_window_days`` *as reported to
  the lender*. Dishonest suppliers
  (``faked_sales_merchant_share``) report ``1 + faked_sales_share`` times their
  true sales, and pay ``fake_order_cost`` of the faked amount each day for the
  faking; with ``lender_true_sales`` the lender sees true sales. On each
  settlement day the lender detects a dishonest borrower with
  ``fake_detection_probability``: its whole loan is recalled and it is barred
  from credit.
* **Order loans.** A supplier whose cash does not cover what falls due draws
  on the line (revolving). Interest accrues daily on the principal and is paid
  on settlement days with an instalment of ``principal x settlement_period /
  loan_term_days``; a loan above the line (after a squeeze or a fall in
  sales) is due at once on the settlement day.
* **Receivable financing.** A supplier still short may sell its matured
  receivables (kept orders past the return window, waiting for settlement) to
  the lender at ``receivable_discount``; the lender collects them at settlement.
* **The lender** (:class:`sim.agents.Lender`) holds the terms in force and,
  with ``lender_capital``, a finite capital: it lends new money and buys
  receivables only up to its cash. A draw that a borrower repays the lender
  the same day (its interest, instalment or excess falling due) is rolled
  over and needs no cash; when the day's requests for new money beyond that
  exceed the lender's cash they are rationed pro rata to the request (exact
  cents; leftover cents to the largest unfilled requests), then receivable
  purchases likewise from what is left (whole orders, oldest first, up to
  each supplier's share). A supplier whose cut is at least its
  remaining gap (it would have met what was due had the lender funded the
  whole request) defaults with the proximate cause ``RATIONED``; its record
  names the lender's net loan losses so far and the earlier default that cost
  the lender most. Without ``lender_capital`` the lender draws outside
  ``funding`` whenever its cash runs short, and nothing is rationed.
* **Trade credit.** A large brand buys ``trade_credit_share`` of its production
  from ``upstream_links`` SME suppliers and pays their invoices
  ``trade_credit_days`` later; the SME pays its own cost (``1 -
  upstream_margin`` of the invoice) when it produces. The invoice is a
  receivable of the SME: this is the upstream chain along which a merchant's
  default travels.
* **Production** is paid when ordered and limited to what the supplier can pay
  (cash plus undrawn credit).
* **Default.** At the end of a day a living supplier that cannot meet what is
  due (negative cash, loan interest and instalments, upstream invoices) after
  drawing its line and selling receivables defaults and exits: its stock and
  production pipeline are written off, it stops selling and producing. Bills
  it could not pay are lost: the anchors' commission paid today is clawed
  back first (the anchors' loss), the rest is lost by outside vendors. Its
  margin deposit joins its cash, which is shared pro rata among its creditors
  (the lender: principal and interest; upstream suppliers: their unpaid
  invoices). Its receivables in escrow keep settling (consumers' refunds are
  still paid out of escrow) and go to the same creditors; with
  ``upstream_escrow`` the upstream suppliers are paid before the lender, and
  first out of what the platform held back for them (on each settlement day
  the platform holds back from a merchant's cash what it owes upstream, up to
  its cash, and releases it as the invoices fall due). The
  risk reserve compensates upstream suppliers' losses at the default, as far
  as it has money. What is left after the creditors goes to the owners.
* **Cause chain.** Each loss a default (or a shock) inflicts on a supplier is
  remembered for ``contagion_memory_days``; a later default of that supplier
  names the largest remembered loss as its cause: another default (its
  *parent*, depth = parent's depth + 1) or a shock event (depth 0). A default
  with neither is endogenous (depth 0). ``Finance.records`` holds one record
  per default with its chain back to the trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from sim.finance.ledger import to_cents
from sim.finance.presale import PRESALE_DAILY, PRESALE_SUMMARY
from sim.market.orders import KEPT, RETURNED

FINANCE_DAILY: dict[str, str] = {
    "defaults": "suppliers and anchors that defaulted today",
    "contagion_defaults": "defaults today caused by another default's losses (contagion depth >= 1)",
    "suppliers_alive": "suppliers that have not defaulted",
    "loans_outstanding": "order-loan principal outstanding at the end of the day (yuan)",
    "loans_drawn": "order loans drawn today (yuan)",
    "lender_cash": "the lender's cash at the end of the day (yuan; with finite finance.lender_capital what it can lend tomorrow)",
    "credit_rationed": "loan draws and receivable purchases suppliers asked for today that the lender refused for want of cash (yuan; 0 with unlimited funding)",
    "credit_lines": "total credit lines of living suppliers (yuan)",
    "loan_losses": "loans written off at defaults today, net of recoveries from defaulters' estates (yuan)",
    "receivables_sold": "receivables sold to the lender today, face value (yuan)",
    "risk_reserve": "money in the platform's risk reserve at the end of the day (yuan)",
    **PRESALE_DAILY,
}

FINANCE_SUMMARY: dict[str, str] = {
    "defaults_suppliers": "suppliers that defaulted over the run",
    "defaults_anchors": "anchors that defaulted over the run",
    "contagion_defaults": "defaults caused by another default's losses (contagion depth >= 1)",
    "default_share": "share of suppliers that defaulted over the run",
    "upstream_default_share": "share of suppliers that defaulted through contagion (their cause chain leads to another default) (F17)",
    "max_contagion_depth": "longest chain of defaults (0: no default caused another)",
    "loans_drawn": "order loans drawn over the run (yuan)",
    "credit_rationed": "loan draws and receivable purchases refused for want of the lender's cash over the run (yuan)",
    "rationed_defaults": "supplier defaults caused by credit rationing: the lender's capital ran out, and full credit would have met what was due",
    "lender_contagion_defaults": "rationed defaults on days when the lender's net loan losses so far were at least that day's rationed credit (without its earlier losses it could have funded every request: contagion through the lender)",
    "loan_losses": "loans written off at defaults net of recoveries over the run (yuan)",
    "loan_loss_rate": "loan_losses / loans_drawn (F18)",
    **PRESALE_SUMMARY,
}


#: causes of the losses :class:`Finance` books per agent (besides returns and spoilage)
LOSS_CAUSES = ("bad_debt", "write_off", "shock", "cover")

class DefaultCause(StrEnum):
    """The proximate cause of a supplier's default at the end of a day (a default
    forced by an event names the event instead)."""

    RATIONED = "credit rationed: the lender's capital ran out"
    FAKED_SALES = "loan recalled: faked sales detected"
    SHRUNKEN_LINE = "loan above a shrunken credit line"
    LOAN_DUE = "loan interest and instalment due"
    UPSTREAM_DUE = "upstream invoices due"
    BILLS = "bills due beyond cash and credit"


#: the proximate cause of a default caused by credit rationing
RATIONED = DefaultCause.RATIONED.value

#: one default's record (``Finance.records``, the rows of ``default_table``): field -> value before it is filled in
DEFAULT_RECORD: dict = {
    "id": -1, "day": -1, "agent": "", "index": -1, "proximate": "", "parent": -1, "depth": 0, "trigger": "",
    "chain": "", "loan_claim": 0.0, "upstream_claims": 0.0, "unpaid_bills": 0.0, "commission_clawback": 0.0,
    "reserve_paid": 0.0, "creditors_hit": 0, "presale_cancelled": 0, "presale_refunded": 0.0,
    "presale_claim": 0.0, "presale_compensated": 0.0, "credit_rationed": 0.0, "lender_losses": 0.0,
    "lender_loss_source": -1, "via_lender_losses": False,
}


@dataclass
class Dues:
    """What falls due for each supplier today (cents)."""

    interest: np.ndarray
    instalment: np.ndarray
    excess: np.ndarray          # loan above the credit line, due at once
    detected: np.ndarray        # faked sales detected: the loan is recalled
    due_link: np.ndarray        # per upstream link: the invoice due today
    owe_up: np.ndarray          # per supplier: upstream invoices due today
    owe_lender: np.ndarray
    principal_after: np.ndarray

    def cause(self, i: int) -> DefaultCause:
        """The proximate cause of supplier ``i``'s default, if credit was not rationed."""
        if self.detected[i]:
            return DefaultCause.FAKED_SALES
        if self.excess[i] > 0:
            return DefaultCause.SHRUNKEN_LINE
        if self.owe_lender[i] > 0 and self.owe_up[i] == 0:
            return DefaultCause.LOAN_DUE
        if self.owe_up[i] > 0:
            return DefaultCause.UPSTREAM_DUE
        return DefaultCause.BILLS


def _alloc(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` cents split pro rata to ``weights`` (int64), exactly (remainder to the largest)."""
    w = np.asarray(weights, dtype=np.int64)
    s = int(w.sum())
    if s <= 0 or total <= 0:
        return np.zeros(w.size, dtype=np.int64)
    total = min(int(total), s)
    out = (w.astype(np.float64) * (total / s)).astype(np.int64)
    out = np.minimum(out, w)
    rest = total - int(out.sum())
    order = np.argsort(-(w - out), kind="stable")
    i = 0
    while rest > 0 and i < order.size:
        k = order[i]
        add = min(rest, int(w[k] - out[k]))
        out[k] += add
        rest -= add
        i += 1
    return out


class Finance:
    """The lender, the order-loan programme, the upstream trade credit, deposits,
    the risk reserve, the return-insurance pool, defaults and their cause chains."""

    enabled = True

    def __init__(self, params, ledger, suppliers, anchors, book, presale, totals, categories, rng, lender,
                 supplier_agents: dict, anchor_agents: dict):
        """Receives the scenario, the ledger, the supplier and anchor tables, the order
        book, the pre-sale sub-model, the run totals (GMV ranks for the head-default
        event), the category terms, the ``finance`` stream, the lender (a Mesa
        Agent holding the terms in force and its capital) and the supplier and anchor
        agents by index (removed from the model when they default)."""
        sc = params
        self.params, self.ledger, self.suppliers, self.anchors = params, ledger, suppliers, anchors
        self.book, self.presale, self.totals, self.categories = book, presale, totals, categories
        fp = self.p = sc.finance
        sp = suppliers
        n = sp.n
        self.rng = rng
        # the lender holds the terms in force (a squeeze changes them) and its capital
        self.lender = lender
        if self.lender.capital is not None:
            led = ledger
            led.transfer(led.acct("capital"), led.acct("lender"), self.lender.capital, "lender_capital")
        self.term = fp.loan_term_days or min(sc.time.settlement_period, sc.time.days)
        self.period = sc.time.settlement_period
        self.window = sc.platform.return_window_days
        self.sales = np.zeros((n, fp.sales_window_days), dtype=np.int64)   # true daily sales, cents
        self.sales_sum = np.zeros(n, dtype=np.int64)
        self.b2b_today = np.zeros(n, dtype=np.int64)   # upstream invoices issued today (sales the lender sees too)
        self.principal = np.zeros(n, dtype=np.int64)
        self.accrued = np.zeros(n, dtype=np.int64)
        self.line = np.zeros(n, dtype=np.int64)
        self.deposit = np.zeros(n, dtype=np.int64)
        self.held = np.zeros(n, dtype=np.int64)        # held back for upstream suppliers (upstream_escrow)
        self.barred = np.zeros(n, dtype=bool)
        self.dishonest = self.rng.random(n) < fp.faked_sales_merchant_share
        large, sme = np.flatnonzero(sp.is_large), np.flatnonzero(~sp.is_large)
        if fp.trade_credit_share > 0 and large.size and sme.size:
            self.up_brand = np.repeat(large, fp.upstream_links)
            self.up_sme = self.rng.choice(sme, self.up_brand.size)
        else:
            self.up_brand = self.up_sme = np.zeros(0, dtype=np.int64)
        self.has_upstream = np.zeros(n, dtype=bool)
        self.has_upstream[self.up_brand] = True
        self.links_per_brand = np.bincount(self.up_brand, minlength=n)
        self.payables = np.zeros((self.up_brand.size, fp.trade_credit_days + 1), dtype=np.int64)
        self.financed: dict[int, np.ndarray] = {}   # order chunk's day -> orders whose receivable the lender bought
        # what hit each supplier last (for cause chains)
        self.hit_parent = np.full(n, -1, dtype=np.int64)
        self.hit_event = np.full(n, "", dtype=object)
        self.hit_amount = np.zeros(n, dtype=np.int64)
        self.hit_day = np.full(n, -10**9, dtype=np.int64)
        self.records: list[dict] = []
        self.claims: dict[int, dict] = {}           # defaulted supplier -> open claims on its estate
        self.comm_today: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.drawn_total = 0
        self.lender_claims = 0                      # lender's claims at defaults (principal + interest)
        self.lender_recovered = 0                   # recovered from estates since
        self.principal_written_off = 0
        self.lender_loss_of: dict[int, int] = {}     # default id -> the lender's net loss on it (claim - recovered)
        self.rationed_total = 0
        # losses borne by each agent (cents, cumulative; the risk measure of the
        # risk-adjusted Shapley value): bad debt, write-offs, shocks, covers
        self.loss_platform = 0
        self.loss_supplier = np.zeros(n, dtype=np.int64)
        self.loss_anchor = np.zeros(anchors.n, dtype=np.int64)
        self.loss_by_cause = {cause: 0 for cause in LOSS_CAUSES}
        self.today = self._zero_today()
        self.supplier_agent = dict(supplier_agents)
        self.anchor_agent = dict(anchor_agents)

    @staticmethod
    def _zero_today() -> dict:
        return {"defaults": 0, "contagion_defaults": 0, "drawn": 0, "loss": 0, "rf": 0, "rationed": 0}

    def start_day(self) -> None:
        self.today = self._zero_today()

    @property
    def multiple(self) -> float:
        """The credit multiple in force (the lender's)."""
        return self.lender.multiple

    @property
    def rate(self) -> float:
        """The annual interest rate in force (the lender's)."""
        return self.lender.rate

    # ------------------------------------------------------------------ events
    def fire_event(self, ev, d: int) -> None:
        label = f"event:{ev.kind}(day {d})"
        sp = self.suppliers
        if ev.kind == "credit_squeeze":
            self.lender.squeeze(ev.credit_multiple, ev.interest_rate)
            if ev.capital_lost:   # (validated: only with finite lender capital)
                led = self.ledger
                led.transfer(led.acct("lender"), led.acct("penalties"), int(led["lender"] * ev.capital_lost),
                             "lender_loss")
            borrowers = np.flatnonzero(sp.alive & (self.principal > 0))
            self._hit(borrowers, self.principal[borrowers], -1, label, d)
        elif ev.kind == "return_wave":
            cat = None if ev.category is None else self.categories.names.index(ev.category)
            lost = self.return_wave(d, ev.share, (lambda ch: ch.category == cat) if cat is not None else None)
            who = np.flatnonzero(lost > 0)
            self._hit(who, lost[who], -1, label, d)
        elif ev.kind == "head_default":
            if ev.target == "supplier":
                gmv = np.where(sp.alive, self.totals.supplier_gmv, -1.0)
                i = int(np.argsort(-gmv, kind="stable")[min(ev.rank, sp.n) - 1])
                if not sp.alive[i]:
                    return
                led = self.ledger
                cash = int(led.supplier_balance[i])
                seized = int(max(cash, 0) * ev.cash_lost)
                led.transfer(led.supplier_accts(i), led.acct("penalties"), seized, "seized")
                self._lose("shock", supplier=(i, seized))
                if ev.return_share > 0:
                    self.return_wave(d, ev.return_share, lambda ch: ch.supplier == i)
                self.default_supplier(i, d, f"{label}: merchant of GMV rank {ev.rank}", forced=label)
            else:
                an = self.anchors
                gmv = np.where(an.alive, self.totals.room_gmv[:an.n], -1.0)
                a = int(np.argsort(-gmv, kind="stable")[min(ev.rank, an.n) - 1])
                if an.alive[a]:
                    self.default_anchor(a, d, label, ev.cash_lost, ev.return_share, ev.rank)
        # a "presale" event needs nothing here: sim.finance.presale reads its window

    def return_wave(self, d: int, share: float, select=None) -> np.ndarray:
        """A share of kept orders still inside their return window (optionally
        those ``select(chunk)`` picks) are returned, from today; returns the
        value lost per supplier (cents)."""
        lost = np.zeros(self.suppliers.n, dtype=np.int64)
        for ch in self.book:
            ok = (ch.outcome == KEPT) & (ch.delivery_day + self.window >= d)
            if select is not None:
                ok &= select(ch)
            idx = np.flatnonzero(ok)
            if idx.size == 0:
                continue
            idx = idx[self.rng.random(idx.size) < share]
            ch.outcome[idx] = RETURNED
            ch.return_day[idx] = np.maximum(ch.delivery_day[idx], d)
            lost += np.bincount(ch.supplier[idx], weights=ch.price[idx], minlength=lost.size).astype(np.int64)
        return lost

    # -------------------------------------------------------------- production
    def production_budget(self) -> np.ndarray:
        """Units each supplier can pay for today: cash plus undrawn credit."""
        sp, led = self.suppliers, self.ledger
        funds = np.maximum(led.supplier_balance + np.maximum(self.line - self.principal, 0), 0)
        own = np.where(self.has_upstream, 1.0 - self.p.trade_credit_share, 1.0)
        per_unit = np.maximum(sp.unit_cost * 100.0 * own, 1.0)
        units = np.floor(funds / per_unit).astype(np.int64)
        units[~sp.alive] = 0
        return units

    def pay_production(self, d: int, order: np.ndarray) -> int:
        """Pay today's production: own cost now; the upstream share is invoiced by
        SMEs (who pay their own cost now) and paid ``trade_credit_days`` later."""
        sp, led = self.suppliers, self.ledger
        fp = self.p
        cost = to_cents(order * sp.unit_cost)
        paid = 0
        if self.up_brand.size:
            b = self.up_brand
            live_link = sp.alive[self.up_sme]
            inv = to_cents(order[b] * sp.unit_cost[b] * fp.trade_credit_share / self.links_per_brand[b])
            inv = np.where(live_link, inv, 0)
            cost = cost - np.bincount(b, weights=inv, minlength=sp.n).astype(np.int64)
            self.payables[:, (d + fp.trade_credit_days) % self.payables.shape[1]] += inv
            sme_cost = to_cents(inv / 100.0 * (1.0 - fp.upstream_margin))
            paid += led.transfer(led.supplier_accts(self.up_sme), led.acct("production"), sme_cost,
                                 "upstream_production")
            self.b2b_today += np.bincount(self.up_sme, weights=inv, minlength=sp.n).astype(np.int64)
        paid += led.transfer(led.supplier_accts(np.arange(sp.n)), led.acct("production"), cost, "production")
        return paid

    # -------------------------------------------------------------- settlement
    def on_settled_chunk(self, ch, kept: np.ndarray, via: np.ndarray) -> None:
        """Called for each order chunk settled today, after the platform paid it out."""
        led = self.ledger
        fin = self.financed.pop(ch.day, None)
        if fin is not None:
            sel = fin & kept
            led.transfer(led.supplier_accts(ch.supplier[sel]), led.acct("lender"),
                         ch.price[sel] - ch.platform_fee[sel], "receivable_collection")
        if self.p.return_insurance_premium > 0:
            prem = to_cents(ch.price[kept] / 100.0 * self.p.return_insurance_premium)
            led.transfer(led.supplier_accts(ch.supplier[kept]), led.acct("insurance"), prem, "insurance_premium")
        if via.any():
            self.comm_today.append((ch.supplier[via], ch.anchor[via], ch.anchor_fee[via]))

    def on_settlement(self, commission_today: int) -> None:
        """The platform puts a share of the day's commission into the risk reserve."""
        led = self.ledger
        led.transfer(led.acct("platform"), led.acct("reserve"),
                     int(commission_today * self.p.risk_reserve_rate), "reserve_contribution")

    def on_returns(self, supplier: np.ndarray, cost: np.ndarray) -> None:
        """The return-insurance pool pays back part of the reverse-logistics cost."""
        led = self.ledger
        if self.p.return_insurance_premium <= 0 or supplier.size == 0:
            return
        alive = self.suppliers.alive[supplier]
        want = np.where(alive, to_cents(cost / 100.0 * self.p.return_insurance_cover), 0)
        pay = _alloc(min(led["insurance"], int(want.sum())), want)
        led.transfer(led.acct("insurance"), led.supplier_accts(supplier), pay, "insurance_payout")
        # the pool takes over that part of the suppliers' return losses
        self._lose("cover", platform=int(pay.sum()), supplier=(supplier, -pay))

    # ------------------------------------------------------------- end of day
    def sales_inflation(self) -> np.ndarray:
        """By how much each supplier's reported sales exceed its true sales:
        the lender-facing lever (``faked_sales_share`` of the dishonest
        borrowers) plus the fake orders of suppliers the fraud model
        (sim/trust.py) has faking heat right now."""
        sp = self.suppliers
        inflation = np.where(self.dishonest, self.p.faked_sales_share, 0.0)
        return inflation + np.where(sp.fraudster, sp.fake_order_share, 0.0)

    def end_of_day(self, d: int, supplier_gmv: np.ndarray, settlement_day: bool) -> None:
        """Step 9 of the day (after settlement): trailing sales and credit lines,
        what falls due, loans drawn (rationed with finite capital), receivables
        sold, payments, defaults; on settlement days deposits, funds held for
        upstream suppliers and defaulters' estates. ``supplier_gmv``: today's
        platform sales per supplier (yuan)."""
        self.suppliers.stock[~self.suppliers.alive] = 0   # goods returned to an exited supplier are written off
        self._record_sales(d, supplier_gmv)
        line = self._credit_lines()
        self.accrued += to_cents(self.principal / 100.0 * self.lender.rate / 365.0)   # interest accrues daily
        dues = self._dues(d, settlement_day, line)
        draw, rationed, still = self._credit_requests(d, dues, line)
        alive = self.suppliers.alive
        defaulting = alive & (still > 0)
        self._pay_dues(alive & ~defaulting, dues, draw, settlement_day)
        self._default_the_short(d, defaulting, dues, rationed, still)
        if settlement_day:
            self._margin_deposits()
            self._hold_for_upstream()
            self._settle_estates()
        self.comm_today = []

    def _record_sales(self, d: int, supplier_gmv: np.ndarray) -> None:
        """Trailing sales (platform sales and upstream invoices); dishonest
        borrowers pay for faking theirs."""
        fp, led = self.p, self.ledger
        platform_sales = to_cents(supplier_gmv)
        today = platform_sales + self.b2b_today
        self.b2b_today[:] = 0
        col = d % self.sales.shape[1]
        self.sales_sum += today - self.sales[:, col]
        self.sales[:, col] = today
        if fp.faked_sales_share > 0 and self.dishonest.any():
            fake = self.dishonest & self.suppliers.alive
            led.transfer(led.supplier_accts(np.flatnonzero(fake)), led.acct("fraud_costs"),
                         to_cents(platform_sales[fake] / 100.0 * fp.faked_sales_share * fp.fake_order_cost),
                         "fake_orders")

    def _credit_lines(self) -> np.ndarray:
        """Credit lines on trailing sales as reported to the lender."""
        reported = self.sales_sum.astype(np.float64)
        if not self.lender.true_sales:
            reported = reported * (1.0 + self.sales_inflation())
        line = np.floor(self.lender.multiple * reported).astype(np.int64)
        if not self.p.order_loans:
            line[:] = 0
        line[~self.suppliers.alive | self.barred] = 0
        self.line = line
        return line

    def _dues(self, d: int, settlement_day: bool, line: np.ndarray) -> "Dues":
        """What falls due today: interest, instalments and excess loans on settlement
        days (a detected faker's loan is recalled), upstream invoices every day."""
        fp, led, sp = self.p, self.ledger, self.suppliers
        n = sp.n
        zero = np.zeros(n, dtype=np.int64)
        interest, instalment, excess = zero, zero, zero
        detected = np.zeros(n, dtype=bool)
        if settlement_day:
            interest = self.accrued.copy()
            instalment = np.minimum(self.principal, -(-self.principal * self.period // self.term))
            detected = (self.dishonest & sp.alive & ~self.barred & (self.principal > 0)
                        & (self.rng.random(n) < fp.fake_detection_probability))
            self.barred |= detected
            line[detected] = 0
            excess = np.maximum(self.principal - instalment - line, 0)
        slot = d % self.payables.shape[1]
        due_link = self.payables[:, slot].copy()
        self.payables[:, slot] = 0
        owe_up = np.bincount(self.up_brand, weights=due_link, minlength=n).astype(np.int64)
        if self.held.any():   # money held back for upstream suppliers is released to pay them
            rel = np.minimum(self.held, owe_up)
            who = np.flatnonzero(rel)
            led.transfer(led.acct("supply_escrow"), led.supplier_accts(who), rel[who], "escrow_release")
            self.held -= rel
        return Dues(interest, instalment, excess, detected, due_link, owe_up, interest + instalment + excess,
                    self.principal - instalment - excess)

    def _credit_requests(self, d: int, dues: "Dues", line: np.ndarray):
        """Loans drawn to meet what is due (rationed to the lender's cash with finite
        capital), then receivables sold. Returns (draw, rationed or None, still short)."""
        led, alive = self.ledger, self.suppliers.alive
        need = dues.owe_lender + dues.owe_up - led.supplier_balance.copy()
        headroom = np.maximum(line - dues.principal_after, 0)
        draw = np.where(alive, np.clip(need, 0, headroom), 0)
        rationed = None
        budget = None
        if self.lender.capital is not None:   # finite capital: new money at most the lender's cash, pro rata
            budget = max(led["lender"], 0)
            request = draw
            # what a borrower repays the lender today and draws again is rolled over (it needs
            # no cash); only the new money beyond it is rationed
            renew = np.minimum(request, dues.owe_lender)
            new = request - renew
            if int(new.sum()) > budget:
                new = _alloc(budget, new)
            budget -= int(new.sum())
            draw = renew + new
            rationed = request - draw
        still = np.where(alive, need - draw, 0)
        if self.p.receivable_financing and (still > 0).any():
            got, cut = self._sell_receivables(d, still, budget)
            still = still - got
            if cut is not None:
                rationed = rationed + cut
        return draw, rationed, still

    def _pay_dues(self, ok: np.ndarray, dues: "Dues", draw: np.ndarray, settlement_day: bool) -> None:
        """Suppliers that can pay pay what is due and draw their loans."""
        led = self.ledger
        finite = self.lender.capital is not None
        okx = np.flatnonzero(ok)
        if not finite:
            self._fund(int(draw[ok].sum()))
            led.transfer(led.acct("lender"), led.supplier_accts(okx), draw[okx], "loan")
        led.transfer(led.supplier_accts(okx), led.acct("lender"), dues.interest[okx], "interest")
        led.transfer(led.supplier_accts(okx), led.acct("lender"), dues.instalment[okx] + dues.excess[okx],
                     "loan_repayment")
        if finite:   # loans rolled over go out after the repayments came in: the lender's cash stays >= 0
            led.transfer(led.acct("lender"), led.supplier_accts(okx), draw[okx], "loan")
        self.principal[okx] = dues.principal_after[okx] + draw[okx]
        if settlement_day:
            self.accrued[okx] = 0
        self.drawn_total += int(draw[okx].sum())
        self.today["drawn"] += int(draw[okx].sum())
        pay_link = ok[self.up_brand] & (dues.due_link > 0)
        led.transfer(led.supplier_accts(self.up_brand[pay_link]), led.supplier_accts(self.up_sme[pay_link]),
                     dues.due_link[pay_link], "trade_credit_payment")

    def _default_the_short(self, d: int, defaulting: np.ndarray, dues: "Dues", rationed, still) -> None:
        """Suppliers still short after credit and receivable sales default, each with its proximate cause."""
        by_rationing = np.zeros(defaulting.size, dtype=bool)
        if rationed is not None:
            rationed_today = int(rationed.sum())
            self.today["rationed"] += rationed_today
            self.rationed_total += rationed_today
            # rationing caused the default if full credit would have met what was due
            by_rationing = defaulting & (rationed > 0) & (still <= rationed)
            if by_rationing.any():
                lost = self.lender_claims - self.lender_recovered
                worst = max(self.lender_loss_of.items(), key=lambda kv: (kv[1], -kv[0]), default=(-1, 0))
                source = worst[0] if worst[1] > 0 else -1
        for i in np.flatnonzero(defaulting):
            why = DefaultCause.RATIONED if by_rationing[i] else dues.cause(i)
            unpaid = np.where(self.up_brand == i, dues.due_link, 0)
            rec = self.default_supplier(int(i), d, why.value, unpaid_due=unpaid)
            if by_rationing[i]:
                rec["credit_rationed"] = int(rationed[i]) / 100.0
                rec["lender_losses"] = lost / 100.0
                rec["lender_loss_source"] = source
                rec["via_lender_losses"] = lost >= rationed_today

    def _fund(self, amount: int) -> None:
        """With unlimited capital the lender draws outside funding when its own
        money runs short (with finite capital the day's credit was rationed to its cash)."""
        led = self.ledger
        if self.lender.capital is not None:
            assert amount <= led["lender"], "credit beyond the lender's cash"
            return
        gap = amount - led["lender"]
        if gap > 0:
            led.transfer(led.acct("funding"), led.acct("lender"), gap, "lender_funding")

    def _sell_receivables(self, d: int, need: np.ndarray,
                          budget: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Short suppliers sell matured receivables (oldest first) until covered;
        returns the cash each received and, with a ``budget`` (the lender's cash
        left, finite capital), what each was refused (else None). If the
        proceeds wanted exceed the budget, each supplier gets a pro rata share
        of it (``_alloc``) and sells whole orders, oldest first, up to it."""
        led = self.ledger
        short = need > 0
        parts = []
        for k, ch in enumerate(self.book):
            done = self.financed.get(ch.day)
            # (pre-sale orders are not sold: part of their money may have been released already)
            ok = (ch.outcome == KEPT) & (ch.delivery_day + self.window < d) & short[ch.supplier] & ~ch.presale
            if done is not None:
                ok &= ~done
            idx = np.flatnonzero(ok)
            if idx.size:
                parts.append((np.full(idx.size, k), idx, ch.supplier[idx], ch.price[idx] - ch.platform_fee[idx]))
        got = np.zeros(need.size, dtype=np.int64)
        if not parts:
            return got, (None if budget is None else got.copy())
        ck, pos, sup, face = (np.concatenate(x) for x in zip(*parts))
        proceeds = np.floor(face * (1.0 - self.p.receivable_discount)).astype(np.int64)
        order = np.lexsort((ck, sup))          # by supplier, oldest chunk first
        s, pr = sup[order], proceeds[order]
        cs = np.cumsum(pr)
        start = np.r_[True, s[1:] != s[:-1]]
        first = np.maximum.accumulate(np.where(start, np.arange(s.size), 0))
        before = cs - pr - (cs[first] - pr[first])
        sell = before < need[s]
        cut = None
        if budget is not None:
            wanted = np.bincount(s[sell], weights=pr[sell], minlength=need.size).astype(np.int64)
            share = wanted
            if int(wanted.sum()) > budget:
                share = _alloc(budget, wanted)
                sell = sell & (before + pr <= share[s])
            cut = wanted - np.bincount(s[sell], weights=pr[sell], minlength=need.size).astype(np.int64)
        sel = order[sell]
        for k in np.unique(ck[sel]):
            ch = self.book[int(k)]
            mask = self.financed.setdefault(ch.day, np.zeros(ch.price.size, dtype=bool))
            mask[pos[sel][ck[sel] == k]] = True
        got = np.bincount(sup[sel], weights=proceeds[sel], minlength=need.size).astype(np.int64)
        self._fund(int(got.sum()))
        who = np.flatnonzero(got)
        led.transfer(led.acct("lender"), led.supplier_accts(who), got[who], "receivable_sale")
        self.today["rf"] += int(face[sel].sum())
        return got, cut

    def _margin_deposits(self) -> None:
        """Settlement day: deposits move towards their target; a supplier short
        of cash pays what it can (no default for a deposit)."""
        rate = self.p.margin_deposit_rate
        if rate <= 0:
            return
        led, sp = self.ledger, self.suppliers
        target = self.sales_sum * rate
        if self.p.dynamic_deposits:
            target = target * (1.0 + self.principal / np.maximum(self.line, 1))
        target = np.where(sp.alive, np.floor(target), 0).astype(np.int64)
        delta = target - self.deposit
        cash = np.maximum(led.supplier_balance, 0)
        delta = np.where(delta > 0, np.minimum(delta, cash), delta)
        delta[~sp.alive] = 0
        up, down = np.flatnonzero(delta > 0), np.flatnonzero(delta < 0)
        led.transfer(led.supplier_accts(up), led.acct("deposits"), delta[up], "deposit")
        led.transfer(led.acct("deposits"), led.supplier_accts(down), -delta[down], "deposit_release")
        self.deposit += delta

    def _hold_for_upstream(self) -> None:
        """Settlement day, with ``upstream_escrow``: the platform holds back what each
        living merchant owes its upstream suppliers, as far as its cash goes."""
        if not self.p.upstream_escrow or self.up_brand.size == 0:
            return
        led, sp = self.ledger, self.suppliers
        owed = np.bincount(self.up_brand, weights=self.payables.sum(axis=1), minlength=sp.n).astype(np.int64)
        delta = np.where(sp.alive, owed - self.held, 0)
        delta = np.where(delta > 0, np.minimum(delta, np.maximum(led.supplier_balance, 0)), delta)
        up, down = np.flatnonzero(delta > 0), np.flatnonzero(delta < 0)
        led.transfer(led.supplier_accts(up), led.acct("supply_escrow"), delta[up], "escrow_hold")
        led.transfer(led.acct("supply_escrow"), led.supplier_accts(down), -delta[down], "escrow_release")
        self.held += delta

    # ---------------------------------------------------------------- defaults
    def _hit(self, who: np.ndarray, amount: np.ndarray, parent: int, event: str, d: int) -> None:
        """Remember a loss inflicted on suppliers ``who`` (the largest recent one counts)."""
        who = np.asarray(who, dtype=np.int64)
        amount = np.asarray(amount, dtype=np.int64)
        old = d - self.hit_day[who] > self.p.contagion_memory_days
        take = (amount > 0) & (old | (amount >= self.hit_amount[who]))
        w = who[take]
        self.hit_parent[w] = parent
        self.hit_event[w] = event
        self.hit_amount[w] = amount[take]
        self.hit_day[w] = d

    def _lose(self, cause: str, platform: int = 0, supplier=None, anchor=None) -> None:
        """Book losses (cents; negative: a loss taken back) borne by the platform,
        suppliers ``(index, amount)`` and anchors ``(index, amount)``, by cause."""
        total = int(platform)
        self.loss_platform += int(platform)
        for arr, who in ((self.loss_supplier, supplier), (self.loss_anchor, anchor)):
            if who is None:
                continue
            idx, amt = np.atleast_1d(np.asarray(who[0], dtype=np.int64)), np.atleast_1d(np.asarray(who[1], dtype=np.int64))
            if idx.size:
                np.add.at(arr, idx, np.broadcast_to(amt, idx.shape))
                total += int(np.broadcast_to(amt, idx.shape).sum())
        self.loss_by_cause[cause] += total

    def _new_record(self, agent: str, idx: int, d: int, proximate: str, forced: str | None) -> dict:
        parent, trigger = -1, None
        if forced is not None:
            trigger = forced
        elif agent == "supplier" and d - self.hit_day[idx] <= self.p.contagion_memory_days:
            if self.hit_parent[idx] >= 0:
                parent = int(self.hit_parent[idx])
            elif self.hit_event[idx]:
                trigger = str(self.hit_event[idx])
        if parent >= 0:
            p = self.records[parent]
            depth, trigger = p["depth"] + 1, p["trigger"]
            chain = f"{p['chain']} -> {agent} {idx}"
        else:
            depth = 0
            trigger = trigger or f"endogenous: {proximate}"
            chain = f"{trigger} -> {agent} {idx}"
        rec = {**DEFAULT_RECORD, "id": len(self.records), "day": d, "agent": agent, "index": idx,
               "proximate": proximate, "parent": parent, "depth": depth, "trigger": trigger, "chain": chain}
        self.records.append(rec)
        self.today["defaults"] += 1
        if depth > 0:
            self.today["contagion_defaults"] += 1
        return rec

    def default_supplier(self, i: int, d: int, proximate: str, forced: str | None = None,
                         unpaid_due: np.ndarray | None = None) -> dict:
        """Supplier ``i`` defaults and exits (the rule in the module docstring)."""
        rec = self._new_record("supplier", i, d, proximate, forced)
        self._clear_bills(i, rec)
        self._pool_estate(i)
        self._file_claims(i, d, rec, unpaid_due)
        self._pay_estate(i)
        c = self.claims.get(i)   # (gone if its cash paid every creditor)
        if c is not None:
            self._compensate_presale(c, rec)
            self._compensate_upstream(c, d, rec)
        self._exit(i)
        return rec

    def _clear_bills(self, i: int, rec: dict) -> None:
        """Bills it could not pay: claw back today's commission, then outside vendors lose."""
        led = self.ledger
        acct = led.supplier_accts(i)
        short = max(-int(led.supplier_balance[i]), 0)
        if short and self.comm_today:
            s, a, amt = (np.concatenate(x) for x in zip(*self.comm_today))
            mine = s == i
            back = _alloc(short, amt[mine])
            led.transfer(led.anchor_accts(a[mine]), acct, back, "commission_clawback")
            self._lose("bad_debt", anchor=(a[mine], back))
            rec["commission_clawback"] = float(back.sum()) / 100.0
            short -= int(back.sum())
        if short:
            led.transfer(led.acct("unpaid_vendors"), acct, short, "unpaid_bills")
            rec["unpaid_bills"] = short / 100.0

    def _pool_estate(self, i: int) -> None:
        """Money held back for its upstream suppliers, and its deposit, join its cash."""
        led = self.ledger
        acct = led.supplier_accts(i)
        if self.held[i]:
            led.transfer(led.acct("supply_escrow"), acct, int(self.held[i]), "escrow_release")
            self.held[i] = 0
        if self.deposit[i]:
            led.transfer(led.acct("deposits"), acct, int(self.deposit[i]), "deposit_release")
            self.deposit[i] = 0

    def _file_claims(self, i: int, d: int, rec: dict, unpaid_due: np.ndarray | None) -> None:
        """The creditors' claims on its estate: the lender, its upstream suppliers, and
        the buyers of its pre-sale orders not shipped yet (cancelled: escrowed deposits
        go back to them; what was released to it is their claim)."""
        sp = self.suppliers
        lender = int(self.principal[i] + self.accrued[i])
        links = np.flatnonzero(self.up_brand == i)
        up = self.payables[links].sum(axis=1)
        if unpaid_due is not None:
            up = up + unpaid_due[links]
        self.payables[links] = 0
        n_pre, refunded, pre_claim = self.presale.cancel_supplier(i, d)
        rec["presale_cancelled"], rec["presale_refunded"] = n_pre, refunded / 100.0
        rec["presale_claim"] = pre_claim / 100.0
        self.claims[i] = {"lender": lender, "sme": self.up_sme[links], "up": up.astype(np.int64), "id": rec["id"],
                          "presale": pre_claim, "presale_to": "consumers"}
        # upstream suppliers' unpaid invoices are their bad debt (recoveries and
        # reserve payouts later reduce it); the defaulter writes off its goods
        self._lose("bad_debt", supplier=(self.up_sme[links], up.astype(np.int64)))
        goods = int(round(float((sp.stock[i] + sp.pipeline[i].sum()) * sp.unit_cost[i] * 100.0)))
        self._lose("write_off", supplier=(i, goods))
        self.lender_claims += lender
        if lender:
            self.lender_loss_of[rec["id"]] = lender
        self.principal_written_off += int(self.principal[i])
        rec["loan_claim"] = lender / 100.0
        rec["upstream_claims"] = float(up.sum()) / 100.0

    def _compensate_presale(self, c: dict, rec: dict) -> None:
        """Under the compensation guarantee the platform pays consumers the pre-sale
        money the estate could not repay, and takes over their claim."""
        led = self.ledger
        if c["presale"] > 0 and self.params.guarantees.compensation:
            led.transfer(led.acct("platform"), led.acct("consumers"), c["presale"], "presale_compensation")
            self._lose("cover", platform=c["presale"])   # the platform takes over the buyers' loss
            c["presale_to"] = "platform"
            rec["presale_compensated"] = c["presale"] / 100.0

    def _compensate_upstream(self, c: dict, d: int, rec: dict) -> None:
        """The risk reserve compensates upstream suppliers; what they still lose is
        remembered (for their own defaults' causes)."""
        led, sp = self.ledger, self.suppliers
        comp = _alloc(min(led["reserve"], int(c["up"].sum())), c["up"])
        led.transfer(led.acct("reserve"), led.supplier_accts(c["sme"]), comp, "reserve_payout")
        self._lose("cover", platform=int(comp.sum()), supplier=(c["sme"], -comp))
        c["up"] = c["up"] - comp
        rec["reserve_paid"] = float(comp.sum()) / 100.0
        loss = np.bincount(c["sme"], weights=c["up"], minlength=sp.n).astype(np.int64)
        hit = np.flatnonzero(loss > 0)
        self._hit(hit, loss[hit], rec["id"], "", d)
        rec["creditors_hit"] = int(hit.size)

    def _exit(self, i: int) -> None:
        """It stops selling, producing and borrowing; its agent leaves the model."""
        sp = self.suppliers
        lender = int(self.principal[i] + self.accrued[i])
        sp.alive[i] = False
        sp.stock[i] = 0
        sp.pipeline[i] = 0
        sp.capacity[i] = 0.0
        sp.store_probability[i] = 0.0
        sp.shelf_weight[i] = 1e-12   # (not 0: the shelf draws pages by weight, and all may exit)
        sp.appeal[i] = 1e-12
        sp.demand_ema[i] = 0.0
        self.principal[i] = self.accrued[i] = 0
        self.line[i] = 0
        self.today["loss"] += lender
        agent = self.supplier_agent.pop(i, None)
        if agent is not None:
            agent.remove()

    def default_anchor(self, a: int, d: int, label: str, cash_lost: float, return_share: float, rank: int) -> dict:
        """Anchor ``a`` defaults (a shock): its cash is lost (seized, frozen), it stops
        broadcasting, commission owed to it is cancelled, and its followers return a
        share of recent orders, which the suppliers who sold through it lose."""
        led, an = self.ledger, self.anchors
        rec = self._new_record("anchor", a, d, f"{label}: anchor of GMV rank {rank}", label)
        cash = int(led.anchor_balance[a])
        seized = int(cash * cash_lost)
        led.transfer(led.anchor_accts(a), led.acct("penalties"), seized, "anchor_seized")
        self._lose("shock", anchor=(a, seized))
        led.transfer(led.anchor_accts(a), led.acct("capital"), cash - seized, "anchor_estate_to_owners")
        an.alive[a] = False
        if return_share > 0:
            lost = self.return_wave(d, return_share, lambda ch: ch.anchor == a)
            hit = np.flatnonzero(lost > 0)
            self._hit(hit, lost[hit], rec["id"], "", d)
            rec["creditors_hit"] = int(hit.size)
        agent = self.anchor_agent.pop(a, None)
        if agent is not None:
            agent.remove()
        return rec

    def _pay_estate(self, i: int) -> None:
        """A defaulted supplier's cash goes to its creditors (pro rata; upstream
        first with ``upstream_escrow``), the rest to its owners."""
        led = self.ledger
        c = self.claims.get(i)
        cash = int(led.supplier_balance[i])
        if cash <= 0:
            return
        acct = led.supplier_accts(i)
        if c is not None:
            L, up, P = c["lender"], c["up"], c["presale"]
            if self.p.upstream_escrow:
                pu = _alloc(min(cash, int(up.sum())), up)
                rest = _alloc(min(cash - int(pu.sum()), L + P), np.array([L, P]))
                pl, pp = int(rest[0]), int(rest[1])
            else:
                total = L + int(up.sum()) + P
                share = _alloc(min(cash, total), np.append(up, [L, P]))
                pu, pl, pp = share[:-2], int(share[-2]), int(share[-1])
            led.transfer(acct, led.supplier_accts(c["sme"]), pu, "upstream_recovery")
            self._lose("bad_debt", supplier=(c["sme"], -pu))
            led.transfer(acct, led.acct("lender"), pl, "recovery")
            if c["presale_to"] == "platform":
                led.transfer(acct, led.acct("platform"), pp, "presale_recovery_platform")
                self._lose("cover", platform=-pp)
            else:
                led.transfer(acct, led.acct("consumers"), pp, "presale_recovery")
            if pp:
                self.presale.recovered(pp)
            c["up"] = up - pu
            c["lender"] = L - pl
            c["presale"] = P - pp
            self.lender_recovered += pl
            if pl:
                self.lender_loss_of[c["id"]] -= pl
            self.today["loss"] -= pl
            cash -= int(pu.sum()) + pl + pp
            if c["lender"] == 0 and not c["up"].any() and c["presale"] == 0:
                del self.claims[i]
        if cash > 0 and i not in self.claims:
            led.transfer(acct, led.acct("capital"), cash, "estate_to_owners")

    def _settle_estates(self) -> None:
        """Settlement day: defaulted suppliers' settled receivables go to their
        creditors; return costs after the exit are borne by the platform."""
        led, sp = self.ledger, self.suppliers
        dead = np.flatnonzero(~sp.alive)
        bal = led.supplier_balance[dead]
        neg = dead[bal < 0]
        cover = -led.supplier_balance[neg]
        led.transfer(led.acct("platform"), led.supplier_accts(neg), cover, "exit_cover")
        self._lose("cover", platform=int(cover.sum()))
        for i in dead[bal > 0]:
            self._pay_estate(int(i))

    # ------------------------------------------------------------ accrued claims
    def accrued_claims(self) -> tuple[float, np.ndarray]:
        """Claims (positive) and liabilities (negative) the credit sub-model
        holds per agent (cents): the platform's and each supplier's.

        Borrowed cash is not profit: loan principal and interest accrued are
        the borrower's liabilities; margin deposits and money held back for
        upstream suppliers are still the supplier's; an upstream invoice not
        paid yet is owed by the brand to its SME supplier; a receivable sold to
        the lender (still in the order book, which counts it as owed to the
        supplier) is the lender's: settlement pays it to the supplier, who
        passes it on at once (``receivable_collection``). The risk reserve and
        the return-insurance pool are run by the platform."""
        led, n = self.ledger, self.suppliers.n
        sup = (self.deposit + self.held - self.principal - self.accrued).astype(np.float64)
        owed = self.payables.sum(axis=1).astype(np.float64)
        sup -= np.bincount(self.up_brand, weights=owed, minlength=n)
        sup += np.bincount(self.up_sme, weights=owed, minlength=n)
        for ch in self.book:
            fin = self.financed.get(ch.day)
            if fin is None or fin.size != ch.price.size:
                continue   # (a chunk's pre-sale rest after settlement: never sold)
            sold = fin & (ch.outcome == KEPT)
            sup -= np.bincount(ch.supplier[sold], weights=(ch.price - ch.platform_fee)[sold], minlength=n)
        return float(led["reserve"] + led["insurance"]), sup

    def in_debt(self) -> np.ndarray:
        """Suppliers that owe the lender (principal or interest accrued): they cannot
        simply walk away (sim/market/entry.py); they repay or default."""
        return (self.principal + self.accrued) > 0

    # ---------------------------------------------------------------- measures
    def daily_row(self) -> dict[str, float]:
        t = self.today
        sp = self.suppliers
        row = {
            "defaults": float(t["defaults"]),
            "contagion_defaults": float(t["contagion_defaults"]),
            "suppliers_alive": float(sp.alive.sum()),
            "loans_outstanding": float(self.principal.sum()) / 100.0,
            "loans_drawn": t["drawn"] / 100.0,
            "lender_cash": self.ledger["lender"] / 100.0,
            "credit_rationed": t["rationed"] / 100.0,
            "credit_lines": float(self.line[sp.alive].sum()) / 100.0,
            "loan_losses": t["loss"] / 100.0,
            "receivables_sold": t["rf"] / 100.0,
            "risk_reserve": self.ledger["reserve"] / 100.0,
            **self.presale.daily_row(),
        }
        return row

    def summary(self) -> dict[str, float]:
        recs = self.records
        n_sup = self.suppliers.n
        sup = [r for r in recs if r["agent"] == "supplier"]
        contagion = [r for r in recs if r["depth"] > 0]
        losses = (self.lender_claims - self.lender_recovered) / 100.0
        drawn = self.drawn_total / 100.0
        return {
            "defaults_suppliers": float(len(sup)),
            "defaults_anchors": float(len(recs) - len(sup)),
            "contagion_defaults": float(len(contagion)),
            "default_share": len(sup) / n_sup,
            "upstream_default_share": sum(r["agent"] == "supplier" for r in contagion) / n_sup,
            "max_contagion_depth": float(max((r["depth"] for r in recs), default=0)),
            "loans_drawn": drawn,
            "credit_rationed": self.rationed_total / 100.0,
            "rationed_defaults": float(sum(r["proximate"] == RATIONED for r in recs)),
            "lender_contagion_defaults": float(sum(r["proximate"] == RATIONED and r["via_lender_losses"]
                                                   for r in recs)),
            "loan_losses": losses,
            "loan_loss_rate": losses / drawn if drawn > 0 else 0.0,
            **self.presale.summary(),
        }

    def default_table(self) -> pd.DataFrame:
        """One row per default: when, who, why, its parent default and the chain to its trigger."""
        return pd.DataFrame(self.records, columns=list(DEFAULT_RECORD))


class NoCredit:
    """The credit sub-model switched off (``finance.enabled = false``): no lender, no
    loans, no defaults; production is paid in full whatever the cash, and every
    other hook is a no-op (the null object the daily rule calls instead of a branch)."""

    enabled = False
    lender = None

    def __init__(self, ledger, suppliers):
        self.ledger, self.suppliers = ledger, suppliers

    def start_day(self) -> None:
        pass

    def fire_event(self, ev, d: int) -> None:
        raise ValueError(f"event {ev.kind} needs the credit sub-model (finance.enabled)")

    def production_budget(self) -> None:
        return None

    def pay_production(self, d: int, order: np.ndarray) -> int:
        sp, led = self.suppliers, self.ledger
        cost = to_cents(order * sp.unit_cost)
        led.transfer(led.supplier_accts(np.arange(sp.n)), led.acct("production"), cost, "production")
        return int(cost.sum())

    def on_returns(self, supplier: np.ndarray, cost: np.ndarray) -> None:
        pass

    def on_settled_chunk(self, ch, kept: np.ndarray, via: np.ndarray) -> None:
        pass

    def on_settlement(self, commission_today: int) -> None:
        pass

    def end_of_day(self, d: int, supplier_gmv: np.ndarray, settlement_day: bool) -> None:
        pass

    def accrued_claims(self) -> None:
        return None

    def in_debt(self) -> np.ndarray:
        """No loans: nobody owes the lender."""
        return np.zeros(self.suppliers.n, dtype=bool)

    def daily_row(self) -> dict[str, float]:
        return {k: (float(self.suppliers.alive.sum()) if k == "suppliers_alive" else 0.0) for k in FINANCE_DAILY}

    def summary(self) -> dict[str, float]:
        return {k: 0.0 for k in FINANCE_SUMMARY}
