"""A toy stand-in for the core model, with the same interface.

``toy_run(scenario, seed, keep_daily=False, progress=False)`` returns a
:class:`sim.runner.RunResult` with ``summary`` (measure name -> float, a
subset of the names the core model reports) and ``daily`` (one row per day,
or None), like ``sim.runner.run_scenario``. It exists so the sweep engine can be built,
tested and benchmarked without the core model; its numbers mean nothing.

It reads a few real scenario fields (population sizes, horizon, traffic
levers, activity, purchase intercept, exaggeration effect on returns, anchor
popularity shape) and draws all its noise from
``numpy.random.default_rng(seed)``. Its cost grows with
``population.consumers * time.days`` (a daily pass over the consumers, like
the core model), so tests that need slow runs set a large population instead
of sleeping; at ``consumers = 10, days = 1`` a run takes microseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.runner import RunResult


def _capped_shares(shares: np.ndarray, cap: float) -> np.ndarray:
    """Proportional shares with no entry above ``cap``; the excess is spread
    over the uncapped entries in proportion to their shares."""
    n = shares.size
    if cap * n <= 1.0:  # the cap cannot be met by everyone: equal shares
        return np.full(n, 1.0 / n)
    s = shares.copy()
    capped = np.zeros(n, dtype=bool)
    while True:
        over = (s > cap) & ~capped
        if not over.any():
            return s
        capped |= over
        s[capped] = cap
        free = ~capped
        room = 1.0 - cap * capped.sum()
        s[free] = shares[free] / shares[free].sum() * room


def toy_run(scenario, seed: int, *, keep_daily: bool = False, progress: bool = False) -> RunResult:
    """One toy run: traffic concentration, purchases, returns and trust over ``time.days``."""
    rng = np.random.default_rng(seed)
    n_consumers = scenario.population.consumers
    n_anchors = scenario.population.anchors
    days = scenario.time.days
    tr = scenario.traffic
    c = scenario.consumers

    # anchors: Pareto popularity, skill rising with popularity, ranking by popularity ** exponent
    popularity = rng.pareto(scenario.anchors.popularity_pareto_shape, n_anchors) + 1.0
    skill = popularity ** 0.1 * rng.lognormal(0.0, 0.2, n_anchors)
    score = popularity ** tr.preferential_exponent
    ranked = _capped_shares(score / score.sum(), tr.anchor_cap)
    small = popularity < np.quantile(popularity, 0.9)  # the long tail
    reserve = np.where(small, skill, 0.0)
    reserve = reserve / reserve.sum() if reserve.sum() > 0 else np.full(n_anchors, 1.0 / n_anchors)
    explore = np.full(n_anchors, 1.0 / n_anchors)
    traffic = ((1.0 - tr.long_tail_reserve) * ranked + tr.long_tail_reserve * reserve) * (1.0 - tr.exploration_share) \
        + tr.exploration_share * explore
    top = np.argsort(-traffic)[: min(50, n_anchors)]
    sme_affinity = np.clip(0.35 + 0.5 * small + rng.normal(0.0, 0.05, n_anchors), 0.0, 1.0)

    gap = scenario.suppliers.exaggeration_sme * 0.8 + scenario.suppliers.exaggeration_large * 0.2
    base_return = scenario.categories["apparel"].base_return_rate if "apparel" in scenario.categories else 0.1
    trust = scenario.consumers.initial_institutional_trust
    personal = scenario.consumers.initial_personal_trust
    price = 120.0
    rows = []
    totals = dict(gmv=0.0, returned=0.0, orders=0.0, views=0.0, shelf_orders=0.0, shelf_views=0.0)
    anchor_gmv = np.zeros(n_anchors)
    sme_gmv = 0.0
    for day in range(days):
        p_active = c.activity * trust ** c.activity_trust_elasticity
        active = int(np.count_nonzero(rng.random(n_consumers) < p_active))  # the O(consumers) daily pass
        pushed = rng.binomial(int(active * scenario.platform.public_impressions_per_active), scenario.platform.click_through)
        views = rng.multinomial(pushed, traffic / traffic.sum())
        logit = scenario.purchase.intercept + 1.6 * np.log(skill) + 1.0 * personal + 1.0 * trust
        conv = 1.0 / (1.0 + np.exp(-logit))
        orders = rng.binomial(views, conv)
        gmv_anchor = orders * price * rng.lognormal(0.0, 0.1, n_anchors)
        rate = np.clip(base_return * (1.0 + scenario.returns.exaggeration_effect * gap), 0.0, 0.95)
        returned = rng.binomial(orders, rate)
        shelf_views = int(active * 2.0 * c.shelf_preference_mean)
        shelf_orders = rng.binomial(shelf_views, 1.0 / (1.0 + np.exp(-scenario.purchase.shelf_intercept)))
        day_gmv = float(gmv_anchor.sum())
        day_returned = float((returned * price).sum())
        anchor_gmv += gmv_anchor
        sme_gmv += float((gmv_anchor * sme_affinity).sum())
        mismatch = float(returned.sum()) / max(float(orders.sum()), 1.0)
        trust = float(np.clip(trust + 0.01 * (1.0 - trust) - 0.02 * mismatch * trust, 0.0, 1.0))
        personal = float(np.clip(personal + 0.01 * (1.0 - personal) - 0.03 * mismatch * personal, 0.0, 1.0))
        totals["gmv"] += day_gmv
        totals["returned"] += day_returned
        totals["orders"] += float(orders.sum())
        totals["views"] += float(views.sum())
        totals["shelf_orders"] += float(shelf_orders)
        totals["shelf_views"] += float(shelf_views)
        if keep_daily:
            rows.append((day, day_gmv, day_gmv - day_returned, float(orders.sum()),
                         float(traffic[top].sum()), trust))

    gmv = totals["gmv"]
    order_count = totals["orders"]
    sorted_gmv = np.sort(anchor_gmv)
    share = sorted_gmv / gmv if gmv > 0 else np.zeros(n_anchors)
    cum = np.cumsum(sorted_gmv)
    gini = float(1.0 - 2.0 * (cum.sum() / cum[-1] - 0.5) / n_anchors) if gmv > 0 else 0.0
    return_rate = totals["returned"] / gmv if gmv > 0 else 0.0
    net = gmv - totals["returned"]
    summary = {
        "gmv": gmv,
        "net_gmv": net,
        "orders": order_count,
        "live_conversion": order_count / totals["views"] if totals["views"] else 0.0,
        "shelf_conversion": totals["shelf_orders"] / totals["shelf_views"] if totals["shelf_views"] else 0.0,
        "return_rate": return_rate,
        "return_rate_apparel": min(return_rate * 1.3, 1.0),
        "return_rate_jewelry": min(return_rate * 1.1, 1.0),
        "reverse_logistics_share": 0.3 * return_rate,
        "top50_gmv_share": float(anchor_gmv[top].sum() / gmv) if gmv > 0 else 0.0,
        "top50_traffic_share": float(traffic[top].sum()),
        "sme_gmv_share": sme_gmv / gmv if gmv > 0 else 0.0,
        "hhi_anchor_gmv": float((share ** 2).sum()),
        "gini_anchor_gmv": gini,
        "mean_institutional_trust": trust,
        "mean_personal_trust": personal,
        "profit_platform": 0.05 * net,
        "profit_suppliers": 0.3 * net,
        "profit_anchors": 0.2 * net,
    }
    daily = None
    if keep_daily:
        daily = pd.DataFrame(rows, columns=["day", "gmv", "net_gmv", "orders", "top50_traffic_share",
                                            "mean_institutional_trust"])
    return RunResult(summary=summary, daily=daily)


class ToyModelError(RuntimeError):
    """Raised on purpose by :func:`toy_run_fragile`."""


def toy_run_fragile(scenario, seed: int, *, keep_daily: bool = False, progress: bool = False) -> RunResult:
    """Like :func:`toy_run`, but raises :class:`ToyModelError` when
    ``traffic.anchor_cap`` is below 0.02: a model that fails at some points,
    for testing how a sweep records failures."""
    if scenario.traffic.anchor_cap < 0.02:
        raise ToyModelError(f"toy model refuses anchor_cap={scenario.traffic.anchor_cap}")
    return toy_run(scenario, seed, keep_daily=keep_daily, progress=progress)
