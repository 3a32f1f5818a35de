"""The two study specs in experiments/ run end to end with the core model
at a tiny size (and the same on local processes as serially), and their
analysis writes what the docs promise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep.spec import load_spec

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
TINY = ["population.consumers=400", "population.anchors=40", "population.suppliers=10", "time.days=6"]


def sets(*items):
    out = []
    for s in (*TINY, *items):
        out += ["--set", s]
    return out


def test_specs_are_valid_at_full_size():
    caps = load_spec(EXPERIMENTS / "traffic_caps.toml")
    assert caps.sampler == "grid" and caps.names == ["traffic.anchor_cap", "traffic.long_tail_reserve"]
    assert caps.model == "sim.runner:run_scenario"
    sens = load_spec(EXPERIMENTS / "sensitivity.toml")
    assert sens.sampler == "sobol" and len(sens.names) == 5
    for spec in (caps, sens):
        assert spec.base.population.consumers == 20000 and spec.base.time.days == 120


def test_traffic_caps_study_tiny(tmp_path, capsys):
    out = tmp_path / "caps"
    code = main(["sweep", str(EXPERIMENTS / "traffic_caps.toml"), "--out", str(out), "--workers", "2",
                 *sets("experiment.replications=2")])
    assert code == 0, capsys.readouterr()
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 12 * 2 and (runs["status"] == "ok").all()
    for m in ("gmv", "top50_gmv_share", "sme_gmv_share", "mean_institutional_trust", "return_rate"):
        assert runs[m].notna().all()
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 24 * 6 and "mean_institutional_trust" in daily.columns
    assert main(["analyze", str(out), "--measures", "gmv,sme_gmv_share"]) == 0
    assert (out / "analysis" / "grid_gmv.png").is_file() and (out / "analysis" / "point_summary.csv").is_file()
    # the core model gives the same results serially as on worker processes, bit for bit
    again = tmp_path / "caps_serial"
    assert main(["sweep", str(EXPERIMENTS / "traffic_caps.toml"), "--out", str(again), "--serial",
                 *sets("experiment.replications=2")]) == 0
    assert (again / "runs.parquet").read_bytes() == (out / "runs.parquet").read_bytes()
    assert (again / "daily.parquet").read_bytes() == (out / "daily.parquet").read_bytes()


def test_sensitivity_study_tiny(tmp_path, capsys):
    out = tmp_path / "sens"
    code = main(["sweep", str(EXPERIMENTS / "sensitivity.toml"), "--out", str(out), "--serial",
                 *sets("design.samples=4", "experiment.replications=1")])
    assert code == 0, capsys.readouterr()
    assert len(pd.read_parquet(out / "runs.parquet")) == 4 * (5 + 2)
    assert main(["analyze", str(out), "--measures", "gmv,top50_gmv_share"]) == 0
    table = pd.read_csv(out / "analysis" / "sobol.csv")
    assert len(table) == 2 * 5 and {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)
    assert (out / "analysis" / "sobol_gmv.png").is_file()
