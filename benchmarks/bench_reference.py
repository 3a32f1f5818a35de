"""The per-agent Mesa reference against the column-wise consumer day.

The consumer day (activity, viewing, the purchase decision, budgets and stock,
outcomes, deliveries and returns, trust and follow updates) is run in two ways
on the same world, the default scenario at each size:

* *reference*: one Mesa Agent per consumer, ``shuffle_do("step")``
  (``benchmarks/reference_model.py``; agreement in distribution is checked by
  ``tests/test_reference.py``);
* *column-wise*: the model's own sub-models (``Viewing.watch``,
  ``Purchase.buy``, ``Fulfilment.deliver_and_return``), which also do the
  ledger, order-book and supplier bookkeeping the reference leaves out, so the
  ratio is if anything understated.

Days of the two are interleaved (reference day, column-wise day, ...) so that
a shared machine slows both alike; each figure is the median over the days.

The reference implements the first round's rules. The column-wise day is timed
twice: with the same rules (every second-round mechanism off, as in
``tests/test_reference.py``'s agreement check: the like-for-like ratio) and with
the default scenario's mechanisms all on (content seeding, the recommender's
matching, engagement, the shelf links, ... : more work on the column-wise side,
so that ratio is lower).

    .venv/bin/python benchmarks/bench_reference.py                 # 10,000 and 100,000 consumers
    .venv/bin/python benchmarks/bench_reference.py --days 3 --sizes 10000
    .venv/bin/python benchmarks/bench_reference.py --rules same    # the like-for-like ratio only

The last line reads ``reference / column-wise at 100,000 consumers: N.Nx``, the
like-for-like ratio (the issue's target: at least 30x).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(consumers: int, days: int, seed: int = 1, same_rules: bool = True) -> dict:
    """``same_rules``: the second round's mechanisms off (the reference's rules), else all on."""
    from benchmarks.bench_identical import second_round_off
    from benchmarks.reference_model import ColumnwiseDay, ReferenceModel, world
    from sim.scenario import Scenario

    sc = Scenario().with_overrides({"population.consumers": consumers})
    if same_rules:
        sc = second_round_off(sc)
    m, b, shares = world(sc, seed)
    t0 = time.perf_counter()
    ref = ReferenceModel(m, b, shares, seed=seed)
    build = time.perf_counter() - t0
    col = ColumnwiseDay(m, b, shares)
    t_ref, t_col, orders_ref, orders_col = [], [], [], []
    for _ in range(days):
        t0 = time.perf_counter()
        ref.step()
        t1 = time.perf_counter()
        c = col.step()
        t2 = time.perf_counter()
        t_ref.append(t1 - t0)
        t_col.append(t2 - t1)
        orders_ref.append(ref.counts["orders"])
        orders_col.append(c["orders"])
    r, k = statistics.median(t_ref), statistics.median(t_col)
    return {"consumers": consumers, "days": days, "build_s": build, "ref_s": r, "col_s": k, "ratio": r / k,
            "orders_ref": statistics.mean(orders_ref), "orders_col": statistics.mean(orders_col)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="consumer counts, comma-separated")
    ap.add_argument("--days", type=int, default=5, help="consumer days timed per size (median)")
    ap.add_argument("--rules", choices=("both", "same"), default="both",
                    help="same: the column-wise day with the reference's rules only; both: also with every mechanism on")
    args = ap.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        print(f"--sizes: comma-separated integers expected, got {args.sizes!r}", file=sys.stderr)
        return 2
    if args.days < 1 or any(n < 10 for n in sizes):
        print("--days must be at least 1 and every size at least 10 consumers", file=sys.stderr)
        return 2
    print(f"consumer day, per-agent Mesa reference vs column-wise, default scenario, median of {args.days} "
          "interleaved days (a shared machine slows both alike)")
    print(f"{'rules':>12} {'consumers':>10} {'reference s/day':>16} {'column-wise s/day':>18} {'ratio':>7} "
          f"{'ref consumer-days/s':>20} {'col consumer-days/s':>20} {'orders/day ref, col':>20}")
    found = {}
    for same in ((True, False) if args.rules == "both" else (True,)):
        rows = []
        for n in sizes:
            r = measure(n, args.days, same_rules=same)
            rows.append(r)
            print(f"{'same' if same else 'all on':>12} {n:>10,} {r['ref_s']:>16.3f} {r['col_s']:>18.4f} "
                  f"{r['ratio']:>6.1f}x {n / r['ref_s']:>20,.0f} {n / r['col_s']:>20,.0f} "
                  f"{r['orders_ref']:>10,.0f}, {r['orders_col']:,.0f}", flush=True)
        found[same] = next((r for r in rows if r["consumers"] == 100_000), rows[-1])
    if False in found:
        at = found[False]
        print(f"with every mechanism on in the column-wise day (more work than the reference's rules): "
              f"{at['ratio']:.1f}x at {at['consumers']:,} consumers")
    at = found[True]
    print(f"reference / column-wise at {at['consumers']:,} consumers: {at['ratio']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
