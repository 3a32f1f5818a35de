"""The split-stability study as a sweep model (``experiments/split_stability.toml``).

:func:`run_stability` has the signature of :func:`sim.runner.run_scenario`, so
``livesim sweep`` runs it: the split rule (``coalition.split_rule``), the
shock scenario (``coalition.shock``), the inertia and the re-entry are
scenario fields the sweep varies. A shock scenario is a named list of
scheduled events added to the scenario (:data:`SHOCKS`); any event kind the
scenario knows plugs in the same way.
"""

from __future__ import annotations

from typing import Callable

from sim.errors import ScenarioError
from sim.runner import RunResult
from sim.scenario import Scenario


def _algorithm_change(sc: Scenario) -> list[dict]:
    # a third into the run the ranking turns strongly preferential with little exploration
    return [{"kind": "traffic_policy", "day": sc.time.days // 3, "preferential_exponent": 1.5,
             "exploration_share": 0.05}]


def _demand_spike(sc: Scenario) -> list[dict]:
    # a festival: activity doubles for ten days in the middle of the run
    return [{"kind": "demand_spike", "day": sc.time.days // 2, "duration": 10, "activity_multiplier": 2.0}]


def _persona_collapse(sc: Scenario) -> list[dict]:
    # a third into the run the top anchor's persona collapses (sim/trust.py)
    return [{"kind": "persona_collapse", "day": sc.time.days // 3, "anchor_rank": 1}]


def _credit_squeeze(sc: Scenario) -> list[dict]:
    # a third into the run the lender cuts credit lines to a third and raises the rate (sim/finance)
    return [{"kind": "credit_squeeze", "day": sc.time.days // 3, "credit_multiple": 0.3, "interest_rate": 0.2}]


#: shock scenario name -> events to add (as scenario event tables)
SHOCKS: dict[str, Callable[[Scenario], list[dict]]] = {
    "none": lambda sc: [],
    "persona_collapse": _persona_collapse,
    "credit_squeeze": _credit_squeeze,
    "algorithm_change": _algorithm_change,
    "demand_spike": _demand_spike,
}


def with_shock(sc: Scenario) -> Scenario:
    """The scenario with the events of its ``coalition.shock`` appended."""
    name = sc.coalition.shock
    if name not in SHOCKS:
        raise ScenarioError(f"coalition.shock: unknown shock scenario {name!r} (known: {', '.join(SHOCKS)})")
    extra = SHOCKS[name](sc)
    if not extra:
        return sc
    data = sc.model_dump(mode="python")
    data["events"] = list(data["events"]) + extra
    from sim.scenario import scenario_from_dict

    return scenario_from_dict(data)


def run_stability(scenario: Scenario | None = None, seed: int = 0, *, keep_daily: bool = False,
                  progress: bool = False, days: int | None = None) -> RunResult:
    """One replication of the dynamics under the scenario's split rule and shock:
    the stability measures of :meth:`DynamicsResult.summary`."""
    from sim.coalition.dynamics import run_dynamics

    sc = with_shock(scenario if scenario is not None else Scenario())
    res = run_dynamics(sc, seed, days=days)
    daily = res.to_frame() if keep_daily else None  # one row per settlement period, keyed by its first day
    return RunResult(summary=res.summary(), daily=daily, meta={"rule": res.rule})


STABILITY_MEASURES = ("share_in_core", "time_to_first_defection", "share_defecting", "surplus_kept")


def stability_table(results, conf: float = 0.95):
    """The stability table of a finished sweep (a results folder or loaded
    :class:`~sim.sweep.analyze.SweepResults`): one row per split rule and
    shock scenario, each stability measure's mean with its confidence interval
    over replications."""
    import pandas as pd

    from sim.sweep.analyze import load_results, point_summary

    res = load_results(results) if not hasattr(results, "runs") else results
    keys = [k for k in ("coalition.split_rule", "coalition.shock") if k in res.names]
    table = point_summary(res, list(STABILITY_MEASURES), conf)
    rows = []
    for _, g in table.groupby("point", sort=True):
        row = {k.split(".", 1)[1]: g[k].iloc[0] for k in keys}
        row["n"] = int(g["n"].min())
        for _, r in g.iterrows():
            m = r["measure"]
            row[m] = r["mean"]
            row[f"{m}_low"] = r["ci_low"]
            row[f"{m}_high"] = r["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)
