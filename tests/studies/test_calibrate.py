"""Calibration: recovery of known parameters, the engine's guarantees, bad specs."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.runner import run_scenario
from sim.scenario import Scenario
from sim.studies.calibrate import CalibrationSpecError, calibration_from_dict, loss_values, run_calibration
from sim.sweep.executors import ProcessExecutor, SerialExecutor
from sim.sweep.seeds import run_seeds

# a world of 600 consumers and 20 days: a run takes a few hundredths of a second
# (its capacities are its own: reference_consumers = consumers, a scale factor of 1)
TINY = {"population": {"consumers": 600, "anchors": 40, "suppliers": 16, "reference_consumers": 600,
                       "reference_suppliers": 16}, "time": {"days": 20},
        "suppliers": {"capacity_large": 30.0, "capacity_sme": 0.5}}
TINY_FLAT = {"population.consumers": 600, "population.reference_consumers": 600, "population.reference_suppliers": 16, "population.anchors": 40, "population.suppliers": 16,
             "time.days": 20, "suppliers.capacity_large": 30.0, "suppliers.capacity_sme": 0.5}
# the known values, each with the moment that speaks to it most
TRUTH = {"purchase.intercept": -5.2, "purchase.shelf_intercept": -4.8, "categories.apparel.base_return_rate": 0.31}
BOUNDS = {"purchase.intercept": [-6.5, -4.0], "purchase.shelf_intercept": [-6.0, -3.5],
          "categories.apparel.base_return_rate": [0.1, 0.55]}
MOMENTS = ("live_conversion", "shelf_conversion", "return_rate_apparel")


def observed_moments(path: Path, seeds: int = 8) -> Path:
    """The 'data': the tiny world at the known values, on seeds no calibration run uses."""
    sc = Scenario().with_overrides({**TINY_FLAT, **TRUTH})
    obs = pd.DataFrame([run_scenario(sc, int(s)).summary for s in run_seeds(99, 1, seeds)[0]])
    rows = ["measure,value,se"] + [f"{m},{float(obs[m].mean())!r},{float(obs[m].std(ddof=1) / np.sqrt(seeds))!r}" for m in MOMENTS]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.slow
def test_calibration_recovers_three_known_parameters(tmp_path):
    moments = observed_moments(tmp_path / "moments.csv")
    # 4 replications per point: every point shares them (common random numbers), so their common
    # luck shifts the whole loss surface; with 2, a pair's mean live conversion in this tiny world
    # varies by about 0.009 from pair to pair, a third of a logit unit of the intercept
    raw = {"calibration": {"name": "recovery", "replications": 4, "master_seed": 5}, "scenario": TINY,
           "parameters": {k: {"range": v} for k, v in BOUNDS.items()},
           "targets": {"file": str(moments)},
           "search": {"population": 16, "generations": 4, "quantile": 0.3, "budget": 200}}
    cal = calibration_from_dict(raw)
    res = run_calibration(cal, executor_factory=SerialExecutor, out=tmp_path / "out", progress=False,
                          say=None, plots=False)
    region = res.region.set_index("parameter")
    for name, true in TRUTH.items():
        lo, hi = region.loc[name, "low"], region.loc[name, "high"]
        assert lo <= true <= hi, f"{name}: the known value {true} is outside the reported region [{lo}, {hi}]"
        # and the region says something: narrower than the prior range
        assert hi - lo < BOUNDS[name][1] - BOUNDS[name][0]
    # the ABC tolerance shrinks from generation to generation
    tol = res.timing["tolerances"]
    assert tol[0] == float("inf") and tol[1] >= tol[2] >= res.timing["noise_floor"] > 0
    # the posterior weights are a distribution over the last population
    w = res.posterior["weight"].to_numpy()
    assert len(w) == 16 and np.all(w > 0) and w.sum() == pytest.approx(1.0)
    # the report names every parameter and target, and the files are there
    text = (tmp_path / "out" / "report.md").read_text()
    for word in (*TRUTH, *MOMENTS, "posterior"):
        assert word in text
    # the two columns of values are named for what they are
    assert "| estimate (confirmed) | region's centre |" in text and "The estimate is the posterior mean" in text
    for f in ("evaluations.parquet", "runs.parquet", "posterior.parquet", "fit.csv", "region.csv",
              "profiles.csv", "identifiability.csv", "calibration.json"):
        assert (tmp_path / "out" / f).is_file()


def small_raw(tmp_path, **search):
    return {"calibration": {"name": "small", "replications": 2, "master_seed": 3}, "scenario": TINY,
            "parameters": {"purchase.intercept": {"range": [-6.0, -4.5]}},
            "targets": {"facts": ["F3"], "held_out": ["F6"]}, "loss": {"kind": "bands"},
            "search": {"method": "lhs", "population": 6, **search}}


def test_calibration_is_bit_identical_serial_or_processes_and_resumes(tmp_path):
    cal = calibration_from_dict(small_raw(tmp_path))
    a = run_calibration(cal, executor_factory=SerialExecutor, out=tmp_path / "a", progress=False, say=None,
                        plots=False)
    b = run_calibration(cal, executor_factory=lambda: ProcessExecutor(2), out=tmp_path / "b", progress=False,
                        say=None, plots=False)
    pd.testing.assert_frame_equal(a.evaluations, b.evaluations)
    pd.testing.assert_frame_equal(a.fit, b.fit)
    text = (tmp_path / "a" / "report.md").read_text()
    assert "The estimate is the point of least loss" in text and "the bootstrap's best points" in text
    for f in sorted((tmp_path / "a" / "batches").glob("*/runs/*.parquet")):
        assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes()
    # a folder in use is refused without --resume; resuming a finished one reads it and runs nothing
    with pytest.raises(Exception, match="--resume"):
        run_calibration(cal, executor_factory=SerialExecutor, out=tmp_path / "a", say=None, plots=False)
    stamp = [p.stat().st_mtime_ns for p in sorted((tmp_path / "a" / "batches").glob("*/runs/*.parquet"))]
    c = run_calibration(cal, executor_factory=SerialExecutor, out=tmp_path / "a", resume=True, progress=False,
                        say=None, plots=False)
    assert stamp == [p.stat().st_mtime_ns for p in sorted((tmp_path / "a" / "batches").glob("*/runs/*.parquet"))]
    pd.testing.assert_frame_equal(a.evaluations, c.evaluations)
    # an interrupted batch (a run file lost) is completed on resume, with the same result
    victim = sorted((tmp_path / "b" / "batches" / "g00-b00" / "runs").glob("*.parquet"))[3]
    victim.unlink()
    (tmp_path / "b" / "batches" / "g00-b00" / "runs.parquet").unlink()
    d = run_calibration(cal, executor_factory=SerialExecutor, out=tmp_path / "b", resume=True, progress=False,
                        say=None, plots=False)
    pd.testing.assert_frame_equal(a.evaluations, d.evaluations)
    # the bootstrap region, the fit with its held-out fact and the band distance
    assert a.region["method"].iloc[0] == "bootstrap_over_replications"
    held = a.fit[a.fit["role"] == "held_out"].iloc[0]
    assert held["target"] == "F6" and held["distance_from_band"] >= 0
    assert (held["distance_from_band"] == 0) == bool(held["in_band"])
    # a different spec is refused in the same folder
    other = calibration_from_dict(small_raw(tmp_path, population=7))
    with pytest.raises(Exception, match="different spec"):
        run_calibration(other, executor_factory=SerialExecutor, out=tmp_path / "a", resume=True, say=None)


def test_band_and_msm_losses():
    cal = calibration_from_dict({"parameters": {"purchase.intercept": {"range": [-6.0, -4.0]}},
                                 "targets": {"facts": ["F3", "F4"]}, "loss": {"kind": "bands"}})
    m = pd.DataFrame({"live_conversion": [0.07, 0.04, 0.10], "shelf_conversion": [0.01, 0.01, 0.03]})
    got = loss_values(cal, m)
    # F3 band 0.05-0.09 (width 0.04), F4 0.008-0.025 (width 0.017)
    assert got[0] == 0.0
    assert got[1] == pytest.approx((0.01 / 0.04) ** 2)
    assert got[2] == pytest.approx((0.01 / 0.04) ** 2 + (0.005 / 0.017) ** 2)
    msm = calibration_from_dict({"parameters": {"purchase.intercept": {"range": [-6.0, -4.0]}},
                                 "targets": {"facts": ["F3"]}, "loss": {"kind": "msm", "weights": [[4.0]]}})
    # F3: target the band's midpoint 0.07
    assert loss_values(msm, m)[:2] == pytest.approx([0.0, 4.0 * 0.03 ** 2])


BAD = [
    ({"parameters": {"purchase.nosuch": {"range": [0, 1]}}}, "parameters.purchase.nosuch"),
    ({"parameters": {"purchase.intercept": {"range": [-4.0, -6.0]}}}, "parameters.purchase.intercept.range"),
    ({"parameters": {"purchase.intercept": {"range": [-40.0, -4.0]}}}, "low end"),
    ({"parameters": {"returns.virtual_try_on": {"range": [0, 1]}}}, "returns.virtual_try_on"),
    ({"targets": {"facts": ["F99"]}}, "targets.facts"),
    ({"targets": {"facts": ["F3"], "held_out": ["F3"]}}, "listed twice"),
    ({"targets": {"facts": []}}, "targets"),
    ({"search": {"method": "annealing"}}, "search.method"),
    ({"search": {"population": 2}}, "search.population"),
    ({"loss": {"weights": [[1.0, 0.0]]}}, "loss.weights"),
    ({"calibration": {"replications": 0}}, "calibration.replications"),
    ({"calibration": {"replications": 1}, "uncertainty": {"method": "bootstrap"}}, "calibration.replications"),
    ({"search": {"method": "lhs"}, "uncertainty": {"method": "posterior"}}, "uncertainty.method"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize("change,field", BAD, ids=[b[1] for b in BAD])
def test_bad_specs_are_refused_naming_the_field(change, field):
    raw = {"parameters": {"purchase.intercept": {"range": [-6.0, -4.0]}}, "targets": {"facts": ["F3"]}}
    for k, v in change.items():
        raw[k] = {**raw[k], **v} if isinstance(v, dict) and k in raw and k != "parameters" else v
    with pytest.raises(CalibrationSpecError) as err:
        calibration_from_dict(raw)
    assert field in str(err.value)


def test_bad_moments_file_is_refused(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("measure,value,se\nlive_conversion,0.07,-1\nnot_a_measure,0.1,0.01\n")
    raw = {"parameters": {"purchase.intercept": {"range": [-6.0, -4.0]}}, "targets": {"file": str(f)}}
    with pytest.raises(CalibrationSpecError) as err:
        calibration_from_dict(raw)
    msg = str(err.value)
    assert "se must be positive" in msg and "not_a_measure" in msg and "line 2" in msg


def test_cli_refuses_a_bad_spec_with_exit_2_and_writes_nothing(tmp_path):
    spec = tmp_path / "bad.toml"
    out = tmp_path / "out"
    spec.write_text(f'[calibration]\noutput = "{out}"\n[parameters]\n"purchase.intercept" = {{ range = [1, 0] }}\n'
                    '[targets]\nfacts = ["F3"]\n')
    r = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(spec)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "parameters.purchase.intercept.range" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_a_one_sided_band_is_no_msm_target():
    raw = {"parameters": {"purchase.intercept": {"range": [-6.0, -4.0]}}, "targets": {"facts": ["F5"]}}
    with pytest.raises(CalibrationSpecError, match="F5 is a one-sided band"):
        calibration_from_dict(raw)
    calibration_from_dict({**raw, "loss": {"kind": "bands"}})  # the band loss takes it
