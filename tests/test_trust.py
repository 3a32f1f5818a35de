"""Trust crises and fraud (sim/trust.py): persona collapse, fraud detection,
complaints, guarantees, word of mouth, and the refusal of bad events."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model import LiveCommerceModel
from sim.runner import run_scenario
from sim.scenario import Scenario, scenario_from_dict
from sim.trust import CAUSES, SocialGraph, recovery_half_life
from tests.conftest import small_scenario

COLLAPSE = {"kind": "persona_collapse", "day": 15, "anchor_rank": 1}


def _with_events(sc: Scenario, events) -> Scenario:
    return sc.with_overrides({"events": events})


# ------------------------------------------------------------ persona collapse

def test_persona_collapse_hits_the_top_anchor_and_its_followers():
    sc = _with_events(small_scenario(**{"time.days": 20}), [{**COLLAPSE, "unfollow_share": 0.5, "trust_drop": 0.8}])
    m = LiveCommerceModel(sc, 3)
    m.run(15)
    gmv = m.cum["room_gmv"][:m.anchors.n]
    top = int(np.argmax(gmv))
    followers_before = int((m.consumers.follows == top).sum())
    trust_before = m.consumers.personal_trust[m.consumers.follows == top].mean()
    it_before = m.consumers.institutional_trust.mean()
    m.step()
    ev = m.trust.events[0]
    assert ev["anchor"] == top and ev["followers"] == followers_before > 0
    assert 0 < ev["unfollowed"] < followers_before
    remaining = m.consumers.personal_trust[m.consumers.follows == top]
    assert remaining.size == followers_before - ev["unfollowed"]
    assert remaining.mean() < 0.5 * trust_before
    assert m.consumers.institutional_trust.mean() < it_before
    assert m.anchors.suspended_until[top] == 15 + 30


def test_persona_collapse_lowers_trust_and_gmv_paired():
    base = small_scenario(**{"time.days": 40})
    for seed in (1, 2):
        off = run_scenario(base, seed, keep_daily=True).daily
        on = run_scenario(_with_events(base, [COLLAPSE]), seed, keep_daily=True).daily
        # identical before the event (common random numbers), lower after it
        assert off["gmv"].iloc[:15].equals(on["gmv"].iloc[:15])
        assert on["mean_institutional_trust"].iloc[15:].mean() < off["mean_institutional_trust"].iloc[15:].mean()
        assert on["gmv"].iloc[15:].sum() < off["gmv"].iloc[15:].sum()


def test_guarantees_shrink_the_collapse_fall():
    base = _with_events(small_scenario(**{"time.days": 40}), [COLLAPSE])
    off = run_scenario(base, 1).summary["shock_trust_fall"]
    on = run_scenario(base.with_overrides({"guarantees.compensation": True}), 1).summary["shock_trust_fall"]
    assert 0 < on < off


def test_recovery_half_life():
    base = np.full(30, 0.7)
    shocked = base.copy()
    deficit = 0.1 * 0.5 ** (np.arange(20) / 4.0)      # exact half-life 4 days from day 10
    shocked[10:] -= deficit
    assert recovery_half_life(shocked, base, 10) == 4.0
    assert math.isnan(recovery_half_life(base, base, 10))            # no deficit
    assert math.isnan(recovery_half_life(base - 0.1, base, 10))      # never recovers: censored


# ------------------------------------------------------------------- fraud

def test_detection_demotes_and_fines():
    sc = small_scenario(**{"time.days": 25, "fraud.detection_probability": 0.3, "fraud.reform_probability": 0.0,
                           "fraud.honesty_mean": 0.4})
    m = LiveCommerceModel(sc, 2)
    an = m.anchors
    assert an.fraudster.any() and (an.fake_order_share[an.fraudster] > 0).all()
    assert (an.fake_order_share[~an.fraudster] == 0).all()
    m.run(25)
    caught = an.times_detected > 0
    assert caught.any()
    assert (an.demoted_until[caught] > 0).all() and (an.demoted_until[~caught] < 0).all()
    assert m.ledger.flow("fine_anchor") + m.ledger.flow("fine_supplier") > 0
    # fake orders inflate reported sales only for fraudsters
    assert (an.reported_sales >= an.real_sales - 1e-9).all()
    assert (an.reported_sales[an.fake_order_share == 0] == an.real_sales[an.fake_order_share == 0]).all()
    # a demoted fraudster's ranking input is cut
    b = SimpleNamespace(anchor=np.flatnonzero(caught)[:1], store=np.array([-1]))   # one anchor broadcast
    mult = m.trust.score_multiplier(b, m.day - 1)
    i = b.anchor[0]
    if an.demoted_until[i] > m.day - 1:
        assert mult[0] == pytest.approx((1 + an.fake_order_share[i]) * sc.fraud.demotion_factor)


def test_detection_raises_fake_order_complaints_and_lowers_trust():
    base = small_scenario(**{"time.days": 30, "fraud.honesty_mean": 0.5})
    lo = run_scenario(base.with_overrides({"fraud.detection_probability": 0.0}), 4).summary
    hi = run_scenario(base.with_overrides({"fraud.detection_probability": 0.2}), 4).summary
    assert lo["complaint_share_fake_orders"] == 0.0 and hi["complaint_share_fake_orders"] > 0.05
    assert hi["fraud_detected"] > 0 == lo["fraud_detected"]


def test_fraud_off_means_no_fraud_at_all():
    r = run_scenario(small_scenario(**{"fraud.enabled": False}), 1, keep_daily=True)
    assert r.summary["fake_gmv"] == 0 and r.summary["fraud_detected"] == 0
    assert r.daily["counterfeits"].sum() == 0 and r.daily["complaints_fake_orders"].sum() == 0


# -------------------------------------------------------------- complaints

def test_complaints_by_cause_add_up():
    r = run_scenario(small_scenario(), 5, keep_daily=True)
    d, s = r.daily, r.summary
    parts = sum(d[f"complaints_{c}"] for c in CAUSES)
    assert (parts == d["complaints"]).all() and d["complaints"].sum() == s["complaints"] > 0
    assert sum(s[f"complaint_share_{c}"] for c in CAUSES) == pytest.approx(1.0)
    # not-as-described complaints come only from returns for mismatch
    assert (d["complaints_not_as_described"] <= d["returns_not_as_described"]).all()


def test_traceability_lowers_fake_goods():
    base = small_scenario(**{"time.days": 40, "fraud.counterfeit_rate": 0.5, "fraud.honesty_mean": 0.5})
    off = run_scenario(base, 1, keep_daily=True).daily["counterfeits"].sum()
    on = run_scenario(base.with_overrides({"guarantees.traceability": True}), 1, keep_daily=True).daily["counterfeits"].sum()
    assert 0 < on < off


# ---------------------------------------------------------------- guarantees

def test_guarantee_floor_holds_under_bad_experiences():
    sc = small_scenario(**{"time.days": 20, "guarantees.compensation": True, "guarantees.compensation_floor": 0.65,
                           "trust.institutional_loss": 0.5, "returns.exaggeration_effect": 50.0,
                           "events": [{**COLLAPSE, "day": 5, "spill_over": 1.0, "public_spill_over": 1.0}]})
    m = LiveCommerceModel(sc, 1)
    start = m.consumers.institutional_trust.copy()
    assert (start > sc.consumers.initial_institutional_trust).all()   # the cover lowers perceived risk at once
    m.run(20)
    assert m.consumers.institutional_trust.min() >= 0.65 - 1e-12
    no = LiveCommerceModel(sc.with_overrides({"guarantees.compensation": False}), 1)
    no.run(20)
    assert no.consumers.institutional_trust.min() < 0.65


# ------------------------------------------------------------- word of mouth

def test_social_graph_is_sparse_without_self_ties():
    g = SocialGraph(1000, 5, np.random.default_rng(0))
    assert g.ties.shape == (1000, 5) and g.ties.dtype == np.int32
    assert (g.ties != np.arange(1000)[:, None]).all() and g.ties.min() >= 0 and g.ties.max() < 1000
    e, r = g.spread(np.array([3, 7]), np.array([1.0, 0.0]), np.random.default_rng(1))
    assert (e == 0).all() and sorted(r) == sorted(g.ties[3])


def test_word_of_mouth_reach_is_measured_and_moves_trust():
    base = small_scenario(**{"time.days": 30})
    on = run_scenario(base, 2, keep_daily=True)
    off = run_scenario(base.with_overrides({"word_of_mouth.enabled": False}), 2, keep_daily=True)
    assert on.summary["wom_reach_per_day"] > 0 and on.summary["wom_reach_per_experience"] > 0
    assert off.summary["wom_reach_per_day"] == 0 and off.daily["wom_messages"].sum() == 0
    assert (on.daily["wom_reached"] <= on.daily["wom_messages"]).all()
    assert on.daily["mean_institutional_trust"].iloc[-1] != off.daily["mean_institutional_trust"].iloc[-1]


# ---------------------------------------------------------------- bad events

@pytest.mark.parametrize("event, field", [
    ({**COLLAPSE, "day": 45}, "events.0.day"),
    ({**COLLAPSE, "anchor_rank": 301}, "events.0.anchor_rank"),
    ({**COLLAPSE, "anchor_rank": 0}, "events.0.anchor_rank"),
    ({**COLLAPSE, "trust_drop": 1.5}, "events.0.trust_drop"),
    ({"kind": "alien_invasion", "day": 3}, "events.0"),
    ({**COLLAPSE, "severity": 2}, "events.0.severity"),
])
def test_bad_events_are_refused_naming_the_field(event, field):
    data = small_scenario().model_dump()
    data["events"] = [event]
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(data)
    assert any(p.startswith(field) or f"{field}:" in p for p in exc.value.problems), exc.value.problems


def test_unknown_kind_message_lists_the_kinds():
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict({"events": [{"kind": "alien_invasion", "day": 3}]})
    assert "persona_collapse" in str(exc.value)


# ------------------------------------------------------------- paired facts

def test_trust_paired_facts_are_registered_and_guarantees_shrink_the_fall():
    from sim.studies.validate import FACTS, PAIRED_FACTS, paired_effects, paired_table

    assert {"F10", "F11"} <= {f.id for f in FACTS}
    ids = {f.id for f in PAIRED_FACTS}
    assert {"F12", "F13", "F14", "F16a", "F16b", "F16c"} <= ids
    f16c = next(f for f in PAIRED_FACTS if f.id == "F16c")
    effects = paired_effects(small_scenario(), f16c, replications=2)
    assert (effects < 0).all()
    table = paired_table({"F16c": effects})
    assert table["result"].iloc[0] == "pass"
