"""Bit-identical results across a refactoring: hashes of a plain run's Parquet files.

Runs a plain run (no coalition mode) for 3 seeds in each of three worlds and
hashes the daily, summary and defaults Parquet files exactly as ``livesim run``
writes them (``DataFrame.to_parquet(index=False)``):

* ``default``: the default scenario over its full year;
* ``stressed``: the credit-stressed test world of ``tests/test_finance.py``
  (``STRESSED``, 90 days);
* ``rich``: the stressed world with pre-sale orders, a finite lender, a persona
  collapse, a credit squeeze that also costs the lender capital, a return wave
  and an anchor's default.

    .venv/bin/python benchmarks/bench_identical.py --record   # write the reference (on unmodified code)
    .venv/bin/python benchmarks/bench_identical.py            # compare with it; exit 1 on any difference
    .venv/bin/python benchmarks/bench_identical.py --quick    # the two small worlds only
    .venv/bin/python benchmarks/bench_identical.py --off      # with the second round's mechanisms off
    .venv/bin/python benchmarks/bench_identical.py --record --reference /tmp/ref.json   # a reference of your own
    .venv/bin/python benchmarks/bench_identical.py --reference /tmp/ref.json --set stores.enabled=false

``--off`` switches off every scenario section's ``enabled`` switch except the
first round's (credit, fraud, word of mouth): a mechanism added since is its
own section with an ``enabled`` switch, and with all of them off a run must be
the run of the reference. The reference records the columns of each file, and
a comparison hashes those columns only, in that order, so that new measures
(new columns) do not count as a difference.

The stored reference was recorded at 45a54eb, before the second round's
mechanisms (issue 12), which are on by default: since they landed a plain
comparison differs by design, and ``--off`` is the check that switched off
they leave the first-round model untouched. A refactor records its own
reference first (``--record`` on the unmodified code, then compare).

The reference lives in ``benchmarks/identical_reference.json`` with the commit it
was recorded on. Two worker processes; about 2 minutes on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).with_name("identical_reference.json")
SEEDS = (0, 1, 2)
WORLDS = ("default", "stressed", "rich")
FIRST_ROUND_SWITCHES = ("finance", "fraud", "word_of_mouth")


def second_round_off(sc):
    """``sc`` with every second-round mechanism (a section with an ``enabled`` switch) off."""
    off = {f"{name}.enabled": False for name in type(sc).model_fields
           if name not in FIRST_ROUND_SWITCHES and "enabled" in getattr(type(getattr(sc, name)), "model_fields", {})}
    return sc.with_overrides(off) if off else sc


def scenario(world: str):
    sys.path.insert(0, str(ROOT))
    from sim.scenario import Scenario
    from tests.conftest import small_scenario
    from tests.test_finance import STRESSED

    if world == "default":
        return Scenario()
    sc = small_scenario(**STRESSED)
    if world == "stressed":
        return sc
    sc = sc.with_overrides({"finance.presale_share": 0.25, "finance.presale_lead_days": 6,
                            "finance.lender_capital": 150_000.0})
    events = [
        {"kind": "persona_collapse", "day": 20, "anchor_rank": 1},
        {"kind": "credit_squeeze", "day": 35, "credit_multiple": 0.3, "interest_rate": 0.25, "capital_lost": 0.3},
        {"kind": "return_wave", "day": 50, "share": 0.3},
        {"kind": "head_default", "day": 55, "target": "anchor", "rank": 2, "cash_lost": 0.5, "return_share": 0.2},
    ]
    return Scenario.model_validate({**sc.model_dump(), "events": events})


def _digest(df, columns=None) -> str:
    buf = io.BytesIO()
    (df if columns is None else df[columns]).to_parquet(buf, index=False)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def run_one(job: tuple) -> tuple[str, dict, dict]:
    world, seed, off, columns, sets = job
    import pandas as pd

    from sim.runner import run_scenario

    sc = scenario(world)
    if sets:
        sc = sc.with_overrides(dict(sets))
    r = run_scenario(second_round_off(sc) if off else sc, seed, keep_daily=True)
    frames = {"daily": r.daily, "summary": pd.DataFrame([{"seed": seed, **r.summary}])}
    if r.defaults is not None:
        frames["defaults"] = r.defaults
    cols = {name: list(df.columns) for name, df in frames.items()}
    out = {name: _digest(df, columns.get(name) if columns else None) for name, df in frames.items()}
    return f"{world}/seed{seed}", out, cols


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", action="store_true", help="write the reference instead of comparing")
    ap.add_argument("--quick", action="store_true", help="only the two small worlds")
    ap.add_argument("--off", action="store_true", help="switch the second round's mechanisms off")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reference", type=Path, default=REFERENCE,
                    help=f"the reference file to write or compare with (default: benchmarks/{REFERENCE.name})")
    ap.add_argument("--set", action="append", metavar="PATH=VALUE", default=[],
                    help="a scenario override applied to every world (repeatable), e.g. --set stores.enabled=false")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from sim.scenario import parse_sets

    sets = parse_sets(args.set)
    worlds = WORLDS[1:] if args.quick else WORLDS
    ref = None if args.record else json.loads(args.reference.read_text())
    jobs = [(w, s, args.off, None if ref is None else ref["columns"][f"{w}/seed{s}"], sets)
            for w in worlds for s in SEEDS]
    with ProcessPoolExecutor(args.workers) as ex:
        done = list(ex.map(run_one, jobs))
    got = {key: out for key, out, _ in done}
    if args.record:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        columns = {key: cols for key, _, cols in done}
        args.reference.write_text(json.dumps({"commit": commit, "runs": got, "columns": columns}, indent=1) + "\n")
        print(f"recorded {len(got)} runs at {commit[:10]} in {args.reference}")
        return 0
    bad = 0
    for key, files in got.items():
        for name, h in files.items():
            same = ref["runs"].get(key, {}).get(name) == h
            bad += not same
            print(f"{key:18} {name:9} {'identical' if same else 'DIFFERS'}")
    print(f"{len(got)} runs against the reference of {ref['commit'][:10]}: "
          f"{'all identical' if not bad else f'{bad} files differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
