"""Cost of the one-shot game and the error cut of common random numbers.

Library functions behind ``benchmarks/bench_coalition.py`` and the notebook.
"""

from __future__ import annotations

import time

import numpy as np

from sim.coalition.game import estimate_game
from sim.scenario import Scenario


def cost_ratio(scenario: Scenario | None = None, seed: int = 0, window: int | None = None,
               players: str = "roles", repeats: int = 1) -> dict[str, float]:
    """Wall time of the one-shot game (one replication, batch-means SEs) over
    the wall time of one plain run of the same window (build included in both)."""
    from sim.model import LiveCommerceModel

    sc = scenario if scenario is not None else Scenario()
    days = sc.coalition.window_days if window is None else window
    run_t, game_t = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        m = LiveCommerceModel(sc, seed)
        m.run(sc.coalition.warmup_days + days)
        run_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        est = estimate_game(sc, players, seed=seed, replications=1, window=days)
        game_t.append(time.perf_counter() - t0)
    run_s, game_s = min(run_t), min(game_t)
    return {"window_days": float(days), "run_s": run_s, "game_s": game_s, "ratio": game_s / run_s,
            "coalition_runs": float(est.runs)}


def crn_factor(scenario: Scenario | None = None, replications: int = 8, seed: int = 0,
               window: int | None = None, players: str = "roles", world_seed: int | None = None) -> dict:
    """Standard error of the Shapley values from ``replications`` replications
    with common random numbers (all coalitions of a replication on one seed)
    against independent seeds per coalition, at the same number of runs;
    the factor is SE(independent) / SE(CRN) per player. With ``world_seed``
    all runs share one initial population (replications of one world)."""
    sc = scenario if scenario is not None else Scenario()
    out = {}
    for crn in (True, False):
        est = estimate_game(sc, players, seed=seed, replications=replications, window=window, crn=crn,
                            world_seed=world_seed)
        phi = est.shapley_units()
        out["crn" if crn else "independent"] = {
            "runs": est.runs, "seconds": est.seconds,
            "shapley_mean": dict(zip(est.players, phi.mean(axis=0))),
            "shapley_se": dict(zip(est.players, phi.std(axis=0, ddof=1) / np.sqrt(phi.shape[0]))),
            "worth_se": {k: v["se"] for k, v in est.worth_table().items()},
        }
    se_c, se_i = out["crn"]["shapley_se"], out["independent"]["shapley_se"]
    out["factor"] = {p: se_i[p] / se_c[p] if se_c[p] > 0 else float("inf") for p in se_c}
    out["factor_min"] = min(out["factor"].values())
    # the root-mean-square SE over players: one number for the whole value vector
    rms = lambda d: float(np.sqrt(np.mean(np.square(list(d.values())))))  # noqa: E731
    out["factor_rms"] = rms(se_i) / rms(se_c)
    return out
