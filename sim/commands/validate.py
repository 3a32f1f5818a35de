"""``livesim validate``: the default scenario against the stylized facts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.commands import checks


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replications", type=int, default=5, help="runs with different seeds (default 5, at least 2)")
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML (default: the built-in default)")
    p.add_argument("--seed", type=int, default=0, help="master seed the replications' seeds derive from")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes running replications in parallel (default: up to 2)")
    p.add_argument("--no-paired", action="store_true",
                   help="skip the paired experiments (facts checked as the effect of a lever)")
    p.add_argument("--csv", metavar="FILE", default="validation.csv",
                   help="where to write the table as CSV (an existing table is replaced only with --overwrite)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier validation table at --csv")
    checks.add_memory_argument(p)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set population.consumers=20000 (repeatable)")


def _is_table(path: Path) -> bool:
    """An earlier validation table (its header starts with the fact id)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.readline().startswith("id,")
    except (OSError, UnicodeDecodeError):
        return False


def main(args: argparse.Namespace) -> int:
    from sim.estimate import estimate_run, estimate_runs

    checks.integer(args.replications, "--replications", 2, 10_000)
    checks.integer(args.workers, "--workers", 1, 1024)
    checks.seed(args.seed)
    scenario = checks.scenario_from_args(args.scenario, args.overrides)
    csv = checks.check_output_file(args.csv, flag="--csv", overwrite=args.overwrite, is_own=_is_table,
                                   what="validation table")
    from sim.studies.validate import (PAIRED_FACTS, facts_table, paired_effects, paired_table, robust_rows,
                                      run_replications, to_markdown)

    paired = [] if args.no_paired else list(PAIRED_FACTS)
    total = args.replications * (1 + 2 * len(paired))
    checks.cost(estimate_runs(estimate_run(scenario), total, args.workers), max_memory=args.max_memory,
                scenario=scenario)
    import pandas as pd
    from tqdm import tqdm

    with tqdm(total=total, unit="run", desc="livesim validate", file=sys.stderr) as bar:
        summaries = run_replications(scenario, args.replications, args.seed, args.workers, bar.update)
        effects = {f.id: paired_effects(scenario, f, args.replications, args.seed, args.workers, bar.update)
                   for f in paired}
    table = pd.concat([facts_table(summaries), paired_table(effects, paired)], ignore_index=True)
    sys.stdout.write(to_markdown(table))
    checks.write_atomic(csv, lambda p: table.to_csv(p, index=False))
    n_fail = int((table["result"] == "fail").sum())
    print(f"\n{len(table) - n_fail} of {len(table)} facts pass; table written to {args.csv}")
    level = table[table["kind"] != "paired"] if "kind" in table else table
    robust = robust_rows(level)
    print(f"{len(robust)} of {len(level)} level rows pass with their mean at least 2 standard errors inside the band"
          + ("" if len(robust) == len(level) else
             " (not: " + ", ".join(f"{r.id} {r.margin_se:.1f}" for r in level.drop(robust.index).itertuples()) + ")")
          + f"; margin (s.e.) is the distance from the mean to the nearest edge in standard errors of the "
          f"{args.replications} replications")
    return 0
