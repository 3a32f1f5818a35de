"""Cost of the one-shot game and the error cut of common random numbers.

Library functions behind ``benchmarks/bench_coalition.py`` and the notebook.
"""

from __future__ import annotations

import time

import numpy as np

from sim.coalition.game import RULES, estimate_game, label
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
    """Standard errors of the Shapley values from ``replications`` replications
    with common random numbers (all coalitions of a replication forked from one
    model) against independent seeds per coalition, at the same number of
    window runs; see :func:`crn_comparison` for what is returned. With
    ``world_seed`` all runs share one initial population (replications of one
    world)."""
    sc = scenario if scenario is not None else Scenario()
    ests = {crn: estimate_game(sc, players, seed=seed, replications=replications, window=window, crn=crn,
                               world_seed=world_seed) for crn in (True, False)}
    return crn_comparison(ests[True], ests[False])


def _sd(x: np.ndarray) -> np.ndarray:
    return x.std(axis=0, ddof=1)


def crn_comparison(crn, independent) -> dict:
    """Compare two :class:`~sim.coalition.game.GameEstimate` of one game, one
    with common random numbers and one with independent seeds, replication
    by replication (units).

    Returns, per design, the runs, seconds, Shapley means and standard
    errors; ``factor``: SE(independent) / SE(CRN) of each player's Shapley
    value at the same number of runs, with ``factor_interval`` (95%), and
    ``factor_min`` and ``factor_rms``;
    ``factor_equal_time``: the same scaled to equal wall time (standard errors
    shrink with the square root of the runs a budget buys); ``marginal_factor``:
    per player, the median factor of its marginal contributions
    ``v(S + i) - v(S)`` to the non-empty coalitions ``S`` whose worth varies
    (the differences common random numbers are for);
    ``ceiling``: the largest ``factor_min`` any design could show on this
    sample (see :func:`efficiency_ceiling`), and ``ceiling_pooled``, the same
    with the spread of the grand coalition's worth pooled from both designs
    (the grand run is an independent replication in both, so its spread is the
    same in expectation)."""
    if crn.n_units < 2 or independent.n_units < 2:
        raise ValueError("the comparison needs at least 2 units (replications) per design")
    players = list(crn.players)
    out = {}
    for key, est in (("crn", crn), ("independent", independent)):
        phi = est.shapley_units()
        out[key] = {"runs": est.runs, "seconds": est.seconds, "units": est.n_units,
                    "shapley_mean": dict(zip(players, phi.mean(axis=0))),
                    "shapley_se": dict(zip(players, _sd(phi) / np.sqrt(phi.shape[0]))),
                    "worth_se": {k: v["se"] for k, v in est.worth_table().items()}}
    se_c, se_i = out["crn"]["shapley_se"], out["independent"]["shapley_se"]
    out["factor"] = {p: se_i[p] / se_c[p] if se_c[p] > 0 else float("inf") for p in players}
    # 95% interval of each factor (a ratio of two sample standard deviations:
    # F distribution, assuming roughly normal units)
    from scipy.stats import f as f_dist

    dfc, dfi = crn.n_units - 1, independent.n_units - 1
    lo, hi = np.sqrt(f_dist.ppf(0.975, dfi, dfc)), np.sqrt(f_dist.ppf(0.975, dfc, dfi))
    out["factor_interval"] = {p: (f / lo, f * hi) for p, f in out["factor"].items()}
    out["factor_min"] = min(out["factor"].values())
    # the root-mean-square SE over players: one number for the whole value vector
    rms = lambda d: float(np.sqrt(np.mean(np.square(list(d.values())))))  # noqa: E731
    out["factor_rms"] = rms(se_i) / rms(se_c)
    time_ratio = (independent.seconds / independent.n_units) / (crn.seconds / crn.n_units)
    out["time_ratio"] = time_ratio
    out["factor_equal_time"] = {p: f * np.sqrt(time_ratio) for p, f in out["factor"].items()}
    n = len(players)
    wc, wi = crn.worths, independent.worths
    med = {}
    for i, p in enumerate(players):
        fs = []
        for mask in range(1, 1 << n):
            # contributions to coalitions whose worth varies (not to the empty
            # coalition or, say, the platform alone: those are plain worths)
            if mask >> i & 1 or _sd(wc[:, mask]) == 0 or _sd(wi[:, mask]) == 0:
                continue
            dc, di = _sd(wc[:, mask | 1 << i] - wc[:, mask]), _sd(wi[:, mask | 1 << i] - wi[:, mask])
            if dc > 0:
                fs.append(di / dc)
        med[p] = float(np.median(fs)) if fs else float("nan")
    out["marginal_factor"] = med
    # the excesses of every proper coalition at each rule's split (the stability verdicts)
    exc = {}
    for rule in RULES:
        ec, ei = crn.unit_excesses(rule), independent.unit_excesses(rule)
        if ec is None or ei is None:
            exc[rule] = None
            continue
        per = {}
        for k in range(ec.shape[1]):
            sc_, si = _sd(ec[:, k]), _sd(ei[:, k])
            if sc_ > 0 and si > 0:
                per[label(players, k + 1)] = float(si / sc_)
        exc[rule] = {"by_coalition": per, "median": float(np.median(list(per.values()))) if per else float("nan")}
    out["excess_factor"] = exc
    phi_i = independent.shapley_units()
    out["ceiling"] = efficiency_ceiling(phi_i, wc[:, -1])
    pooled = np.sqrt((_sd(wc[:, -1]) ** 2 + _sd(wi[:, -1]) ** 2) / 2.0)
    out["ceiling_pooled"] = float(_sd(phi_i).sum() / pooled) if pooled > 0 else float("inf")
    return out


def efficiency_ceiling(phi_independent: np.ndarray, grand_crn: np.ndarray) -> float:
    """The largest smallest-factor common random numbers can show on a sample.

    Shapley values are efficient in every replication: their sum is the grand
    coalition's worth ``v(N)``. The sample standard deviation is a norm, so
    ``SD(v(N)) <= sum_i SD(phi_i)`` in the CRN sample; if every player's
    standard deviation were ``f`` times smaller than with independent seeds,
    ``SD_crn(v(N)) <= sum_i SD_ind(phi_i) / f``. Hence
    ``min_i SD_ind(phi_i) / SD_crn(phi_i) <= sum_i SD_ind(phi_i) / SD_crn(v(N))``,
    whatever the random numbers' correlations (``phi_independent``: units x
    players; ``grand_crn``: the CRN units' grand-coalition worths; both designs
    with the same number of units)."""
    sd_v = float(_sd(np.asarray(grand_crn, dtype=float)))
    total = float(_sd(np.asarray(phi_independent, dtype=float)).sum())
    return total / sd_v if sd_v > 0 else float("inf")


def _components(x: np.ndarray) -> tuple[float, float]:
    """One-way random-effects split of the variance of ``x`` (worlds, seeds):
    (world component, dynamics component); the world component is the
    spread of the world means less what the dynamics noise puts in them
    (at least 0)."""
    w, d = x.shape
    within = float(x.var(axis=1, ddof=1).mean())
    between = float(x.mean(axis=1).var(ddof=1)) - within / d
    return max(between, 0.0), within


def variance_decomposition(scenario: Scenario | None = None, worlds: int = 5, seeds: int = 4, seed: int = 0,
                           window: int | None = None, players: str = "roles", progress=None) -> dict:
    """Split the variance of every worth, Shapley value and excess (at each
    rule's split) into world noise (the population a seed draws: ``worlds``
    populations) and dynamics noise (the same population, ``seeds`` other
    seeds for the day-to-day draws), by a one-way random-effects analysis.

    Returns per quantity the two components and the world share
    ``world / (world + dynamics)``, and the pooled estimate (all
    ``worlds * seeds`` replications) whose :meth:`GameEstimate.verdicts` say
    how firm each rule's core verdict is."""
    from sim.streams import replication_seeds

    if worlds < 2 or seeds < 2:
        raise ValueError(f"the decomposition needs at least 2 worlds and 2 seeds per world, got worlds={worlds}, "
                         f"seeds={seeds}")
    sc = scenario if scenario is not None else Scenario()
    world_seeds = replication_seeds(seed, worlds)
    ests = []
    for k, ws in enumerate(world_seeds):
        ests.append(estimate_game(sc, players, seed=seed + 1 + k, replications=seeds, window=window,
                                  world_seed=ws))
        if progress is not None:
            progress(k + 1, worlds)
    names = list(ests[0].players)
    n = len(names)

    def split(values: np.ndarray) -> dict:   # values: (worlds, seeds)
        b, w = _components(values)
        return {"world": b, "dynamics": w, "world_share": b / (b + w) if b + w > 0 else float("nan")}

    worths = np.stack([e.worths for e in ests])          # (worlds, seeds, 2**n)
    out = {"players": names, "worlds": worlds, "seeds": seeds,
           "worths": {label(names, m): split(worths[:, :, m]) for m in range(1, 1 << n)}}
    phi = np.stack([e.shapley_units() for e in ests])
    out["shapley"] = {p: split(phi[:, :, i]) for i, p in enumerate(names)}
    exc = {}
    for rule in RULES:
        per = [e.unit_excesses(rule) for e in ests]
        if any(x is None for x in per):
            exc[rule] = None
            continue
        x = np.stack(per)
        exc[rule] = {label(names, k + 1): split(x[:, :, k]) for k in range(x.shape[2])}
    out["excesses"] = exc
    pooled = type(ests[0])(players=names, worths=worths.reshape(-1, 1 << n),
                           status_quo=np.concatenate([e.status_quo for e in ests]),
                           risk=np.concatenate([e.risk for e in ests]), method="replications",
                           window_days=ests[0].window_days, risk_weight=ests[0].risk_weight,
                           seconds=sum(e.seconds for e in ests), runs=sum(e.runs for e in ests))
    out["pooled"] = pooled
    out["seconds"] = pooled.seconds
    return out
