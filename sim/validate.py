"""Moved to :mod:`sim.studies.validate` (the studies live in ``sim/studies/``); this module
forwards every name so that older imports keep working."""

import sim.studies.validate as _moved


def __getattr__(name: str):
    return getattr(_moved, name)
