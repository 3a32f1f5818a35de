"""The paper's claim in simulation: sweep a synergy lever, watch theta_emergent
and where the grand coalition becomes stable, next to the closed form.

For each value of a scenario lever (default ``purchase.skill``, the weight of
the anchor's selling skill in live-room conversion: the anchors' conversion
advantage, which only the coalitions with anchors selling can use), the
one-shot game is estimated. Its seven worths are exactly a three-party game
of MODEL.md section 7 with ``R1, R2, R3`` the standalone worths and
``alpha, beta, gamma`` the pair synergies read off the simulation; the
closed-form thresholds (:meth:`sim.games.ThreePartyGame.theta_thresholds`)
say from which ``theta`` the core is non-empty and the Shapley value is in
it, to be compared with ``theta_emergent = v(N) / (R1 + R2 + R3) - 1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.coalition.game import estimate_game
from sim.games import GameError, ThreePartyGame
from sim.scenario import Scenario


def three_party_view(worths: dict[str, float]) -> dict[str, float]:
    """``R1, R2, R3, alpha, beta, gamma, theta`` of a role game's worths
    (keys as in :meth:`GameEstimate.worth_table`, values the means)."""
    R1, R2, R3 = worths["platform"], worths["supplier"], worths["anchor"]
    ratio = lambda v, s: v / s - 1.0 if s != 0 else float("nan")  # noqa: E731
    return {"R1": R1, "R2": R2, "R3": R3,
            "alpha": ratio(worths["platform,supplier"], R1 + R2),
            "beta": ratio(worths["anchor,platform"], R1 + R3),
            "gamma": ratio(worths["anchor,supplier"], R2 + R3),
            "theta": ratio(worths["anchor,platform,supplier"], R1 + R2 + R3)}


def synergy_scan(scenario: Scenario | None = None, lever: str = "purchase.skill",
                 values=(0.8, 1.2, 1.6, 2.0, 2.4), *, seed: int = 0, replications: int = 2,
                 window: int | None = None) -> pd.DataFrame:
    """One row per lever value: theta_emergent (with its standard error over
    units), the simulated verdicts (core non-empty, Shapley in the core) and
    the closed-form thresholds of the three-party game with the simulated
    standalone worths and pair synergies."""
    base = scenario if scenario is not None else Scenario()
    rows = []
    for v in values:
        sc = base.with_overrides({lever: v})
        est = estimate_game(sc, "roles", seed=seed, replications=replications, window=window)
        g = est.game()
        worths = {k: w["mean"] for k, w in est.worth_table().items()}
        tp = three_party_view(worths)
        # theta per unit: its spread gives the standard error
        alone = est.worths[:, [1, 2, 4]].sum(axis=1)
        th_units = est.worths[:, 7] / alone - 1.0
        row = {lever: v, "theta_emergent": tp["theta"],
               "theta_se": float(th_units.std(ddof=1) / np.sqrt(th_units.size)) if th_units.size > 1 else np.nan,
               "core_nonempty": not g.core_is_empty(), "shapley_in_core": bool(g.in_core(g.shapley())),
               **{k: tp[k] for k in ("R1", "R2", "R3", "alpha", "beta", "gamma")}, "v_grand": worths[
                   "anchor,platform,supplier"]}
        try:
            th = ThreePartyGame(tp["R1"], tp["R2"], tp["R3"], tp["alpha"], tp["beta"], tp["gamma"]).theta_thresholds()
            row["theta_core_nonempty"] = th["core_nonempty"]
            row["theta_shapley_in_core"] = th["shapley_in_core"]
        except GameError as exc:
            row["theta_core_nonempty"] = row["theta_shapley_in_core"] = np.nan
            row["closed_form_note"] = str(exc)
        rows.append(row)
    return pd.DataFrame(rows)
