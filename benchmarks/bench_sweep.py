"""Sweep engine benchmarks: parallel speed-up and the engine's own overhead per run.

1. Speed-up of 2 local worker processes over 1 on the traffic-cap study
   (experiments/traffic_caps.toml, core model) at a small size (default
   10,000 consumers, 200 anchors, 40 suppliers, 60 days, 4 replications:
   48 runs). Target: at least 1.7x on a machine with 2 free cores.
2. Overhead per run on a trivial model (the toy model at 10 consumers and
   one day, which itself takes well under a millisecond): the sweep's wall
   time per run minus the model's own time per run, serially and on 1 and
   2 local worker processes. Target: under 20 ms per run.

Every sweep runs as ``livesim sweep`` in a fresh process, so worker start-up,
design, writing every file, the combined table and the manifest are all
counted. Two figures are printed per sweep: the whole command (interpreter
start and imports included) and the engine's own session time from the
manifest.

    .venv/bin/python benchmarks/bench_sweep.py
    .venv/bin/python benchmarks/bench_sweep.py --replications 2 --overhead-runs 500   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAPS = ROOT / "experiments" / "traffic_caps.toml"

OVERHEAD_SPEC = """
[experiment]
name = "overhead"
model = "sim.sweep.toy:toy_run"
replications = {reps}
master_seed = 1

[scenario]
population.consumers = 10
population.anchors = 5
population.suppliers = 2
time.days = 1

[parameters]
"traffic.anchor_cap" = {{ values = [1.0, 0.5, 0.2, 0.1] }}

[keep]
summary = ["gmv", "top50_gmv_share", "sme_gmv_share", "mean_institutional_trust", "return_rate"]
"""


def sweep(spec: Path, out: Path, *args: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--no-progress",
                        *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench_sweep: the sweep failed:\n{r.stderr}\n{r.stdout}")
    m = json.loads((out / "manifest.json").read_text())
    s = m["sessions"][-1]
    return {"wall": wall, "session": s["seconds"], "model": s["model_seconds"], "runs": s["ran"]}


def toy_model_seconds(n: int = 2000) -> float:
    """The toy model's own time per run at the overhead size."""
    from sim.scenario import Scenario
    from sim.sweep.toy import toy_run

    sc = Scenario().with_overrides({"population.consumers": 10, "population.anchors": 5,
                                    "population.suppliers": 2, "time.days": 1})
    toy_run(sc, 0)
    t0 = time.perf_counter()
    for seed in range(n):
        toy_run(sc, seed)
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=10_000)
    ap.add_argument("--anchors", type=int, default=200)
    ap.add_argument("--suppliers", type=int, default=40)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--overhead-runs", type=int, default=2000, help="runs of the trivial model (a multiple of 4)")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"livesim sweep benchmark ({cores} cores available; load average {os.getloadavg()[0]:.2f})")

    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        tmp = Path(tmp)
        small = ["--set", f"population.consumers={args.consumers}", "--set", f"population.anchors={args.anchors}",
                 "--set", f"population.suppliers={args.suppliers}", "--set", f"time.days={args.days}",
                 "--set", f"experiment.replications={args.replications}"]
        print(f"\n1. traffic-cap study, core model, {args.consumers:,} consumers, {args.anchors} anchors, "
              f"{args.suppliers} suppliers, {args.days} days, 12 points x {args.replications} replications")
        one = sweep(CAPS, tmp / "w1", "--workers", "1", *small)
        two = sweep(CAPS, tmp / "w2", "--workers", "2", *small)
        same = (tmp / "w1" / "runs.parquet").read_bytes() == (tmp / "w2" / "runs.parquet").read_bytes()
        print(f"{'workers':>8} {'runs':>5} {'command s':>10} {'session s':>10} {'model s/run':>12}")
        for n, r in ((1, one), (2, two)):
            print(f"{n:>8} {r['runs']:>5} {r['wall']:>10.1f} {r['session']:>10.1f} {r['model'] / r['runs']:>12.3f}")
        print(f"speed-up of 2 workers over 1: {one['wall'] / two['wall']:.2f}x (whole command), "
              f"{one['session'] / two['session']:.2f}x (engine session); target >= 1.7x; "
              f"results identical: {same}")

        reps = max(1, args.overhead_runs // 4)
        spec = tmp / "overhead.toml"
        spec.write_text(OVERHEAD_SPEC.format(reps=reps))
        model = toy_model_seconds()
        print(f"\n2. engine overhead on a trivial model ({4 * reps} runs; the model alone: {model * 1e3:.2f} ms/run)")
        print(f"{'executor':>12} {'command s':>10} {'session s':>10} {'overhead ms/run':>16}")
        for label, extra in (("serial", ["--serial"]), ("1 process", ["--workers", "1"]),
                             ("2 processes", ["--workers", "2"])):
            r = sweep(spec, tmp / label.replace(" ", "_"), *extra)
            workers = 2 if label.startswith("2") else 1
            # wall time per run of the session, less the model's share (spread over the workers)
            overhead = r["session"] / r["runs"] - model / workers
            print(f"{label:>12} {r['wall']:>10.2f} {r['session']:>10.2f} {overhead * 1e3:>16.2f}")
        print("overhead target: under 20 ms per run (session time: design, worker start, every file, "
              "the combined table and the manifest included)")


if __name__ == "__main__":
    main()
