"""The traffic decomposition: the run tallies by place and goods add up to the
run's totals, and a policy's change of SME GMV is exactly the sum of its parts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.measures import GOODS, PLACES
from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from sim.scenario import Scenario
from sim.studies.traffic_decomposition import (FACTORS, SME_PLACES, decompose_pair, needed_measures, shapley_parts,
                                               sme_gmv, sme_gmv_of_factors, traffic_decomposition)

# a small world where the reserve and the cap both bind: 3,000 consumers, 30 days
WORLD = {"population.consumers": 3000, "population.anchors": 150, "population.suppliers": 40, "time.days": 30}


def test_the_tallies_by_place_and_goods_add_up_to_the_runs_totals():
    from sim.measures import run_summary

    m = LiveCommerceModel(Scenario().with_overrides({**WORLD, "traffic.long_tail_reserve": 0.3}), 3)
    m.run(30)
    c = m.cum
    daily = daily_frame(m)
    s = run_summary(m, daily)
    sme = ~m.suppliers.is_large
    assert c.place_orders.sum() == daily["orders"].sum()
    assert c.place_gmv.sum() == pytest.approx(daily["gmv"].sum(), rel=1e-12)
    assert c.place_gmv[:, 0].sum() == pytest.approx(c.supplier_gmv[sme].sum(), rel=1e-12)
    assert sme_gmv(s) == pytest.approx(s["sme_gmv_share"] * s["gmv"], rel=1e-9)
    shelf = PLACES.index("shelf")
    assert c.place_entries[:shelf].sum() == daily["viewers"].sum() == c.room_views.sum()
    assert c.place_entries[shelf] == daily["shelf_views"].sum()
    assert c.place_impressions.sum() == pytest.approx(c.room_impressions.sum())
    assert c.place_impressions[shelf] == 0
    assert (c.place_public_entries <= c.place_entries).all()
    assert (c.place_offered.sum(axis=1) == c.place_entries).all()
    assert (c.place_orders <= c.place_wanted).all() and (c.place_wanted <= c.place_offered).all()
    # a store room sells only its own supplier's goods
    assert c.place_offered[PLACES.index("sme_store"), GOODS.index("brand")] == 0
    assert c.place_offered[PLACES.index("brand_store"), GOODS.index("sme")] == 0
    assert set(needed_measures()) <= set(s)


def test_a_policys_change_of_sme_gmv_is_the_sum_of_its_parts_seed_by_seed():
    d = traffic_decomposition({"traffic.long_tail_reserve": 0.3, "traffic.anchor_cap": 0.05},
                              Scenario().with_overrides(WORLD), replications=2, master_seed=7)
    change = d.totals.set_index("replication")["change"]
    assert (change != 0).all()                        # the policy does move SME GMV here
    parts = d.pairs.groupby("replication")["contribution"].sum()
    assert np.allclose(parts.to_numpy(), change.loc[parts.index].to_numpy(), rtol=1e-9, atol=1e-6)
    assert d.residual() < 1e-6 * d.totals["baseline"].abs().max()
    # the tables add up too: the factors' and the places' means sum to the mean total
    assert d.factors["mean"].sum() == pytest.approx(d.total()["mean"], rel=1e-9)
    assert d.places["mean"].sum() == pytest.approx(d.total()["mean"], rel=1e-9)
    assert set(d.table["factor"]) == set(FACTORS) and set(d.table["place"]) == set(SME_PLACES)
    # the reserve moves public impressions to the long tail's rooms
    r = d.recipients.set_index("place")
    assert r.at["sme_store", "impressions"] > 0
    assert d.findings() and "SME merchants' GMV" in d.findings()[0]


def test_each_seeds_factors_reproduce_its_sme_gmv():
    from sim.runner import run_scenario
    from sim.studies.traffic_decomposition import place_factors

    s = run_scenario(Scenario().with_overrides(WORLD), 5).summary
    total = sum(float(sme_gmv_of_factors(place_factors(s, p))) for p in SME_PLACES)
    assert total == pytest.approx(sme_gmv(s), rel=1e-9)


positive = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(positive, min_size=7, max_size=7), st.lists(positive, min_size=7, max_size=7),
       st.integers(min_value=0, max_value=6))
def test_shapley_parts_add_up_and_an_unchanged_factor_gets_nothing(x0, x1, keep):
    x0, x1 = np.array(x0), np.array(x1)
    x1[keep] = x0[keep]
    parts = shapley_parts(sme_gmv_of_factors, x0, x1)
    whole = float(sme_gmv_of_factors(x1) - sme_gmv_of_factors(x0))
    # rounding: relative to the largest value the function takes between the two vectors
    scale = max(1.0, float(sme_gmv_of_factors(np.maximum(x0, x1))))
    assert parts.sum() == pytest.approx(whole, abs=1e-12 * scale)
    assert parts[keep] == pytest.approx(0.0, abs=1e-12 * scale)


def test_one_changed_factor_takes_the_whole_change():
    x0 = np.array([100.0, 0.1, 5.0, 0.5, 0.2, 0.9, 30.0])
    x1 = x0.copy()
    x1[0] = 150.0
    parts = shapley_parts(sme_gmv_of_factors, x0, x1)
    assert parts[0] == pytest.approx(float(sme_gmv_of_factors(x1) - sme_gmv_of_factors(x0)))
    assert np.allclose(parts[1:], 0.0)


def test_bad_policies_are_refused_before_any_run():
    with pytest.raises(InputError, match="traffic.anchor_cap"):
        traffic_decomposition({"traffic.anchor_cap": 1.5}, Scenario().with_overrides(WORLD), replications=2)
    with pytest.raises(InputError, match="not a traffic lever"):
        traffic_decomposition({"purchase.intercept": -3.0}, replications=2)
    with pytest.raises(InputError, match="replications"):
        traffic_decomposition({"traffic.long_tail_reserve": 0.3}, replications=1)
    with pytest.raises(InputError, match="give the traffic levers"):
        traffic_decomposition({}, replications=2)
    with pytest.raises(InputError, match="tallies"):
        decompose_pair({"gmv": 1.0}, {"gmv": 2.0})


def test_livesim_analyze_writes_the_decomposition_of_a_traffic_sweep(tmp_path):
    import pandas as pd

    from sim.sweep import SerialExecutor, load_spec, run_sweep
    from sim.sweep.analysis import analyze_sweep

    spec = load_spec("experiments/traffic_caps.toml", [
        "experiment.replications=2", "population.consumers=1500", "population.anchors=100",
        "population.suppliers=30", "time.days=15", "parameters.traffic.anchor_cap.values=[1.0]",
        "parameters.traffic.long_tail_reserve.values=[0.0, 0.3]", "keep.daily=false"])
    run_sweep(spec, executor=SerialExecutor(), out=tmp_path / "sweep", progress=False)
    done = analyze_sweep(tmp_path / "sweep", out=tmp_path / "analysis", plots=False)
    table = pd.read_csv(tmp_path / "analysis" / "traffic_decomposition.csv")
    assert (done["decomposition"]["point"] == 1).all()
    allp = table[table["place"] == "all"].set_index("factor")
    assert allp.loc[list(FACTORS), "mean"].sum() == pytest.approx(allp.at["total", "mean"], rel=1e-9)


def test_a_cap_binds_only_below_the_largest_broadcast_share_and_the_findings_say_which():
    sc = Scenario().with_overrides(WORLD)
    loose = traffic_decomposition({"traffic.anchor_cap": 0.95}, sc, replications=2, master_seed=7)
    top = float(loose.totals["baseline_max_share"].max())
    assert 0.0 < top < 0.95
    assert (loose.totals["change"] == 0).all()         # a cap no broadcast reaches changes nothing
    assert any("never binds" in line for line in loose.findings())
    cap = round(top / 2, 4)
    tight = traffic_decomposition({"traffic.anchor_cap": cap}, sc, replications=2, master_seed=7)
    assert (tight.totals["change"] != 0).any()
    assert any("the cap binds" in line for line in tight.findings())
    run = LiveCommerceModel(sc.with_overrides({"traffic.anchor_cap": cap}), seed=3)
    run.run(10)
    shares = daily_frame(run)["max_broadcast_traffic_share"]
    assert (shares <= cap + 1e-9).all() and (shares > 0).all()   # the daily measure: no broadcast above the cap
