"""Design points: a full factorial grid, or a sample drawn through SALib.

Samplers draw in the unit hypercube (SALib's Latin hypercube, Saltelli's
scheme on a scrambled Sobol' sequence, Morris trajectories) with a seed from
the master seed's design stream; each column is then mapped to its
parameter's distribution through the inverse CDF (as SALib does), integer
fields are rounded, and every point is validated as a scenario before any
run. The same spec always gives the same points, which is what lets a sweep
be resumed and an analysis rebuild the sampler's matrix.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.seeds import DESIGN_STREAM, stream_seed
from sim.sweep.spec import ParamSpec, Spec, SpecError


@dataclass(frozen=True)
class Design:
    """The points of an experiment, in order (point ``i`` is row ``i``)."""

    sampler: str
    names: list[str]
    points: pd.DataFrame  # "point" plus one column per parameter (the values applied)
    unit: np.ndarray | None = None  # the sampler's matrix in the unit hypercube
    problem: dict | None = None  # the SALib problem the unit matrix was drawn for

    @property
    def n_points(self) -> int:
        return len(self.points)

    def overrides(self, point: int) -> dict[str, Any]:
        """The scenario overrides of one point, as plain Python values."""
        return {name: col[point] for name, col in self._columns().items()}

    def _columns(self) -> dict[str, list]:
        cols = self.__dict__.get("_cols")
        if cols is None:  # plain Python values, column by column (a frozen dataclass: cache by hand)
            cols = {name: [_plain(v) for v in self.points[name].tolist()] for name in self.names}
            object.__setattr__(self, "_cols", cols)
        return cols


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def unit_problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def from_unit(u: np.ndarray, p: ParamSpec) -> np.ndarray:
    """Map unit-interval draws to the parameter's distribution (inverse CDF)."""
    from scipy import stats  # slow to import; only the non-uniform distributions need it

    u = np.asarray(u, dtype=float)
    if p.dist == "unif":
        lo, hi = p.range
        x = lo + u * (hi - lo)
    elif p.dist == "logunif":
        lo, hi = p.range
        x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    elif p.dist == "triang":
        lo, hi = p.range
        x = stats.triang.ppf(u, c=(p.peak - lo) / (hi - lo), loc=lo, scale=hi - lo)
    elif p.dist == "truncnorm":
        lo, hi = p.range
        x = stats.truncnorm.ppf(u, (lo - p.mean) / p.sd, (hi - p.mean) / p.sd, loc=p.mean, scale=p.sd)
    elif p.dist == "norm":
        x = stats.norm.ppf(u, loc=p.mean, scale=p.sd)
    elif p.dist == "lognorm":
        x = np.exp(stats.norm.ppf(u, loc=p.mean, scale=p.sd))
    else:  # the spec refuses other names
        raise ValueError(f"unknown distribution {p.dist!r}")
    if p.range is not None:  # guard the ends against rounding in the inverse CDFs
        x = np.clip(x, p.range[0], p.range[1])
    return x


def _unit_sample(spec: Spec, problem: dict) -> np.ndarray:
    seed = stream_seed(spec.master_seed, DESIGN_STREAM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib's notes on sample sizes; the spec checks them
        if spec.sampler == "lhs":
            from SALib.sample import latin

            return latin.sample(problem, spec.samples, seed=seed)
        if spec.sampler == "sobol":
            from SALib.sample import sobol

            return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                                scramble=True, seed=seed)
        if spec.sampler == "morris":
            from SALib.sample import morris

            return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)
    raise ValueError(f"not a sampler: {spec.sampler!r}")


def build_design(spec: Spec, *, validate: bool = True) -> Design:
    """The design points of ``spec``; with ``validate`` every point is checked
    as a scenario and problems raise :class:`SpecError` (before any run)."""
    names = spec.names
    params = list(spec.parameters.values())
    unit = problem = None
    if spec.sampler == "grid":  # the first parameter varies slowest; no parameters: one point
        rows = list(itertools.product(*[p.values for p in params]))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
        n = len(rows)
    else:
        problem = unit_problem(names)
        unit = _unit_sample(spec, problem)
        columns = {}
        for i, p in enumerate(params):
            x = from_unit(unit[:, i], p)
            if p.kind == "int":
                x = np.rint(x)
                columns[p.path] = [int(v) if np.isfinite(v) else v for v in x]
            else:
                columns[p.path] = x.tolist()
        n = unit.shape[0]
    frame = pd.DataFrame({"point": np.arange(n, dtype=np.int64)})
    for p in params:
        col = columns[p.path]
        if p.kind == "float":
            frame[p.path] = np.asarray(col, dtype=np.float64)
        elif p.kind == "int":
            frame[p.path] = np.asarray(col, dtype=np.float64 if any(isinstance(v, float) for v in col) else np.int64)
        elif p.kind == "bool":
            frame[p.path] = np.asarray(col, dtype=bool)
        else:
            frame[p.path] = pd.Series(col, dtype=object)
    design = Design(spec.sampler, names, frame, unit, problem)
    if validate:
        check_points(spec, design)
    return design


def check_points(spec: Spec, design: Design, *, limit: int = 10) -> None:
    """Every point must make a valid scenario; raise :class:`SpecError` naming
    the first few that do not."""
    problems: list[str] = []
    bad = 0
    finite_ok = []
    for point in range(design.n_points):
        over = design.overrides(point)
        finite = [k for k, v in over.items() if isinstance(v, float) and not np.isfinite(v)]
        finite_ok.append(not finite)
        if finite:
            bad += 1
            if bad <= limit:
                where = "design point {} ({})".format(point, ", ".join(f"{k}={v!r}" for k, v in over.items()))
                problems.append(f"{where}: {', '.join(finite)} is not finite "
                                "(an unbounded distribution at the edge of the unit interval)")
    points = [p for p in range(design.n_points) if finite_ok[p]]
    for point, errs in zip(points, spec.base.override_problems(design.overrides(p) for p in points)):
        if errs:
            bad += 1
            if bad <= limit:
                over = design.overrides(point)
                where = "design point {} ({})".format(point, ", ".join(f"{k}={v!r}" for k, v in over.items()))
                problems.append(f"{where}: " + "; ".join(errs))
    if bad:
        if bad > limit:
            problems.append(f"... and {bad - limit} more of {design.n_points} points")
        hint = ("a distribution that reaches outside a field's range (norm, lognorm) needs truncnorm or a "
                "narrower spread" if spec.sampler != "grid" else "the values combine into invalid scenarios")
        problems.append(f"{bad} design point(s) are not valid scenarios: {hint}")
        raise SpecError(problems, source=spec.source)
