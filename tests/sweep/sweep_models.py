"""Model functions with known answers, for the sweep tests.

They follow the model interface (scenario, seed, keep_daily, progress) and
read plain scenario fields as their inputs; worker processes import them
from this folder (pytest puts it on sys.path).
"""

from __future__ import annotations

import math
import os
from types import SimpleNamespace

import numpy as np
import pandas as pd


def ishigami(scenario, seed, *, keep_daily=False, progress=False):
    """The Ishigami function of x1, x2, x3 = purchase.intercept, .skill,
    .personal_trust (each uniform on [-pi, pi] in the tests): first-order
    Sobol' indices 0.3139, 0.4424, 0 and total ones 0.5576, 0.4424, 0.2437."""
    x1, x2, x3 = scenario.purchase.intercept, scenario.purchase.skill, scenario.purchase.personal_trust
    y = math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)
    return SimpleNamespace(summary={"y": y}, daily=None)


def linear(scenario, seed, *, keep_daily=False, progress=False):
    """y = 3 * purchase.intercept + 0 * purchase.skill, plus seeded noise in
    ``noisy`` (mean 0, sd 1); daily: ``day`` and ``y``."""
    rng = np.random.default_rng(seed)
    y = 3.0 * scenario.purchase.intercept
    daily = pd.DataFrame({"day": np.arange(3), "y": y + rng.normal(size=3)}) if keep_daily else None
    return SimpleNamespace(summary={"y": y, "noisy": y + rng.normal()}, daily=daily)


def crash_below(scenario, seed, *, keep_daily=False, progress=False):
    """Kills its own process (as the out-of-memory killer would) when
    traffic.anchor_cap < 0.02; otherwise the toy model."""
    if scenario.traffic.anchor_cap < 0.02:
        os._exit(17)
    from tests.sweep.toy import toy_run

    return toy_run(scenario, seed, keep_daily=keep_daily)
