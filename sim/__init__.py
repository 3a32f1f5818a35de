"""livesim: an agent-based simulator of the live-commerce ecosystem.

Public API::

    from sim import Scenario, load_scenario, LiveCommerceModel, run_scenario
"""

from importlib.metadata import PackageNotFoundError, version

from sim.errors import InputError, ScenarioError
from sim.scenario import Scenario, load_scenario

try:
    __version__ = version("livesim")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"


def __getattr__(name):  # lazy: importing sim must not pull in Mesa
    if name in ("LiveCommerceModel",):
        from sim.model import LiveCommerceModel

        return LiveCommerceModel
    if name in ("run_scenario", "RunResult"):
        from sim import runner

        return getattr(runner, name)
    raise AttributeError(name)


__all__ = [
    "InputError",
    "ScenarioError",
    "Scenario",
    "load_scenario",
    "LiveCommerceModel",
    "run_scenario",
    "RunResult",
    "__version__",
]
