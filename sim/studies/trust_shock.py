"""The persona-collapse study (issue #5): how far institutional trust and GMV
fall after a head anchor's scandal, how fast they recover, and how much the
platform's guarantees shrink the fall.

For each seed four runs share their random numbers (common random numbers):
the scenario without and with the event, each without and with the chosen
guarantees. Differences between them are the event's and the guarantees'
effects, not luck; each collapse is compared with the baseline of the same
guarantees:

* **fall** of a daily series over the ``window`` days from the event day:
  ``1 - mean(shocked) / mean(baseline)`` (institutional trust, GMV);
* **recovery half-life**: days from the event until the deficit
  ``baseline - shocked`` of mean institutional trust first falls to half its
  largest value (:func:`sim.trust.recovery_half_life`); NaN (censored) when
  it does not within the horizon;
* the **guarantee effect**: fall with guarantees minus fall without, per seed,
  with a Student-t interval over seeds (paired).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.runner import run_scenario
from sim.scenario import Scenario
from sim.studies.validate import mean_interval
from sim.trust import recovery_half_life

ARMS = ("baseline", "collapse", "baseline_guarantees", "collapse_guarantees")
DEFAULT_GUARANTEES = {"guarantees.compensation": True, "guarantees.fast_refunds": True}


def collapse_study(scenario: Scenario, seeds, *, day: int, anchor_rank: int = 1, event: dict | None = None,
                   guarantees: dict | None = None, window: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the three arms for every seed. Returns (daily, per_seed): ``daily``
    has one row per arm, seed and day with ``mean_institutional_trust`` and
    ``gmv``; ``per_seed`` the falls, half-lives and guarantee effects."""
    ev = {"kind": "persona_collapse", "day": day, "anchor_rank": anchor_rank, **(event or {})}
    g = DEFAULT_GUARANTEES if guarantees is None else guarantees
    base = scenario.with_overrides({"events": [e.model_dump() for e in scenario.events]})
    arms = {
        "baseline": base,
        "collapse": base.with_overrides({"events": base.model_dump()["events"] + [ev]}),
    }
    arms["baseline_guarantees"] = arms["baseline"].with_overrides(g)
    arms["collapse_guarantees"] = arms["collapse"].with_overrides(g)
    frames, rows = [], []
    for seed in seeds:
        daily = {}
        for arm, sc in arms.items():
            d = run_scenario(sc, int(seed), keep_daily=True).daily[["day", "mean_institutional_trust", "gmv"]]
            daily[arm] = d
            frames.append(d.assign(arm=arm, seed=int(seed)))
        row = {"seed": int(seed)}
        for arm, ref in (("collapse", "baseline"), ("collapse_guarantees", "baseline_guarantees")):
            s, b = daily[arm], daily[ref]
            for col, name in (("mean_institutional_trust", "trust"), ("gmv", "gmv")):
                post = slice(day, day + window)
                row[f"{name}_fall_{arm}"] = float(1.0 - s[col].iloc[post].mean() / b[col].iloc[post].mean())
            row[f"trust_half_life_{arm}"] = recovery_half_life(s["mean_institutional_trust"],
                                                               b["mean_institutional_trust"], day)
        for name in ("trust", "gmv"):
            row[f"{name}_guarantee_effect"] = row[f"{name}_fall_collapse_guarantees"] - row[f"{name}_fall_collapse"]
        rows.append(row)
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def summarise(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over seeds of every per-seed column; half-lives
    over the seeds where recovery happened (``n`` says how many)."""
    out = []
    for col in per_seed.columns:
        if col == "seed":
            continue
        x = per_seed[col].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        m, lo, hi = mean_interval(x) if x.size else (np.nan, np.nan, np.nan)
        out.append({"measure": col, "mean": m, "ci_low": lo, "ci_high": hi, "n": int(x.size)})
    return pd.DataFrame(out)


def daily_bands(daily: pd.DataFrame, columns=("mean_institutional_trust", "gmv")) -> pd.DataFrame:
    """Per arm and day: the mean over seeds of each column and its 95% interval
    (``<col>``, ``<col>_low``, ``<col>_high``), ready to plot."""
    rows = []
    for (arm, day), g in daily.groupby(["arm", "day"], sort=True):
        row = {"arm": arm, "day": int(day)}
        for col in columns:
            m, lo, hi = mean_interval(g[col].to_numpy(dtype=float))
            row.update({col: m, f"{col}_low": lo, f"{col}_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)
