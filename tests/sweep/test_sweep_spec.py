"""The experiment spec: parsing, --set overrides, and refusal of bad specs before any run."""

from __future__ import annotations

import pytest

from sim.scenario import Scenario
from sim.sweep.design import build_design
from sim.sweep.spec import SpecError, apply_sets, load_spec, parse_sets, parse_value, spec_from_dict

TOY = "tests.sweep.toy:toy_run"


def grid_raw(**extra):
    raw = {
        "experiment": {"name": "t", "model": TOY, "replications": 2},
        "scenario": {"population": {"consumers": 500}, "time": {"days": 5}},
        "parameters": {"traffic.anchor_cap": {"values": [1.0, 0.05]},
                       "traffic.long_tail_reserve": {"values": [0.0, 0.3]}},
    }
    raw.update(extra)
    return raw


def sobol_raw(**params):
    return {
        "experiment": {"name": "s", "model": TOY},
        "design": {"sampler": "sobol", "samples": 8},
        "parameters": params or {"consumers.activity": {"range": [0.2, 0.5]},
                                 "purchase.intercept": {"range": [-3.6, -2.8]}},
    }


def problems(raw, sets=None, **kw):
    with pytest.raises(SpecError) as exc:
        spec = spec_from_dict(raw, sets=sets, **kw)
        build_design(spec)
    return exc.value.problems


def test_grid_spec_resolves_base_scenario_and_types():
    spec = spec_from_dict(grid_raw())
    assert spec.base.population.consumers == 500 and spec.base.time.days == 5
    assert spec.parameters["traffic.anchor_cap"].values == (1.0, 0.05)
    assert spec.parameters["traffic.anchor_cap"].kind == "float"
    assert spec.replications == 2 and spec.sampler == "grid"
    assert str(spec.output) == "results/t"


def test_int_values_for_a_float_field_become_floats():
    raw = grid_raw(parameters={"traffic.anchor_cap": {"values": [1, 0.5]}})
    assert spec_from_dict(raw).parameters["traffic.anchor_cap"].values == (1.0, 0.5)
    assert isinstance(spec_from_dict(raw).parameters["traffic.anchor_cap"].values[0], float)


def test_unknown_parameter_path_is_refused():
    p = problems(grid_raw(parameters={"traffic.anchor_capp": {"values": [0.5]}}))
    assert len(p) == 1 and p[0].startswith("parameters.traffic.anchor_capp: not a scenario field")


def test_section_path_is_refused():
    p = problems(grid_raw(parameters={"traffic": {"values": [0.5]}}))
    assert "section of the scenario" in p[0]


def test_value_outside_field_range_is_refused_naming_field_and_range():
    p = problems(grid_raw(parameters={"traffic.anchor_cap": {"values": [1.0, 1.5, 0]}}))
    assert p == [
        "parameters.traffic.anchor_cap.values: 1.5 is outside the range of scenario field traffic.anchor_cap "
        "(> 0.0 and <= 1.0)",
        "parameters.traffic.anchor_cap.values: 0 is outside the range of scenario field traffic.anchor_cap "
        "(> 0.0 and <= 1.0)",
    ]


def test_range_end_outside_field_range_is_refused():
    p = problems(sobol_raw(**{"traffic.long_tail_reserve": {"range": [0.0, 1.2]}}))
    assert p == ["parameters.traffic.long_tail_reserve.range (high end): 1.2 is outside the range of scenario "
                 "field traffic.long_tail_reserve (>= 0.0 and <= 1.0)"]


@pytest.mark.parametrize("rng", [[0.5, 0.2], [0.3, 0.3]])
def test_reversed_or_empty_range_is_refused(rng):
    p = problems(sobol_raw(**{"consumers.activity": {"range": rng}}))
    assert p == [f"parameters.consumers.activity.range: empty or reversed range [{rng[0]}, {rng[1]}] "
                 "(low must be below high)"]


def test_range_that_is_not_a_pair_is_refused():
    p = problems(sobol_raw(**{"consumers.activity": {"range": []}}))
    assert p == ["parameters.consumers.activity.range: expected [low, high], got []"]


def test_unknown_sampler_is_refused():
    raw = sobol_raw()
    raw["design"]["sampler"] = "sobolev"
    p = problems(raw)
    assert p == ["design.sampler: unknown value 'sobolev' (allowed: 'grid', 'lhs', 'sobol' or 'morris')"]


def test_zero_replications_is_refused():
    raw = grid_raw()
    raw["experiment"]["replications"] = 0
    assert problems(raw) == ["experiment.replications: Input should be greater than or equal to 1, got 0"]


def test_every_problem_is_reported_at_once():
    raw = grid_raw(parameters={"traffic.nope": {"values": [1]}, "traffic.anchor_cap": {"values": [2.0]}},
                   bogus={"x": 1})
    assert len(problems(raw)) == 1  # structural errors first: the unknown section
    del raw["bogus"]
    p = problems(raw)
    assert len(p) == 2 and any("traffic.nope" in x for x in p) and any("2.0 is outside" in x for x in p)


def test_grid_and_sampler_fields_do_not_mix():
    p = problems(grid_raw(parameters={"traffic.anchor_cap": {"range": [0.1, 0.5]}}))
    assert "a grid needs a list of values" in p[0]
    raw = sobol_raw(**{"consumers.activity": {"values": [0.2, 0.3]}})
    assert "draws from a range" in problems(raw)[0]
    raw = grid_raw()
    raw["design"] = {"sampler": "grid", "samples": 8}
    assert problems(raw) == ["design.samples: does not apply to a grid (its size comes from the value lists)"]


def test_sampler_specific_checks():
    raw = sobol_raw()
    raw["design"]["samples"] = 12
    assert "power of 2" in problems(raw)[0]
    raw = sobol_raw()
    del raw["design"]["samples"]
    assert problems(raw) == ["design.samples: missing; the sobol sampler needs the base sample N (a power of 2)"]
    raw = sobol_raw()
    raw["design"] = {"sampler": "morris", "samples": 4, "levels": 5}
    assert problems(raw) == ["design.levels: morris needs an even number of levels, got 5"]
    raw = sobol_raw(**{"consumers.activity": {"dist": "norm", "mean": 0.3, "sd": 0.05}})
    raw["design"] = {"sampler": "morris", "samples": 4}
    assert "morris designs need a bounded distribution" in problems(raw)[0]
    raw = sobol_raw(**{"returns.virtual_try_on": {"range": [0, 1]}})
    assert "draws numbers, but returns.virtual_try_on is a bool field" in problems(raw)[0]


def test_unbounded_distribution_reaching_outside_the_field_is_refused_before_any_run():
    raw = sobol_raw(**{"traffic.anchor_cap": {"dist": "norm", "mean": 0.5, "sd": 0.5}})
    raw["design"] = {"sampler": "lhs", "samples": 16}
    p = problems(raw)
    assert p[-1].endswith("needs truncnorm or a narrower spread")
    assert any(x.startswith("design point ") and "traffic.anchor_cap" in x for x in p)


def test_base_scenario_problems_and_conflicts():
    raw = grid_raw(scenario={"population": {"consumers": 5}})
    assert problems(raw) == ["scenario: population.consumers: Input should be greater than or equal to 10, "
                             "got 5 (allowed: >= 10)"]
    raw = grid_raw(scenario={"traffic": {"anchor_cap": 0.5}})
    assert "is varied by the design" in problems(raw)[0]


def test_model_must_be_registered_and_import(monkeypatch):
    raw = grid_raw()
    for entry in ("no_such_module:run", "os:system", "tests.sweep.toy:nope"):
        raw["experiment"]["model"] = entry
        (line,) = problems(raw)
        assert line.startswith(f"experiment.model: {entry!r} is not a registered model (allowed: ")
        assert "sim.runner:run_scenario" in line
    monkeypatch.setenv("LIVESIM_MODELS", "no_such_module:run,tests.sweep.toy:nope")
    raw["experiment"]["model"] = "no_such_module:run"
    assert problems(raw)[0].startswith("experiment.model: cannot import 'no_such_module'")
    raw["experiment"]["model"] = "tests.sweep.toy:nope"
    assert problems(raw) == ["experiment.model: 'tests.sweep.toy' has no function 'nope'"]
    raw["experiment"]["model"] = "tests.sweep.toy"
    assert problems(raw) == ["experiment.model: expected 'module:function', got 'tests.sweep.toy'"]


def test_parse_value_and_sets():
    assert parse_value("2") == 2 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value("[1.0, 0.02]") == [1.0, 0.02]
    assert parse_value("results/x") == "results/x"
    assert parse_sets(["a.b=1", "c = [1,2]"]) == [("a.b", 1), ("c", [1, 2])]
    with pytest.raises(SpecError) as exc:
        parse_sets(["novalue", "x="])
    assert len(exc.value.problems) == 2


def test_set_reaches_spec_fields_parameters_and_the_scenario():
    sets = parse_sets(["experiment.replications=5", "population.consumers=700",
                       "scenario.time.days=9", "parameters.traffic.anchor_cap.values=[0.5]",
                       "parameters.consumers.activity.values=[0.2, 0.4]", "keep.daily=true",
                       "experiment.output=elsewhere"])
    spec = spec_from_dict(grid_raw(), sets=sets)
    assert spec.replications == 5
    assert spec.base.population.consumers == 700 and spec.base.time.days == 9
    assert spec.parameters["traffic.anchor_cap"].values == (0.5,)
    assert spec.parameters["consumers.activity"].values == (0.2, 0.4)
    assert spec.keep_daily is True and str(spec.output) == "elsewhere"
    assert build_design(spec).n_points == 1 * 2 * 2


def test_set_problems_are_named():
    raw = grid_raw()
    assert apply_sets(raw, [("nonsense.x", 1)])[0].startswith("--set nonsense.x: unknown field")
    assert apply_sets(raw, [("parameters.traffic.anchor_cap.valuez", 1)])[0].startswith(
        "--set parameters.traffic.anchor_cap.valuez: expected parameters.<scenario path>.")
    p = problems(grid_raw(), sets=[("traffic.anchor_cap", 0.5)])
    assert p[0].startswith("scenario.traffic.anchor_cap: traffic.anchor_cap is varied by the design")


def test_spec_round_trips_through_its_toml(tmp_path):
    spec = spec_from_dict(grid_raw(keep={"summary": ["gmv"], "daily": ["gmv"]}))
    (tmp_path / "spec.toml").write_text(spec.to_toml())
    (tmp_path / "scenario.toml").write_text(spec.base.to_toml())
    again = load_spec(tmp_path / "spec.toml")
    assert again.fingerprint() == spec.fingerprint()
    assert again.base == spec.base and again.keep_daily == ("gmv",)


def test_fingerprint_ignores_labels_but_not_content():
    a = spec_from_dict(grid_raw())
    b = spec_from_dict(grid_raw(), sets=[("experiment.name", "other"), ("experiment.output", "x")])
    c = spec_from_dict(grid_raw(), sets=[("experiment.master_seed", 1)])
    d = spec_from_dict(grid_raw(), sets=[("time.days", 6)])
    assert a.fingerprint() == b.fingerprint()
    assert len({a.fingerprint(), c.fingerprint(), d.fingerprint()}) == 3


def test_spec_file_errors(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[experiment\nname=1")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)


def test_scenario_file_is_relative_to_the_spec(tmp_path):
    (tmp_path / "base.toml").write_text(Scenario().with_overrides({"time.days": 3}).to_toml())
    (tmp_path / "s.toml").write_text(
        '[experiment]\nmodel = "tests.sweep.toy:toy_run"\n[scenario]\nfile = "base.toml"\n'
        'population.consumers = 100\n[parameters]\n"consumers.activity" = { values = [0.3] }\n')
    spec = load_spec(tmp_path / "s.toml")
    assert spec.base.time.days == 3 and spec.base.population.consumers == 100


def test_replicate_only_study_has_one_point():
    spec = spec_from_dict(grid_raw(parameters={}))
    assert build_design(spec).n_points == 1


def test_a_sobol_spec_can_be_switched_to_another_sampler_with_set():
    raw = sobol_raw()
    raw["design"]["second_order"] = False
    spec = spec_from_dict(raw, sets=[("design.sampler", "lhs"), ("design.samples", 5)])
    assert spec.sampler == "lhs" and build_design(spec).n_points == 5
    raw["design"]["second_order"] = True
    assert problems(raw, sets=[("design.sampler", "lhs")]) == [
        "design.second_order: only applies to the sobol sampler"]
