"""``livesim coalition``: the one-shot coalition game of a scenario.

Each coalition's worth over the window with its standard error, every split
rule's allocation, the core verdict with blocking coalitions, how firm each
rule's verdict is (in how many replications it was in the core, how many a
95% verdict would need), and theta_emergent = v(N) / (sum of standalone worths) - 1. See docs/coalition.md.
"""

from __future__ import annotations

import argparse
import json
import math


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", metavar="FILE", help="scenario TOML (default: the built-in default)")
    p.add_argument("--players", metavar="SPEC",
                   help="player partition: 'roles' (default: the scenario's coalition.players) or groups, "
                        "e.g. 'platform;large=suppliers:large;sme=suppliers:sme;anchor=anchors:all'")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--window", type=int, metavar="DAYS", help="evaluation window (default coalition.window_days)")
    p.add_argument("--warmup", type=int, metavar="DAYS", help="shared warm-up (default coalition.warmup_days)")
    p.add_argument("--replications", type=int, metavar="R",
                   help="replications (default coalition.replications; 1 = batch-means standard errors)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario field, e.g. --set population.consumers=5000 (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    from sim.commands import checks

    p.add_argument("--out", metavar="DIR", help="also write the game (game.json) and its provenance into DIR "
                   "(new or empty, or an earlier coalition result with --overwrite)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier coalition result in --out whole")
    checks.add_memory_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar (it is shown on terminals, on stderr)")


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def main(args: argparse.Namespace) -> int:
    from sim.coalition.game import estimate_game
    from sim.coalition.players import parse_spec, resolve_players
    from sim.commands import checks
    from sim.errors import InputError
    from sim.games import MAX_EXACT_PLAYERS
    from sim.model import LiveCommerceModel

    # ---- every argument checked before any model is built
    sc = checks.scenario_from_args(args.scenario, args.overrides)
    checks.seed(args.seed)
    cp = sc.coalition
    if args.window is not None:
        checks.integer(args.window, "--window", 1, sc.time.days, hint=f"the horizon time.days = {sc.time.days}")
    if args.warmup is not None:
        checks.integer(args.warmup, "--warmup", 0, sc.time.days - 1, hint=f"time.days - 1 = {sc.time.days - 1}")
    if args.replications is not None:
        checks.integer(args.replications, "--replications", 1, 1000)
    window = cp.window_days if args.window is None else args.window
    warmup = cp.warmup_days if args.warmup is None else args.warmup
    if warmup + window > sc.time.days:
        raise InputError(f"--window: warm-up {warmup} + window {window} = {warmup + window} days is beyond the "
                         f"horizon time.days = {sc.time.days} (allowed: warm-up + window <= {sc.time.days})")
    if args.players is not None and not args.players.strip():
        raise InputError("--players: empty (give 'roles' or groups such as 'platform;s=suppliers:all;a=anchors:all')")
    spec = args.players if args.players is not None else sc.coalition.players
    where = "--players" if args.players is not None else "coalition.players"
    try:
        n_players = len(parse_spec(spec))
    except InputError as exc:
        raise InputError([f"{where}: {p}" for p in exc.problems]) from None
    if n_players > MAX_EXACT_PLAYERS:
        raise InputError(f"--players: {n_players} players give {2 ** n_players - 1:,} coalitions to run "
                         f"(allowed: at most {MAX_EXACT_PLAYERS} players, the exact games' limit)")
    out = checks.output_folder(args.out, kind="coalition", overwrite=args.overwrite) if args.out is not None else None
    from sim.estimate import estimate_run, estimate_runs

    reps = cp.replications if args.replications is None else args.replications
    one = estimate_run(sc, days=warmup + window)
    checks.cost(estimate_runs(one, reps * ((1 << n_players) - 1), 1, what="coalition run"),
                max_memory=args.max_memory, scenario=sc)
    try:
        resolve_players(spec, LiveCommerceModel(sc, 0))  # refuse a bad partition before any run
    except InputError as exc:
        raise InputError([f"{where}: {p}" for p in exc.problems]) from None
    import sys

    from tqdm.auto import tqdm

    bar = tqdm(desc="coalition runs", unit="run", file=sys.stderr,
               disable=args.quiet or not sys.stderr.isatty())

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        est = estimate_game(sc, spec, seed=args.seed, replications=args.replications, window=args.window,
                            warmup=args.warmup, progress=progress)
    finally:
        bar.close()
    result = _clean(est.to_dict())
    if out is not None:
        from sim.provenance import provenance

        with checks.staged_output(out, kind="coalition", overwrite=args.overwrite) as tmp:
            checks.write_atomic(tmp / "game.json", json.dumps(result, indent=2))
            checks.write_atomic(tmp / "provenance.json", json.dumps(provenance(seed=args.seed), indent=2))
    out = result
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"coalition game of scenario {sc.name!r}: {len(est.players)} players, window {est.window_days} days, "
          f"{est.runs} coalition runs in {est.seconds:.1f} s; standard errors by {est.method} ({est.n_units} units)")
    print("\nworths (yuan)")
    for name, w in out["worths"].items():
        se = "-" if w["se"] is None else f"{w['se']:,.0f}"
        print(f"  {name:<40} {w['mean']:>16,.0f}  se {se}")
    print(f"\ntheta_emergent = v(N) / sum of standalone worths - 1 = {out['theta_emergent']:.4f}")
    core = out["core"]
    print(f"core: {'empty' if core['empty'] else 'non-empty'} (least-core epsilon {core['least_core_epsilon']:,.0f})")
    print("\nallocations (yuan)")
    players = est.players
    print("  " + f"{'rule':<24}" + "".join(f"{p:>16}" for p in players) + "  in core  blocked by")
    for rule, x in out["allocations"].items():
        if x is None:
            print(f"  {rule:<24} undefined: {out['undefined_rules'][rule]}")
            continue
        verdict = core["rules"][rule]
        block = ", ".join(f"{{{c}}} {e:,.0f}" for c, e in sorted(verdict["blocking"].items(), key=lambda kv: -kv[1])[:3])
        print("  " + f"{rule:<24}" + "".join(f"{x[p]:>16,.0f}" for p in players)
              + f"  {'yes' if verdict['in_core'] else 'no':<7}  {block}")
    unit, one = ("replications", "replication") if est.method == "replications" else ("batches", "batch")
    print(f"\nhow firm the core verdicts are ({est.n_units} {unit}; each {one}'s game split by the rule)")
    print(f"  {'rule':<24} {'in core':>10}  {'binding coalition':<30} {'mean excess':>14} {'se':>10}"
          f"  {unit} for a 95% verdict")
    for rule, v in out["verdicts"].items():
        if v is None:
            print(f"  {rule:<24} undefined in some {one}")
            continue
        se = "-" if v["binding_excess_se"] is None else f"{v['binding_excess_se']:,.0f}"
        needed = "-" if v["units_needed"] is None else f"{v['units_needed']:,}"
        print(f"  {rule:<24} {v['in_core_units']:>4} of {v['units']:<3}  {v['binding'] or '-':<30} "
              f"{v['binding_excess']:>14,.0f} {se:>10}  {needed}")
    for note in out["notes"]:
        print(f"note: {note}")
    return 0
