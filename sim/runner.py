"""Run one scenario: the small interface sweeps and studies build on."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.scenario import Scenario


@dataclass
class RunResult:
    summary: dict[str, float]
    daily: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)


def daily_frame(model) -> pd.DataFrame:
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "day", range(len(df)))
    return df


def run_scenario(scenario: Scenario | None = None, seed: int = 0, *, keep_daily: bool = False,
                 progress: bool = False, days: int | None = None) -> RunResult:
    """Build the model, run it over the horizon (or ``days``), and summarise it."""
    from sim.measures import run_summary
    from sim.model import LiveCommerceModel

    scenario = scenario if scenario is not None else Scenario()
    model = LiveCommerceModel(scenario, seed)
    n = scenario.time.days if days is None else days
    if progress:
        from tqdm import tqdm

        # the bar shows on a terminal only (disable=None), not in logs
        with tqdm(total=n, unit="day", desc="livesim run", leave=False, disable=None) as bar:
            model.run(n, progress=bar.update)
    else:
        model.run(n)
    daily = daily_frame(model)
    return RunResult(summary=run_summary(model, daily), daily=daily if keep_daily else None)
