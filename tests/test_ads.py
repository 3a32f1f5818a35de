"""Paid traffic (sim/market/ads.py): the auction's rules, budgets, pacing, money,
the coalition mode, the section's levers and the model with it switched off."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.coalition.modes import Mode
from sim.errors import ScenarioError
from sim.market.ads import NO_ADS, Ads, gsp, position_impressions
from sim.market.viewing import Arrival
from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from tests.conftest import small_scenario
from tests.test_model import Checked


# ------------------------------------------------------------ the auction's rules
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 80), st.integers(1, 5), st.integers(1, 10), st.floats(0.0, 2.0), st.integers(0, 2**31))
def test_gsp_second_price_is_the_next_bid_and_never_above_the_own_bid(n, n_cat, slots, reserve, seed):
    rng = np.random.default_rng(seed)
    bid = reserve + rng.exponential(1.0, n) * (rng.random(n) < 0.9)
    cat = rng.integers(0, n_cat, n)
    win, pos, price = gsp(bid, cat, rng.random(n), slots, reserve)
    assert (price <= bid[win] + 1e-12).all() and (price >= reserve).all()
    for k in range(n_cat):
        mine = np.flatnonzero(cat == k)
        ranked = mine[np.argsort(-bid[mine], kind="stable")]
        w = win[cat[win] == k]
        # the top `slots` bids of the category win, one position each, in order of bid
        assert w.size == min(slots, mine.size)
        assert np.allclose(np.sort(bid[w])[::-1], bid[ranked[:w.size]])
        p = pos[cat[win] == k]
        assert sorted(p) == list(range(w.size))
        order = np.argsort(p)
        assert (np.diff(bid[w][order]) <= 1e-12).all()
        # each pays the next bid down in its category (the reserve price after the last)
        nxt = np.append(bid[ranked[1:]], reserve)[:w.size]
        assert np.allclose(price[cat[win] == k][order], np.maximum(nxt, reserve))


def test_gsp_example_by_hand():
    bid = np.array([5.0, 3.0, 4.0, 1.0, 2.0])
    cat = np.array([0, 0, 0, 1, 1])
    win, pos, price = gsp(bid, cat, np.zeros(5), 2, 0.5)
    got = {int(w): (int(p), float(c)) for w, p, c in zip(win, pos, price)}
    assert got == {0: (0, 4.0), 2: (1, 3.0), 4: (0, 1.0), 3: (1, 0.5)}


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=6), st.integers(1, 20), st.floats(0.05, 1.0))
def test_positions_split_every_impression_top_heavy(n, slots, decay):
    out = position_impressions(np.array(n), slots, decay)
    assert (out.sum(axis=1) == n).all() and (out >= 0).all()
    assert (np.diff(out, axis=1) <= 1).all()      # (a lower position never holds more, but for rounding)


# ------------------------------------------------------------ the model with paid traffic
def _run(overrides=None, days=30, seed=3, model=LiveCommerceModel):
    m = model(small_scenario(**{"time.days": days, **(overrides or {})}), seed)
    m.run()
    return m, daily_frame(m)


def test_budgets_are_never_exceeded_and_pacing_follows_demand():
    """A tight budget: every advertiser spends at most its budget every day; those
    whose wins would cost more than their budget shade their bids, the others
    bid their value (pacing 1)."""
    m = LiveCommerceModel(small_scenario(**{"ads.budget_share": 0.0, "ads.min_budget": 3.0,
                                            "ads.merchant_share": 1.0, "ads.anchor_share": 1.0}), 2)
    ads = m.ads
    shaded = 0
    for _ in range(20):
        before = ads.pacing.copy()
        m.step()
        assert (ads.spend <= ads.budget).all()
        assert (ads.budget[ads.bidding] <= 300).all()
        over = ads.bidding & (ads.demand > ads.budget) & (ads.budget > 0)
        under = ads.bidding & (ads.demand < ads.budget) & (ads.budget > 0)
        assert (ads.pacing[over] <= before[over]).all()
        assert (ads.pacing[under] >= before[under]).all()
        shaded += int((ads.pacing[over] < before[over]).sum())
    assert shaded > 0                                  # the budget binds for some, so pacing moved
    assert (ads.pacing >= m.params.ads.pacing_floor).all() and (ads.pacing <= 1.0).all()
    assert m.ledger.flow("ad_spend") > 0


def test_ad_spend_is_a_ledger_transfer_to_the_platform_that_the_identities_check():
    m, d = _run({"ads.merchant_share": 0.6, "ads.anchor_share": 0.3}, days=32, model=Checked)
    spent = m.ledger.flow("ad_spend")
    assert spent > 0 and abs(d["ad_spend"].sum() - spent / 100.0) < 1e-6
    assert abs(d["ad_income"].sum() - spent / 100.0) < 1e-6
    assert d["ad_spend_anchors"].sum() > 0 and d["ad_spend_merchants"].sum() > 0
    assert np.allclose(d["ad_spend"], d["ad_spend_merchants"] + d["ad_spend_anchors"])
    assert m.ledger.is_balanced()
    # advertising is income, not commission: the commission measure leaves it out
    assert (d["viewers_promoted"] == d["promoted_entries"]).all() and d["promoted_entries"].sum() > 0
    assert d["promoted_orders"].sum() > 0 and d["promoted_gmv"].sum() > 0


def test_promoted_entries_consider_the_promoted_product_and_only_strangers_enter():
    m = LiveCommerceModel(small_scenario(**{"ads.merchant_share": 1.0}), 5)
    seen = []
    orig = m.viewing.watch

    def watch(*a, **k):
        v = orig(*a, **k)
        seen.append((m.viewing_b, v))
        return v

    orig_open = m.broadcasting.open

    def open_(*a, **k):
        m.viewing_b = orig_open(*a, **k)
        return m.viewing_b

    m.broadcasting.open, m.viewing.watch = open_, watch
    m.run(8)
    n = 0
    for b, v in seen:
        promo = v.source == int(Arrival.PROMOTED)
        n += int(promo.sum())
        assert (v.product[~promo] == -1).all()
        prod, bc = v.product[promo], v.bcast[promo]
        assert ((b.listing[bc] == prod[:, None]).any(axis=1)).all()      # a product listed in that room
        assert not v.followed[promo].any()
    assert n > 0


def test_more_merchants_bidding_raise_the_price_of_an_impression():
    """The auction's competition: with every merchant bidding, promoted impressions
    cost more (same seed, same world) than with one in ten."""
    _, few = _run({"ads.merchant_share": 0.1}, days=30, seed=4)
    _, many = _run({"ads.merchant_share": 1.0}, days=30, seed=4)
    cpm = lambda d: d["ad_spend"].sum() / d["promoted_impressions"].sum()  # noqa: E731
    assert cpm(many) > cpm(few)


# ------------------------------------------------------------ the coalition mode
def test_a_mode_promotes_only_rooms_on_the_platform():
    sc = small_scenario(**{"ads.merchant_share": 1.0, "ads.anchor_share": 1.0})
    m = LiveCommerceModel(sc, 6)
    ns, na = m.suppliers.n, m.anchors.n
    # half the anchors (and their listings' merchants) leave the platform, each alone
    off = np.arange(na) % 2 == 1
    mode = Mode(0, np.zeros(ns, np.int64), np.where(off, 1 + np.arange(na), 0), sc.coalition)
    m.mode = mode
    got = []
    orig = m.ads.entries

    def entries(ctx):
        e = orig(ctx)
        got.append(ctx.broadcasts.anchor[e.bcast])
        return e

    m.ads.entries = entries                      # (the viewing step asks the same object)
    m.run(10)
    anchors = np.concatenate(got)
    assert anchors.size > 0
    assert not off[anchors[anchors >= 0]].any()


# ------------------------------------------------------------ the section and its levers
@pytest.mark.parametrize("path,value", [("ads.ad_load", 1.0), ("ads.merchant_share", 1.5), ("ads.anchor_share", -0.1),
                                        ("ads.slots_per_category", 0), ("ads.position_decay", 0.0),
                                        ("ads.reserve_price", -1.0), ("ads.customer_value", 25.0),
                                        ("ads.budget_share", -0.5), ("ads.pacing_step", 0.0),
                                        ("ads.pacing_floor", 1.5), ("ads.memory_half_life", 0.0),
                                        ("ads.enabled", 1)])
def test_levers_out_of_range_are_refused_with_the_fields_name(path, value):
    with pytest.raises(ScenarioError) as exc:
        small_scenario(**{path: value})
    assert path in str(exc.value)


def test_switched_off_draws_nothing_moves_no_money_and_changes_no_measure():
    """Off: the null object, the ads stream never drawn, no ad money, the feed keeps
    every card; and the day's measures equal those of the model with paid traffic on
    but no advertiser (so the auction itself, with nobody bidding, changes nothing)."""
    m_off, d_off = _run({"ads.enabled": False})
    assert m_off.ads is NO_ADS and all(s is not m_off.ads for s in m_off.viewing.sources)
    assert m_off.viewing.card_share == m_off.content.card_share
    fresh = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(26)[22]))
    assert m_off.streams["ads"].random() == fresh.random()          # never drawn
    assert m_off.ledger.flow("ad_spend") == 0 and (d_off["ad_spend"] == 0).all()
    m_none, d_none = _run({"ads.merchant_share": 0.0, "ads.anchor_share": 0.0, "ads.ad_load": 0.0})
    assert isinstance(m_none.ads, Ads)
    pd.testing.assert_frame_equal(d_off, d_none, check_exact=True)
    # with advertisers, the run differs (so the comparison above can fail)
    _, d_on = _run({})
    assert not d_on["gmv"].equals(d_off["gmv"])
