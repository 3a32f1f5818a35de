"""What the dashboard calls: a model built from keyword levers, live policy
changes and shocks as scheduled events, and the coalition game of the
current state. The page (:mod:`sim.dashboard.app`) only lays these out.

- Levers read at start (guarantees, credit, seed) are keyword arguments of
  :class:`DashboardModel`, applied when the page's Reset is pressed.
- The traffic levers (per-anchor cap, long-tail reserve) act on the running
  model: :func:`set_traffic_policy` schedules a ``traffic_policy`` event for
  the next day, which the model fires as it fires any scenario event.
- Shocks (:data:`SHOCKS`) are events of the scenario's own kinds scheduled
  for the next day (:func:`schedule_shock`).
- :func:`game_of_state` forks the running model into every coalition's mode
  over a window and returns the game with batch-means standard errors; the
  running model is not advanced.
"""

from __future__ import annotations

import os
from typing import Callable

from sim.model import LiveCommerceModel
from sim.scenario import Scenario, load_scenario

SCENARIO_ENV = "LIVESIM_DASHBOARD_SCENARIO"

#: shock name -> event (without its day) added to the scenario for the next day
SHOCKS: dict[str, dict] = {
    "persona collapse": {"kind": "persona_collapse", "anchor_rank": 1},
    "credit squeeze": {"kind": "credit_squeeze", "credit_multiple": 0.3, "interest_rate": 0.2},
}

#: the daily measures the page plots, by panel
PLOTS: dict[str, dict[str, str]] = {
    "GMV (yuan per day)": {"gmv": "tab:blue", "net_gmv": "tab:cyan"},
    "Concentration and SME share": {"top50_traffic_share": "tab:red", "top50_gmv_share": "tab:orange",
                                    "sme_gmv_share": "tab:green"},
    "Trust": {"mean_institutional_trust": "tab:purple", "mean_personal_trust": "tab:pink"},
    "Defaults": {"defaults": "tab:brown"},
}


def base_scenario() -> Scenario:
    """The scenario the page starts from: the file named by
    ``$LIVESIM_DASHBOARD_SCENARIO`` (``livesim dashboard --scenario``), else the default."""
    return load_scenario(os.environ.get(SCENARIO_ENV) or None)


class DashboardModel(LiveCommerceModel):
    """The model of the page, built from its start-time levers."""

    def __init__(self, guarantees: bool = False, credit: bool = True, seed: int = 0, rng=None):
        sc = base_scenario()
        sc = sc.with_overrides({"guarantees.compensation": bool(guarantees), "guarantees.fast_refunds": bool(guarantees),
                                "guarantees.traceability": bool(guarantees), "finance.enabled": bool(credit)})
        super().__init__(sc, int(seed))


def _add_event(model: LiveCommerceModel, event: dict) -> None:
    data = model.params.model_dump(mode="python")
    data["events"] = list(data["events"]) + [event]
    from sim.scenario import scenario_from_dict

    model.params = scenario_from_dict(data)


def set_traffic_policy(model: LiveCommerceModel, **levers: float) -> None:
    """From the next day on, set ``anchor_cap`` and/or ``long_tail_reserve``."""
    unknown = set(levers) - {"anchor_cap", "long_tail_reserve"}
    if unknown:
        raise ValueError(f"unknown traffic levers {sorted(unknown)} (allowed: anchor_cap, long_tail_reserve)")
    _add_event(model, {"kind": "traffic_policy", "day": model.day, **levers})


def traffic_policy(model: LiveCommerceModel) -> dict[str, float]:
    """The traffic levers in force from the next day (scheduled changes included)."""
    out = {k: float(model.platform.policy[k]) for k in ("anchor_cap", "long_tail_reserve")}
    for ev in model.params.events:
        if ev.kind == "traffic_policy" and ev.day >= model.day:
            for k in out:
                if getattr(ev, k) is not None:
                    out[k] = float(getattr(ev, k))
    return out


def schedule_shock(model: LiveCommerceModel, name: str) -> dict:
    """Schedule shock ``name`` (a key of :data:`SHOCKS`) for the next day; returns the event."""
    if name not in SHOCKS:
        raise ValueError(f"unknown shock {name!r} (known: {', '.join(SHOCKS)})")
    if SHOCKS[name]["kind"] == "credit_squeeze" and model.finance is None:
        raise ValueError("a credit squeeze needs the credit sub-model (turn credit on and reset)")
    event = {**SHOCKS[name], "day": model.day}
    _add_event(model, event)
    return event


def latest(model: LiveCommerceModel) -> dict[str, float]:
    """The last collected value of every plotted measure (empty before the first step)."""
    df = model.datacollector.get_model_vars_dataframe()
    if df.empty:
        return {}
    row = df.iloc[-1]
    return {k: float(row[k]) for panel in PLOTS.values() for k in panel if k in row}


def game_of_state(model: LiveCommerceModel, window: int = 10, batches: int = 2, players: str | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """The coalition game over the next ``window`` days from the model's
    current state (every coalition forked from it; the model is not advanced):
    the dictionary of :meth:`sim.coalition.game.GameEstimate.to_dict`."""
    import time

    import numpy as np

    from sim.coalition.game import GameEstimate, play_window
    from sim.coalition.players import resolve_players

    cp = model.params.coalition
    ps = resolve_players(cp.players if players is None else players, model)
    total = (1 << len(ps)) - 1
    done = [0]

    def tick():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    t0 = time.perf_counter()
    worths, grand = play_window(model, ps, window, batches, tick=tick)
    est = GameEstimate(players=[p.name for p in ps], worths=worths * batches, status_quo=grand.profit * batches,
                       risk=np.repeat(grand.losses[None, :], batches, axis=0), method="batch_means",
                       window_days=window, risk_weight=cp.risk_weight, seconds=time.perf_counter() - t0,
                       runs=total)
    return est.to_dict()
