"""``livesim validate``: the default scenario against the stylized facts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sim.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replications", type=int, default=5, help="runs with different seeds (default 5, at least 2)")
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML (default: the built-in default)")
    p.add_argument("--seed", type=int, default=0, help="master seed the replications' seeds derive from")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes running replications in parallel (default: up to 2)")
    p.add_argument("--no-paired", action="store_true",
                   help="skip the paired experiments (facts checked as the effect of a lever)")
    p.add_argument("--csv", metavar="FILE", default="validation.csv", help="where to write the table as CSV")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set population.consumers=20000 (repeatable)")


def main(args: argparse.Namespace) -> int:
    from sim.commands.run import parse_overrides
    from sim.scenario import load_scenario
    import pandas as pd

    from sim.studies.validate import PAIRED_FACTS, facts_table, paired_effects, paired_table, run_replications, to_markdown

    if args.replications < 2:
        raise InputError(f"--replications: {args.replications} is too few for an interval (allowed: >= 2)")
    if args.workers < 1:
        raise InputError(f"--workers: {args.workers} (allowed: >= 1)")
    if args.seed < 0:
        raise InputError(f"--seed: {args.seed} (allowed: >= 0)")
    scenario = load_scenario(args.scenario, parse_overrides(args.overrides))
    csv = Path(args.csv)
    if csv.parent and not csv.parent.exists():
        raise InputError(f"--csv: folder {csv.parent} does not exist")
    from tqdm import tqdm

    paired = [] if args.no_paired else list(PAIRED_FACTS)
    total = args.replications * (1 + 2 * len(paired))
    with tqdm(total=total, unit="run", desc="livesim validate", file=sys.stderr) as bar:
        summaries = run_replications(scenario, args.replications, args.seed, args.workers, bar.update)
        effects = {f.id: paired_effects(scenario, f, args.replications, args.seed, args.workers, bar.update)
                   for f in paired}
    table = pd.concat([facts_table(summaries), paired_table(effects, paired)], ignore_index=True)
    sys.stdout.write(to_markdown(table))
    tmp = csv.with_suffix(csv.suffix + ".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(csv)
    n_fail = int((table["result"] == "fail").sum())
    print(f"\n{len(table) - n_fail} of {len(table)} facts pass; table written to {csv}")
    return 0
