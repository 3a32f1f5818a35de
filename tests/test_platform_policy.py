"""The adaptive platform (section platform_adaptation, sim/market/platform_policy.py):
its levers' ranges, off by default (and then nothing changes), the adaptation rule
on toy objectives, the commission in force on the orders, money to the cent, and
the platform-objective study's command on a tiny spec."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.finance.ledger import to_cents
from sim.market.platform_policy import (LEVERS, NO_PLATFORM_POLICY, POLICY_DAILY, Lever, SPSAClimber,
                                        levers_of)
from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from sim.scenario import Scenario
from tests.conftest import small_scenario
from tests.test_model import Checked

ON = {"platform_adaptation.enabled": True, "platform_adaptation.interval_days": 3}


# ------------------------------------------------------------------ the section
@pytest.mark.parametrize("field, value", [
    ("reserve_step", 1.5), ("reserve_max", -0.1), ("commission_step", 2.0), ("cap_min", 0.0),
    ("cap_max", 1.5), ("exponent_max", 6.0), ("interval_days", 0), ("tolerance", 1.2),
])
def test_a_lever_out_of_its_range_is_refused_with_its_name(field, value):
    with pytest.raises(ScenarioError) as exc:
        Scenario().with_overrides({f"platform_adaptation.{field}": value})
    assert f"platform_adaptation.{field}" in str(exc.value)


def test_bounds_that_cannot_work_are_refused_with_their_names():
    with pytest.raises(ScenarioError, match=r"platform_adaptation\.reserve_min \(0\.4\) must be at most"):
        Scenario().with_overrides({**ON, "platform_adaptation.reserve_min": 0.4, "platform_adaptation.reserve_max": 0.3})
    with pytest.raises(ScenarioError, match=r"traffic\.long_tail_reserve = 0\.0"):
        Scenario().with_overrides({**ON, "platform_adaptation.reserve_min": 0.1})
    with pytest.raises(ScenarioError, match=r"platform_adaptation\.reserve_max .* traffic\.exploration_share"):
        Scenario().with_overrides({**ON, "platform_adaptation.reserve_max": 0.9})
    with pytest.raises(ScenarioError, match=r"platform_adaptation\.objective"):
        Scenario().with_overrides({"platform_adaptation.objective": "market_share"})
    # switched off, the bounds are not checked against the levers (nothing moves them)
    Scenario().with_overrides({"platform_adaptation.reserve_min": 0.1})


# ------------------------------------------------------------- off by default
def test_off_by_default_and_then_nothing_changes():
    assert Scenario().platform_adaptation.enabled is False
    sc = small_scenario(**{"time.days": 15})
    m = LiveCommerceModel(sc, 3)
    assert m.platform_policy is NO_PLATFORM_POLICY and "commission_scale" not in m.platform.policy
    m.run()
    base = daily_frame(m)
    # switched off, the section's other levers change nothing
    other = small_scenario(**{"time.days": 15, "platform_adaptation.objective": "profit",
                              "platform_adaptation.interval_days": 2, "platform_adaptation.reserve_step": 0.3})
    m2 = LiveCommerceModel(other, 3)
    m2.run()
    assert daily_frame(m2).equals(base)
    # the policy path of a fixed platform is the scenario's levers, every day
    assert (base["policy_commission_scale"] == 1.0).all()
    assert (base["policy_long_tail_reserve"] == sc.traffic.long_tail_reserve).all()
    assert (base["policy_anchor_cap"] == sc.traffic.anchor_cap).all()
    assert (base["policy_preferential_exponent"] == sc.traffic.preferential_exponent).all()
    assert set(POLICY_DAILY) <= set(base.columns)
    assert np.array_equal(m.categories.commission, [c.commission_rate for c in sc.categories.values()])


# ------------------------------------------------------------ the rule itself
def _climb(climber: SPSAClimber, objective, cycles: int) -> list[dict]:
    seen = []
    for _ in range(2 * cycles):
        x = climber.probe()
        seen.append(x)
        climber.observe(objective(x))
    return seen


def test_the_rule_climbs_a_toy_objective_to_its_peak_and_stays_in_bounds():
    levers = [Lever("long_tail_reserve", 0.05, 0.0, 0.5, False), Lever("commission_scale", 0.1, 0.5, 2.0, False),
              Lever("anchor_cap", 0.5, 0.005, 1.0, True)]
    peak = {"long_tail_reserve": 0.3, "commission_scale": 0.8, "anchor_cap": 0.05}

    def j(x):   # concave, the peak inside the bounds (the cap in log space)
        return 100.0 - 50 * (x["long_tail_reserve"] - 0.3) ** 2 - 20 * (x["commission_scale"] - 0.8) ** 2 \
            - (np.log(x["anchor_cap"]) - np.log(0.05)) ** 2

    c = SPSAClimber(levers, {"long_tail_reserve": 0.0, "commission_scale": 1.5, "anchor_cap": 1.0}, 0.0,
                    np.random.default_rng(1))
    start = j(c.centre)
    seen = _climb(c, j, 60)
    assert j(c.centre) > start
    assert abs(c.centre["long_tail_reserve"] - peak["long_tail_reserve"]) <= 0.05 + 1e-9
    assert abs(c.centre["commission_scale"] - peak["commission_scale"]) <= 0.1 + 1e-9
    assert abs(np.log(c.centre["anchor_cap"] / peak["anchor_cap"])) <= np.log(1.5) + 1e-9
    for x in seen:
        for lv in levers:
            assert lv.low <= x[lv.name] <= lv.high


def test_the_rule_goes_to_the_bound_of_a_monotone_objective_and_holds_a_flat_one():
    lv = [Lever("commission_scale", 0.1, 0.5, 2.0, False)]
    up = SPSAClimber(lv, {"commission_scale": 1.0}, 0.0, np.random.default_rng(2))
    _climb(up, lambda x: x["commission_scale"], 30)
    assert up.centre["commission_scale"] == 2.0
    down = SPSAClimber(lv, {"commission_scale": 1.0}, 0.0, np.random.default_rng(2))
    _climb(down, lambda x: -x["commission_scale"], 30)
    assert down.centre["commission_scale"] == 0.5
    # differences within the tolerance move nothing
    flat = SPSAClimber(lv, {"commission_scale": 1.0}, 0.05, np.random.default_rng(2))
    _climb(flat, lambda x: 100.0 + x["commission_scale"], 30)
    assert flat.centre["commission_scale"] == 1.0 and not any(m["moved"] for m in flat.moves)


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(0.0, 0.5), width=st.floats(0.0, 0.5), step=st.floats(0.001, 0.5),
       frac=st.floats(0.0, 1.0), log=st.booleans(), seed=st.integers(0, 2**32 - 1),
       values=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_probes_and_centres_stay_in_bounds_whatever_the_objective(lo, width, step, frac, log, seed, values):
    low = lo + (1e-3 if log else 0.0)
    lv = Lever("x", step, low, low + width, log)
    c = SPSAClimber([lv], {"x": low + frac * width}, 0.0, np.random.default_rng(seed))
    for v in values:
        assert lv.low <= c.probe()["x"] <= lv.high
        c.observe(v)
        assert lv.low <= c.centre["x"] <= lv.high


def test_levers_with_step_zero_are_held():
    p = Scenario().with_overrides({"platform_adaptation.cap_step": 0.0, "platform_adaptation.exponent_step": 0.0}
                                  ).platform_adaptation
    assert [lv.name for lv in levers_of(p)] == ["commission_scale", "long_tail_reserve"]
    assert {name for name, _, _ in LEVERS} == {"commission_scale", "long_tail_reserve", "anchor_cap",
                                               "preferential_exponent"}


# ------------------------------------------------------------ in the model
@pytest.mark.parametrize("objective", ["gmv", "profit"])
def test_an_adaptive_platform_keeps_money_to_the_cent_and_charges_the_commission_in_force(objective):
    sc = small_scenario(**{**ON, "platform_adaptation.objective": objective, "time.days": 24,
                           "time.settlement_period": 10})
    m = Checked(sc, 5)
    base = m.platform_policy.base_commission.copy()
    fees_ok, charged = [], {}
    for _ in range(sc.time.days):
        scale, d = m.platform.policy["commission_scale"], m.day
        m.step()
        assert m.ledger.is_balanced()
        # every order placed today pays the commission in force today (the plain model: no coalition mode)
        ch = m.book.placed_on(d)
        if ch is not None and ch.price.size:
            rate = base[ch.category] * scale
            # (to the cent: the order's price is rounded to cents, the fee was computed on the price in yuan)
            assert np.abs(ch.platform_fee - to_cents(ch.price / 100.0 * rate)).max() <= 1
            charged[scale != 1.0] = charged.get(scale != 1.0, 0) + ch.price.size
        fees_ok.append(scale)
        assert np.allclose(m.categories.commission, base * m.platform.policy["commission_scale"])
    d = daily_frame(m)
    p = sc.platform_adaptation
    for col, lo, hi in (("policy_commission_scale", p.commission_min, p.commission_max),
                        ("policy_long_tail_reserve", p.reserve_min, p.reserve_max),
                        ("policy_anchor_cap", p.cap_min, p.cap_max),
                        ("policy_preferential_exponent", p.exponent_min, p.exponent_max)):
        assert d[col].between(lo, hi).all(), col
    # the levers change only at the end of a probe (every interval_days days), and they do change
    changes = np.flatnonzero((d[list(POLICY_DAILY)].diff().abs().sum(axis=1) > 0).to_numpy())
    assert changes.size > 0 and (changes % p.interval_days == 0).all()
    assert len(m.platform_policy.moves) == sc.time.days // (2 * p.interval_days)
    assert np.allclose(d["policy_commission_scale"].to_numpy(), fees_ok)
    assert charged.get(True, 0) > 0     # orders were placed at a commission other than the scenario's


def test_the_adaptive_platform_survives_the_coalition_forks():
    """The grand coalition's fork continues the plain run bit for bit, levers and all."""
    from sim.coalition.game import build_model, play_window
    from sim.coalition.players import resolve_players

    sc = small_scenario(**{**ON, "platform_adaptation.interval_days": 2, "time.days": 8,
                           "population.consumers": 800, "population.anchors": 40, "population.suppliers": 12})
    plain = LiveCommerceModel(sc, 4)
    plain.run(8)
    m = build_model(sc, 4)
    m.run(5)
    _, grand = play_window(m, resolve_players("roles", m), 3, 1)
    a, b = daily_frame(plain), daily_frame(grand.model)
    cols = list(POLICY_DAILY) + ["gmv", "cash_platform"]
    assert a[cols].reset_index(drop=True).equals(b[cols].reset_index(drop=True))
    assert plain.platform_policy.moves == grand.model.platform_policy.moves


def test_the_profit_objective_counts_every_net_flow_into_the_platform_but_books_commission_when_placed():
    sc = small_scenario(**{**ON, "platform_adaptation.objective": "profit", "platform_adaptation.interval_days": 50,
                           "time.days": 50})
    m = LiveCommerceModel(sc, 2)
    m.run(2)
    pp, led = m.platform_policy, m.ledger
    p0 = pp.profit_cents()
    # two days' commission accrued, and the day's advertising income (paid traffic), nothing else
    assert p0 == pp.fees + led.flow("ad_spend") and pp.fees > 0
    # another helper's income (advertising) booked into the platform's account counts at once ...
    led.transfer(led.acct("consumers"), led.acct("platform"), 12_345, "advertising")
    assert pp.profit_cents() == p0 + 12_345
    # ... settled commission does not count twice (it was booked when the order was placed)
    led.transfer(led.acct("escrow"), led.acct("platform"), 1_000, "commission")
    assert pp.profit_cents() == p0 + 12_345
    # money the platform pays out counts against it
    led.transfer(led.acct("platform"), led.acct("consumers"), 345, "coupon_platform")
    assert pp.profit_cents() == p0 + 12_000
