"""Traffic allocation (MODEL.md section 4.1).

The platform shares the day's public impressions among the day's broadcasts:

* an *exploration* share spread evenly over all broadcasts;
* a *long-tail reserve* share given only to eligible broadcasts (SME store
  broadcasts, small or new anchors), in proportion to *predicted* GMV, not
  past volume;
* the rest in proportion to a ranking score, recent performance raised to the
  preferential exponent (the Matthew effect), times a boost for new entrants;
* finally a *cap*: no broadcast may take more than ``cap`` of the total; the
  excess is handed to the others in proportion to what they already have
  (water filling). When there are too few broadcasts for the cap to bind
  (cap x broadcasts < 1) each gets the cap and the rest goes unused.

All functions are pure: arrays in, shares out.
"""

from __future__ import annotations

import numpy as np


def _normalise(w: np.ndarray) -> np.ndarray:
    s = w.sum()
    if s > 0:
        return w / s
    return np.full(w.size, 1.0 / w.size) if w.size else w


def ranking_score(performance: np.ndarray, exponent: float, boost: np.ndarray | None = None,
                  floor: float | None = None) -> np.ndarray:
    """Recent performance raised to ``exponent``; a small floor keeps broadcasts
    without history rankable (it is 1% of the mean positive performance)."""
    perf = np.asarray(performance, dtype=np.float64)
    if floor is None:
        pos = perf[perf > 0]
        floor = 0.01 * pos.mean() if pos.size else 1.0
    score = np.power(np.maximum(perf, 0.0) + floor, exponent)
    if boost is not None:
        score = score * boost
    return score


def cap_shares(shares: np.ndarray, cap: float, tol: float = 1e-12) -> np.ndarray:
    """Water-fill ``shares`` (summing to 1) so that none exceeds ``cap``."""
    x = np.asarray(shares, dtype=np.float64).copy()
    n = x.size
    if n == 0 or cap >= 1.0:
        return x
    if cap * n <= 1.0:  # cannot redistribute: everyone at the cap, rest unused
        return np.full(n, cap)
    capped = np.zeros(n, dtype=bool)
    for _ in range(n):
        over = (x > cap + tol) & ~capped
        if not over.any():
            break
        capped |= over
        x[capped] = cap
        free = ~capped
        room = 1.0 - cap * capped.sum()
        base = x[free].sum()
        if base > 0:
            x[free] *= room / base
        else:
            x[free] = room / free.sum()
    return x


def allocate_traffic(score: np.ndarray, predicted_gmv: np.ndarray, reserve_groups, *,
                     exploration_share: float, long_tail_reserve: float, cap: float) -> np.ndarray:
    """Shares of the day's public impressions per broadcast (sum <= 1).

    ``score``: ranking score per broadcast; ``predicted_gmv``: the platform's
    forecast for each broadcast; ``reserve_groups``: ``(eligible_mask, weight)``
    pairs: the long-tail reserve is split between the groups by weight and
    within a group by predicted GMV. A group with no broadcast today leaves its
    part of the reserve to the others (or to the ranking if none is left).
    """
    n = score.size
    if n == 0:
        return np.zeros(0)
    groups = [(np.asarray(m, dtype=bool), float(w)) for m, w in reserve_groups]
    groups = [(m, w) for m, w in groups if m.any() and w > 0]
    reserve = long_tail_reserve if groups else 0.0
    main = max(0.0, 1.0 - exploration_share - reserve)
    shares = main * _normalise(np.asarray(score, dtype=np.float64))
    shares += exploration_share / n
    if reserve > 0:
        total_w = sum(w for _, w in groups)
        for mask, w in groups:
            pg = np.where(mask, np.maximum(predicted_gmv, 0.0), 0.0)
            if pg.sum() <= 0:
                pg = mask.astype(np.float64)
            shares += reserve * (w / total_w) * _normalise(pg)
    shares = _normalise(shares) * min(1.0, shares.sum())
    return cap_shares(shares, cap)
