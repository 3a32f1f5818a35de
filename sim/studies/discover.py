"""Scenario discovery: where in the parameters does a condition hold?

Given a table of runs (inputs: the parameters a sweep varied; a 0/1
outcome: a condition on its measures, such as ``shapley_in_core == 0``),
:func:`prim` finds boxes (a range per numeric input, a subset of values per
categorical one) where the condition is dense, by the Patient Rule Induction
Method of Friedman and Fisher (1999) as scenario discovery uses it (Bryant and
Lempert 2010; the EMA Workbench): peel off the ``alpha`` share of the cases at
the side of one input that raises the density most, as long as at least
``min_mass`` of the cases remain, then paste back what raises the density.
Each box of the peeling trajectory has its *coverage* (share of all cases of
interest inside it), *density* (share of the cases inside it that are of
interest) and *mass* (share of all cases inside it); the chosen box is the
densest box whose coverage is at least ``min_coverage``, or by default the
box with the best coverage x normalised lift of density (see :func:`prim`). Each
restricted input gets a quasi-p-value: the hypergeometric chance of finding
at least the box's cases of interest if the box's restriction on that input
were lifted (one-sided; small means the limit matters).

:func:`cart` fits scikit-learn's classification tree (Breiman et al. 1984) to
the same table; :func:`discover` runs both on a sweep folder and writes tables
and PNG plots. Implemented here rather than taken from the EMA Workbench:
the Workbench (3.0) installs and imports on Python 3.12, but it brings
seaborn, statsmodels and platypus for this one algorithm, and its PRIM is
built around interactive inspection; the method itself is a page of numpy,
tested against a planted box (``tests/studies/test_discover.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError


# ---------------------------------------------------------------------- boxes


@dataclass
class Box:
    """Limits per input: ``(low, high)`` for numbers, a frozenset of values
    for categories. Inputs absent from ``limits`` are unrestricted."""

    limits: dict[str, Any]

    def contains(self, X: pd.DataFrame) -> np.ndarray:
        inside = np.ones(len(X), dtype=bool)
        for name, lim in self.limits.items():
            col = X[name]
            if isinstance(lim, frozenset):
                inside &= col.isin(lim).to_numpy()
            else:
                v = col.to_numpy(dtype=float)
                inside &= (v >= lim[0]) & (v <= lim[1])
        return inside

    def copy(self) -> "Box":
        return Box(dict(self.limits))


@dataclass
class PrimResult:
    """The peeling trajectory, the chosen box, and its limits with significance."""

    trajectory: pd.DataFrame  # step, coverage, density, mass, n, restricted (number of restricted inputs)
    boxes: list[Box]
    chosen: int  # index into boxes / trajectory
    limits: pd.DataFrame  # input, kind, low, high, values, full_low, full_high, qp_value
    inputs: list[str]
    n_interest: int
    n: int
    notes: list[str] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return self.boxes[self.chosen]

    @property
    def stats(self) -> dict[str, float]:
        r = self.trajectory.iloc[self.chosen]
        return {"coverage": float(r["coverage"]), "density": float(r["density"]), "mass": float(r["mass"]),
                "n": int(r["n"]), "base_density": self.n_interest / self.n if self.n else float("nan")}


def _is_categorical(col: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col))


def _box_stats(inside: np.ndarray, y: np.ndarray, total_interest: int) -> tuple[float, float, float, int]:
    n = int(inside.sum())
    k = int(y[inside].sum())
    cov = k / total_interest if total_interest else float("nan")
    dens = k / n if n else float("nan")
    return cov, dens, n / len(y), n


def _candidates(box: Box, X: pd.DataFrame, inside: np.ndarray, name: str, alpha: float, full: dict) -> list[Box]:
    """The boxes one peel (or, for pasting, one expansion) away on input ``name``."""
    col = X[name]
    out = []
    if full[name][0] == "cat":
        present = set(col[inside].unique())
        if len(present) <= 1:
            return []
        for v in sorted(present, key=str):
            nb = box.copy()
            nb.limits[name] = frozenset(present - {v})
            out.append(nb)
        return out
    v = col.to_numpy(dtype=float)[inside]
    lo, hi = box.limits.get(name, (full[name][1], full[name][2]))
    q_lo, q_hi = np.quantile(v, [alpha, 1 - alpha])
    if q_lo > lo:
        nb = box.copy()
        nb.limits[name] = (float(q_lo), hi)
        out.append(nb)
    if q_hi < hi:
        nb = box.copy()
        nb.limits[name] = (lo, float(q_hi))
        out.append(nb)
    return out


def _quasi_p(box: Box, X: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    """Per restricted input: P(at least the box's cases of interest) when the
    box's size is drawn from the box without that input's restriction."""
    from scipy.stats import hypergeom

    inside = box.contains(X)
    n_box, k_box = int(inside.sum()), int(y[inside].sum())
    out = {}
    for name in box.limits:
        wider = box.copy()
        del wider.limits[name]
        w = wider.contains(X)
        M, K = int(w.sum()), int(y[w].sum())
        out[name] = float(hypergeom.sf(k_box - 1, M, K, n_box)) if n_box else float("nan")
    return out


def prim(X: pd.DataFrame, y, *, alpha: float = 0.05, min_mass: float = 0.05, paste: bool = True,
         min_coverage: float | None = None) -> PrimResult:
    """PRIM on inputs ``X`` (numeric or categorical columns) and a 0/1 outcome ``y``.

    The chosen box: the densest of the trajectory whose coverage is at least
    ``min_coverage``; with ``min_coverage=None``, the box with the highest
    coverage x (density - base) / (1 - base), base the share of all cases
    of interest: the coverage weighted by how much of the possible gain in
    density the box realises. A box no denser than the whole table scores
    0, a box that holds every case of interest and nothing else scores 1,
    and peeling into ever smaller corners of slightly higher density does
    not pay."""
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha: the share peeled per step must be in (0, 0.5), got {alpha}")
    if not 0 < min_mass < 1:
        raise InputError(f"min_mass: must be in (0, 1), got {min_mass}")
    y = np.asarray(y, dtype=float)
    if np.isnan(y).any() or not np.isin(y, (0.0, 1.0)).all():
        raise InputError("the outcome must be 0 or 1 for every case")
    if len(X) != len(y):
        raise InputError("inputs and outcome have different lengths")
    X = X.reset_index(drop=True)
    total = int(y.sum())
    if total == 0:
        raise InputError(f"no case satisfies the condition (0 of {len(y)}): nothing to discover")
    full = {}
    for name in X.columns:
        col = X[name]
        if _is_categorical(col):
            full[name] = ("cat", frozenset(col.unique()))
        else:
            v = col.to_numpy(dtype=float)
            full[name] = ("num", float(v.min()), float(v.max()))
    box = Box({})
    inside = np.ones(len(X), dtype=bool)
    boxes, rows = [box], []
    cov, dens, mass, n = _box_stats(inside, y, total)
    rows.append({"step": 0, "coverage": cov, "density": dens, "mass": mass, "n": n, "restricted": 0})
    while True:
        best, best_dens = None, -1.0
        for name in X.columns:
            for cand in _candidates(box, X, inside, name, alpha, full):
                ins = cand.contains(X)
                c, d, m, k = _box_stats(ins, y, total)
                if m < min_mass or k == 0 or k == n:
                    continue
                # the most density per case removed (Friedman and Fisher's criterion)
                gain = (d - dens) / max(n - k, 1)
                if best is None or gain > best_dens:
                    best, best_dens, best_ins = cand, gain, ins
        if best is None:
            break
        box, inside = best, best_ins
        cov, dens, mass, n = _box_stats(inside, y, total)
        boxes.append(box)
        rows.append({"step": len(rows), "coverage": cov, "density": dens, "mass": mass, "n": n,
                     "restricted": len(box.limits)})
    if paste:  # expand each box's limits while that raises its density
        for i in range(1, len(boxes)):
            boxes[i], rows[i] = _paste(boxes[i], X, y, total, alpha, full, rows[i])
    traj = pd.DataFrame(rows)
    dens_arr = traj["density"].to_numpy()
    if min_coverage is not None:
        ok = np.flatnonzero(traj["coverage"].to_numpy() >= min_coverage)
        chosen = int(ok[np.argmax(dens_arr[ok])]) if ok.size else 0
    else:  # coverage times the density's lift over the base rate, as a share of the most it can lift
        cov_arr = traj["coverage"].to_numpy()
        base = total / len(y)
        score = cov_arr * (dens_arr - base) / (1.0 - base) if base < 1 else cov_arr
        chosen = int(np.argmax(score))
    res_box = boxes[chosen]
    qp = _quasi_p(res_box, X, y)
    lim_rows = []
    for name in X.columns:
        kind = full[name][0]
        lim = res_box.limits.get(name)
        row = {"input": name, "kind": kind, "restricted": lim is not None, "qp_value": qp.get(name, np.nan)}
        if kind == "num":
            lo, hi = lim if lim is not None else (full[name][1], full[name][2])
            row.update(low=lo, high=hi, values=None, full_low=full[name][1], full_high=full[name][2])
        else:
            vals = lim if lim is not None else full[name][1]
            row.update(low=np.nan, high=np.nan, values=",".join(sorted(map(str, vals))),
                       full_low=np.nan, full_high=np.nan)
        lim_rows.append(row)
    limits = pd.DataFrame(lim_rows).sort_values(["restricted", "qp_value"], ascending=[False, True],
                                                kind="stable").reset_index(drop=True)
    return PrimResult(traj, boxes, chosen, limits, list(X.columns), total, len(y))


def _paste(box: Box, X: pd.DataFrame, y: np.ndarray, total: int, alpha: float, full: dict,
           row: dict) -> tuple[Box, dict]:
    inside = box.contains(X)
    _, dens, _, n = _box_stats(inside, y, total)
    while True:
        best, best_d = None, dens
        for name, lim in box.limits.items():
            if full[name][0] == "cat":
                for v in full[name][1] - lim:
                    nb = box.copy()
                    nb.limits[name] = frozenset(lim | {v})
                    d = _box_stats(nb.contains(X), y, total)[1]
                    if d > best_d:
                        best, best_d = nb, d
                continue
            v = X[name].to_numpy(dtype=float)
            step = max(1, int(round(alpha * n)))
            below = np.sort(v[(v < lim[0]) & _others(box, X, name)])[::-1][:step]
            above = np.sort(v[(v > lim[1]) & _others(box, X, name)])[:step]
            for new in ((float(below[-1]), lim[1]) if below.size else None,
                        (lim[0], float(above[-1])) if above.size else None):
                if new is None:
                    continue
                nb = box.copy()
                nb.limits[name] = new
                d = _box_stats(nb.contains(X), y, total)[1]
                if d > best_d:
                    best, best_d = nb, d
        if best is None:
            break
        box = best
        inside = box.contains(X)
        _, dens, _, n = _box_stats(inside, y, total)
    for name in list(box.limits):  # a limit pasted back to the whole range is no restriction
        lim, f = box.limits[name], full[name]
        if (f[0] == "cat" and lim >= f[1]) or (f[0] == "num" and lim[0] <= f[1] and lim[1] >= f[2]):
            del box.limits[name]
    c, d, m, n = _box_stats(box.contains(X), y, total)
    return box, {**row, "coverage": c, "density": d, "mass": m, "n": n, "restricted": len(box.limits)}


def _others(box: Box, X: pd.DataFrame, name: str) -> np.ndarray:
    other = box.copy()
    other.limits.pop(name, None)
    return other.contains(X)


# ----------------------------------------------------------------------- CART


def cart(X: pd.DataFrame, y, *, max_depth: int = 3, min_leaf: float = 0.05, seed: int = 0):
    """A classification tree (scikit-learn's CART, Gini impurity) of the
    condition on the inputs; categorical inputs one-hot encoded. Returns the
    fitted tree, the encoded column names, and its leaves as a table (the
    rule to each leaf, cases, share of interest)."""
    from sklearn.tree import DecisionTreeClassifier

    Xe = pd.get_dummies(X, columns=[c for c in X.columns if _is_categorical(X[c])], prefix_sep="=", dtype=float)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(X))),
                                  random_state=seed)
    y = np.asarray(y, dtype=int)
    tree.fit(Xe.to_numpy(dtype=float), y)
    t = tree.tree_
    names = list(Xe.columns)
    leaves = []

    def walk(node: int, rule: list[str]) -> None:
        if t.children_left[node] == -1:
            counts = t.value[node][0]
            n = int(t.n_node_samples[node])
            share = float(counts[1] / counts.sum()) if len(counts) > 1 and counts.sum() else float(
                tree.classes_[0] == 1)
            leaves.append({"rule": " and ".join(rule) or "(all)", "n": n, "share_of_interest": share,
                           "cases_of_interest": int(round(share * n))})
            return
        name, thr = names[t.feature[node]], float(t.threshold[node])
        if "=" in name and name not in X.columns:  # a one-hot column
            base, val = name.split("=", 1)
            walk(t.children_left[node], rule + [f"{base} != {val}"])
            walk(t.children_right[node], rule + [f"{base} == {val}"])
        else:
            walk(t.children_left[node], rule + [f"{name} <= {thr:.4g}"])
            walk(t.children_right[node], rule + [f"{name} > {thr:.4g}"])

    walk(0, [])
    table = pd.DataFrame(leaves).sort_values("share_of_interest", ascending=False, kind="stable")
    return tree, names, table.reset_index(drop=True)


# ------------------------------------------------------------- sweep folders


def _alias(name: str) -> str:
    return re.sub(r"\W", "_", name)


def condition(frame: pd.DataFrame, where: str) -> np.ndarray:
    """Evaluate ``where`` (a pandas expression over the measures and
    parameters; dotted parameter names may be written as they are, or with
    ``_`` for the dots) on each row; returns 0/1."""
    if not where or not where.strip():
        raise InputError("--where: give a condition on the measures, e.g. --where \"shapley_in_core == 0\"")
    aliases = {c: _alias(c) for c in frame.columns}
    expr = where
    for c in sorted(frame.columns, key=len, reverse=True):
        if c != aliases[c]:
            expr = re.sub(rf"(?<![\w.`]){re.escape(c)}(?![\w.])", aliases[c], expr)
    renamed = frame.rename(columns=aliases)
    try:
        out = renamed.eval(expr)
    except Exception as exc:  # the user's expression
        raise InputError(f"--where {where!r}: cannot evaluate it ({type(exc).__name__}: {exc}); names "
                         f"available: {', '.join(frame.columns)}") from None
    if not isinstance(out, pd.Series) or len(out) != len(frame):
        raise InputError(f"--where {where!r}: is not a condition on each run (it gave {type(out).__name__})")
    if not (pd.api.types.is_bool_dtype(out) or set(pd.unique(out.dropna())) <= {0, 1}):
        raise InputError(f"--where {where!r}: gives values other than true/false; write a comparison such as "
                         "'x < 0.1'")
    return out.fillna(False).astype(bool).to_numpy().astype(int)


def load_runs(root: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """A sweep (or study) folder's successful runs and the parameters it varied."""
    from sim.sweep.store import MANIFEST, RUNS, SweepStore

    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    path = root / MANIFEST
    if not path.is_file():
        raise InputError(f"{root}: not a sweep folder (no manifest.json)")
    manifest = json.loads(path.read_text())
    names = list(manifest.get("parameters", []))
    if (root / RUNS).is_file():
        runs = pd.read_parquet(root / RUNS)
    else:
        table = SweepStore(root).read_runs(names=names)
        if table is None:
            raise InputError(f"{root}: no run has finished yet")
        runs = table.to_pandas()
    return runs[runs["status"] == "ok"].reset_index(drop=True), names


@dataclass
class Discovery:
    where: str
    group: str | None  # the value of --per for this part, or None
    n: int
    n_interest: int
    prim: PrimResult | None
    cart_leaves: pd.DataFrame | None
    note: str = ""


def discover_table(runs: pd.DataFrame, inputs: list[str], where: str, *, per: str | None = None,
                   alpha: float = 0.05, min_mass: float = 0.05, min_coverage: float | None = None,
                   max_depth: int = 3) -> list[Discovery]:
    """PRIM and CART of the condition ``where`` over ``inputs``; with ``per``,
    separately for each value of that column (e.g. one split rule at a time)."""
    unknown = [c for c in inputs + ([per] if per else []) if c not in runs.columns]
    if unknown:
        raise InputError(f"unknown input(s) {unknown}; the runs have: {', '.join(runs.columns)}")
    groups = [(None, runs)] if per is None else [(str(v), g) for v, g in runs.groupby(per, sort=True)]
    cols = [c for c in inputs if c != per]
    out = []
    for label, g in groups:
        y = condition(g, where)
        X = g[cols].reset_index(drop=True)
        k = int(y.sum())
        if k == 0 or k == len(y):
            out.append(Discovery(where, label, len(y), k, None, None,
                                 note=f"the condition holds in {'none' if k == 0 else 'all'} of the {len(y)} runs"))
            continue
        pr = prim(X, y, alpha=alpha, min_mass=min_mass, min_coverage=min_coverage)
        _, _, leaves = cart(X, y, max_depth=max_depth)
        out.append(Discovery(where, label, len(y), k, pr, leaves))
    return out


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s).strip("_") or "all"


def peeling_figure(res: PrimResult, title: str = ""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = res.trajectory
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    sc = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=18)
    ax.plot(t["coverage"], t["density"], color="0.7", lw=0.8, zorder=0)
    r = t.iloc[res.chosen]
    ax.scatter([r["coverage"]], [r["density"]], s=120, facecolors="none", edgecolors="C3", lw=1.5,
               label=f"chosen box (step {int(r['step'])})")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.colorbar(sc, ax=ax, label="restricted inputs")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title or "PRIM peeling trajectory", fontsize=9)
    fig.tight_layout()
    return fig


def box_figure(res: PrimResult, title: str = ""):
    """The chosen box's limits on each restricted numeric input, as a share of its range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lim = res.limits[(res.limits["kind"] == "num") & res.limits["restricted"]]
    fig, ax = plt.subplots(figsize=(5.8, 0.6 + 0.45 * max(len(lim), 1)))
    for i, r in enumerate(lim.itertuples(index=False)):
        span = r.full_high - r.full_low
        a, b = ((r.low - r.full_low) / span, (r.high - r.full_low) / span) if span > 0 else (0, 1)
        ax.plot([0, 1], [i, i], color="0.85", lw=6, solid_capstyle="butt")
        ax.plot([a, b], [i, i], color="C0", lw=6, solid_capstyle="butt")
        ax.text(1.02, i, f"{r.low:.3g} to {r.high:.3g} (qp {r.qp_value:.2g})", va="center", fontsize=8)
    ax.set_yticks(range(len(lim)), [r.input for r in lim.itertuples(index=False)], fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.5, 1], ["low end", "", "high end"])
    ax.set_title(title or "box limits (share of each input's range)", fontsize=9)
    fig.tight_layout()
    return fig


def tree_figure(X: pd.DataFrame, y, max_depth: int = 3):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.tree import plot_tree

    tree, names, _ = cart(X, y, max_depth=max_depth)
    fig, ax = plt.subplots(figsize=(11, 5.5))
    plot_tree(tree, feature_names=names, class_names=["other", "condition"], filled=True, impurity=False,
              proportion=True, fontsize=7, ax=ax)
    fig.tight_layout()
    return fig


def discover(root: str | Path, where: str, *, inputs: list[str] | None = None, per: str | None = None,
             out: str | Path | None = None, alpha: float = 0.05, min_mass: float = 0.05,
             min_coverage: float | None = None, max_depth: int = 3, plots: bool = True) -> dict[str, Any]:
    """Scenario discovery over a sweep folder: writes ``prim_trajectory*.csv``,
    ``prim_box*.csv``, ``cart_leaves*.csv``, ``discovery.md`` and the PNGs into
    ``out`` (default ``DIR/discovery``); returns what it computed."""
    runs, names = load_runs(root)
    inputs = list(inputs) if inputs else [n for n in names if n != per]
    if not inputs:
        raise InputError(f"{root}: the sweep varied no parameter; give --inputs")
    parts = discover_table(runs, inputs, where, per=per, alpha=alpha, min_mass=min_mass,
                           min_coverage=min_coverage, max_depth=max_depth)
    out = Path(out) if out is not None else Path(root) / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    md = [f"# Scenario discovery: `{where}`", "", f"{len(runs)} successful runs of {root}; inputs: "
          + ", ".join(inputs) + (f"; separately for each {per}" if per else "") + ".", ""]
    for d in parts:
        tag = "" if d.group is None else f"_{_safe(d.group)}"
        head = f"## {per} = {d.group}" if per else "## All runs"
        md += [head, ""]
        if d.prim is None:
            md += [f"The condition holds in {d.n_interest} of {d.n} runs: {d.note}; nothing to discover.", ""]
            continue
        p = d.prim
        s = p.stats
        p.trajectory.to_csv(out / f"prim_trajectory{tag}.csv", index=False)
        p.limits.to_csv(out / f"prim_box{tag}.csv", index=False)
        d.cart_leaves.to_csv(out / f"cart_leaves{tag}.csv", index=False)
        written += [out / f"prim_trajectory{tag}.csv", out / f"prim_box{tag}.csv", out / f"cart_leaves{tag}.csv"]
        md += [f"The condition holds in {d.n_interest} of {d.n} runs ({s['base_density']:.0%}). PRIM's chosen box "
               f"(step {int(p.trajectory.iloc[p.chosen]['step'])} of {len(p.trajectory) - 1}) holds {s['n']} runs, "
               f"{s['density']:.0%} of them satisfy the condition (density), and it covers {s['coverage']:.0%} of "
               f"the runs that do (coverage).", ""]
        restricted = p.limits[p.limits["restricted"]]
        if restricted.empty:
            md += ["No input restriction raises the density: the condition does not depend on a region of the inputs.", ""]
        else:
            md += ["| input | box | full range | quasi-p |", "|---|---|---|---|"]
            for r in restricted.itertuples(index=False):
                box = f"{r.low:.4g} to {r.high:.4g}" if r.kind == "num" else f"{{{r.values}}}"
                rng = f"{r.full_low:.4g} to {r.full_high:.4g}" if r.kind == "num" else ""
                md.append(f"| {r.input} | {box} | {rng} | {r.qp_value:.2g} |")
            md.append("")
        top = d.cart_leaves.iloc[0]
        md += [f"CART (depth {max_depth}): the leaf where the condition is most frequent is `{top['rule']}` "
               f"({top['share_of_interest']:.0%} of its {int(top['n'])} runs).", ""]
        if plots:
            for name, fig in ((f"prim_peeling{tag}.png", peeling_figure(p, f"{where}{'  ' + d.group if d.group else ''}")),
                              (f"prim_box{tag}.png", box_figure(p)),):
                fig.savefig(out / name, dpi=110)
                written.append(out / name)
            g = runs if d.group is None else runs[runs[per].astype(str) == d.group]
            fig = tree_figure(g[[c for c in inputs if c != per]].reset_index(drop=True), condition(g, where), max_depth)
            fig.savefig(out / f"cart_tree{tag}.png", dpi=110)
            written.append(out / f"cart_tree{tag}.png")
            import matplotlib.pyplot as plt

            plt.close("all")
    (out / "discovery.md").write_text("\n".join(md))
    written.append(out / "discovery.md")
    return {"parts": parts, "out": out, "written": written, "runs": runs, "inputs": inputs}
