"""The supply side (sim/market/supply.py): fixed costs and idle capacity, C2M, cold
chain, anchors' screening, knowledge-style anchors; switched off it changes nothing."""

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.finance.credit import DefaultCause
from sim.model import LiveCommerceModel
from sim.runner import run_scenario
from sim.scenario import Scenario
from sim.streams import derive_streams
from tests.conftest import small_scenario
from tests.test_model import Checked

# the supply levers that change behaviour, all neutral: the model with the supply side on
# and these levers must be today's model (the section draws only from its own stream)
NEUTRAL = {"supply.fixed_costs": False, "supply.c2m_share": 0.0, "supply.cold_chain": False,
           "supply.screening_share": 0.0, "supply.knowledge_anchors": False}
EVERY_LEVER = {"supply.c2m_share": 0.5, "supply.cold_chain": True, "supply.screening_share": 0.5,
               "supply.knowledge_share": 0.3}


@pytest.mark.parametrize("path,value", [
    ("supply.fixed_cost_share", -0.01), ("supply.fixed_cost_share", 2.5), ("supply.c2m_share", 1.2),
    ("supply.c2m_lead_time_factor", -0.1), ("supply.c2m_cost_premium", 6.0), ("supply.cold_chain_spoilage_cut", 1.5),
    ("supply.cold_chain_cost", -1.0), ("supply.screening_share", 2.0), ("supply.screening_noise", 1.5),
    ("supply.knowledge_share", -0.2), ("supply.knowledge_value", 11.0), ("supply.utilisation_half_life", 0.0),
    ("supply.knowledge_trust_half_life", 0.0), ("supply.enabled", 1),
])
def test_levers_out_of_range_are_refused_naming_the_field(path, value):
    with pytest.raises(ScenarioError) as exc:
        Scenario().with_overrides({path: value})
    assert path in str(exc.value)


# a smaller world than the tests' small one (the suppliers scaled with it), for speed
TINY = {"population.consumers": 1500, "population.anchors": 200}


def _daily(overrides, seed=3, days=20):
    sc = small_scenario(**{"time.days": days, **TINY, **overrides})
    return run_scenario(sc, seed, keep_daily=True).daily


def test_switched_off_is_todays_model():
    """Off, or on with every lever neutral, the daily measures are the same (the
    supply columns apart, which are zero when off); off it draws nothing and moves no money."""
    off = _daily({"supply.enabled": False})
    neutral = _daily(NEUTRAL)
    from sim.market.supply import SUPPLY_DAILY
    cols = [c for c in off.columns if c not in SUPPLY_DAILY]
    assert off[cols].equals(neutral[cols])
    assert (off[list(SUPPLY_DAILY)] == 0).all().all()
    # the lever on changes the run (so the comparison above can fail)
    assert not off["cash_suppliers"].equals(_daily({})["cash_suppliers"])
    m = LiveCommerceModel(small_scenario(**{"supply.enabled": False}), 3)
    m.run(5)
    fresh = derive_streams(3)["supply"]
    assert m.streams["supply"].bit_generator.state == fresh.bit_generator.state
    assert m.ledger["supply_costs"] == 0 and not m.supply.enabled


def test_money_balances_every_day_with_every_lever_on():
    m = Checked(small_scenario(**{"time.settlement_period": 10, "supply.fixed_cost_share": 0.2, **TINY,
                                  **EVERY_LEVER}), 2)
    m.run(25)
    led = m.ledger
    assert led.flow("fixed_cost") > 0 and led.flow("cold_chain") > 0 and led.flow("screening") > 0
    assert led["supply_costs"] == led.flow("fixed_cost") + led.flow("cold_chain") + led.flow("screening")


# a small credit world whose suppliers' capacity far exceeds demand (utilisation near 0)
# and whose starting cash is thin: the fixed cost of idle capacity drains cash (store rooms
# cost nothing to run here, so that fixed costs are an idle supplier's only bill without sales)
IDLE = {"time.days": 30, **TINY, "suppliers.initial_cash_days": 2.0, "supply.fixed_cost_share": 0.3,
        "finance.credit_multiple": 0.5, "stores.broadcast_cost": 0.0}


def test_idle_capacity_ends_in_default_through_the_credit_sub_model():
    m = LiveCommerceModel(small_scenario(**IDLE), 1)
    m.run()
    su, sp = m.supply, m.suppliers
    dead = ~sp.alive
    assert dead.any()
    # the defaulters were idle, their defaults are the credit sub-model's records (bills beyond cash and credit)
    assert (su.utilisation[dead] < m.params.supply.idle_threshold).all()
    recs = [r for r in m.finance.records if r["agent"] == "supplier"]
    assert len(recs) == int(dead.sum()) == su.idle_defaults_total
    assert {r["proximate"] for r in recs} <= {c.value for c in DefaultCause}
    # only suppliers alive at the start of a day pay its fixed costs
    before, alive0 = m.ledger.flow("fixed_cost"), sp.alive.copy()
    m.step()
    assert m.ledger.flow("fixed_cost") - before == int(su.fixed_cost[alive0].sum()) < int(su.fixed_cost.sum())
    # without fixed costs, the same world has no defaults
    calm = LiveCommerceModel(small_scenario(**IDLE, **{"supply.fixed_costs": False}), 1)
    calm.run()
    assert calm.suppliers.alive.all()


def test_c2m_shortens_lead_time_at_a_unit_cost_premium():
    base = LiveCommerceModel(small_scenario(**{"supply.c2m_share": 0.0}), 4)
    c2m = LiveCommerceModel(small_scenario(**{"supply.c2m_share": 0.5, "supply.c2m_lead_time_factor": 0.4,
                                              "supply.c2m_cost_premium": 0.1}), 4)
    flex = c2m.supply.c2m
    assert 0 < flex.sum() < flex.size
    assert (c2m.suppliers.lead_time[flex] == np.floor(base.suppliers.lead_time[flex] * 0.4)).all()
    assert np.allclose(c2m.suppliers.unit_cost[flex], base.suppliers.unit_cost[flex] * 1.1)
    assert np.array_equal(c2m.suppliers.unit_cost[~flex], base.suppliers.unit_cost[~flex])


def _summary(overrides, seed):
    return run_scenario(small_scenario(**{"time.days": 30, **TINY, **overrides}), seed).summary


def test_cold_chain_lowers_spoilage():
    off = _summary({"supply.cold_chain": False}, 1)
    on = _summary({"supply.cold_chain": True}, 1)
    assert on["cold_chain_adoption"] > 0.5 and off["cold_chain_adoption"] == 0
    assert off["spoilage_share"] > 0.05
    assert on["spoilage_share"] < 0.6 * off["spoilage_share"]
    # monitoring costs money: the suppliers paid it per parcel
    assert on["cold_chain_costs"] > 0 and off["cold_chain_costs"] == 0


def test_knowledge_anchors_raise_the_unit_price_of_fresh_produce():
    off = _summary({"supply.knowledge_anchors": False, "supply.knowledge_share": 0.3}, 1)
    on = _summary({"supply.knowledge_anchors": True, "supply.knowledge_share": 0.3}, 1)
    assert off["fresh_price_knowledge"] > 0
    assert on["fresh_price_knowledge"] > 1.15 * off["fresh_price_knowledge"]
    assert on["knowledge_price_premium"] > 0.15


def test_screening_anchors_list_only_partners_that_passed():
    m = LiveCommerceModel(small_scenario(**{"supply.screening_share": 1.0, "supply.screening_min_quality": 0.6}), 5)
    su, an, sp = m.supply, m.anchors, m.suppliers
    assert su.inspections == an.partners.size and su.failed_inspections > 0
    opened, open_ = [], m.broadcasting.open
    m.broadcasting.open = lambda d, mode: opened.append(open_(d, mode)) or opened[-1]
    for _ in range(8):
        m.step()
        b = opened[-1]
        listed = b.listing[:b.n_anchor]
        a = np.repeat(b.anchor[:b.n_anchor], listed.shape[1])
        s = listed.ravel()
        ok = s >= 0
        slot = (an.partners[a[ok]] == s[ok][:, None]).argmax(axis=1)
        assert su.passed[a[ok], slot].all()
    assert su.refused_total > 0
