"""The recommender (sim/market/recommend.py) and content seeding (sim/market/content.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.market.recommend import weighted_draws, category_mix
from sim.market.traffic import TrafficVolatility
from sim.market.viewing import Arrival
from sim.model import LiveCommerceModel
from sim.scenario import Scenario
from tests.conftest import small_scenario
from tests.test_model import Checked

OFF = {"recommendation.enabled": False, "content.enabled": False}
REFERENCE_COLUMNS = ("gmv", "orders", "viewers", "live_conversion", "shelf_conversion", "top50_gmv_share",
                     "sme_gmv_share", "mean_institutional_trust", "complaints", "cash_anchors", "cash_suppliers")


def _daily(overrides, days=25, seed=3, model=LiveCommerceModel):
    m = model(small_scenario(**{"time.days": days, **overrides}), seed)
    m.run()
    return m, m.datacollector.get_model_vars_dataframe()


# ------------------------------------------------------------ switched off: the earlier model
def test_switched_off_both_give_the_model_without_them():
    """With both sections off, nothing is drawn from their streams, no money moves to
    content_costs and the day's measures equal those of a model built without the
    sub-models (the null objects wired in by hand)."""
    from sim.market.content import NoContent
    from sim.market.recommend import NoRecommendation

    m_off, d_off = _daily(OFF)
    assert isinstance(m_off.recommender, NoRecommendation) and isinstance(m_off.content, NoContent)
    # (the feed keeps every live-room card but those sold as promoted impressions, sim/market/ads.py)
    assert all(s is not m_off.content for s in m_off.viewing.sources) and m_off.viewing.card_share == m_off.ads.card_factor
    assert m_off.ledger["content_costs"] == 0
    fresh = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(21)[14]))
    assert m_off.streams["recommend"].random() == fresh.random()          # never drawn
    assert (d_off["viewers_content"] == 0).all() and (d_off["content_spend"] == 0).all()
    # with them on, the run differs (so the comparison above can fail)
    _, d_on = _daily({})
    assert not d_on["gmv"].equals(d_off["gmv"])


def test_recommendation_off_only_keeps_random_dealing():
    """Content on, the recommender off: the public feed is dealt at random from the
    traffic stream (the recommend stream is never drawn)."""
    m, d = _daily({"recommendation.enabled": False})
    fresh = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(21)[14]))
    assert m.streams["recommend"].random() == fresh.random()
    assert d["viewers_content"].sum() > 0


# ------------------------------------------------------------ money and identities
def test_content_costs_are_ledger_transfers_that_the_identities_check():
    m, d = _daily({}, days=35, model=Checked)           # every accounting identity, every day
    spent = m.ledger.flow("content")
    assert spent > 0 and m.ledger["content_costs"] == spent
    assert abs(d["content_spend"].sum() - spent / 100.0) < 1e-6
    assert m.ledger.balance.sum() == 0


def test_rooms_spend_only_cash_they_hold():
    m = LiveCommerceModel(small_scenario(**{"content.cost_per_video": 500.0}), 4)
    led, orig, checked = m.ledger, m.content._pay, []

    def pay(b):
        before = led.balance.copy()
        effort = orig(b)
        paid = before - led.balance
        rooms = np.flatnonzero(paid > 0)
        rooms = rooms[rooms != led.acct("content_costs")]
        assert (paid[rooms] <= np.maximum(before[rooms], 0)).all()
        assert (effort <= m.content.effort[b.room] + 1e-12).all()
        checked.append(rooms.size)
        return effort

    m.content._pay = pay
    m.run(20)
    assert sum(checked) > 0


# ------------------------------------------------------------ behaviour
def test_entries_are_tagged_by_arrival_and_shares_add_up():
    m, d = _daily({}, days=20)
    ways = ["following", "public", "content", "search", "shelf", "review", "promoted"]
    total = sum(d[f"viewers_{w}"] for w in ways)
    assert (total == d["viewers"]).all()
    assert d["viewers_content"].sum() > 0 and d["viewers_public"].sum() > 0
    s = m.datacollector.get_model_vars_dataframe()
    from sim.measures import run_summary

    summ = run_summary(m, s)
    assert abs(sum(summ[f"arrival_share_{w}"] for w in ways) - 1.0) < 1e-9
    assert summ["content_share"] == summ["arrival_share_content"] > 0


def test_more_live_cards_means_fewer_content_shares_of_entries():
    _, few = _daily({"content.live_card_share": 0.2}, days=15)
    _, many = _daily({"content.live_card_share": 1.0}, days=15)
    share = lambda d: d["viewers_content"].sum() / d["viewers"].sum()   # noqa: E731
    assert share(few) > share(many)


def test_effort_follows_the_return_of_content():
    """Free videos: every room that went live makes the most; videos dearer than any
    return: every room that went live makes the least (effort_step 1: straight to the best)."""
    step = {"content.effort_step": 1.0}
    free, _ = _daily({"content.cost_per_video": 0.0, **step}, days=12)
    dear, _ = _daily({"content.cost_per_video": 1e5, **step}, days=12)
    went_live = free.cum.room_views > 0
    c = free.params.content
    assert went_live.sum() > 10
    assert np.allclose(free.content.effort[went_live], c.max_effort)
    live = dear.cum.room_views > 0
    assert np.allclose(dear.content.effort[live], c.min_effort)
    # in between, effort rises with the return the room's content brought
    mid, _ = _daily(step, days=30)
    live = mid.cum.room_views > 0
    r, e = mid.content.expected_return[live], mid.content.effort[live]
    assert np.corrcoef(r, e)[0, 1] > 0.5


def test_content_raises_interest_and_brings_followers():
    m, d = _daily({"content.interest_relax": 0.0}, days=10)
    pref = m.consumers.category_pref
    assert np.allclose(pref.sum(axis=1), 1.0)
    assert not np.allclose(pref, m.content.base_pref)
    assert d["content_follows"].sum() > 0
    m0, _ = _daily({"content.interest_lift": 0.0, "content.interest_relax": 0.0}, days=10)
    assert np.array_equal(m0.consumers.category_pref, m0.content.base_pref)


def test_personalised_matching_reaches_interested_consumers():
    """With personalisation, public viewers' interest in the category of the room
    they enter is higher than when impressions are dealt at random."""
    def mean_interest(p):
        m = LiveCommerceModel(small_scenario(**{"time.days": 8, "recommendation.personalisation": p,
                                                "content.enabled": False}), 5)
        seen = []
        orig = m.viewing.public

        def public(b, shares, active):
            counts, e = orig(b, shares, active)
            mix = category_mix(b, m.suppliers.category, m.categories.n)
            seen.append((m.consumers.category_pref[e.consumer] * mix[e.bcast]).sum(axis=1).mean())
            return counts, e

        m.viewing.public = public
        m.run()
        return np.mean(seen)

    # (preferences are mildly heterogeneous, consumers.category_focus: perfect matching gains under 20%)
    assert mean_interest(1.0) > 1.05 * mean_interest(0.0)


def test_prediction_quality_is_how_close_the_prediction_is_to_the_estimate():
    m = LiveCommerceModel(small_scenario(**{"recommendation.prediction_quality": 1.0}), 1)
    m.run(3)
    cons = np.arange(200)
    perfect = m.recommender.predicted_interest(cons)
    assert np.allclose(perfect.sum(axis=1), 1.0)
    m.recommender.params = m.params.with_overrides({"recommendation.prediction_quality": 0.0})
    noise = m.recommender.predicted_interest(cons)
    pref = m.consumers.category_pref[cons]
    err = lambda p: np.abs(p - pref).sum(axis=1).mean()   # noqa: E731
    assert err(perfect) < err(noise)


def test_the_coalition_mode_keeps_content_on_the_platform():
    """A mode with every anchor off the platform: no content entry into an anchor's room."""
    from sim.coalition.modes import coalition_mode
    from sim.coalition.players import resolve_players

    m = LiveCommerceModel(small_scenario(**{"time.days": 12}), 2)
    players = resolve_players("roles", m)
    m.mode = coalition_mode(m, players, {p.name for p in players if p.name != "anchor"})
    seen = []
    orig = m.content.entries

    def entries(day):
        e = orig(day)
        seen.append(day.broadcasts.anchor[e.bcast])
        return e

    m.content.entries = entries
    m.run(6)
    assert all((a < 0).all() for a in seen)


# ------------------------------------------------------------ pieces
@settings(max_examples=30, deadline=None)
@given(w=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30), n=st.integers(0, 200), seed=st.integers(0, 2**31))
def test_weighted_draws_only_pick_positive_weights(w, n, seed):
    w = np.array(w)
    vals = np.arange(w.size) * 10
    out = weighted_draws(np.random.default_rng(seed), vals, w, n)
    assert out.size == n
    if w.sum() > 0:
        assert (w[out // 10] > 0).all()


def test_weighted_draws_follow_the_weights():
    w = np.array([1.0, 3.0, 0.0, 6.0])
    out = weighted_draws(np.random.default_rng(0), np.arange(4), w, 200_000)
    freq = np.bincount(out, minlength=4) / out.size
    assert np.allclose(freq, w / w.sum(), atol=0.01)
    # in random order: the first and second halves have the same mix
    assert np.allclose(np.bincount(out[:100_000], minlength=4), np.bincount(out[100_000:], minlength=4), rtol=0.05)


def test_head_traffic_cv_of_known_series():
    v = TrafficVolatility(3)
    for x in ([10.0, 1.0, 0.0], [30.0, 1.0, 0.0], [20.0, 1.0, 0.0]):
        v.add(np.arange(3), np.array(x))
    assert v.head_cv() == pytest.approx(np.std([10, 30, 20], ddof=1) / 20)   # the top room only
    assert v.head_cv(1.0) == pytest.approx(np.std([10, 30, 20], ddof=1) / 20 / 2)   # (and a steady one)
    assert TrafficVolatility(2).head_cv() == 0.0


@pytest.mark.parametrize("field, bad", [("recommendation.personalisation", 1.5),
                                        ("recommendation.prediction_quality", -0.1),
                                        ("recommendation.realtime_weight", 6.0),
                                        ("content.live_card_share", 2.0),
                                        ("content.reach_elasticity", 1.0),
                                        ("content.cost_per_video", -1.0)])
def test_levers_out_of_range_are_refused_by_name(field, bad):
    with pytest.raises((ScenarioError, ValueError)) as e:
        Scenario().with_overrides({field: bad})
    assert field.split(".")[1] in str(e.value)


def test_effort_bounds_must_be_ordered():
    with pytest.raises((ScenarioError, ValueError)) as e:
        Scenario().with_overrides({"content.min_effort": 10.0, "content.max_effort": 5.0})
    assert "min_effort" in str(e.value)


def test_the_arrival_names_match_the_measures():
    from sim.measures import ARRIVAL_WAYS

    assert [a.upper() for a in ARRIVAL_WAYS] == [a.name for a in Arrival]


def test_the_long_tail_reserve_reaches_eligible_rooms_through_cards_and_videos():
    """With content and the recommender on, a 30% reserve raises the share of public
    traffic (cards) and of short videos that SME store rooms and small anchors get."""
    def eligible_shares(reserve):
        m = LiveCommerceModel(small_scenario(**{"time.days": 10, "traffic.long_tail_reserve": reserve}), 6)
        got = {"cards": [0.0, 0.0], "videos": [0.0, 0.0]}
        orig_watch, orig_entries = m.viewing.watch, m.content.entries

        def eligible(b):
            an, sp = m.anchors, m.suppliers
            is_a = b.anchor >= 0
            new = is_a & (an.age[np.maximum(b.anchor, 0)] < m.params.traffic.new_entrant_days)
            return np.where(is_a, (an.tier[np.maximum(b.anchor, 0)] == 2) | new, ~sp.is_large[np.maximum(b.store, 0)])

        def watch(b, shares, *a, **k):
            v = orig_watch(b, shares, *a, **k)
            got["cards"][0] += v.impressions[eligible(b)].sum()
            got["cards"][1] += v.impressions.sum()
            return v

        def entries(day):
            e = orig_entries(day)
            got["videos"][0] += eligible(day.broadcasts)[e.bcast].sum()
            got["videos"][1] += e.size
            return e

        m.viewing.watch, m.content.entries = watch, entries
        m.run()
        return {k: a / b for k, (a, b) in got.items()}

    off, on = eligible_shares(0.0), eligible_shares(0.3)
    assert on["cards"] > off["cards"] + 0.05
    assert on["videos"] > off["videos"] + 0.05
