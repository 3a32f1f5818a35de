"""Entry and exit of anchors and suppliers (MODEL.md 4.9; issue 13 item 3).

Without this sub-model the population is fixed: nobody enters and only
defaulters leave (sim/finance/credit.py). With it:

* **reserve rows** (:func:`add_reserve_rows`): when the model is built, the
  supplier and anchor tables get ``entry.reserve_suppliers`` and
  ``entry.reserve_anchors`` (shares of the initial population) extra rows,
  drawn from the same laws as the initial population but from the ``entry``
  stream, and *inactive*: ``alive`` false, ``reserved`` true, no capacity, no
  stock, no shelf weight, no fraud. Every sub-model already ignores a row that
  is not alive (defaulters are excluded that way), so a reserve row takes no
  part in the day until an entrant takes it. Exited rows are not reused: the
  reserve is the documented capacity for entrants over a run;
* **exit after sustained losses** (:meth:`EntryExit.review`): every
  ``entry.review_days`` days each living agent's accrual profit over the
  period is judged: cash plus what the order book, the credit and pre-sale
  sub-models say it is owed, plus its stock at unit cost (as the coalition
  game's ``wealth``), against the wealth at the last review. A period with a
  profit per day below the agent's reservation income (``supplier_`` /
  ``anchor_reservation_income``) is a loss; after ``exit_reviews`` losses in
  a row the agent exits (an entrant only after ``grace_reviews`` reviews). A
  supplier that owes the lender or still owes pre-sale goods does not walk
  away: it repays or defaults (the credit sub-model). An exiter's cash goes to
  its owners (``capital``; ``exit_to_owners``, ``anchor_exit_to_owners``), a
  negative balance is made good by them (``exit_top_up``,
  ``anchor_exit_top_up``), and so is anything that reaches its account later
  (settlement of its last sales, refunds): the sweep runs every day;
* **entry** (same review): entrants expect what the small players earned over
  the period (profit per day, mean over living SME suppliers, resp. tail-tier
  or new anchors); entrants arrive as a Poisson number with mean ``rate x
  initial population x review_days / 365 x 2 / (1 + exp(-(expected -
  reservation) / scale))``: the base rate when they expect exactly the
  reservation income, up to twice that when much more, none when much less.
  An entrant supplier gets its starting cash from ``capital`` (flow
  ``capital``, as the initial population's), its drawn capacity, stock and
  shelf weight; an entrant anchor starts at age 0 with no followers in the
  tail tier, so the traffic policy's new-entrant boost and long-tail reserve
  apply to it; both draw their honesty from the population's law
  (:meth:`sim.trust.TrustSystem.draw_honesty`), so fraudsters keep arriving.

Exits by default are recorded here too (cause ``default``), so that the
measures give exits by cause and survival by cohort (the day of entry; the
initial population is cohort -1).
"""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.claims import order_book_claims

#: why an agent left: still active, defaulted (credit sub-model), exited after sustained losses
ACTIVE, DEFAULT, LOSSES = 0, 1, 2
EXIT_CAUSES = ("default", "losses")

ENTRY_DAILY = {
    "entries_suppliers": "suppliers that entered today (reserve rows taken)",
    "entries_anchors": "anchors that entered today",
    "exits_suppliers_losses": "suppliers that exited today after sustained losses",
    "exits_anchors_losses": "anchors that exited today after sustained losses",
    "exits_suppliers_default": "suppliers that left today by default (credit sub-model; 0 while entry is off: see defaults)",
    "exits_anchors_default": "anchors that left today by default (0 while entry is off)",
    "active_suppliers": "suppliers active at the end of the day (alive, not a reserve row)",
    "active_anchors": "anchors active at the end of the day",
    "entrant_gmv_share": "share of today's GMV sold by suppliers that entered during the run",
    "entrant_anchor_gmv_share": "share of today's live-room GMV sold in rooms of anchors that entered during the run",
    "expected_profit_suppliers": "profit per day an entrant supplier expects at the last review (yuan/day)",
    "expected_profit_anchors": "profit per day an entrant anchor expects at the last review (yuan/day)",
    "fraudster_share": "share of active anchors and suppliers that fake sales (0 while entry is off: see fraudsters)",
}

ENTRY_SUMMARY = {
    "entries_suppliers": "suppliers that entered over the run",
    "entries_anchors": "anchors that entered over the run",
    "exits_suppliers_losses": "suppliers that exited after sustained losses over the run",
    "exits_anchors_losses": "anchors that exited after sustained losses over the run",
    "exits_suppliers_default": "suppliers that defaulted over the run",
    "exits_anchors_default": "anchors that defaulted over the run",
    "survival_sme_initial": "share of the initial SME suppliers still active at the end",
    "survival_sme_entrants": "share of entrant SME suppliers still active at the end (0 without entrants)",
    "survival_small_anchors_initial": "share of the initial small anchors (tail tier on day 0) still active at the end",
    "survival_anchors_entrants": "share of entrant anchors still active at the end (0 without entrants)",
    "entrant_gmv_share": "share of the run's GMV sold by suppliers that entered during the run",
    "entrant_anchor_gmv_share": "share of the run's live-room GMV sold in rooms of entrant anchors",
    "fraudster_share_end": "share of active anchors and suppliers faking sales on the last day",
}


def _extend(table, extra, n: int, depth_cols=("pipeline",)) -> None:
    """Append the rows of ``extra`` (a table of the same class) to every column of ``table``."""
    for name, col in list(vars(table).items()):
        if not isinstance(col, np.ndarray) or col.ndim == 0 or col.shape[0] != n:
            continue
        more = getattr(extra, name)
        if name in depth_cols and more.shape[1] != col.shape[1]:
            width = max(more.shape[1], col.shape[1])
            col = np.pad(col, ((0, 0), (0, width - col.shape[1])))
            more = np.pad(more, ((0, 0), (0, width - more.shape[1])))
        setattr(table, name, np.concatenate([col, more.astype(col.dtype, copy=False)]))
    table.n = n + extra.n


class Reserve:
    """The drawn state of the reserve rows, applied when an entrant takes a row."""

    def __init__(self, suppliers, anchors, n_sup0: int, n_anc0: int):
        self.n_sup0, self.n_anc0 = n_sup0, n_anc0
        s = slice(n_sup0, None)
        self.supplier_cols = {k: getattr(suppliers, k)[s].copy() for k in
                              ("capacity", "appeal", "store_probability", "shelf_weight", "stock")}


def add_reserve_rows(params, suppliers, anchors, rng: np.random.Generator) -> Reserve:
    """Append the reserve rows to the supplier and anchor tables (drawn from ``rng``,
    the ``entry`` stream) and make them inactive. Returns what an entrant gets."""
    from sim.agents import AnchorTable, SupplierTable   # (the tables' own constructors draw the rows)

    e, pop = params.entry, params.population
    n_s, n_a = suppliers.n, anchors.n
    r_s = int(round(e.reserve_suppliers * n_s))
    r_a = int(round(e.reserve_anchors * n_a))
    for table, r, build, key in ((suppliers, r_s, SupplierTable, "suppliers"), (anchors, r_a, AnchorTable, "anchors")):
        if r == 0:
            continue
        sc_r = params.model_copy(update={"population": pop.model_copy(update={key: r})})
        extra = build(sc_r, rng)
        if key == "suppliers":   # sized as the initial population's suppliers are
            f = params.supplier_scale / sc_r.supplier_scale
            extra.capacity = extra.capacity * f
            extra.stock = np.floor(params.suppliers.initial_stock_days * extra.capacity).astype(np.int64)
        _extend(table, extra, table.n)
    reserve = Reserve(suppliers, anchors, n_s, n_a)
    sp, an = suppliers, anchors
    for table, n0 in ((sp, n_s), (an, n_a)):
        table.alive[n0:] = False
        table.reserved[n0:] = True
    _deactivate_supplier(sp, np.arange(n_s, sp.n))
    an.followers[n_a:] = 0
    return reserve


def _deactivate_supplier(sp, rows: np.ndarray) -> None:
    """What an exited supplier is (as the credit sub-model's ``_exit``): no stock, no
    capacity, no store broadcasts, (almost) no shelf weight or appeal."""
    sp.stock[rows] = 0
    sp.pipeline[rows] = 0
    sp.capacity[rows] = 0.0
    sp.store_probability[rows] = 0.0
    sp.shelf_weight[rows] = 1e-12   # (not 0: the shelf draws pages by weight)
    sp.appeal[rows] = 1e-12
    sp.demand_ema[rows] = 0.0


def _stop_faking(table, rows: np.ndarray) -> None:
    table.fraudster[rows] = False
    table.fake_order_share[rows] = 0.0


def entry_rate(base_per_year: float, n0: int, days: int, expected: float, reservation: float,
               scale: float) -> float:
    """Mean number of entrants in a review period: the base rate when entrants expect
    the reservation income, rising logistically to twice it with expected profit."""
    x = np.clip((expected - reservation) / scale, -50.0, 50.0)
    return float(base_per_year * n0 * days / 365.0 * 2.0 / (1.0 + np.exp(-x)))


def losing_streak(streak: np.ndarray, judged: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Consecutive loss reviews: +1 for a judged loss, reset by a judged period that
    was not a loss, unchanged for an agent not judged."""
    return np.where(judged, np.where(loss, streak + 1, 0), streak)


class EntryExit:
    """Exit after sustained losses and entry into reserve rows.

    Receives the scenario, the supplier and anchor tables, the ledger, the order
    book, the category terms (reverse logistics of pending returns), the credit and
    pre-sale sub-models (or their null objects: what agents are owed and owe), the
    trust sub-model (entrants' honesty), the adaptation (partner weights), the
    reserve, ``admit`` and ``retire`` (the model's callbacks that add and remove an
    entrant's or exiter's Mesa agent) and the ``entry`` stream."""

    enabled = True

    def __init__(self, params, suppliers, anchors, ledger, book, categories, credit, presales, trust,
                 adaptation, reserve: Reserve, admit, retire, rng):
        self.params, self.suppliers, self.anchors, self.ledger, self.book = params, suppliers, anchors, ledger, book
        self.categories, self.credit, self.presales, self.trust = categories, credit, presales, trust
        self.adaptation, self.reserve, self.admit, self.retire, self.rng = adaptation, reserve, admit, retire, rng
        ns, na = suppliers.n, anchors.n
        # cohort: the day of entry (-1: the initial population; -2: a reserve row not taken)
        self.cohort_s = np.where(suppliers.reserved, -2, -1).astype(np.int64)
        self.cohort_a = np.where(anchors.reserved, -2, -1).astype(np.int64)
        self.exit_day_s = np.full(ns, -1, np.int64)
        self.exit_day_a = np.full(na, -1, np.int64)
        self.cause_s = np.zeros(ns, np.int64)
        self.cause_a = np.zeros(na, np.int64)
        self.streak_s = np.zeros(ns, np.int64)
        self.streak_a = np.zeros(na, np.int64)
        # reviews since entry (the initial population: judged from the first review on)
        grace = params.entry.grace_reviews
        self.reviews_s = np.where(suppliers.reserved, 0, grace).astype(np.int64)
        self.reviews_a = np.where(anchors.reserved, 0, grace).astype(np.int64)
        self.small_anchor0 = (anchors.tier == 2) & ~anchors.reserved   # small anchors of day 0
        # the owners' net stake (cents) put in by entrants less taken out by exiters:
        # not profit (the coalition game's wealth subtracts it)
        self.stake_s = np.zeros(ns, np.int64)
        self.stake_a = np.zeros(na, np.int64)
        self.gmv_s = np.zeros(ns)   # yuan, GMV of each supplier and each anchor's room, over the run
        self.gmv_a = np.zeros(na)
        self.expected = (0.0, 0.0)
        w_s, w_a = self.wealth(-1)
        self.wealth_s, self.wealth_a = w_s, w_a
        self.today = self._zero()

    @staticmethod
    def _zero() -> dict:
        return {"entries_s": 0, "entries_a": 0, "loss_s": 0, "loss_a": 0, "default_s": 0, "default_a": 0,
                "gmv_entrants": 0.0, "gmv": 0.0, "live_entrants": 0.0, "live": 0.0}

    # ---------------------------------------------------------------- wealth
    def wealth(self, last_day: int) -> tuple[np.ndarray, np.ndarray]:
        """Accrual wealth (cents) of every supplier and anchor at the end of ``last_day``."""
        led, sp, an = self.ledger, self.suppliers, self.anchors
        book = order_book_claims(self.book, last_day, sp.n, an.alive, sp.alive, sp.unit_cost,
                                 self.categories.reverse_share)
        sup = led.supplier_balance.astype(np.float64) + book.supplier
        credit = self.credit.accrued_claims()
        if credit is not None:
            sup = sup + credit[1]
        presale = self.presales.accrued_claims(last_day)
        if presale is not None:
            sup = sup + presale
        sup = sup + np.where(sp.alive, (sp.stock + sp.pipeline.sum(axis=1)) * sp.unit_cost * 100.0, 0.0)
        anc = led.anchor_balance.astype(np.float64) + book.anchor
        return sup, anc

    def owners_stake(self) -> tuple[np.ndarray, np.ndarray]:
        """Cents entrants' owners put in less what exiters' owners took out, per supplier
        and anchor (subtracted from accrual wealth: capital is not profit)."""
        return self.stake_s.astype(np.float64), self.stake_a.astype(np.float64)

    # ---------------------------------------------------------------- the day
    def end_of_day(self, d: int, orders) -> None:
        """Step 11 (after the credit sub-model): record defaults, sweep exiters' late
        money to their owners, tally cohort GMV; on a review day judge and admit."""
        self.today = t = self._zero()
        sp, an = self.suppliers, self.anchors
        for alive, exit_day, cause, key in ((sp.alive, self.exit_day_s, self.cause_s, "default_s"),
                                            (an.alive, self.exit_day_a, self.cause_a, "default_a")):
            gone = ~alive & (exit_day < 0) & (cause == ACTIVE)
            gone &= ~(sp.reserved if key == "default_s" else an.reserved)
            exit_day[gone] = d
            cause[gone] = DEFAULT
            t[key] = int(gone.sum())
        self._sweep()
        sp.stock[self.cause_s == LOSSES] = 0   # goods returned to an exiter are written off (as to a defaulter)
        gs, ga = orders.supplier_gmv, orders.room_gmv[:an.n]
        self.gmv_s += gs
        self.gmv_a += ga
        t["gmv"], t["gmv_entrants"] = float(gs.sum()), float(gs[self.cohort_s >= 0].sum())
        t["live"], t["live_entrants"] = float(orders.room_gmv.sum()), float(ga[self.cohort_a >= 0].sum())
        if (d + 1) % self.params.entry.review_days == 0:
            self.review(d)

    def _sweep(self) -> None:
        """Whatever reaches a loss exiter's account after its exit goes to (or is made good
        by) its owners, so that an exited agent holds no cash."""
        led = self.ledger
        for cause, bal, accts, out_flow, in_flow, stake in (
                (self.cause_s, led.supplier_balance, led.supplier_accts, "exit_to_owners", "exit_top_up", self.stake_s),
                (self.cause_a, led.anchor_balance, led.anchor_accts, "anchor_exit_to_owners", "anchor_exit_top_up",
                 self.stake_a)):
            rows = np.flatnonzero(cause == LOSSES)
            if rows.size == 0:
                continue
            b = bal[rows].copy()
            pos, neg = rows[b > 0], rows[b < 0]
            led.transfer(accts(pos), led.acct("capital"), b[b > 0], out_flow)
            led.transfer(led.acct("capital"), accts(neg), -b[b < 0], in_flow)
            stake[rows] -= b

    # ---------------------------------------------------------------- review
    def review(self, d: int) -> None:
        e, sp, an = self.params.entry, self.suppliers, self.anchors
        days = e.review_days
        w_s, w_a = self.wealth(d)
        # profit per day over the period (yuan), capital put in or taken out excluded
        p_s = (w_s - self.wealth_s) / 100.0 / days
        p_a = (w_a - self.wealth_a) / 100.0 / days
        owes = self.credit.in_debt()
        committed = self.presales.committed()
        if committed is not None:
            owes = owes | (committed > 0)
        exits = []
        for kind, table, p, streak, reviews, res, block in (
                ("supplier", sp, p_s, self.streak_s, self.reviews_s, e.supplier_reservation_income, owes),
                ("anchor", an, p_a, self.streak_a, self.reviews_a, e.anchor_reservation_income, None)):
            active = table.alive & ~table.reserved
            judged = active & (reviews >= e.grace_reviews)
            streak[:] = losing_streak(streak, judged, p < res)
            leave = judged & (streak >= e.exit_reviews)
            if block is not None:
                leave &= ~block
            reviews[active] += 1
            exits.append(np.flatnonzero(leave))
        self._exit_suppliers(exits[0], d)
        self._exit_anchors(exits[1], d)
        # entrants expect what the small players earned
        small_s = sp.alive & ~sp.reserved & ~sp.is_large
        small_a = an.alive & ~an.reserved & ((an.tier == 2) | (an.age < self.params.traffic.new_entrant_days))
        exp_s = float(p_s[small_s].mean()) if small_s.any() else e.supplier_reservation_income
        exp_a = float(p_a[small_a].mean()) if small_a.any() else e.anchor_reservation_income
        self.expected = (exp_s, exp_a)
        lam_s = entry_rate(e.supplier_entry_rate, self.reserve.n_sup0, days, exp_s, e.supplier_reservation_income,
                           e.supplier_profit_scale)
        lam_a = entry_rate(e.anchor_entry_rate, self.reserve.n_anc0, days, exp_a, e.anchor_reservation_income,
                           e.anchor_profit_scale)
        k_s, k_a = self.rng.poisson(lam_s), self.rng.poisson(lam_a)
        self._enter_suppliers(np.flatnonzero(sp.reserved)[:k_s], d)
        self._enter_anchors(np.flatnonzero(an.reserved)[:k_a], d)
        # the next period starts from today's wealth (after exits' and entrants' capital)
        self.wealth_s, self.wealth_a = self.wealth(d)

    # ---------------------------------------------------------------- exit
    def _exit_suppliers(self, rows: np.ndarray, d: int) -> None:
        if rows.size == 0:
            return
        sp = self.suppliers
        sp.alive[rows] = False
        _deactivate_supplier(sp, rows)
        _stop_faking(sp, rows)
        sp.sells_fakes[rows] = False
        self.exit_day_s[rows] = d
        self.cause_s[rows] = LOSSES
        self.today["loss_s"] = int(rows.size)
        self.retire("supplier", rows)
        self._sweep()

    def _exit_anchors(self, rows: np.ndarray, d: int) -> None:
        if rows.size == 0:
            return
        an = self.anchors
        an.alive[rows] = False
        _stop_faking(an, rows)
        self.exit_day_a[rows] = d
        self.cause_a[rows] = LOSSES
        self.today["loss_a"] = int(rows.size)
        self.retire("anchor", rows)
        self._sweep()

    # ---------------------------------------------------------------- entry
    def _enter_suppliers(self, rows: np.ndarray, d: int) -> None:
        if rows.size == 0:
            return
        sp, led, sc = self.suppliers, self.ledger, self.params
        k = rows - self.reserve.n_sup0
        for name, col in self.reserve.supplier_cols.items():
            getattr(sp, name)[rows] = col[k]
        sp.pipeline[rows] = 0
        sp.demand_ema[rows] = sp.capacity[rows] * 0.5
        sp.alive[rows] = True
        sp.reserved[rows] = False
        self.trust.draw_honesty(sp, rows, self.rng)
        cash = to_cents(sc.suppliers.initial_cash_days * sp.capacity[rows] * sp.unit_cost[rows])
        led.transfer(led.acct("capital"), led.supplier_accts(rows), cash, "capital")
        self.stake_s[rows] += cash
        self.cohort_s[rows] = d
        self.today["entries_s"] = int(rows.size)
        self.admit("supplier", rows)

    def _enter_anchors(self, rows: np.ndarray, d: int) -> None:
        if rows.size == 0:
            return
        an, sc = self.anchors, self.params
        an.alive[rows] = True
        an.reserved[rows] = False
        an.age[rows] = 0
        an.followers[rows] = 0
        an.tier[rows] = 2
        an.commission_rate[rows] = sc.anchors.commission_rate
        an.fee_multiplier[rows] = 1.0
        an.performance[rows] = 0.0
        an.units_per_listing[rows] = 0.0
        an.pick_partners(self.rng, self.adaptation.partner_weight(), rows)
        self.trust.draw_honesty(an, rows, self.rng)
        self.cohort_a[rows] = d
        self.today["entries_a"] = int(rows.size)
        self.admit("anchor", rows)

    # ---------------------------------------------------------------- measures
    def daily_row(self) -> dict[str, float]:
        t, sp, an = self.today, self.suppliers, self.anchors
        act_s, act_a = sp.alive & ~sp.reserved, an.alive & ~an.reserved
        n_act = int(act_s.sum() + act_a.sum())
        fr = int((sp.fraudster & act_s).sum() + (an.fraudster & act_a).sum())
        return {
            "entries_suppliers": float(t["entries_s"]), "entries_anchors": float(t["entries_a"]),
            "exits_suppliers_losses": float(t["loss_s"]), "exits_anchors_losses": float(t["loss_a"]),
            "exits_suppliers_default": float(t["default_s"]), "exits_anchors_default": float(t["default_a"]),
            "active_suppliers": float(act_s.sum()), "active_anchors": float(act_a.sum()),
            "entrant_gmv_share": _share(t["gmv_entrants"], t["gmv"]),
            "entrant_anchor_gmv_share": _share(t["live_entrants"], t["live"]),
            "expected_profit_suppliers": self.expected[0], "expected_profit_anchors": self.expected[1],
            "fraudster_share": fr / n_act if n_act else 0.0,
        }

    def summary(self, daily) -> dict[str, float]:
        sp, an = self.suppliers, self.anchors
        sme0 = (self.cohort_s == -1) & ~sp.is_large
        sme_new = (self.cohort_s >= 0) & ~sp.is_large
        new_a = self.cohort_a >= 0
        out = {k: float(daily[k].sum()) for k in ("entries_suppliers", "entries_anchors", "exits_suppliers_losses",
                                                  "exits_anchors_losses", "exits_suppliers_default",
                                                  "exits_anchors_default")}
        out["survival_sme_initial"] = _mean(sp.alive[sme0])
        out["survival_sme_entrants"] = _mean(sp.alive[sme_new])
        out["survival_small_anchors_initial"] = _mean(an.alive[self.small_anchor0])
        out["survival_anchors_entrants"] = _mean(an.alive[new_a])
        out["entrant_gmv_share"] = _share(float(self.gmv_s[self.cohort_s >= 0].sum()), float(self.gmv_s.sum()))
        out["entrant_anchor_gmv_share"] = _share(float(self.gmv_a[new_a].sum()), float(daily["gmv_live"].sum()))
        out["fraudster_share_end"] = float(daily["fraudster_share"].iloc[-1]) if len(daily) else 0.0
        return out

    def cohorts(self) -> "list[dict]":
        """Survival and GMV by cohort (day of entry; -1 the initial population), per role and size."""
        sp, an = self.suppliers, self.anchors
        rows = []
        for role, cohort, alive, gmv, small in (
                ("sme", self.cohort_s, sp.alive, self.gmv_s, ~sp.is_large),
                ("brand", self.cohort_s, sp.alive, self.gmv_s, sp.is_large),
                ("anchor", self.cohort_a, an.alive, self.gmv_a, np.ones(an.n, bool))):
            total = float(gmv[cohort >= -1].sum())
            for c in np.unique(cohort[(cohort >= -1) & small]):
                m = (cohort == c) & small
                rows.append({"role": role, "cohort": int(c), "agents": int(m.sum()),
                             "survival": float(alive[m].mean()), "gmv_share": _share(float(gmv[m].sum()), total)})
        return rows


def _share(part: float, whole: float) -> float:
    return min(1.0, max(0.0, part / whole)) if whole > 0 else 0.0


def _mean(x: np.ndarray) -> float:
    """(0 for no agents, as the summary's other shares of nothing.)"""
    return float(x.mean()) if x.size else 0.0


class NoEntry:
    """The null object: a fixed population (no reserve rows, no exit after losses);
    its measures are zero, active counts those alive."""

    enabled = False

    def __init__(self, suppliers, anchors):
        self.suppliers, self.anchors = suppliers, anchors
        self.small_anchor0 = anchors.tier == 2   # small anchors of day 0

    def end_of_day(self, d: int, orders) -> None:
        pass

    def owners_stake(self) -> None:
        return None

    def daily_row(self) -> dict[str, float]:
        row = {k: 0.0 for k in ENTRY_DAILY}
        row["active_suppliers"] = float(self.suppliers.alive.sum())
        row["active_anchors"] = float(self.anchors.alive.sum())
        return row

    def summary(self, daily) -> dict[str, float]:
        """Nobody enters or quits after losses; survival is that of defaults."""
        sp, an = self.suppliers, self.anchors
        out = {k: 0.0 for k in ENTRY_SUMMARY}
        out["exits_suppliers_default"] = float((~sp.alive).sum())
        out["exits_anchors_default"] = float((~an.alive).sum())
        out["survival_sme_initial"] = _mean(sp.alive[~sp.is_large])
        out["survival_small_anchors_initial"] = _mean(an.alive[self.small_anchor0])
        return out

    def cohorts(self) -> list:
        return []
