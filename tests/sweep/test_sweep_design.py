"""Design points: grid order, SALib samplers, distributions, integer fields, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from sim.sweep.design import build_design, from_unit
from sim.sweep.spec import ParamSpec, spec_from_dict

TOY = "tests.sweep.toy:toy_run"


def spec(sampler="grid", samples=None, **params):
    design = {"sampler": sampler}
    if samples is not None:
        design["samples"] = samples
    return spec_from_dict({"experiment": {"model": TOY, "master_seed": 3}, "design": design, "parameters": params})


def test_grid_is_full_factorial_first_parameter_slowest():
    d = build_design(spec(**{"traffic.anchor_cap": {"values": [1.0, 0.05, 0.02]},
                             "traffic.long_tail_reserve": {"values": [0.0, 0.3]}}))
    assert d.n_points == 6
    assert d.points["point"].tolist() == list(range(6))
    assert d.points["traffic.anchor_cap"].tolist() == [1.0, 1.0, 0.05, 0.05, 0.02, 0.02]
    assert d.points["traffic.long_tail_reserve"].tolist() == [0.0, 0.3] * 3
    assert d.overrides(3) == {"traffic.anchor_cap": 0.05, "traffic.long_tail_reserve": 0.3}
    assert d.unit is None


def test_grid_of_bool_and_int_fields():
    d = build_design(spec(**{"returns.virtual_try_on": {"values": [False, True]},
                             "time.settlement_period": {"values": [7, 30]}}))
    assert d.points["returns.virtual_try_on"].tolist() == [False, False, True, True]
    assert d.points["time.settlement_period"].dtype == np.int64


def test_lhs_stratifies_each_parameter():
    d = build_design(spec("lhs", 20, **{"consumers.activity": {"range": [0.2, 0.5]}}))
    x = np.sort(d.points["consumers.activity"].to_numpy())
    bins = np.floor((x - 0.2) / 0.3 * 20).astype(int)
    assert bins.tolist() == list(range(20))  # one point per stratum


def test_sobol_design_size_and_bounds():
    params = {"consumers.activity": {"range": [0.2, 0.5]}, "purchase.intercept": {"range": [-3.6, -2.8]},
              "returns.exaggeration_effect": {"range": [1.0, 4.0]}}
    d = build_design(spec("sobol", 16, **params))
    assert d.n_points == 16 * (3 + 2)
    assert d.unit.shape == (80, 3)
    a = d.points["consumers.activity"]
    assert a.between(0.2, 0.5).all() and a.nunique() == 2 * 16  # Saltelli: columns of A or B
    s2 = spec_from_dict({"experiment": {"model": TOY}, "design": {"sampler": "sobol", "samples": 16,
                                                                 "second_order": True}, "parameters": params})
    assert build_design(s2).n_points == 16 * (2 * 3 + 2)


def test_morris_design_size_and_levels():
    d = build_design(spec("morris", 5, **{"consumers.activity": {"range": [0.2, 0.5]},
                                          "purchase.intercept": {"range": [-3.6, -2.8]}}))
    assert d.n_points == 5 * 3
    assert set(np.round(d.unit.ravel(), 9)) <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}


def test_integer_fields_are_rounded():
    d = build_design(spec("lhs", 10, **{"population.anchors": {"range": [10, 50]}}))
    v = d.points["population.anchors"]
    assert v.dtype == np.int64 and v.between(10, 50).all()


def test_same_spec_same_points_other_seed_other_points():
    params = {"consumers.activity": {"range": [0.2, 0.5]}}
    a = build_design(spec("lhs", 8, **params)).points
    b = build_design(spec("lhs", 8, **params)).points
    assert a.equals(b)
    other = spec_from_dict({"experiment": {"model": TOY, "master_seed": 4},
                            "design": {"sampler": "lhs", "samples": 8}, "parameters": params})
    assert not build_design(other).points.equals(a)


@pytest.mark.parametrize("p, lo, hi", [
    (ParamSpec("x", "float", range=(2.0, 4.0)), 2.0, 4.0),
    (ParamSpec("x", "float", range=(0.01, 1.0), dist="logunif"), 0.01, 1.0),
    (ParamSpec("x", "float", range=(1.0, 3.0), dist="triang", peak=1.5), 1.0, 3.0),
    (ParamSpec("x", "float", range=(0.0, 1.0), dist="truncnorm", mean=0.2, sd=0.1), 0.0, 1.0),
])
def test_bounded_distributions_map_the_unit_interval_onto_the_range(p, lo, hi):
    u = np.linspace(0.0, 1.0, 101)
    x = from_unit(u, p)
    assert x[0] == pytest.approx(lo) and x[-1] == pytest.approx(hi)
    assert np.all(np.diff(x) > 0)


def test_distribution_shapes():
    u = np.array([0.5])
    assert from_unit(u, ParamSpec("x", "float", range=(0.01, 1.0), dist="logunif"))[0] == pytest.approx(0.1)
    assert from_unit(u, ParamSpec("x", "float", dist="norm", mean=2.0, sd=3.0))[0] == pytest.approx(2.0)
    assert from_unit(u, ParamSpec("x", "float", dist="lognorm", mean=0.0, sd=1.0))[0] == pytest.approx(1.0)
    # the triangular median with the mode at the low end: lo + (hi - lo) * (1 - sqrt(0.5))
    t = from_unit(u, ParamSpec("x", "float", range=(0.0, 1.0), dist="triang", peak=0.0))[0]
    assert t == pytest.approx(1 - np.sqrt(0.5))
