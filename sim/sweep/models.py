"""The models a sweep may run: a registry, so that a spec cannot name any callable.

A spec's ``experiment.model`` must be one of the registered entry points
(:func:`allowed_models`): the built-in :data:`MODELS`, those installed
packages declare in the ``livesim.models`` entry-point group
(``[project.entry-points."livesim.models"]`` with ``name = "module:function"``,
the entry's value being what specs name), those registered at run time with
:func:`register_model`, and those listed in the environment variable
``LIVESIM_MODELS`` (comma-separated ``module:function``; the environment is
set by whoever runs livesim, not by the spec it reads). Anything else, such
as ``os:system``, is refused before it is imported.

Each entry may declare the summary measures the model reports (a tuple, or
``"module:attribute"`` naming a mapping or sequence of names): ``keep.summary``
is then checked against them before any run.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Callable

ENTRY_POINT_GROUP = "livesim.models"
ENV_VAR = "LIVESIM_MODELS"


@dataclass(frozen=True)
class ModelInfo:
    description: str
    measures: tuple[str, ...] | str | None = None  # names, "module:attribute", or None (not declared)

    def summary_measures(self) -> tuple[str, ...] | None:
        m = self.measures
        if m is None or isinstance(m, tuple):
            return m
        mod, _, attr = m.partition(":")
        return tuple(getattr(importlib.import_module(mod), attr))


STABILITY = ("periods", "share_in_core", "time_to_first_defection", "defected", "share_defecting", "surplus_kept",
             "mean_max_excess", "rule_undefined_share", "v_grand", "profit_as_played")

MODELS: dict[str, ModelInfo] = {
    "sim.runner:run_scenario": ModelInfo("the core model: one run of a scenario", "sim.measures:SUMMARY_MEASURES"),
    "sim.studies.split_stability:run_stability": ModelInfo("the split-stability dynamics (docs/coalition.md)", STABILITY),
    "sim.studies.split_discovery:run_split_verdicts": ModelInfo(
        "one world's one-shot coalition game: every split rule's core verdict and largest excess",
        "sim.studies.split_discovery:MEASURES"),
}

_RUNTIME: dict[str, ModelInfo] = {}


def register_model(entry: str, *, description: str = "", measures: tuple[str, ...] | str | None = None) -> None:
    """Allow ``entry`` (``'module:function'``) as a sweep model in this process."""
    _RUNTIME[entry] = ModelInfo(description or entry, tuple(measures) if isinstance(measures, list) else measures)


def allowed_models() -> dict[str, ModelInfo]:
    """Every model a spec may name, with what is known of it."""
    out = dict(MODELS)
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            out.setdefault(ep.value.strip(), ModelInfo(f"entry point {ep.name!r}"))
    except Exception:  # a broken installed distribution must not break sweeps
        pass
    for entry in os.environ.get(ENV_VAR, "").split(","):
        if entry.strip():
            out.setdefault(entry.strip(), ModelInfo(f"from ${ENV_VAR}"))
    out.update({k: v for k, v in _RUNTIME.items() if k not in MODELS})
    return out


def check_model(model: str) -> list[str]:
    """Problems with ``experiment.model``: empty when it is a registered
    ``'module:function'`` that imports and is callable."""
    if not isinstance(model, str):
        return [f"experiment.model: expected 'module:function' text, got {model!r}"]
    mod_name, sep, func_name = model.partition(":")
    if not sep or not mod_name or not func_name:
        return [f"experiment.model: expected 'module:function', got {model!r}"]
    allowed = allowed_models()
    if model not in allowed:
        return [f"experiment.model: {model!r} is not a registered model (allowed: {', '.join(sorted(allowed))}; "
                f"others are added by the {ENTRY_POINT_GROUP!r} entry-point group or ${ENV_VAR})"]
    try:
        module = importlib.import_module(mod_name)
    except Exception as exc:  # an import error of any kind is the user's input problem here
        return [f"experiment.model: cannot import {mod_name!r} ({type(exc).__name__}: {exc})"]
    fn = getattr(module, func_name, None)
    if not callable(fn):
        return [f"experiment.model: {mod_name!r} has no function {func_name!r}"]
    return []


def summary_measures(model: str) -> tuple[str, ...] | None:
    """The summary measures ``model`` is known to report, or None."""
    info = allowed_models().get(model)
    if info is None:
        return None
    try:
        return info.summary_measures()
    except Exception:
        return None


def load(entry: str) -> Callable:
    mod, _, fn = entry.partition(":")
    return getattr(importlib.import_module(mod), fn)
