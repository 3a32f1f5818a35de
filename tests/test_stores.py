"""Store broadcasting as a merchant's choice (sim/market/stores.py): levers, the
channel choice, store followers, the platform's support levers, switched off."""

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.market.orders import CH_STORE
from sim.market.stores import ANCHORS, BOTH, STORE, Stores
from sim.model import LiveCommerceModel
from sim.runner import run_scenario
from tests.conftest import small_scenario
from tests.test_model import Checked


@pytest.mark.parametrize("field, value", [
    ("stores.revision_interval", 0), ("stores.profit_half_life", 0.0), ("stores.choice_sensitivity", -1.0),
    ("stores.inertia", 25.0), ("stores.store_only_frequency", -0.5), ("stores.broadcast_cost", -1.0),
    ("stores.follow_slots", 0), ("stores.follow_after_purchase", 1.5), ("stores.watch_followed", -0.1),
    ("stores.commission_waiver", 1.2), ("stores.waiver_days", -1), ("stores.traffic_support", 2.0),
    ("stores.enabled", 1),
])
def test_lever_out_of_range_is_refused_with_its_name(field, value):
    with pytest.raises(ScenarioError) as exc:
        small_scenario(**{field: value})
    assert field in str(exc.value)


def _daily(sc, seed=3):
    m = LiveCommerceModel(sc, seed=seed)
    m.run()
    return m, m.datacollector.get_model_vars_dataframe()


def test_switched_off_draws_nothing_and_ignores_its_levers():
    """Off, the stores sub-model draws nothing, moves no money, and its levers change
    nothing: the daily measures are those of the same run with every lever moved."""
    off = small_scenario(**{"stores.enabled": False, "time.days": 20})
    moved = off.with_overrides({"stores.commission_waiver": 1.0, "stores.traffic_support": 0.5,
                                "stores.broadcast_cost": 500.0, "stores.store_only_frequency": 0.0,
                                "stores.revision_interval": 1, "stores.watch_followed": 1.0})
    m1, d1 = _daily(off)
    fresh = LiveCommerceModel(off, seed=3).streams["stores"].bit_generator.state
    assert m1.streams["stores"].bit_generator.state == fresh
    assert "store_cost" not in m1.ledger.flows and m1.ledger["store_costs"] == 0
    _, d2 = _daily(moved)
    assert d1.equals(d2)
    assert (d1["channel_share_both"] == 1.0).all() and (d1["store_follows"] == 0).all()


def test_switched_on_changes_the_run_and_keeps_the_books():
    """On (with both support levers), every ledger identity of Checked holds each day,
    store rooms gain followers, and suppliers pay their store broadcasts."""
    sc = small_scenario(**{"time.days": 30, "stores.revision_interval": 7, "stores.commission_waiver": 0.5,
                           "stores.traffic_support": 0.2})
    m = Checked(sc, seed=2)
    m.run()
    d = m.datacollector.get_model_vars_dataframe()
    assert d["store_follows"].iloc[-1] > 0
    assert m.ledger["store_costs"] == m.ledger.flow("store_cost") > 0
    assert m.ledger.is_balanced()


def _stores(sc, seed=1):
    m = LiveCommerceModel(sc, seed=seed)
    return m, m.stores


def test_channel_sets_store_frequency_and_listings():
    sc = small_scenario(**{"stores.store_only_frequency": 1.5})
    m, st = _stores(sc)
    st.channel[:] = [STORE, ANCHORS, BOTH] * (st.channel.size // 3) + [BOTH] * (st.channel.size % 3)
    p, base = st.store_probability(), m.suppliers.store_probability
    assert np.allclose(p[st.channel == STORE], np.minimum(1.5 * base[st.channel == STORE], 1.0))
    assert (p[st.channel == ANCHORS] == 0).all()
    assert np.allclose(p[st.channel == BOTH], base[st.channel == BOTH])
    assert (st.lists_with_anchors() == (st.channel != STORE)).all()
    # a supplier on its store alone is never listed by an anchor
    b = m.broadcasting.open(0, m.coalition)
    listed = b.listing[: b.n_anchor]
    assert not np.isin(listed[listed >= 0], np.flatnonzero(st.channel == STORE)).any()
    assert np.isin(b.store[b.store >= 0], np.flatnonzero(st.channel != ANCHORS)).all()


def test_revision_follows_expected_profit_and_inertia():
    sc = small_scenario(**{"stores.choice_sensitivity": 50.0, "stores.inertia": 0.0,
                           "stores.profit_half_life": 1e-3})
    m, st = _stores(sc)
    n = st.channel.size
    third = n // 3
    daily = np.zeros((n, 2))
    daily[:third] = [10.0, -5.0]            # the store pays, anchors lose: store alone
    daily[third:2 * third] = [-5.0, 10.0]   # anchors alone
    daily[2 * third:] = [5.0, 5.0]          # both pay: both
    st.period_profit[:] = daily * sc.stores.revision_interval
    st.period_used[:] = True
    st.revise()
    assert (st.channel[:third] == STORE).all()
    assert (st.channel[third:2 * third] == ANCHORS).all()
    assert (st.channel[2 * third:] == BOTH).all()
    # with a large inertia nobody moves
    sc2 = sc.with_overrides({"stores.inertia": 20.0, "stores.choice_sensitivity": 0.5})
    m2, st2 = _stores(sc2)
    before = st2.channel.copy()
    st2.period_profit[:] = daily * sc.stores.revision_interval
    st2.period_used[:] = True
    st2.revise()
    assert (st2.channel == before).all() and st2.switches == 0


def test_first_channel_is_uniform_and_untried_channels_take_peers_profit():
    sc = small_scenario(**{"population.suppliers": 600, "population.reference_suppliers": 600})
    _, st = _stores(sc)
    counts = np.bincount(st.channel, minlength=3)
    assert (np.abs(counts / counts.sum() - 1 / 3) < 0.06).all()
    st.channel[:] = BOTH
    st.period_used[:] = False
    st.period_used[:10, STORE] = True
    st.period_profit[:10, STORE] = 7.0 * sc.stores.revision_interval
    st.revise()
    large = st.suppliers.is_large
    tried_large = large[:10]
    if tried_large.any():
        peers = st.expected[:10][tried_large, STORE].mean()
        assert np.allclose(st.expected[10:][large[10:], STORE], peers)
    assert st.tried[:10, STORE].all() and not st.tried[10:, STORE].any()


def test_unused_channel_keeps_its_memory():
    sc = small_scenario()
    m, st = _stores(sc)
    st.expected[:] = [3.0, 7.0]
    st.period_profit[:] = 0.0
    st.period_used[:] = [True, False]
    st.revise()
    assert np.allclose(st.expected[:, ANCHORS], 7.0)
    assert (st.expected[:, STORE] < 3.0).all()


def test_followers_come_back_to_live_stores_only():
    sc = small_scenario(**{"stores.watch_followed": 1.0})
    m, st = _stores(sc)
    b = m.broadcasting.open(0, m.coalition)
    live = b.store[b.store >= 0]
    dark = np.setdiff1d(np.arange(m.suppliers.n), live)
    assert live.size and dark.size
    st.follow(np.array([0, 1]), np.array([live[0], dark[0]]))

    class Ctx:
        broadcasts, active, mode = b, np.array([0, 1, 2]), m.coalition
    e = st.entries(Ctx)
    assert e.consumer.tolist() == [0]
    assert b.store[e.bcast].tolist() == [live[0]] and e.followed.all()
    assert np.allclose(e.ptrust, sc.consumers.initial_personal_trust)


def test_follow_fills_empty_then_least_trusted_slot():
    sc = small_scenario(**{"stores.follow_slots": 2})
    _, st = _stores(sc)
    assert st.follow(np.array([5, 5, 6]), np.array([1, 2, 1])) == 2     # one follow a day per consumer
    st.follow(np.array([5]), np.array([2]))
    assert sorted(st.follows[5].tolist()) == [1, 2]
    st.trust[5] = [0.9, 0.2]
    st.follow(np.array([5]), np.array([3]))
    assert st.follows[5].tolist()[1] == 3 and st.follows[5].tolist()[0] in (1, 2)
    assert st.follow(np.array([5]), np.array([3])) == 0                # already followed


def test_commission_waiver_only_on_new_stores_room_sales():
    sc = small_scenario(**{"stores.commission_waiver": 0.75, "stores.waiver_days": 10})
    _, st = _stores(sc)
    st.first_store_day[:3] = [0, 5, -1]
    o_sup = np.array([0, 1, 2, 0, 1])
    o_anchor = np.array([-1, -1, -1, 4, -1])
    o_b = np.array([7, 8, 9, 1, -1])          # the last: a shelf order
    share = st.fee_share(12, o_anchor, o_sup, o_b)
    # store 0 opened 12 days ago (beyond 10), store 1 7 days ago, store 2 never
    assert np.allclose(share, [1.0, 0.25, 1.0, 1.0, 1.0])


def test_traffic_support_moves_share_to_store_rooms():
    sc = small_scenario(**{"stores.traffic_support": 0.4})
    m, st = _stores(sc)
    b = m.broadcasting.open(0, m.coalition)
    store = b.store >= 0
    base = m.traffic.allocate(b, 0, m.coalition)
    m.traffic.stores = None
    plain = m.traffic.allocate(b, 0, m.coalition)
    assert base[store].sum() >= 0.4 * plain.sum() - 1e-9
    assert base[store].sum() > plain[store].sum()
    assert base.sum() == pytest.approx(plain.sum())


def test_waiver_lowers_the_platform_fee_of_store_orders():
    sc = small_scenario(**{"time.days": 15, "stores.commission_waiver": 1.0, "stores.waiver_days": 1000})
    m = LiveCommerceModel(sc, seed=4)
    m.run()
    store = [ch for ch in m.book if (ch.channel == CH_STORE).any()]
    assert store
    for ch in store:
        assert (ch.platform_fee[ch.channel == CH_STORE] == 0).all()


def test_f21_measures_in_the_summary():
    r = run_scenario(small_scenario(**{"time.days": 20}), 1)
    s = r.summary
    assert 0.0 <= s["store_seller_share"] <= 1.0 and s["store_gmv_share"] >= 0.0
    assert s["store_follows_end"] >= 0
