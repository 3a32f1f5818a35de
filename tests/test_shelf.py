"""Live and shelf feed each other (sim/market/shelf.py) and search (sim/market/search.py):
switched off they change nothing, the purchase memory is a bounded most-recent-first list,
the flows they create go where they say, coupons join the ledger's identities, and
coalition modes limit the platform's paths to rooms on the platform."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.market.orders import CH_ANCHOR, CH_SHELF, KEPT, RETURNED
from sim.market.shelf import ShelfLinks
from sim.market.viewing import Arrival
from sim.model import LiveCommerceModel
from sim.runner import run_scenario
from sim.streams import derive_streams
from tests.conftest import small_scenario
from tests.test_model import Checked

OFF = {"shelf_links.enabled": False, "search.enabled": False}


def _daily(overrides, seed=3, days=40):
    return run_scenario(small_scenario(**{"time.days": days, **overrides}), seed, keep_daily=True).daily


def _old_columns(df):
    from sim.market.search import SEARCH_DAILY
    from sim.market.shelf import SHELF_DAILY

    return df[[c for c in df.columns if c not in SHELF_DAILY and c not in SEARCH_DAILY]]


def test_switched_off_draws_nothing_and_keeps_their_streams():
    m = LiveCommerceModel(small_scenario(**OFF), 5)
    m.run(15)
    fresh = derive_streams(5)
    for k in ("shelf", "search"):
        assert m.streams[k].bit_generator.state == fresh[k].bit_generator.state, k
    df = m.datacollector.get_model_vars_dataframe()
    assert (df["watch_live_entries"] == 0).all() and (df["search_entries"] == 0).all()
    assert (df["coupon_cost"] == 0).all() and m.ledger.flow("coupon_supplier") == 0


def test_levers_at_zero_give_the_runs_of_the_switched_off_model():
    """With every lever at zero the sub-models draw only from their own streams:
    every earlier measure is the switched-off run's, to the bit."""
    zero = {"shelf_links.repurchase_share": 0.0, "shelf_links.watch_live_probability": 0.0,
            "shelf_links.coupon_discount": 0.0, "search.search_probability": 0.0}
    off = _old_columns(_daily(OFF))
    on0 = _old_columns(_daily(zero))
    assert off.equals(on0)
    on = _old_columns(_daily({}))
    assert not off["gmv"].equals(on["gmv"])


def test_mechanisms_bring_entries_repeat_orders_and_coupons():
    df = _daily({}, days=45)
    assert df["watch_live_entries"].sum() > 0 and df["watch_live_orders"].sum() > 0
    assert df["search_entries"].sum() > 0 and df["search_orders"].sum() > 0
    assert df["live_to_shelf_orders"].sum() > 0 and df["coupon_cost"].sum() > 0
    assert (df["watch_live_orders"] <= df["orders_live"]).all()
    assert (df["live_to_shelf_orders"] <= df["orders_shelf"]).all()
    assert (df["repeat_orders"] <= df["orders"]).all()
    assert (df["search_entries"] <= df["searches"]).all()
    # more repurchase pages: more orders from remembered suppliers
    lo = _daily({"shelf_links.repurchase_share": 0.0}, days=45)
    hi = _daily({"shelf_links.repurchase_share": 0.8}, days=45)
    rate = lambda d: d["repeat_orders"].sum() / d["orders"].sum()   # noqa: E731
    assert rate(hi) > rate(lo) + 0.05
    assert hi["remembered_shelf_views"].sum() > lo["remembered_shelf_views"].sum() == 0


def test_entries_are_counted_by_arrival_and_orders_by_their_path():
    m = LiveCommerceModel(small_scenario(), 2)
    m.run(20)
    seen = {}
    orig = m.viewing.watch

    def watch(b, *a, **k):
        v = orig(b, *a, **k)
        # viewers from product pages and searches are followers of the room's anchor or strangers
        for src in (Arrival.SHELF, Arrival.SEARCH):
            sel = v.source == int(src)
            fol = m.consumers.follows_anchor(v.consumer[sel], b.anchor[v.bcast[sel]])
            assert np.array_equal(v.followed[sel], fol)
            it = m.consumers.institutional_trust[v.consumer[sel]]
            assert np.allclose(v.ptrust[sel][~fol], m.params.consumers.stranger_trust_factor * it[~fol])
        seen["views"] = v
        return v

    m.viewing.watch = watch
    m.step()
    v, row = seen["views"], m.today
    assert v.arrivals[Arrival.SHELF] == row["watch_live_entries"] > 0
    assert v.arrivals[Arrival.SEARCH] == row["search_entries"] > 0
    # today's orders by the path their viewer came by
    assert row["watch_live_orders"] + row["search_orders"] <= row["orders_live"]


@pytest.mark.parametrize("funder", ["supplier", "platform"])
def test_coupons_join_the_ledger_identities(funder):
    m = Checked(small_scenario(**{"time.settlement_period": 10, "shelf_links.coupon_funder": funder,
                                  "shelf_links.coupon_discount": 0.2, "shelf_links.repurchase_share": 0.6}), 4)
    m.run(35)
    df = m.datacollector.get_model_vars_dataframe()
    flow = m.ledger.flow(f"coupon_{funder}")
    other = m.ledger.flow("coupon_platform" if funder == "supplier" else "coupon_supplier")
    assert flow > 0 and other == 0
    assert flow == round(df["coupon_cost"].sum() * 100)
    assert (df["coupon_orders"] <= df["orders_shelf"]).all()


def test_platform_coupons_are_not_commission_income():
    sc = small_scenario(**{"time.days": 30, "shelf_links.coupon_funder": "platform",
                           "shelf_links.coupon_discount": 0.2, "time.settlement_period": 10})
    m = LiveCommerceModel(sc, 4)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert df["coupon_cost"].sum() > 0
    assert round(df["commission_platform"].sum() * 100) == (m.ledger.flow("commission")
                                                            + m.ledger.flow("presale_commission"))


def _chunk(cons, sup, channel, outcome, cat, price):
    n = len(cons)
    return SimpleNamespace(consumer=np.asarray(cons, np.int64), supplier=np.asarray(sup, np.int64),
                           channel=np.asarray(channel, np.int8), outcome=np.asarray(outcome, np.int8),
                           category=np.asarray(cat, np.int64), price=np.asarray(price, np.int64),
                           size=n)


@settings(max_examples=40, deadline=None)
@given(days=st.lists(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.booleans(), st.booleans()),
                              max_size=8), min_size=1, max_size=6),
       slots=st.integers(1, 3))
def test_memory_is_the_last_distinct_suppliers_most_recent_first(days, slots):
    """Against a plain-Python reference: each consumer's memory holds the suppliers of their
    last ``memory_slots`` distinct purchases (the last order of each day), most recent first,
    with the day of the last purchase and whether the first remembered purchase was live."""
    sc = small_scenario(**{"shelf_links.memory_slots": slots, "shelf_links.coupon_discount": 0.1})
    cons = SimpleNamespace(n=5, price_sensitivity=np.ones(5))
    sup_cat = np.array([0, 1, 2, 0, 1, 2])
    sups = SimpleNamespace(n=6, category=sup_cat, alive=np.ones(6, bool))
    led = SimpleNamespace(transfer=lambda *a, **k: 0, supplier_accts=lambda i: np.asarray(i),
                          acct=lambda name: 0)
    shelf = ShelfLinks(sc, cons, sups, None, led, np.random.default_rng(0))
    ref = {c: [] for c in range(5)}   # [(supplier, day, first_live)]
    for d, orders in enumerate(days):
        shelf.start_day(d)
        if orders:
            c, s, live, kept = zip(*orders)
            ch = _chunk(c, s, [CH_ANCHOR if x else CH_SHELF for x in live],
                        [KEPT if k else RETURNED for k in kept], sup_cat[list(s)], [1000] * len(c))
            # expected repeat orders: the supplier was remembered before today
            rep = sum(any(m[0] == si for m in ref[ci]) for ci, si in zip(c, s))
            shelf.remember(d, ch, np.full(len(c), -1), None)
            assert shelf.tally.repeat_orders == rep
            last = {}
            for ci, si, li, _ in orders:
                last[ci] = (si, li)
            for ci, (si, li) in last.items():
                old = [m for m in ref[ci] if m[0] == si]
                first_live = old[0][2] if old else li
                ref[ci] = ([(si, d, first_live)] + [m for m in ref[ci] if m[0] != si])[:slots]
        for ci in range(5):
            want = ref[ci] + [(-1, -1, False)] * (slots - len(ref[ci]))
            assert shelf.supplier[ci].tolist() == [w[0] for w in want]
            assert shelf.day[ci].tolist() == [w[1] for w in want]
            assert shelf.first_live[ci].tolist() == [w[2] for w in want]
            assert shelf.category[ci].tolist() == [sup_cat[w[0]] if w[0] >= 0 else -1 for w in want]
            assert shelf.filled[ci] == len(ref[ci])


def test_memory_survives_forks():
    m = LiveCommerceModel(small_scenario(), 6)
    m.run(15)
    f = copy.deepcopy(m)
    m.run(10)
    f.run(10)
    assert np.array_equal(m.shelf.supplier, f.shelf.supplier) and np.array_equal(m.shelf.day, f.shelf.day)
    assert m.datacollector.get_model_vars_dataframe().equals(f.datacollector.get_model_vars_dataframe())
    assert (m.shelf.supplier >= -1).all() and (m.shelf.supplier < m.suppliers.n).all()
    filled = m.shelf.supplier >= 0
    assert np.array_equal(m.shelf.category[filled], m.suppliers.category[m.shelf.supplier[filled]])


def test_coalition_mode_keeps_platform_paths_on_the_platform():
    """Anchors off the platform: entries from product pages and searches go only into
    rooms on the platform (store rooms here)."""
    from sim.coalition.modes import Mode

    m = LiveCommerceModel(small_scenario(**{"population.anchors": 60}), 7)
    m.run(10)
    m.mode = Mode(0, np.zeros(m.suppliers.n, np.int64), 1 + np.arange(m.anchors.n), m.params.coalition)
    seen = []
    orig = m.viewing.watch

    def watch(b, *a, **k):
        v = orig(b, *a, **k)
        seen.append((b, v))
        return v

    m.viewing.watch = watch
    m.run(5)
    for b, v in seen:
        via = (v.source == int(Arrival.SHELF)) | (v.source == int(Arrival.SEARCH))
        assert (b.anchor[v.bcast[via]] < 0).all()
    assert sum(((v.source == int(Arrival.SHELF)).sum() for _, v in seen)) > 0


def test_watch_live_leads_into_a_room_selling_the_product():
    m = LiveCommerceModel(small_scenario(), 8)
    m.run(5)
    b = m.broadcasting.open(m.day, m.coalition)
    sup = np.arange(m.suppliers.n).repeat(5)
    room = m.shelf._room_of(sup, np.random.default_rng(1).random(sup.size), b, m.coalition)
    sells = (b.listing[np.maximum(room, 0)] == sup[:, None]).any(axis=1)
    assert (sells | (room < 0)).all()
    live = np.zeros(m.suppliers.n, bool)
    live[b.listing[b.listing >= 0]] = True
    assert np.array_equal(room >= 0, live[sup])


def test_search_results_list_rooms_selling_the_category():
    m = LiveCommerceModel(small_scenario(), 8)
    m.run(5)
    b = m.broadcasting.open(m.day, m.coalition)
    w = m.search.result_weights(b, m.coalition)
    cat = m.suppliers.category
    for k in range(m.categories.n):
        sells = ((b.listing >= 0) & (cat[np.maximum(b.listing, 0)] == k)).any(axis=1)
        assert np.array_equal(w[k] > 0, sells), k
    # relevance: a room listing only the category outranks, at equal performance, one listing it once
    assert (w >= 0).all()


@pytest.mark.parametrize("path,value", [("shelf_links.repurchase_share", 1.5), ("shelf_links.memory_slots", 0),
                                        ("shelf_links.coupon_funder", "anchor"), ("search.click_through", -0.1),
                                        ("search.performance_exponent", 9.0), ("shelf_links.coupon_days", 0)])
def test_levers_outside_their_range_are_refused_by_name(path, value):
    with pytest.raises(ScenarioError) as e:
        small_scenario(**{path: value})
    assert path.split(".")[-1] in str(e.value)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 5000), p=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_bernoulli_positions_are_a_bernoulli_selection(n, p, seed):
    from sim.market.shelf import bernoulli_positions

    pos = bernoulli_positions(np.random.default_rng(seed), n, p)
    assert ((pos >= 0) & (pos < n)).all() and (np.diff(pos) > 0).all()
    if p >= 1:
        assert pos.size == n
    # the count is Binomial(n, p): within 6 standard deviations
    assert abs(pos.size - n * p) <= 6 * np.sqrt(n * p * (1 - p)) + 1
