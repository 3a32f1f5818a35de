"""Calibration benchmarks: the engine's cost per evaluated point against one
plain run of the same size, and the full-size recovery of known parameters.

    .venv/bin/python benchmarks/bench_calibrate.py overhead [--consumers 2000] [--days 30] [--points 8]
    .venv/bin/python benchmarks/bench_calibrate.py recovery [--consumers 20000] [--days 60] [--workers 2]

``overhead`` times, side by side in one process, ``runs`` plain calls of
``sim.runner.run_scenario`` and a one-batch calibration (LHS) of the same
number of runs through the sweep engine (serial executor: the same process,
so the ratio is the engine's overhead: scenario building, Parquet files,
manifests, the loss). ``recovery`` is the recovery test of
``tests/studies/test_calibrate.py`` at a larger world: the known values must
lie in the reported region; it prints the region and the time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def world(consumers: int, days: int) -> dict:
    scale = consumers / 100_000
    return {"population": {"consumers": consumers, "anchors": max(20, int(2000 * scale)),
                           "suppliers": max(8, int(400 * scale))},
            "time": {"days": days},
            "suppliers": {"capacity_large": 1500.0 * scale * 3, "capacity_sme": 20.0 * scale * 3}}


def flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def overhead(args) -> None:
    from sim.runner import run_scenario
    from sim.scenario import Scenario
    from sim.studies.calibrate import calibration_from_dict, run_calibration
    from sim.sweep.executors import SerialExecutor
    from sim.sweep.seeds import run_seeds

    w = world(args.consumers, args.days)
    raw = {"calibration": {"name": "bench", "replications": 2, "master_seed": 1}, "scenario": w,
           "parameters": {"purchase.intercept": {"range": [-5.6, -4.8]}}, "targets": {"facts": ["F3"]},
           "search": {"method": "lhs", "population": args.points}}
    cal = calibration_from_dict(raw)
    n_runs = args.points * 2
    base = Scenario().with_overrides(flat(w))
    run_scenario(base, 0)  # warm the imports
    xs = np.linspace(-5.6, -4.8, args.points)
    seeds = run_seeds(1, 1, 2, common=True)[0]
    t0 = time.perf_counter()
    for x in xs:
        for s in seeds:
            run_scenario(base.with_overrides({"purchase.intercept": float(x)}), int(s))
    plain = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = run_calibration(cal, executor_factory=SerialExecutor, out=Path(d) / "c", progress=False, say=None,
                              plots=False)
        total = time.perf_counter() - t0
    search = res.timing["search_seconds"]
    print(f"world: {args.consumers} consumers, {args.days} days; {args.points} points x 2 replications = {n_runs} runs")
    print(f"plain run_scenario: {plain:.2f} s, {plain / n_runs:.4f} s per run")
    print(f"calibrate search (serial, same process): {search:.2f} s, {search / n_runs:.4f} s per run "
          f"(model time inside: {res.timing['model_seconds_per_run']:.4f} s per run)")
    print(f"ratio calibrate / plain per run: {search / plain:.3f}")
    print(f"whole calibration with the confirmation runs ({cal.confirm_replications}), report and files: {total:.2f} s")


def recovery(args) -> None:
    from sim.runner import run_scenario
    from sim.scenario import Scenario
    from sim.studies.calibrate import calibration_from_dict, run_calibration
    from sim.sweep.executors import ProcessExecutor
    from sim.sweep.seeds import run_seeds

    truth = {"purchase.intercept": -5.2, "purchase.shelf_intercept": -4.8, "categories.apparel.base_return_rate": 0.31}
    bounds = {"purchase.intercept": [-6.5, -4.0], "purchase.shelf_intercept": [-6.0, -3.5],
              "categories.apparel.base_return_rate": [0.1, 0.55]}
    moments = ("live_conversion", "shelf_conversion", "return_rate_apparel")
    w = world(args.consumers, args.days)
    sc = Scenario().with_overrides({**flat(w), **truth})
    t0 = time.perf_counter()
    obs = pd.DataFrame([run_scenario(sc, int(s)).summary for s in run_seeds(99, 1, 8)[0]])
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.csv"
        path.write_text("measure,value,se\n" + "".join(
            f"{m},{float(obs[m].mean())!r},{float(obs[m].std(ddof=1) / np.sqrt(len(obs)))!r}\n" for m in moments))
        raw = {"calibration": {"name": "recovery", "replications": 3, "master_seed": 5}, "scenario": w,
               "parameters": {k: {"range": v} for k, v in bounds.items()}, "targets": {"file": str(path)},
               "search": {"population": 24, "generations": 4, "quantile": 0.3, "budget": 300}}
        res = run_calibration(calibration_from_dict(raw), executor_factory=lambda: ProcessExecutor(args.workers),
                              out=Path(d) / "c", progress=True, plots=False)
    secs = time.perf_counter() - t0
    reg = res.region.set_index("parameter")
    ok = True
    for n, v in truth.items():
        inside = reg.loc[n, "low"] <= v <= reg.loc[n, "high"]
        ok &= inside
        print(f"{n}: known {v}, region {reg.loc[n, 'low']:.4g} to {reg.loc[n, 'high']:.4g} "
              f"({reg.loc[n, 'method']}), estimate {reg.loc[n, 'estimate']:.4g}: {'inside' if inside else 'OUTSIDE'}")
    print(f"{len(res.evaluations)} points, {res.timing['search_runs']} runs, {secs:.0f} s in all")
    sys.exit(0 if ok else 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    o = sub.add_parser("overhead")
    o.add_argument("--consumers", type=int, default=2000)
    o.add_argument("--days", type=int, default=30)
    o.add_argument("--points", type=int, default=8)
    r = sub.add_parser("recovery")
    r.add_argument("--consumers", type=int, default=20000)
    r.add_argument("--days", type=int, default=60)
    r.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    overhead(args) if args.what == "overhead" else recovery(args)


if __name__ == "__main__":
    main()
