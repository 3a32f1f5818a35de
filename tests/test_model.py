"""The core model: reproducibility, accounting invariants, behaviour."""

import io

import numpy as np
import pandas as pd
import pytest

from sim.agents import Anchor, Platform, Supplier
from sim.finance.ledger import to_cents
from sim.finance.presale import CANCELLED
from sim.model import KEPT, RETURNED, SPOILED, LiveCommerceModel
from sim.runner import run_scenario
from tests.conftest import small_scenario
from tests.ledger_log import attach


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def test_same_seed_gives_byte_identical_daily_parquet():
    sc = small_scenario()
    a = run_scenario(sc, 7, keep_daily=True).daily
    b = run_scenario(sc, 7, keep_daily=True).daily
    assert _parquet_bytes(a) == _parquet_bytes(b)


def test_another_seed_gives_different_results():
    sc = small_scenario()
    a = run_scenario(sc, 7, keep_daily=True).daily
    b = run_scenario(sc, 8, keep_daily=True).daily
    assert not a["gmv"].equals(b["gmv"])


def test_agents_are_mesa_agents_viewing_their_rows():
    m = LiveCommerceModel(small_scenario(), 1)
    anchors = m.agents_by_type[Anchor]
    suppliers = m.agents_by_type[Supplier]
    assert len(anchors) == m.anchors.n and len(suppliers) == m.suppliers.n
    assert len(m.agents_by_type[Platform]) == 1
    a = next(iter(anchors))
    assert a.followers == m.anchors.followers[a.idx]
    assert a.tier in ("head", "waist", "tail")
    m.step()
    s = next(iter(suppliers))
    assert s.stock == m.suppliers.stock[s.idx]
    assert s.cash == m.ledger.supplier_balance[s.idx] / 100


# flows into (IN), out of (OUT) or both ways (BOTH) of every supplier's and anchor's account
SUP_IN = ("settlement", "presale_settlement", "loan", "receivable_sale", "commission_clawback", "unpaid_bills",
          "deposit_release", "insurance_payout", "exit_cover", "reserve_payout", "escrow_release",
          "presale_release", "own_shop_sale", "capital", "exit_top_up")
SUP_OUT = ("anchor_commission", "pit_fee", "forward_logistics", "reverse_logistics", "production",
           "upstream_production", "interest", "loan_repayment", "receivable_collection", "fake_orders", "deposit",
           "insurance_premium", "recovery", "estate_to_owners", "seized", "escrow_hold", "fine_supplier",
           "presale_clawback", "presale_recovery", "presale_recovery_platform", "own_shop_logistics",
           "coupon_supplier", "content", "exit_to_owners")
SUP_BOTH = ("trade_credit_payment", "upstream_recovery", "side_payment")
ANC_IN = ("pit_fee", "anchor_commission", "tips", "advertising", "anchor_exit_top_up")
ANC_OUT = ("commission_clawback", "anchor_seized", "anchor_estate_to_owners", "fine_anchor", "content_share", "content",
           "anchor_exit_to_owners")
ANC_BOTH = ("side_payment",)


class Checked(LiveCommerceModel):
    """The model with every accounting invariant checked after every day: the
    ledger's identities in total and per agent (every supplier's and every
    anchor's balance from its own flows; what each was paid at settlement, for
    logistics and in a coalition mode's standalone channels rebuilt from the
    order book and the mode), in the plain model, in any coalition mode and in
    every fork (forks of a Checked model are Checked)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attach(self.ledger)
        self.opening = self.ledger.balance.copy()   # (after the owners' starting capital)

    def step(self):
        led = self.ledger
        before_refunds = led.flow("refund") + led.flow("presale_refund")
        alive_s, alive_a = self.suppliers.alive.copy(), self.anchors.alive.copy()
        d = self.day
        book0 = [ch.subset(np.ones(ch.price.size, bool)) for ch in self.book]
        fin0 = {k: v.copy() for k, v in self.finance.financed.items()} if self.finance is not None else {}
        net0 = led.snapshot()
        super().step()
        self._per_agent(d, book0, fin0, net0)
        self._totals(d, before_refunds, alive_s, alive_a)

    # ------------------------------------------------------------------ per agent
    def _per_agent(self, d, book0, fin0, net0):
        led, sp, an = self.ledger, self.suppliers, self.anchors
        today = lambda f: led.net_of(f) - net0.get(f, 0)  # noqa: E731
        S, A = slice(led.supplier0, led.anchor0), slice(led.anchor0, None)
        # every supplier's and anchor's balance is the sum of its own flows, each in its direction
        for sl, ins, outs, both in ((S, SUP_IN, SUP_OUT, SUP_BOTH), (A, ANC_IN, ANC_OUT, ANC_BOTH)):
            listed = ins + outs + both
            total = self.opening[sl] + sum(led.net_of(f)[sl] for f in listed)
            assert np.array_equal(total, led.balance[sl]), [f for f in led.net if f not in listed
                                                             and led.net[f][sl].any()]
            for f in ins:
                assert (led.net_of(f)[sl] >= 0).all(), f
            for f in outs:
                assert (led.net_of(f)[sl] <= 0).all(), f
        # settlement, rebuilt from the order book as it stood before the day: per supplier,
        # per anchor (a defaulted anchor's commission is cancelled), the platform's commission
        pay_s, pay_p, fee, fee_p = (np.zeros(sp.n, np.int64) for _ in range(4))
        com_a, com_s, coll = np.zeros(an.n, np.int64), np.zeros(sp.n, np.int64), np.zeros(sp.n, np.int64)
        commission = presale_commission = 0
        # alive at settlement: anchors that quit after losses today (step 11) were still alive then
        alive_at_settlement = an.alive | ((self.entry.exit_day_a == d) & (self.entry.cause_a == 2)
                                          if self.entry.enabled else False)
        if (d + 1) % self.params.time.settlement_period == 0:
            for ch in book0:
                due = np.where(ch.presale, ch.presale_settle_day <= d, ch.settle_day <= d)
                kept = due & (ch.outcome == KEPT)
                spot, pre = kept & ~ch.presale, kept & ch.presale
                pay_s += np.bincount(ch.supplier[spot], weights=(ch.price - ch.platform_fee)[spot],
                                     minlength=sp.n).astype(np.int64)
                pay_p += np.bincount(ch.supplier[pre], weights=(ch.price - ch.platform_fee - ch.released)[pre],
                                     minlength=sp.n).astype(np.int64)
                commission += int(ch.platform_fee[spot].sum())
                presale_commission += int(ch.platform_fee[pre].sum())
                via = kept & (ch.anchor >= 0)
                via &= alive_at_settlement[np.maximum(ch.anchor, 0)]
                com_a += np.bincount(ch.anchor[via], weights=ch.anchor_fee[via], minlength=an.n).astype(np.int64)
                com_s += np.bincount(ch.supplier[via], weights=ch.anchor_fee[via], minlength=sp.n).astype(np.int64)
                sold = fin0.get(ch.day)
                if sold is not None and sold.size == ch.price.size:
                    sold = sold & kept
                    coll += np.bincount(ch.supplier[sold], weights=(ch.price - ch.platform_fee)[sold],
                                        minlength=sp.n).astype(np.int64)
        assert np.array_equal(today("settlement")[S], pay_s)
        assert np.array_equal(today("presale_settlement")[S], pay_p)
        assert today("commission")[led.acct("platform")] == commission
        assert today("presale_commission")[led.acct("platform")] == presale_commission
        assert np.array_equal(today("anchor_commission")[A], com_a)
        assert np.array_equal(today("anchor_commission")[S], -com_s)
        assert np.array_equal(today("receivable_collection")[S], -coll)
        # logistics, rebuilt from the order book after the day: today's orders that shipped at once,
        # the pre-sale orders that shipped today, the returns of today
        lead = self.params.finance.presale_lead_days
        fwd, rev = np.zeros(sp.n, np.int64), np.zeros(sp.n, np.int64)
        for ch in self.book:
            if ch.day == d:
                now = ~ch.presale
                fwd += np.bincount(ch.supplier[now], weights=self.cat_forward[ch.category[now]],
                                   minlength=sp.n).astype(np.int64)
            if ch.day == d - lead:
                go = ch.presale & (ch.outcome != CANCELLED)
                fwd += np.bincount(ch.supplier[go], weights=self.cat_forward[ch.category[go]],
                                   minlength=sp.n).astype(np.int64)
            back = (ch.outcome == RETURNED) & (ch.return_day == d)
            cost = to_cents(ch.price[back] / 100.0 * self.cat_reverse_share[ch.category[back]])
            rev += np.bincount(ch.supplier[back], weights=cost, minlength=sp.n).astype(np.int64)
        assert np.array_equal(today("forward_logistics")[S], -fwd)
        assert np.array_equal(today("reverse_logistics")[S], -rev)
        # standalone channels: own shops only for suppliers off the platform, fan income only for
        # anchors not selling, and the platform's content share exactly its share of the income
        mode = self.mode
        off_s = np.zeros(sp.n, bool) if mode is None else ~mode.supplier_on_platform
        fans = np.zeros(an.n, bool) if mode is None else ~mode.anchor_sells
        for f in ("own_shop_sale", "own_shop_logistics"):
            assert not today(f)[S][~off_s].any(), f
        assert (today("own_shop_sale")[S] >= 0).all()
        for f in ("tips", "advertising", "content_share"):
            assert not today(f)[A][~fans].any(), f
        if mode is not None:
            income = today("tips")[A] + today("advertising")[A]
            on = mode.anchor_on_platform
            share = to_cents(mode.params.content_platform_share * income / 100.0) * on
            assert np.array_equal(-today("content_share")[A], share)
            assert today("content_share")[led.acct("platform")] == int(share.sum())

    # --------------------------------------------------------------------- totals
    def _totals(self, d, before_refunds, alive_s, alive_a):
        led = self.ledger
        t = self.today
        f = led.flow
        # the ledger balances: money is conserved, to the cent
        assert led.is_balanced()
        # GMV equals the sum of the day's order values
        chunk = next(c for c in self.book if c.day == d) if any(c.day == d for c in self.book) else None
        if chunk is not None:
            assert round(t["gmv"] * 100) == int(chunk.price.sum())
            assert t["orders"] == chunk.price.size
            # only suppliers and anchors alive at the start of the day sell
            assert alive_s[chunk.supplier].all()
            assert alive_a[chunk.anchor[chunk.anchor >= 0]].all()
        # net GMV equals GMV minus refunds
        assert round(t["net_gmv"] * 100) == round(t["gmv"] * 100) - (led.flow("refund") + led.flow("presale_refund")
                                                                      - before_refunds)
        # stock is never negative; exited suppliers hold none and produce nothing
        assert (self.suppliers.stock >= 0).all()
        dead = ~self.suppliers.alive
        assert (self.suppliers.stock[dead] == 0).all() and (self.suppliers.pipeline[dead] == 0).all()
        # entry and exit: reserve rows hold nothing; who left after losses holds no cash;
        # dead suppliers that neither quit nor are reserve rows defaulted
        ent = self.entry
        res_s, res_a = self.suppliers.reserved, self.anchors.reserved
        assert not led.supplier_balance[res_s].any() and not led.anchor_balance[res_a].any()
        assert not (self.suppliers.alive & res_s).any() and not (self.anchors.alive & res_a).any()
        quit_s = ent.cause_s == 2 if ent.enabled else np.zeros(self.suppliers.n, bool)
        if ent.enabled:
            assert not led.supplier_balance[quit_s].any() and not led.anchor_balance[ent.cause_a == 2].any()
        defaulted = dead & ~res_s & ~quit_s
        # returns never exceed deliveries, per category, cumulatively
        assert (self.cum["cat_returns"] <= self.cum["cat_deliveries"]).all()
        # every yuan consumers paid (net of refunds) sits in escrow or went to the
        # platform (commission) or the suppliers (settlement), to the cent; pre-sale
        # money likewise through presale_escrow, less what defaulters' estates and
        # the platform's compensation gave back for cancelled pre-sale orders
        paid = -led["consumers"]
        standalone = f("own_shop_sale") + f("tips") + f("advertising")   # (coalition modes only)
        coupons = f("coupon_supplier") + f("coupon_platform")           # (repurchase coupons: back to consumers)
        assert paid == (f("sale") - f("refund") + f("presale_deposit") + f("presale_balance") - f("presale_refund")
                        - f("presale_recovery") - f("presale_compensation") + standalone - coupons)
        assert led["escrow"] == f("sale") - f("refund") - f("commission") - f("settlement")
        assert led["presale_escrow"] == (f("presale_deposit") + f("presale_balance") + f("presale_clawback")
                                         - f("presale_release") - f("presale_refund") - f("presale_commission")
                                         - f("presale_settlement")) >= 0
        assert paid - standalone + coupons == (led["escrow"] + f("commission") + f("settlement") + led["presale_escrow"]
                        + f("presale_commission") + f("presale_settlement") + f("presale_release")
                        - f("presale_clawback") - f("presale_recovery") - f("presale_compensation"))
        # ... and what suppliers received went on to anchors, logistics, production,
        # the lender, deposits and pools, or stayed in their cash
        sup = (f("capital") + f("settlement") - f("anchor_commission") - f("pit_fee") - f("forward_logistics")
               - f("reverse_logistics") - f("production") - f("upstream_production")
               + f("loan") - f("interest") - f("loan_repayment") + f("receivable_sale") - f("receivable_collection")
               - f("fake_orders") + f("commission_clawback") + f("unpaid_bills") - f("deposit") + f("deposit_release")
               - f("insurance_premium") + f("insurance_payout") - f("recovery") - f("estate_to_owners")
               + f("exit_cover") - f("seized") + f("reserve_payout") - f("escrow_hold") + f("escrow_release")
               - f("fine_supplier") + f("presale_release") - f("presale_clawback") + f("presale_settlement")
               - f("presale_recovery") - f("presale_recovery_platform")
               + f("own_shop_sale") - f("own_shop_logistics") - f("coupon_supplier")
               - f("exit_to_owners") + f("exit_top_up"))   # (exits after losses: cash to and from the owners)
        # side payments (the defection dynamics) are cleared by the platform: they sum to zero
        side = led.net_of("side_payment")
        side_s, side_a = int(side[led.supplier0:led.anchor0].sum()), int(side[led.anchor0:].sum())
        assert int(side.sum()) == 0 and side[led.acct("platform")] == -(side_s + side_a)
        # short videos (sim/market/content.py): rooms pay content_costs, an outside account
        content = led.net_of("content")
        content_s, content_a = -int(content[led.supplier0:led.anchor0].sum()), -int(content[led.anchor0:].sum())
        assert led["content_costs"] == f("content") == content_s + content_a
        sup -= content_s
        assert sup + side_s == int(led.supplier_balance.sum())
        assert int(led.anchor_balance.sum()) == (f("pit_fee") + f("anchor_commission") - f("commission_clawback")
                                                 - f("anchor_seized") - f("anchor_estate_to_owners") - f("fine_anchor")
                                                 + f("tips") + f("advertising") - f("content_share") + side_a
                                                 - content_a - f("anchor_exit_to_owners") + f("anchor_exit_top_up"))
        assert led["platform"] == (f("commission") - f("reserve_contribution") - f("exit_cover")
                                   + f("fine_anchor") + f("fine_supplier") + f("presale_commission")
                                   - f("presale_compensation") + f("presale_recovery_platform")
                                   + f("content_share") - f("coupon_platform") - side_s - side_a)
        assert led["logistics"] == f("forward_logistics") + f("reverse_logistics") + f("own_shop_logistics")
        assert led["production"] == f("production") + f("upstream_production")
        assert led["lender"] == (f("lender_capital") + f("lender_funding") - f("loan") + f("interest") + f("loan_repayment")
                                 - f("receivable_sale") + f("receivable_collection") + f("recovery") - f("lender_loss"))
        assert led["reserve"] == f("reserve_contribution") - f("reserve_payout") >= 0
        assert led["insurance"] == f("insurance_premium") - f("insurance_payout") >= 0
        assert led["deposits"] == f("deposit") - f("deposit_release") >= 0
        assert led["supply_escrow"] == f("escrow_hold") - f("escrow_release") >= 0
        assert led["lender"] >= 0 and led["escrow"] >= 0
        fin = self.finance
        if fin is not None:
            # loans: what was drawn, less repaid, less written off at defaults
            assert (fin.principal >= 0).all() and (fin.principal[dead] == 0).all()
            assert int(fin.principal.sum()) == f("loan") - f("loan_repayment") - fin.principal_written_off
            # a lender with finite capital never draws outside funding
            if fin.lender.capital is not None:
                assert f("lender_funding") == 0 and f("lender_capital") == fin.lender.capital
            assert int(fin.deposit.sum()) == led["deposits"]
            assert int(fin.held.sum()) == led["supply_escrow"] and (fin.held[dead] == 0).all()
            # pre-sale: the backlog is the units of orders not shipped yet; released money
            # never exceeds the merchant's part; nothing is released under escrow
            pre = self.presale
            lead = self.params.finance.presale_lead_days
            owed = np.zeros(self.suppliers.n, dtype=np.int64)
            for ch in self.book:
                open_ = ch.presale & (ch.outcome != CANCELLED)
                assert (ch.released >= 0).all() and (ch.released <= ch.price - ch.platform_fee).all()
                assert not ch.released[~ch.presale].any() and not ch.deposit[~ch.presale].any()
                assert (ch.delivery_day[ch.outcome == CANCELLED] == -1).all()
                if ch.day + lead > d:
                    owed += np.bincount(ch.supplier[open_], minlength=owed.size)
                    assert (ch.released[open_] <= ch.deposit[open_]).all()
            assert (pre.backlog == owed).all()
            if self.params.finance.presale_escrow:
                assert f("presale_release") == 0
            assert pre.claims_total >= pre.recovered_total >= 0
            assert pre.claims_total == sum(round(r["presale_claim"] * 100) for r in fin.records)
            # exited agents are gone from the Mesa model too
            assert len(self.agents_by_type[Supplier]) == int(self.suppliers.alive.sum())
            assert len(self.agents_by_type[Anchor]) == int(self.anchors.alive.sum())
            # every default is recorded once, with a consistent cause chain
            recs = fin.records
            assert sum(r["agent"] == "supplier" for r in recs) == int(defaulted.sum())
            for r in recs:
                assert r["depth"] == (0 if r["parent"] < 0 else recs[r["parent"]]["depth"] + 1)
                assert r["parent"] < r["id"]
        else:
            assert led["lender"] == 0 and not defaulted.any()
        # shares are fractions
        for k in ("top50_gmv_share", "sme_gmv_share", "top50_traffic_share", "live_conversion",
                  "shelf_conversion", "return_rate", "mean_personal_trust", "mean_institutional_trust"):
            assert 0.0 <= t[k] <= 1.0, k


@pytest.mark.parametrize("seed", [1, 2])
def test_accounting_invariants_hold_every_day(seed):
    m = Checked(small_scenario(**{"time.settlement_period": 10}), seed)
    m.run(45)
    assert m.ledger.flow("settlement") > 0 and m.ledger.flow("refund") > 0
    assert m.ledger.flow("reverse_logistics") > 0 and m.ledger.flow("pit_fee") > 0


def test_order_outcomes_are_consistent():
    m = LiveCommerceModel(small_scenario(), 3)
    m.run(20)
    for ch in m.book:
        assert set(np.unique(ch.outcome)) <= {KEPT, RETURNED, SPOILED}
        assert not ch.mismatch[ch.outcome != RETURNED].any()
        assert (ch.return_day >= ch.delivery_day).all()
        assert (ch.delivery_day >= ch.day).all()
        assert ((ch.anchor >= 0) == (ch.channel == 0)).all()
        assert ((ch.room >= 0) == (ch.channel != 2)).all()


def test_events_change_policy_and_demand():
    base = small_scenario(**{"time.days": 20})
    sc = type(base).model_validate({**base.model_dump(), "events": [
        {"kind": "traffic_policy", "day": 5, "anchor_cap": 0.02},
        {"kind": "demand_spike", "day": 10, "duration": 3, "activity_multiplier": 3.0}]})
    m = LiveCommerceModel(sc, 1)
    m.run(5)
    assert m.platform.policy["anchor_cap"] == 1.0
    m.run(1)
    assert m.platform.policy["anchor_cap"] == 0.02
    m.run(5)
    assert m.activity_multiplier == 3.0
    df = m.datacollector.get_model_vars_dataframe()
    assert df["active_consumers"].iloc[10] > 2 * df["active_consumers"].iloc[4]


def _paired(overrides_off, overrides_on, measure, seeds=(1, 2, 3)):
    # the traffic levers in isolation: fraud and word of mouth (sim/trust.py), purchase
    # memory and search (sim/market/shelf.py, search.py) add noise that three seeds of
    # this tiny world cannot average out; content seeding (sim/market/content.py) takes
    # most of the feed from the live-room cards, which leaves the reserve's effect on SME
    # GMV within that noise (tests/test_recommend_content.py checks the reserve's effect
    # on the eligible rooms' traffic with it on)
    iso = {"fraud.enabled": False, "word_of_mouth.enabled": False, "shelf_links.enabled": False,
           "search.enabled": False, "content.enabled": False}
    overrides_off, overrides_on = {**iso, **overrides_off}, {**iso, **overrides_on}
    off = [run_scenario(small_scenario(**{"time.days": 60, "population.anchors": 400, **overrides_off}), s).summary[measure]
           for s in seeds]
    on = [run_scenario(small_scenario(**{"time.days": 60, "population.anchors": 400, **overrides_on}), s).summary[measure]
          for s in seeds]
    return np.array(off), np.array(on)


def test_traffic_cap_lowers_top50_traffic_share():
    off, on = _paired({}, {"traffic.anchor_cap": 0.005}, "top50_traffic_share")
    assert (on < off).all(), (off, on)


def test_long_tail_reserve_raises_sme_gmv_share():
    off, on = _paired({}, {"traffic.long_tail_reserve": 0.3}, "sme_gmv_share")
    assert (on > off).all(), (off, on)


def test_higher_preferential_exponent_concentrates_traffic():
    off, on = _paired({}, {"traffic.preferential_exponent": 1.5}, "top50_traffic_share")
    assert (on > off).all(), (off, on)


def test_virtual_try_on_lowers_apparel_returns():
    off, on = _paired({}, {"returns.virtual_try_on": True}, "return_rate_apparel")
    assert (on < off).all(), (off, on)
