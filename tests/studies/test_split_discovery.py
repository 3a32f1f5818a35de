"""The split-discovery study: its spec, its design, and a tiny run."""

import numpy as np
import pytest

from sim.errors import read_toml
from sim.studies.split_discovery import design, load_study, rule_regions, run_study, study_from_dict, verdict_table
from sim.sweep.executors import SerialExecutor
from sim.sweep.spec import SpecError

SPEC = "experiments/split_discovery.toml"


def test_the_study_spec_loads_and_its_design_is_a_stratified_hypercube():
    study = load_study(SPEC)
    d = design(study)
    assert len(d) == study.samples
    counts = d["coalition.shock"].value_counts()
    assert set(counts.index) == set(study.shocks) and counts.max() - counts.min() <= 1
    for p, (lo, hi) in study.parameters.items():
        x = d[p].to_numpy()
        assert lo <= x.min() and x.max() <= hi
        # one point per stratum of the hypercube
        strata = np.floor((x - lo) / (hi - lo) * len(x)).astype(int)
        assert sorted(strata) == list(range(len(x)))
    assert design(study).equals(d)  # the same spec, the same points


@pytest.mark.parametrize("change,field", [
    ({"parameters": {"traffic.nosuch": [0, 1]}}, "parameters.traffic.nosuch"),
    ({"parameters": {"traffic.anchor_cap": [0.5, 0.1]}}, "parameters.traffic.anchor_cap"),
    ({"parameters": {"traffic.anchor_cap": [0.0, 2.0]}}, "parameters.traffic.anchor_cap"),
    ({"study": {"shocks": ["earthquake"]}}, "study.shocks"),
    ({"study": {"samples": 1}}, "study.samples"),
])
def test_bad_study_specs_are_refused_naming_the_field(change, field):
    raw = read_toml(SPEC)
    for k, v in change.items():
        raw[k] = {**raw[k], **v} if k == "study" else v
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        study_from_dict(raw)


def test_a_tiny_study_gives_every_rules_verdict(tmp_path):
    raw = read_toml(SPEC)
    raw["study"]["samples"] = 4
    raw["scenario"].update({"population": {"consumers": 500, "anchors": 30, "suppliers": 12},
                            "time": {"days": 14}, "coalition": {"window_days": 10, "warmup_days": 2, "batches": 2}})
    runs = run_study(study_from_dict(raw), executor_factory=SerialExecutor, out=tmp_path / "sd", progress=False)
    assert len(runs) == 4 and (runs["status"] == "ok").all(), runs["error"].tolist()
    for rule in ("shapley", "nucleolus", "status_quo"):
        v = runs[f"in_core_{rule}"].dropna()
        assert set(v.unique()) <= {0.0, 1.0}
    # a rule in the core has no blocking coalition: its largest excess is at most 0 (to rounding)
    inside = runs["in_core_shapley"] == 1.0
    assert (runs.loc[inside, "max_excess_shapley"] <= 1e-9).all()
    assert (runs.loc[~inside & runs["in_core_shapley"].notna(), "max_excess_shapley"] > 0).all()
    # the nucleolus is in the core whenever the core is not empty
    ne = runs["core_empty"] == 0.0
    assert (runs.loc[ne, "in_core_nucleolus"] == 1.0).all()
    table = verdict_table(runs).dropna(subset=["low"])  # one run per shock here: no interval per shock
    assert len(table) and ((table["low"] >= 0) & (table["high"] <= 1)).all()
    regions = rule_regions(runs, ["traffic.anchor_cap", "purchase.skill", "coalition.shock"])
    assert set(regions["rule"]) >= {"shapley", "status_quo"}
