"""Entry and exit (sim/market/entry.py): switched off nothing changes; the exit rule;
the entry rate; reserve rows; entrants' honesty; money balances with entry and exit."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.market.entry import DEFAULT, LOSSES, entry_rate, losing_streak
from sim.model import LiveCommerceModel
from sim.scenario import Scenario
from tests.conftest import small_scenario
from tests.test_model import Checked

#: a small world where reviews come often, so that exits and entries happen within weeks
BUSY = {"entry.enabled": True, "entry.review_days": 10, "entry.exit_reviews": 2, "entry.grace_reviews": 1,
        "entry.supplier_entry_rate": 3.0, "entry.anchor_entry_rate": 3.0}


def _daily(m):
    return m.datacollector.get_model_vars_dataframe()


# ------------------------------------------------------------------ the section
@pytest.mark.parametrize("field, value", [("review_days", 0), ("exit_reviews", 0), ("reserve_suppliers", -0.1),
                                          ("reserve_anchors", 6.0), ("supplier_entry_rate", 11.0),
                                          ("anchor_profit_scale", 0.0), ("grace_reviews", -1)])
def test_lever_outside_its_range_is_refused_with_its_name(field, value):
    with pytest.raises(ScenarioError, match=rf"entry\.{field}: .*allowed"):
        Scenario().with_overrides({f"entry.{field}": value})


def test_switched_off_the_run_is_the_fixed_population_run():
    """Off: no reserve rows, and the daily measures equal those of a run whose
    scenario never heard of the section (its default, off) column for column."""
    sc = small_scenario(**{"time.days": 25})
    off = LiveCommerceModel(sc.with_overrides({"entry.enabled": False, "entry.review_days": 5}), 3)
    base = LiveCommerceModel(sc, 3)
    for m in (off, base):
        m.run(25)
    assert off.suppliers.n == sc.population.suppliers and off.anchors.n == sc.population.anchors
    assert not off.suppliers.reserved.any() and not off.anchors.reserved.any()
    pd.testing.assert_frame_equal(_daily(off), _daily(base))
    assert (_daily(off)["entries_suppliers"] == 0).all()


# ------------------------------------------------------------------ the rules
def test_exit_rule_counts_consecutive_judged_losses():
    streak = np.array([0, 1, 2, 2, 0])
    judged = np.array([True, True, True, False, False])
    loss = np.array([True, False, True, True, True])
    assert losing_streak(streak, judged, loss).tolist() == [1, 0, 3, 2, 0]


def test_entry_rate_rises_with_expected_profit_around_the_base_rate():
    base = entry_rate(0.2, 400, 30, 10.0, 10.0, 50.0)
    assert base == pytest.approx(0.2 * 400 * 30 / 365)
    rates = [entry_rate(0.2, 400, 30, x, 10.0, 50.0) for x in (-500, -50, 0, 10, 60, 500)]
    assert all(a < b for a, b in zip(rates, rates[1:]))
    assert rates[0] < 0.01 * base and rates[-1] == pytest.approx(2 * base, rel=1e-3)


def test_agents_exit_after_the_set_number_of_losing_reviews_and_not_before():
    """An agent that exits after losses lost money (below its reservation income) in
    each of the last exit_reviews reviews; the initial population is judged from the
    first review, so nobody exits before review exit_reviews."""
    sc = small_scenario(**{**BUSY, "entry.anchor_reservation_income": 1e6})   # every anchor period a loss
    m = LiveCommerceModel(sc, 2)
    m.run(19)
    assert not (m.entry.cause_a == LOSSES).any()       # one review so far (day 9)
    m.run(1)                                            # second review (day 19): every judged anchor quits
    quit_ = m.entry.cause_a == LOSSES
    judged = (m.entry.cohort_a == -1)
    assert quit_[judged].all() and not m.anchors.alive[quit_].any()
    assert (m.entry.exit_day_a[quit_] == 19).all()
    assert m.today["exits_anchors_losses"] == judged.sum()


def test_reserve_rows_are_inactive_until_taken_and_entrants_get_capital_and_age_zero():
    sc = small_scenario(**BUSY)
    m = LiveCommerceModel(sc, 4)
    n_s, n_a = sc.population.suppliers, sc.population.anchors
    assert m.suppliers.n == n_s + round(0.5 * n_s) and m.anchors.n == n_a + round(0.5 * n_a)
    assert m.suppliers.reserved[n_s:].all() and not m.suppliers.alive[n_s:].any()
    assert (m.suppliers.capacity[n_s:] == 0).all() and (m.ledger.supplier_balance[n_s:] == 0).all()
    capital0 = m.ledger.flow("capital")
    m.run(40)
    new_s = np.flatnonzero(m.entry.cohort_s >= 0)
    new_a = np.flatnonzero(m.entry.cohort_a >= 0)
    assert new_s.size and new_a.size
    assert (new_s >= n_s).all() and not m.suppliers.reserved[new_s].any()
    assert m.ledger.flow("capital") > capital0
    assert (m.suppliers.capacity[new_s[m.suppliers.alive[new_s]]] > 0).all()
    assert (m.anchors.age[new_a] == m.day - m.entry.cohort_a[new_a]).all()   # age 0 on entry, 1 the next day
    # causes are recorded once: defaults and losses, never both
    assert set(np.unique(m.entry.cause_s)) <= {0, DEFAULT, LOSSES}


def test_entrants_carry_the_populations_honesty_so_fraud_keeps_arriving():
    """Entrants' honesty is drawn from the same Beta law as the initial population's:
    their share of fraudsters matches the law's probability of falling below the
    threshold (many entrants, so the comparison is tight)."""
    from scipy.stats import beta

    sc = small_scenario(**{**BUSY, "entry.reserve_anchors": 5.0, "entry.anchor_entry_rate": 10.0,
                           "fraud.reform_probability": 1.0})
    m = LiveCommerceModel(sc, 5)
    m.run(40)
    fr = sc.fraud
    a, b = fr.honesty_mean * fr.honesty_concentration, (1 - fr.honesty_mean) * fr.honesty_concentration
    new = m.entry.cohort_a >= 0
    assert new.sum() > 200
    h = m.anchors.honesty[new]
    assert abs(np.mean(h) - fr.honesty_mean) < 4 * np.sqrt(beta.var(a, b) / new.sum())
    p = beta.cdf(fr.honesty_threshold, a, b)
    share = np.mean(h < fr.honesty_threshold)
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / new.sum()) + 1e-9
    # the entrants who fake are fraudsters until caught
    caught = m.anchors.times_detected[new] > 0
    fakers = (h < fr.honesty_threshold) & ~caught & m.anchors.alive[new]
    assert m.anchors.fraudster[new][fakers].all()


# ------------------------------------------------------------------ money
@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])   # (no shrinking: each example is a 32-day run)
@given(seed=st.integers(0, 10_000), finance=st.booleans(), reservation=st.floats(-50.0, 200.0))
@example(seed=3, finance=True, reservation=0.0)   # (the credit sub-model on, every time)
def test_money_balances_every_day_with_entry_and_exit(seed, finance, reservation):
    """Checked (tests/test_model.py) asserts every ledger identity, in total and per
    agent, every day; with entry and exit on, exits and entrants happen in the window."""
    sc = small_scenario(**{**BUSY, "time.settlement_period": 7, "finance.enabled": finance,
                           "entry.anchor_reservation_income": reservation})
    m = Checked(sc, seed)
    m.run(32)
    d = _daily(m)
    assert d["entries_suppliers"].sum() + d["entries_anchors"].sum() > 0
    assert m.ledger.is_balanced()


# ------------------------------------------------------------------ the coalition game
def test_entry_state_survives_a_fork_and_money_balances_in_a_coalition_mode():
    """A fork (the coalition game's deepcopy) continues exactly as the original, entrants
    and exits included; in a coalition's mode (suppliers off the platform: own shops)
    entry and exit keep every identity of Checked, and the owners' stake keeps capital
    out of the worths' wealth."""
    from sim.coalition.modes import coalition_mode
    from sim.coalition.players import resolve_players
    from sim.coalition.worth import fork, wealth

    sc = small_scenario(**{**BUSY, "time.settlement_period": 7})
    m = Checked(sc, 6)
    m.run(15)
    f = fork(m)
    f.mode = None   # (a deepcopy of the grand coalition is not the PLAIN object; run_mode sets the mode too)
    for x in (m, f):
        x.run(12)
    pd.testing.assert_frame_equal(_daily(m), _daily(f))
    assert _daily(m)["entries_suppliers"].sum() > 0
    ps = resolve_players("roles", f)
    f.mode = coalition_mode(f, ps, {ps[0].name, ps[2].name})   # platform and anchors; suppliers alone
    before = f.ledger.flow("capital")
    _, sup0, _ = wealth(f)
    f.run(10)
    assert f.ledger.flow("own_shop_sale") > 0
    entered = f.ledger.flow("capital") - before
    assert entered > 0 or _daily(f)["entries_suppliers"].iloc[-10:].sum() == 0
    stake = f.entry.owners_stake()[0]
    _, sup1, _ = wealth(f)
    raw = sup1 + stake   # wealth with the owners' money counted
    assert raw.sum() - sup1.sum() == pytest.approx(stake.sum())
