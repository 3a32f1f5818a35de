"""The co-creation study: bad specs refused before any run; paired seeds; the
run measures are those of the plain run; the game's values obey their axioms."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.runner import run_scenario
from sim.studies.co_creation import CoCreationSpecError, co_creation_from_dict, load_co_creation, run_co_creation

ROOT = Path(__file__).resolve().parents[2]
WORLD = {"population": {"consumers": 1500, "anchors": 60, "suppliers": 16}}
# two variants with switches that exist everywhere (the co-creation sections arrive with their branches)
SPEC = {"study": {"replications": 2, "warmup_days": 8, "window_days": 6, "master_seed": 11},
        "scenario": WORLD,
        "variants": {"all_on": {"label": "all on", "set": {}},
                     "no_wom": {"label": "word of mouth off", "set": {"word_of_mouth.enabled": False}}}}


@pytest.fixture(scope="module")
def study():
    return run_co_creation(co_creation_from_dict(SPEC), workers=1)


def test_bad_specs_are_refused_with_every_problem_named():
    bad = {"study": {"replications": 1, "window_days": 0, "warmup": 3, "players": "banks:all"},
           "scenario": {"population": {"consumers": 5}},
           "variants": {"all_on": {"set": {}},
                        "x": {"set": {"nope.field": 1, "time.days": 5}, "colour": "red"},
                        "same": {"set": {"word_of_mouth.enabled": True}}},
           "extra": {}}
    with pytest.raises(CoCreationSpecError) as err:
        co_creation_from_dict(bad)
    text = str(err.value)
    for needle in ("study.replications: 1 is out of range", "study.window_days: 0 is out of range",
                   "study.warmup: unknown field", "study.players:", "scenario: population.consumers",
                   "variants.x.set: nope.field", "variants.x.set.time.days: a variant may not change the world",
                   "variants.x.colour: unknown field", "variants.same.set: changes nothing", "extra: unknown section"):
        assert needle in text, needle
    with pytest.raises(CoCreationSpecError, match="study.baseline: 'none' is not a variant"):
        co_creation_from_dict({**SPEC, "study": {**SPEC["study"], "baseline": "none"}})
    with pytest.raises(CoCreationSpecError, match="at least one variant besides the baseline"):
        co_creation_from_dict({**SPEC, "variants": {"all_on": {"set": {}}}})


def test_the_all_on_runs_are_the_plain_runs_and_variants_share_seeds(study):
    spec = study.spec
    runs = study.runs
    assert list(runs["variant"].unique()) == ["all_on", "no_wom"]
    # paired: every variant meets the same seeds
    seeds = runs.groupby("variant")["seed"].apply(tuple)
    assert seeds["all_on"] == seeds["no_wom"]
    # the grand coalition's fork continues the plain run: the same GMV, trust and profits
    row = runs[runs["variant"] == "all_on"].iloc[0]
    plain = run_scenario(spec.scenario(spec.variant("all_on")), int(row["seed"])).summary
    for m in ("gmv", "mean_institutional_trust", "return_rate", "profit_platform", "profit_suppliers"):
        assert row[m] == pytest.approx(plain[m], rel=1e-12), m


def test_differences_are_paired_and_the_game_values_obey_their_axioms(study):
    runs, diff = study.runs, study.differences
    a = runs[runs["variant"] == "all_on"].set_index("replication")
    b = runs[runs["variant"] == "no_wom"].set_index("replication")
    d = diff[(diff["variant"] == "no_wom")].set_index("measure")
    for m in ("gmv", "synergy", "theta_emergent", "v_anchor,platform,supplier"):
        assert d.at[m, "difference"] == pytest.approx(float((b[m] - a[m]).mean()), rel=1e-12, abs=1e-12)
        assert d.at[m, "ci_low"] <= d.at[m, "difference"] <= d.at[m, "ci_high"]
    for _, r in runs.iterrows():
        grand = r["v_anchor,platform,supplier"]
        alone = r["v_platform"] + r["v_supplier"] + r["v_anchor"]
        assert r["synergy"] == pytest.approx(grand - alone)
        assert r["theta_emergent"] == pytest.approx(grand / alone - 1.0)
        # efficiency: the Shapley values and the status quo both share out v(N)
        assert sum(r[f"shapley_{p}"] for p in study.players) == pytest.approx(grand, rel=1e-9)
        assert sum(r[f"status_quo_{p}"] for p in study.players) == pytest.approx(grand, rel=1e-9)
    g = study.games.set_index("variant")
    assert g.at["all_on", "units"] == 2
    assert g.at["all_on", "synergy"] == pytest.approx(float(a["synergy"].mean()))
    text = study.findings()
    assert len(text) == 3 and "word of mouth off" in text[1].lower()
    assert all(t[:1].isupper() for t in text)   # sentences, though the variant's label is lower case


def test_results_do_not_depend_on_the_number_of_workers(study):
    other = run_co_creation(co_creation_from_dict(SPEC), workers=2)
    cols = [c for c in study.runs.columns if c != "cpu_s"]
    assert study.runs[cols].equals(other.runs[cols])


def test_the_command_refuses_a_bad_spec_and_writes_a_study(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[study]\nreplications = 0\n[variants.all_on]\nset = {}\n[variants.b]\nset = { "fraud.enabled" = false }\n')
    cmd = [sys.executable, "-m", "sim.cli", "co-creation"]
    r = subprocess.run([*cmd, str(bad), "--out", str(tmp_path / "x")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "study.replications: 0 is out of range" in r.stderr
    assert not (tmp_path / "x").exists()
    good = tmp_path / "good.toml"
    good.write_text('[study]\nreplications = 2\nwarmup_days = 3\nwindow_days = 3\n'
                    '[scenario]\npopulation.consumers = 600\npopulation.anchors = 30\npopulation.suppliers = 10\n'
                    '[variants.all_on]\nset = {}\n[variants.b]\nset = { "fraud.enabled" = false }\n')
    r = subprocess.run([*cmd, str(good), "--out", str(tmp_path / "out"), "--workers", "1"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from sim.studies.co_creation import load_result

    res = load_result(tmp_path / "out")
    assert len(res.runs) == 4 and (tmp_path / "out" / "report.md").read_text().count("\n") > 3


def test_the_shipped_spec_is_well_formed():
    """The study fields and the world of experiments/co_creation.toml validate, and its
    variants name the four parties' sections (with a stand-in switch each)."""
    raw = tomllib.loads((ROOT / "experiments" / "co_creation.toml").read_text())
    assert set(raw["variants"]) == {"all_on", "platform", "anchors", "customers", "live_shelf"}
    named = {k.split(".")[0] for v in raw["variants"].values() for k in v["set"]}
    assert named == {"recommendation", "content", "engagement", "reviews", "feedback", "shelf_links", "search"}
    stand_in = {name: {"set": {} if name == "all_on" else {"fraud.detection_probability": 0.1 + 0.1 * i}}
                for i, name in enumerate(raw["variants"])}
    spec = co_creation_from_dict({**raw, "variants": stand_in})
    assert spec.replications >= 2 and spec.baseline == "all_on"


def test_the_shipped_spec_validates_against_the_scenario():
    """Fails until the co-creation mechanisms' branches (their scenario sections) are merged."""
    spec = load_co_creation(ROOT / "experiments" / "co_creation.toml")
    assert [v.name for v in spec.variants][0] == "all_on"
    for v in spec.variants[1:]:
        sc = spec.scenario(v)
        assert all(sc.get(k) is False for k in v.overrides)
