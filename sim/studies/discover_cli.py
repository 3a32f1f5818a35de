"""``livesim discover DIR --where "EXPR"``: scenario discovery over a sweep's runs.

    livesim discover results/split_discovery --where "in_core_shapley == 0"
    livesim discover results/traffic_caps --where "sme_gmv_share < 0.1" --inputs traffic.anchor_cap
    livesim discover results/split_discovery --where "in_core == 0" --per coalition.split_rule

EXPR is a pandas expression over each run's measures and parameters (dotted
parameter names as they are, or with ``_`` for the dots). Writes into
``DIR/discovery`` (or ``--out``): the PRIM peeling trajectory
(``prim_trajectory*.csv``, ``prim_peeling*.png``), the chosen box's limits
with their quasi-p-values (``prim_box*.csv``, ``prim_box*.png``), the CART
tree (``cart_leaves*.csv``, ``cart_tree*.png``) and ``discovery.md``.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep's (or a study's) output folder")
    p.add_argument("--where", required=True, metavar="EXPR", help='the condition, e.g. "in_core_shapley == 0"')
    p.add_argument("--inputs", metavar="P1,P2", help="comma-separated inputs (default: every varied parameter)")
    p.add_argument("--per", metavar="PARAM", help="discover separately for each value of this parameter")
    p.add_argument("--alpha", type=float, default=0.05, help="share of cases peeled per PRIM step (default 0.05)")
    p.add_argument("--min-mass", type=float, default=0.05, help="smallest box, as a share of the runs (default 0.05)")
    p.add_argument("--min-coverage", type=float, default=None,
                   help="choose the densest box covering at least this share of the cases of interest "
                        "(default: the best coverage x lift of density over the base rate)")
    p.add_argument("--depth", type=int, default=3, help="depth of the CART tree (default 3)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: DIR/discovery)")
    p.add_argument("--no-plots", action="store_true", help="tables only")


def main(args: argparse.Namespace) -> int:
    from sim.errors import InputError
    from sim.studies.discover import discover

    if args.min_coverage is not None and not 0 < args.min_coverage <= 1:
        raise InputError(f"--min-coverage: must be in (0, 1], got {args.min_coverage}")
    if not 1 <= args.depth <= 20:
        raise InputError(f"--depth: must be between 1 and 20, got {args.depth}")
    inputs = [s.strip() for s in args.inputs.split(",") if s.strip()] if args.inputs else None
    done = discover(args.dir, args.where, inputs=inputs, per=args.per, out=args.out, alpha=args.alpha,
                    min_mass=args.min_mass, min_coverage=args.min_coverage, max_depth=args.depth,
                    plots=not args.no_plots)
    print((done["out"] / "discovery.md").read_text())
    print(f"wrote {len(done['written'])} files to {done['out']}")
    return 0
