"""Sweep engine benchmarks: parallel speed-up and the engine's own overhead per run.

1. Speed-up of 2 local worker processes over 1 on the traffic-cap study
   (experiments/traffic_caps.toml, core model, its 12 policies and 10
   replications) in a small world (default 10,000 consumers, 200 anchors,
   40 suppliers, 60 days: about 0.3 s a run). Target: at least 1.7x on a
   machine with 2 free cores.
2. Overhead per run on a trivial model (the toy model at 10 consumers and
   one day, which itself takes well under a millisecond): the sweep's wall
   time per run minus the model's own time per run, serially and on 1 and
   2 local worker processes; from sweeps of two sizes, also the marginal
   cost of one more run and the fixed cost of a sweep (worker start-up,
   finishing). Target: under 20 ms per run.

Every sweep runs as ``livesim sweep`` in a fresh process, so worker start-up,
design, writing every file, the combined table and the manifest are all
counted. Two figures are printed per sweep: the whole command (interpreter
start and imports included) and the engine's own session time from the
manifest.

    .venv/bin/python benchmarks/bench_sweep.py
    .venv/bin/python benchmarks/bench_sweep.py --replications 4 --overhead-runs 500   # quicker
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
sys.path.insert(0, str(ROOT))   # the toy model lives in tests/sweep/toy.py
CAPS = ROOT / "experiments" / "traffic_caps.toml"

OVERHEAD_SPEC = """
[experiment]
name = "overhead"
model = "tests.sweep.toy:toy_run"
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
    # the toy model is a test model: allowed for this sweep by name (sim.sweep.models)
    allowed = [m for m in os.environ.get("LIVESIM_MODELS", "").split(",") if m]
    env["LIVESIM_MODELS"] = ",".join([*allowed, "tests.sweep.toy:toy_run"])
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--no-progress",
                        *args], capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench_sweep: the sweep failed:\n{r.stderr}\n{r.stdout}")
    m = json.loads((out / "manifest.json").read_text())
    s = m["sessions"][-1]
    return {"wall": wall, "session": s["seconds"], "model": s["model_seconds"], "cpu": s["model_cpu_seconds"],
            "runs": s["ran"]}


def toy_model_seconds(n: int = 2000) -> float:
    """The toy model's own time per run at the overhead size."""
    from sim.scenario import Scenario
    from tests.sweep.toy import toy_run

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
    ap.add_argument("--replications", type=int, default=None, help="default: the study's own (10)")
    ap.add_argument("--overhead-runs", type=int, default=2000, help="runs of the trivial model (a multiple of 4)")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"livesim sweep benchmark ({cores} cores available; load average {os.getloadavg()[0]:.2f})")

    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        tmp = Path(tmp)
        small = ["--set", f"population.consumers={args.consumers}", "--set", f"population.anchors={args.anchors}",
                 "--set", f"population.suppliers={args.suppliers}", "--set", f"time.days={args.days}"]
        if args.replications is not None:
            small += ["--set", f"experiment.replications={args.replications}"]
        from sim.sweep.spec import load_spec

        caps_reps = load_spec(CAPS, small[1::2]).replications
        print(f"\n1. traffic-cap study, core model, {args.consumers:,} consumers, {args.anchors} anchors, "
              f"{args.suppliers} suppliers, {args.days} days, 12 points x {caps_reps} replications")
        one = sweep(CAPS, tmp / "w1", "--workers", "1", *small)
        two = sweep(CAPS, tmp / "w2", "--workers", "2", *small)
        same = (tmp / "w1" / "runs.parquet").read_bytes() == (tmp / "w2" / "runs.parquet").read_bytes()
        print(f"{'workers':>8} {'runs':>5} {'command s':>10} {'session s':>10} {'run wall s':>11} {'run CPU s':>10} "
              f"{'busy':>6}")
        for n, r in ((1, one), (2, two)):
            # busy: the share of the workers' time spent inside runs (100% = never idle waiting for the
            # engine); run CPU s below run wall s means other programs took the CPU from the workers
            busy = r["model"] / (n * r["session"])
            print(f"{n:>8} {r['runs']:>5} {r['wall']:>10.1f} {r['session']:>10.1f} {r['model'] / r['runs']:>11.3f} "
                  f"{r['cpu'] / r['runs']:>10.3f} {busy:>6.0%}")
        print(f"speed-up of 2 workers over 1: {one['wall'] / two['wall']:.2f}x (whole command), "
              f"{one['session'] / two['session']:.2f}x (engine session); target >= 1.7x; "
              f"results identical: {same}")

        big = max(2, args.overhead_runs // 4)
        small_n = max(1, big // 10)
        model = toy_model_seconds()
        print(f"\n2. engine overhead on a trivial model ({4 * small_n} and {4 * big} runs; the model alone: "
              f"{model * 1e3:.2f} ms/run)")
        print(f"{'executor':>12} {'session s':>10} {'per run ms':>11} {'marginal ms/run':>16} {'fixed s':>8}")
        for label, extra in (("serial", ["--serial"]), ("1 process", ["--workers", "1"]),
                             ("2 processes", ["--workers", "2"])):
            workers = 2 if label.startswith("2") else 1
            timings = []
            for reps in (small_n, big):
                spec = tmp / f"overhead_{reps}.toml"
                spec.write_text(OVERHEAD_SPEC.format(reps=reps))
                timings.append(sweep(spec, tmp / f"{label.replace(' ', '_')}_{reps}", *extra))
            s_small, s_big = timings[0]["session"], timings[1]["session"]
            n_small, n_big = 4 * small_n, 4 * big
            # the engine's time per run: the session's wall time per run less the model's share
            per_run = s_big / n_big - model / workers
            marginal = (s_big - s_small) / (n_big - n_small) - model / workers
            fixed = s_small - n_small * (marginal + model / workers)
            print(f"{label:>12} {s_big:>10.2f} {per_run * 1e3:>11.2f} {marginal * 1e3:>16.2f} {fixed:>8.2f}")
        print("per run: session wall time / runs - model time / workers, at the larger size (design, worker start, "
              "every file, combined table, manifest all included); marginal: the cost of one more run; fixed: the "
              "start-up and finishing cost of a sweep. Target: under 20 ms per run.")


if __name__ == "__main__":
    main()
