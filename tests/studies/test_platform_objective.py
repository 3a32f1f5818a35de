"""The platform-objective study: bad specs refused before any run (and nothing
written, nothing damaged); paired seeds; the fixed variant is the plain run;
the command writes the table, the findings, the paths and the plot."""

from pathlib import Path

import pytest

from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from sim.studies.platform_objective import (LEVER_COLUMNS, PlatformObjectiveSpecError, load_platform_objective,
                                            load_result, platform_objective_from_dict, run_platform_objective)

ROOT = Path(__file__).resolve().parents[2]
WORLD = {"population": {"consumers": 800, "anchors": 40, "suppliers": 12},
         "platform_adaptation": {"interval_days": 2}}
SPEC = {"study": {"replications": 2, "days": 14, "master_seed": 7},
        "scenario": WORLD,
        "variants": {"fixed": {"label": "fixed", "set": {}},
                     "gmv": {"label": "GMV-driven", "set": {"platform_adaptation.enabled": True}},
                     "profit": {"label": "profit-driven", "set": {"platform_adaptation.enabled": True,
                                                                  "platform_adaptation.objective": "profit"}}}}


@pytest.fixture(scope="module")
def study():
    return run_platform_objective(platform_objective_from_dict(SPEC), workers=1)


def test_bad_specs_are_refused_with_every_problem_named():
    bad = {"study": {"replications": 1, "days": 2, "baseline": "none", "colour": 1},
           "scenario": {"population": {"consumers": 5}},
           "variants": {"fixed": {"set": {}},
                        "gmv": {"set": {"platform_adaptation.reserve_step": 3.0, "time.days": 9}}}}
    with pytest.raises(PlatformObjectiveSpecError) as exc:
        platform_objective_from_dict(bad)
    text = str(exc.value)
    for part in ("study.replications: 1 is out of range", "study.days: 2 is out of range", "study.colour",
                 "population.consumers", "platform_adaptation.reserve_step", "variants.gmv.set.time.days",
                 "study.baseline: 'none' is not a variant"):
        assert part in text, part


def test_variants_that_change_nothing_or_repeat_the_baseline_are_refused():
    """(sim/studies/variants.py, shared with the co-creation study)"""
    spec = {"study": {"replications": 2, "days": 30},
            "variants": {"fixed": {"set": {}},
                         "noop": {"set": {"platform_adaptation.enabled": False}},
                         "twin": {"set": {}},
                         "gmv": {"set": {"platform_adaptation.enabled": True}}}}
    with pytest.raises(PlatformObjectiveSpecError) as exc:
        platform_objective_from_dict(spec)
    text = str(exc.value)
    assert "variants.noop.set: changes nothing" in text
    assert "variants.twin: the same scenario as the baseline 'fixed'" in text
    assert "variants.gmv" not in text
    del spec["variants"]["noop"], spec["variants"]["twin"]
    assert [v.name for v in platform_objective_from_dict(spec).variants] == ["fixed", "gmv"]


def test_variants_share_seeds_and_the_fixed_variant_is_the_plain_run(study):
    runs = study.runs
    assert list(runs["variant"]) == ["fixed"] * 2 + ["gmv"] * 2 + ["profit"] * 2
    seeds = runs.groupby("variant", sort=False)["seed"].apply(list)
    assert seeds["fixed"] == seeds["gmv"] == seeds["profit"]
    spec = study.spec
    m = LiveCommerceModel(spec.scenario(spec.variant("fixed")), int(runs["seed"].iloc[0]))
    m.run()
    assert float(daily_frame(m)["gmv"].sum()) == pytest.approx(runs["gmv"].iloc[0], rel=1e-12)
    # the fixed platform holds its levers; the adaptive ones move them, inside their bounds
    fixed = study.paths[study.paths["variant"] == "fixed"]
    assert (fixed[list(LEVER_COLUMNS)].nunique() == 1).all()
    adaptive = study.paths[study.paths["variant"] != "fixed"]
    assert (adaptive[list(LEVER_COLUMNS)].nunique() > 1).any()
    assert adaptive["policy_long_tail_reserve"].between(0.0, 0.5).all()
    assert len(study.paths) == 6 * spec.days


def test_the_differences_are_paired(study):
    d = study.differences.set_index(["variant", "reference", "measure"])
    runs = study.runs.set_index(["variant", "replication"])
    for v, ref in (("gmv", "fixed"), ("profit", "fixed"), ("gmv", "profit")):
        diff = runs.loc[v, "gmv"].to_numpy() - runs.loc[ref, "gmv"].to_numpy()
        assert d.loc[(v, ref, "gmv"), "difference"] == pytest.approx(diff.mean())
        assert d.loc[(v, ref, "gmv"), "ci_low"] <= diff.mean() <= d.loc[(v, ref, "gmv"), "ci_high"]
    s = study.summary.set_index(["variant", "measure"])
    assert s.loc[("fixed", "gmv"), "mean"] == pytest.approx(runs.loc["fixed", "gmv"].mean())
    # findings carry the computed numbers
    assert all(t[:1].isupper() for t in study.findings())   # sentences, though labels are lower case
    text = "\n".join(study.findings())
    g = d.loc[("gmv", "fixed", "gmv")]
    assert f"{g['difference']:+,.0f} yuan" in text


def test_the_command_refuses_bad_input_without_damage_and_writes_a_study(tmp_path):
    from sim.cli import main

    def livesim(*args):
        return main(["platform-objective", *map(str, args)])

    good = tmp_path / "good.toml"
    good.write_text('[study]\nreplications = 2\ndays = 14\n'
                    '[scenario]\npopulation.consumers = 500\npopulation.anchors = 25\npopulation.suppliers = 8\n'
                    'platform_adaptation.interval_days = 2\n'
                    '[variants.fixed]\nset = {}\n'
                    '[variants.gmv]\nset = { "platform_adaptation.enabled" = true }\n')
    out = tmp_path / "out"
    assert livesim(good, "--out", out, "--workers", "1", "--no-progress") == 0
    res = load_result(out)
    assert len(res.runs) == 4 and (out / "policy_paths.png").stat().st_size > 1000
    report = (out / "report.md").read_text()
    assert "| measure |" in report and "against a fixed" not in report and "fixed (paired over 2 seeds)" in report
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # bad input: exit 2, nothing run, the earlier study untouched
    for extra in (["--set", "variants.gmv.set.platform_adaptation.cap_min=0"],
                  ["--set", "study.days=3"], ["--workers", "0"]):
        assert livesim(good, "--out", out, "--overwrite", *extra) == 2, extra
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # an existing study is not replaced without --overwrite
    assert livesim(good, "--out", out, "--workers", "1") == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_the_shipped_spec_validates():
    spec = load_platform_objective(ROOT / "experiments" / "platform_objective.toml")
    assert [v.name for v in spec.variants] == ["fixed", "gmv", "profit"] and spec.baseline == "fixed"
    assert spec.scenario(spec.variant("fixed")).platform_adaptation.enabled is False
    assert {spec.scenario(spec.variant(v)).platform_adaptation.objective for v in ("gmv", "profit")} == {"gmv", "profit"}
    assert all(spec.scenario(spec.variant(v)).platform_adaptation.enabled for v in ("gmv", "profit"))
