"""The default scenario passes the stylized facts it is calibrated to.

This is the full-size check behind ``livesim validate`` (5 replications of the
default scenario: 100,000 consumers, 2,000 anchors, 400 suppliers, 365
days). It takes a couple of minutes on two cores; it guards the calibration
against changes to the model.
"""

import os

import pytest

from sim.scenario import Scenario
from sim.studies.validate import FACTS, facts_table, run_replications


@pytest.mark.slow
def test_default_scenario_passes_every_fact():
    summaries = run_replications(Scenario(), replications=5, master_seed=0, workers=min(2, os.cpu_count() or 1))
    table = facts_table(summaries)
    assert list(table["id"]) == [f.id for f in FACTS]
    failing = table[table["result"] != "pass"]
    assert failing.empty, failing.to_string()
