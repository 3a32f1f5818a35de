"""Engagement, reviews and product feedback (issue 12 items 3-4; sim/market/engagement.py,
reviews.py, feedback.py): what each does to the state, that switched off each
changes nothing, and that each reaches the measures it is meant to move."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.market.engagement import Engagement, NoEngagement
from sim.market.feedback import Feedback, NoFeedback
from sim.market.reviews import NoReviews, Reviews
from sim.market.viewing import Arrival, ViewingDay
from sim.model import LiveCommerceModel
from sim.runner import run_scenario
from sim.scenario import Scenario
from sim.streams import derive_streams
from tests.conftest import small_scenario

OFF = {"engagement.enabled": False, "reviews.enabled": False, "feedback.enabled": False}
NEW = ("engagement", "reviews", "feedback")


def _daily(sc, seed=3, days=25):
    return run_scenario(sc, seed, days=days, keep_daily=True).daily


# ----------------------------------------------------------------- switched off

@pytest.mark.parametrize("section", NEW)
def test_a_switched_off_mechanism_changes_nothing_whatever_its_levers(section):
    """Off, a section's levers have no effect and its stream is never drawn."""
    base = small_scenario(**{f"{section}.enabled": False})
    levers = {"engagement": {"engagement.conversion_lift": 5.0, "engagement.return_lift": 1.0,
                             "engagement.interaction_skill_sigma": 2.0},
              "reviews": {"reviews.post_probability": 1.0, "reviews.feed_views": 50.0},
              "feedback": {"feedback.improvement_rate": 0.5, "feedback.listening_mean": 0.9}}[section]
    a = _daily(base)
    b = _daily(base.with_overrides(levers))
    assert a.equals(b)
    m = LiveCommerceModel(base, 3)
    state = m.streams[section].bit_generator.state
    m.run(10)
    assert m.streams[section].bit_generator.state == state


def test_all_off_the_new_columns_are_zero_or_constant_and_the_state_is_untouched():
    m = LiveCommerceModel(small_scenario(**OFF), 2)
    q0 = m.suppliers.true_quality.copy()
    m.run(15)
    assert isinstance(m.engagement, NoEngagement) and isinstance(m.reviews, NoReviews)
    assert isinstance(m.feedback, NoFeedback)
    assert m.consumers.engagement is None and (m.anchors.interaction_skill == 1.0).all()
    assert (m.suppliers.true_quality == q0).all() and (m.suppliers.listening == 0.0).all()
    for k in ("mean_engagement", "fan_share", "review_entries", "review_orders", "reviews_posted", "feedback_items"):
        assert m.today[k] == 0.0
    assert all(s is not m.reviews for s in m.viewing.sources)   # (the other sections may add sources)


def test_switching_the_others_off_leaves_engagement_and_the_rest_as_with_all_off_when_engagement_is_off():
    """Each mechanism draws only from its own stream: with reviews and feedback
    off, turning engagement off gives the run with all three off."""
    a = _daily(small_scenario(**OFF))
    b = _daily(small_scenario(**{**OFF, "engagement.enabled": False}))
    assert a.equals(b)


@pytest.mark.parametrize("field,value", [("engagement.decay", 1.5), ("engagement.conversion_lift", -0.1),
                                         ("reviews.lifetime_days", 0), ("reviews.feed_views", -1.0),
                                         ("feedback.listening_mean", 1.0), ("feedback.half_saturation", 0.0)])
def test_levers_out_of_range_are_refused_with_the_field_name(field, value):
    with pytest.raises((ScenarioError, ValueError)) as e:
        Scenario().with_overrides({field: value})
    assert field.split(".")[1] in str(e.value)


# ------------------------------------------------------------------ engagement

class _Views(SimpleNamespace):
    pass


def _engagement_world(n=50, width=4, n_anchors=6, seed=0):
    rng = np.random.default_rng(seed)
    sc = Scenario()
    follows = np.where(rng.random((n, width)) < 0.6, rng.integers(0, n_anchors, (n, width)), -1).astype(np.int32)
    for row in follows:   # one follow of an anchor per row (as the population keeps them)
        seen = set()
        for k, a in enumerate(row):
            if a in seen:
                row[k] = -1
            seen.add(a)
    from sim.consumers import ConsumerPopulation
    cons = ConsumerPopulation.__new__(ConsumerPopulation)
    cons.n, cons.follows = n, follows
    cons.personal_trust = np.where(follows >= 0, 0.6, 0.0)
    cons.engagement = None
    anchors = SimpleNamespace(n=n_anchors)
    return sc, cons, anchors


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 30))
def test_engagement_rises_with_watching_decays_without_and_stays_in_unit_interval(seed, days):
    sc, cons, anchors = _engagement_world(seed=seed % 1000)
    e = sc.engagement
    eng = Engagement(sc, cons, anchors, np.random.default_rng(seed))
    assert cons.engagement.dtype == np.float32 and cons.engagement.shape == cons.follows.shape
    rng = np.random.default_rng(seed + 1)
    b = SimpleNamespace(anchor=np.arange(anchors.n))          # every anchor live, one broadcast each
    for _ in range(days):
        before = cons.engagement.copy()
        who = rng.integers(0, cons.n, 30)
        views = _Views(consumer=who, bcast=rng.integers(0, anchors.n, 30),
                       source=np.full(30, int(Arrival.FOLLOWING), np.int8))
        out = eng.after_viewing(b, views)
        slot = cons.follow_slot(who, b.anchor[views.bcast])
        watched = np.zeros(cons.follows.shape, bool)
        watched[who[slot >= 0], slot[slot >= 0]] = True
        decayed = before * np.float32(1 - e.decay)
        assert np.all(cons.engagement[watched] > decayed[watched] - 1e-7)
        assert np.allclose(cons.engagement[~watched], decayed[~watched])
        assert cons.engagement.min() >= 0.0 and cons.engagement.max() <= 1.0
        assert (cons.engagement[cons.follows < 0] == 0).all()
        assert (out.follower == (slot >= 0)).all()
        assert (out.fan == (out.follower & (out.engagement >= e.fan_threshold))).all()
        rows, slots = np.nonzero(cons.follows >= 0)
        p = eng.watch_probability(rows, slots, 0.6)
        assert np.allclose(p, 0.6 + 0.4 * e.return_lift * cons.engagement[rows, slots])
        assert (p >= 0.6).all() and (p <= 1.0).all()


def test_following_anew_or_unfollowing_resets_the_slot():
    sc, cons, anchors = _engagement_world()
    Engagement(sc, cons, anchors, np.random.default_rng(0))
    cons.engagement[:] = 0.7
    c = np.flatnonzero((cons.follows >= 0).any(axis=1))[:5]
    s = (cons.follows[c] >= 0).argmax(axis=1)
    cons.unfollow(c, s)
    assert (cons.engagement[c, s] == 0).all()
    cons.follow(c, np.full(c.size, anchors.n + 3), 0.6)        # a new anchor: a slot followed anew
    slot = cons.follow_slot(c, np.full(c.size, anchors.n + 3))
    assert (slot >= 0).all() and (cons.engagement[c, slot] == 0).all()


def test_engaged_followers_convert_better_and_anchors_differ_in_interaction_skill():
    r = run_scenario(small_scenario(**{"reviews.enabled": False, "feedback.enabled": False}), 5, days=60,
                     keep_daily=True)
    s, d = r.summary, r.daily
    assert d["mean_engagement"].iloc[-1] > d["mean_engagement"].iloc[0] > 0
    assert s["fan_share_end"] > 0
    assert s["conversion_fan"] > s["conversion_follower_other"] > 0
    m = LiveCommerceModel(small_scenario(), 5)
    assert m.anchors.interaction_skill.std() > 0 and abs(np.log(m.anchors.interaction_skill).mean()) < 0.5


def test_engagement_raises_conversion_and_return_visits_against_off_on_common_random_numbers():
    # (the suppliers' channel choice off too: in this small world it moves stores, whose rooms
    # barely convert, in or out with any change of profits, which swamps engagement's effect)
    sc = small_scenario(**{"reviews.enabled": False, "feedback.enabled": False, "stores.enabled": False})
    on = run_scenario(sc, 7, days=60).summary
    off = run_scenario(sc.with_overrides({"engagement.enabled": False}), 7, days=60).summary
    assert on["viewers"] > off["viewers"]
    assert on["live_conversion"] > off["live_conversion"]


# ------------------------------------------------------------------ reviews

def test_review_entries_reach_live_rooms_only_never_the_author_or_followers_and_buy():
    m = LiveCommerceModel(small_scenario(**{"reviews.post_probability": 0.5}), 1)
    seen = []
    orig = m.reviews.entries

    def spy(ctx):
        out = orig(ctx)
        # followers reach the room privately: no review entry is a follower of the room's anchor (now)
        assert not m.consumers.follows_anchor(out.consumer, ctx.broadcasts.anchor[out.bcast]).any()
        seen.append((ctx, out, m.reviews.author.copy(), m.reviews.anchor.copy(), m.reviews.supplier.copy()))
        return out
    m.reviews.entries = spy
    m.run(30)
    total = 0
    for ctx, out, author, anchor, supplier in seen:
        assert out.source == Arrival.REVIEW and not out.followed.any()
        if not out.size:
            continue
        total += out.size
        assert np.isin(out.consumer, ctx.active).all()
        b = ctx.broadcasts
        assert ((out.bcast >= 0) & (out.bcast < b.size)).all()
        # each entry leads to the room of a review still live today
        rooms = set(zip(np.where(anchor >= 0, anchor, -1).tolist(), supplier.tolist()))
        for bc in out.bcast[:50]:
            a, st_ = int(b.anchor[bc]), int(b.store[bc])
            assert any((a >= 0 and ra == a) or (st_ >= 0 and sp == st_) for ra, sp in rooms)
        assert len(set(zip(out.consumer.tolist(), out.bcast.tolist()))) == out.size   # once per room a day
    assert total > 0
    assert m.today["review_entries"] >= 0
    s = run_scenario(small_scenario(**{"reviews.post_probability": 0.5}), 1, days=40, keep_daily=True).summary
    assert s["review_entries"] > 0 and s["review_orders"] > 0 and s["reviews_posted"] > 0


def test_reviews_expire_after_their_lifetime():
    sc = Scenario()
    rv = Reviews(sc, SimpleNamespace(n=10, category_pref=np.full((10, 2), 0.5)), None,
                 SimpleNamespace(n=3, category=np.array([0, 1, 0])), np.zeros((10, 0), np.int32),
                 np.random.default_rng(0))
    delivered = {"kept": np.ones(200, bool), "consumer": np.arange(200) % 10, "anchor": np.full(200, -1),
                 "supplier": np.arange(200) % 3}
    rv.after_delivery(0, delivered)
    assert rv.author.size > 0
    b = SimpleNamespace(size=0, store=np.zeros(0, np.int64), anchor=np.zeros(0, np.int64))
    ctx = ViewingDay(day=sc.reviews.lifetime_days + 1, broadcasts=b, active=np.arange(10),
                     bcast_of_anchor=np.full(1, -1), activity=1.0, mode=None, entries=[])
    assert rv.entries(ctx).size == 0 and rv.author.size == 0


# ------------------------------------------------------------------ feedback

@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.001, 1.0))
def test_feedback_raises_true_quality_toward_the_ceiling_faster_for_listeners(seed, rate):
    rng = np.random.default_rng(seed)
    sc = Scenario().with_overrides({"feedback.improvement_rate": rate, "feedback.feedback_probability": 1.0,
                                    "feedback.return_feedback_probability": 1.0})
    n = 20
    sp = SimpleNamespace(n=n, true_quality=rng.random(n) * 0.9)
    fb = Feedback(sc, sp, np.random.default_rng(seed))
    sp.listening = np.linspace(0.05, 0.95, n)
    q0 = sp.true_quality.copy()
    sup = np.repeat(np.arange(n), 40)
    fb.after_delivery(0, {"supplier": sup, "kept": np.ones(sup.size, bool)},
                      {"supplier": np.arange(n), "mismatch": np.ones(n, bool)})
    rise = sp.true_quality - q0
    assert (rise >= 0).all() and (sp.true_quality <= sc.feedback.ceiling + 1e-12).all()
    # every supplier heard the same feedback: the relative rise grows with listening
    rel = rise / (sc.feedback.ceiling - q0)
    assert (np.diff(rel) > 0).all()
    assert np.allclose(rel, rate * sp.listening * 41 / (41 + sc.feedback.half_saturation))


def test_feedback_narrows_the_quality_gap_and_cuts_mismatch_returns():
    sc = small_scenario(**{"engagement.enabled": False, "reviews.enabled": False,
                           "feedback.improvement_rate": 0.2})
    on = run_scenario(sc, 4, days=60, keep_daily=True)
    off = run_scenario(sc.with_overrides({"feedback.enabled": False}), 4, days=60, keep_daily=True)
    assert on.summary["mean_quality_gap_end"] < 0.8 * on.summary["mean_quality_gap_start"]
    assert on.summary["mean_true_quality_end"] > on.summary["mean_true_quality_start"]
    assert off.summary["mean_true_quality_end"] == off.summary["mean_true_quality_start"]
    assert on.daily["returns_not_as_described"].sum() < off.daily["returns_not_as_described"].sum()


def test_new_columns_are_drawn_from_their_own_streams_not_init():
    """Interaction skill and listening come from the engagement and feedback streams:
    the init stream draws the same numbers whether they are on or off."""
    a = LiveCommerceModel(small_scenario(), 0)
    b = LiveCommerceModel(small_scenario(**OFF), 0)
    assert a.streams["init"].bit_generator.state == b.streams["init"].bit_generator.state
    assert (a.suppliers.true_quality == b.suppliers.true_quality).all()
    assert (a.consumers.follows == b.consumers.follows).all()
    s = derive_streams(0)
    assert np.allclose(a.anchors.interaction_skill,
                       np.exp(s["engagement"].normal(-0.5 * 0.25, 0.5, a.anchors.n)))
