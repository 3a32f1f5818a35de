"""``livesim run`` and ``livesim validate`` end to end, at a small size."""

import json

import pandas as pd
import pytest

from sim.cli import main as cli
from sim.scenario import load_scenario
from sim.studies.validate import FACTS, Fact, facts_table, mean_interval

SMALL = ["--set", "population.consumers=3000", "--set", "population.anchors=200", "--set", "population.suppliers=40"]


def test_run_writes_parquet_provenance_plots_and_report(tmp_path, capsys):
    out = tmp_path / "res"
    assert cli(["run", *SMALL, "--days", "20", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"daily.parquet", "summary.parquet", "scenario.toml", "provenance.json", "report.md"} <= names
    assert {"gmv.png", "concentration.png", "returns_by_category.png", "trust.png"} <= names
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 20 and list(daily["day"]) == list(range(20))
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 1 and summary["seed"].iloc[0] == 3
    assert abs(summary["gmv"].iloc[0] - daily["gmv"].sum()) < 1e-6
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 3 and prov["packages"]["mesa"] and prov["packages"]["numpy"] and prov["python"]
    # the scenario written is accepted back and is the one that ran
    sc = load_scenario(out / "scenario.toml")
    assert sc.population.consumers == 3000 and sc.time.days == 20
    for png in ("gmv.png", "trust.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_from_written_scenario_reproduces_daily(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli(["run", *SMALL, "--days", "15", "--out", str(a), "--quiet", "--no-plots"]) == 0
    assert cli(["run", "--scenario", str(a / "scenario.toml"), "--out", str(b), "--quiet", "--no-plots"]) == 0
    assert (a / "daily.parquet").read_bytes() == (b / "daily.parquet").read_bytes()


def test_validate_prints_fact_table_and_writes_csv(tmp_path, capsys):
    csv = tmp_path / "v.csv"
    # the level facts only: the paired facts (lever off vs on) have their own tests (tests/test_trust.py)
    code = cli(["validate", "--replications", "2", "--workers", "1", "--csv", str(csv), *SMALL,
                "--set", "time.days=20", "--no-paired"])   # (paired facts run their own worlds: slow)
    assert code == 0
    out = capsys.readouterr().out
    rows = [l for l in out.splitlines() if l.startswith("| F")]
    assert [r.split("|")[1].strip() for r in rows] == [f.id for f in FACTS]
    assert all(r.split("|")[7].strip() in ("pass", "fail") for r in rows)
    table = pd.read_csv(csv)
    assert list(table["id"]) == [f.id for f in FACTS]
    assert ((table["ci_low"] <= table["mean"]) & (table["mean"] <= table["ci_high"])).all()


def test_validate_refuses_too_few_replications(capsys):
    assert cli(["validate", "--replications", "1"]) == 2
    assert "--replications" in capsys.readouterr().err


def test_fact_table_pass_fail_and_interval():
    facts = (Fact("X1", "m", "d", "r", 0.1, 0.2, "s"),)
    inside = facts_table(pd.DataFrame({"m": [0.14, 0.16]}), facts)
    outside = facts_table(pd.DataFrame({"m": [0.25, 0.27]}), facts)
    assert inside["result"].iloc[0] == "pass" and outside["result"].iloc[0] == "fail"
    m, lo, hi = mean_interval([1.0, 2.0, 3.0])
    # t(0.975, 2) = 4.303; sd = 1; half width = 4.303 / sqrt(3)
    assert m == 2.0 and abs((hi - lo) / 2 - 4.302653 / 3 ** 0.5) < 1e-5


def test_margin_in_standard_errors_of_a_pass():
    from sim.studies.validate import margin_in_se, robust_rows, to_markdown

    # mean 0.15, sd 0.02, se 0.02 / sqrt(3): 2.5 sqrt(3) = 4.33 s.e. from either edge of [0.1, 0.2]
    se, margin = margin_in_se([0.13, 0.15, 0.17], 0.1, 0.2)
    assert se == pytest.approx(0.02 / 3 ** 0.5) and margin == pytest.approx(2.5 * 3 ** 0.5)
    # the nearest edge counts; outside the band the margin is negative; a one-sided band has one edge
    assert margin_in_se([0.18, 0.19], 0.1, 0.2)[1] == pytest.approx(3.0)   # 0.015 from the ceiling, se 0.005
    assert margin_in_se([0.25, 0.27], 0.1, 0.2)[1] < 0
    assert margin_in_se([0.9, 0.92], 0.1, None)[1] > margin_in_se([0.9, 0.92], 0.1, 1.0)[1]
    assert all(v != v for v in margin_in_se([0.15], 0.1, 0.2))       # one replication: NaN
    facts = (Fact("X1", "m", "d", "r", 0.1, 0.2, "s"), Fact("X2", "n", "d", "r", 0.1, 0.2, "s"))
    table = facts_table(pd.DataFrame({"m": [0.13, 0.15, 0.17], "n": [0.10, 0.13, 0.16]}), facts)
    assert list(robust_rows(table)["id"]) == ["X1"]                  # X2 passes sqrt(3) s.e. above its floor
    assert table.set_index("id").loc["X2", "margin_se"] == pytest.approx(3 ** 0.5)
    md = to_markdown(table)
    assert "margin (s.e.)" in md.splitlines()[0] and "| 4.3 |" in md and "| 1.7 |" in md


def test_paired_fact_effect_and_table(monkeypatch):
    from sim.studies import validate as V
    from tests.conftest import small_scenario

    fact = V.PairedFact("P1", "return_rate_apparel", "try-on lowers apparel returns", "15 points",
                        -0.5, -0.01, "test", off={"returns.virtual_try_on": False},
                        on={"returns.virtual_try_on": True}, base={"time.days": 20})
    eff = V.paired_effects(small_scenario(), fact, replications=2)
    assert eff.shape == (2,) and (eff < 0).all()
    table = V.paired_table({"P1": eff}, (fact,))
    assert table["result"].iloc[0] == "pass"
    md = V.to_markdown(table)
    assert md.splitlines()[2].startswith("| P1 |") and "points" in md
