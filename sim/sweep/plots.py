"""Plots of a sweep's results: matplotlib Figures, made without pyplot so
they work the same in scripts, worker processes and notebooks.

- :func:`indices_figure`: Sobol' (S1 and ST) or Morris (mu* and sigma) bars
  for one measure, with confidence intervals as error bars.
- :func:`measure_figure`: one measure against each varied parameter; for a
  grid, means with 95% intervals at each level (one line per value of the
  other parameter when there are two, the others pooled when more); for a
  sampled design, the point means as a scatter with their intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.sweep.analyze import Indices, SweepResults, level_summary, point_summary


def _short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def indices_figure(indices: Indices, measure: str) -> Figure:
    t = indices.table[indices.table["measure"] == measure]
    names = t["parameter"].tolist()
    x = np.arange(len(names))
    fig = Figure(figsize=(max(4.5, 1.2 * len(names) + 2), 3.6), layout="constrained")
    ax = fig.add_subplot()
    w = 0.38
    if indices.method == "sobol":
        ax.bar(x - w / 2, t["S1"], w, yerr=t["S1_conf"], capsize=3, label="first order S1")
        ax.bar(x + w / 2, t["ST"], w, yerr=t["ST_conf"], capsize=3, label="total ST")
        ax.set_ylabel("Sobol' index")
        ax.axhline(0.0, color="0.5", lw=0.8)
    else:
        ax.bar(x - w / 2, t["mu_star"], w, yerr=t["mu_star_conf"], capsize=3, label="mu* (mean |effect|)")
        ax.bar(x + w / 2, t["sigma"], w, label="sigma (interactions, non-linearity)")
        ax.set_ylabel("elementary effect")
    ax.set_xticks(x, [_short(n) for n in names], rotation=20, ha="right")
    ax.set_title(f"{measure}: {indices.method} sensitivity (bars: 95% intervals)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def measure_figure(results: SweepResults, measure: str, conf: float = 0.95) -> Figure:
    names = results.names
    fig = Figure(figsize=(4.2 * len(names), 3.4), layout="constrained")
    axes = [fig.add_subplot(1, len(names), i + 1) for i in range(len(names))]
    pct = f"{conf:.0%}"
    if results.sampler == "grid":
        for ax, x in zip(axes, names):
            others = [n for n in names if n != x]
            if len(others) == 1:
                s = level_summary(results, [x, others[0]], [measure], conf)
                groups = list(s.groupby(others[0], sort=True))
                for k, (value, g) in enumerate(groups):
                    shift = k - (len(groups) - 1) / 2  # dodge the lines so the bars do not hide each other
                    _errline(ax, g[x], g, label=f"{_short(others[0])}={value:g}"
                             if isinstance(value, (int, float)) else f"{_short(others[0])}={value}",
                             shift=shift, values=results.runs[x])
                ax.legend(fontsize=7)
            else:
                s = level_summary(results, [x], [measure], conf)
                _errline(ax, s[x], s, label="others pooled" if others else None)
                if others:
                    ax.legend(fontsize=7)
            ax.set_xlabel(x)
            _categorical_ticks(ax, results.runs[x])
    else:
        s = point_summary(results, [measure], conf)
        for ax, x in zip(axes, names):
            yerr = np.vstack([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
            ax.errorbar(s[x], s["mean"], yerr=np.nan_to_num(yerr), fmt="o", ms=3, alpha=0.7, elinewidth=0.6)
            ax.set_xlabel(x)
    axes[0].set_ylabel(measure)
    fig.suptitle(f"{measure}: mean over replications with {pct} intervals", fontsize=10)
    return fig


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _log_axis(values: pd.Series) -> bool:
    """Positive values spanning more than a factor of 20 (e.g. traffic caps 0.01 ... 1) go on a log axis."""
    if not _numeric(values):
        return False
    lo, hi = float(values.min()), float(values.max())
    return lo > 0 and hi / lo > 20


def _errline(ax, x: pd.Series, s: pd.DataFrame, label: str | None, shift: float = 0.0,
             values: pd.Series | None = None) -> None:
    order = np.argsort(x.to_numpy(), kind="stable")
    xs = x.to_numpy()[order]
    mean = s["mean"].to_numpy()[order]
    lo = s["ci_low"].to_numpy()[order]
    hi = s["ci_high"].to_numpy()[order]
    if not _numeric(x):
        pos = np.arange(len(xs)) + 0.04 * shift
    elif values is not None and _log_axis(values):
        pos = xs.astype(float) * 10 ** (0.015 * shift)
    else:
        span = float(values.max() - values.min()) if values is not None and len(values) else 0.0
        pos = xs.astype(float) + 0.008 * span * shift
    ax.errorbar(pos, mean, yerr=np.nan_to_num(np.vstack([mean - lo, hi - mean])), marker="o", ms=4, capsize=3,
                label=label)


def _categorical_ticks(ax, values: pd.Series) -> None:
    v = values.drop_duplicates()
    if not _numeric(v):
        ax.set_xticks(np.arange(len(v)), [str(a) for a in sorted(v.tolist())])
    else:
        vals = sorted(float(a) for a in v.tolist())
        if _log_axis(v):
            ax.set_xscale("log")
        if len(vals) <= 8:
            ax.set_xticks(vals, [f"{a:g}" for a in vals])
            ax.minorticks_off()
