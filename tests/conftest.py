"""Shared fixtures: small scenarios that run in a second or two."""

import pytest

from sim.scenario import Scenario

SMALL = {
    "population.consumers": 4000,
    "population.anchors": 300,
    "population.suppliers": 60,
    "time.days": 45,
}


def small_scenario(**overrides) -> Scenario:
    return Scenario().with_overrides({**SMALL, **overrides})


@pytest.fixture
def small():
    return small_scenario()
