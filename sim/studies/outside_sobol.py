"""What the split rules' core verdicts depend on: Sobol' indices over the outside options.

``experiments/outside_sobol.toml`` is a sweep (Saltelli's scheme on a scrambled
Sobol' sequence, through SALib) of :func:`sim.studies.split_discovery.run_split_verdicts`
over the six parameters of the standalone channels that no fact calibrates.
Each point plays one world's one-shot game and reports, per split rule, its
largest excess over the proper coalitions as a share of v(N)
(``max_excess_<rule>``: above 0 the split is blocked, below 0 it is in the core
with that margin). :func:`verdict_sensitivity` turns the finished sweep into

- the first-order (S1) and total (ST) Sobol' index of every rule's excess for
  every parameter, with SALib's bootstrap half-widths (95%);
- per rule, the share of points whose split is in the core (Wilson interval)
  and the range of its excess;
- the parameters each rule's verdict depends on: those whose total index is
  above :data:`MATTERS` with its interval (ST - half-width > MATTERS).

On the command line (after ``livesim sweep experiments/outside_sobol.toml``)::

    python -m sim.studies.outside_sobol results/outside_sobol [--out DIR]

writes ``outside_sobol.csv``, ``outside_verdicts.csv``, ``outside_sobol.png``
and ``outside_sobol.md`` (the findings as sentences) into the sweep folder
(or ``--out``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.coalition.game import RULES
from sim.errors import InputError

#: a parameter "matters" for a rule's verdict when the lower end of its total
#: Sobol' index's interval is above this share of the excess's variance
MATTERS = 0.05


@dataclass
class VerdictSensitivity:
    indices: pd.DataFrame     # rule, parameter, S1, S1_conf, ST, ST_conf
    verdicts: pd.DataFrame    # rule, points, in_core share and its interval, excess range
    depends_on: dict[str, list[str]]
    skipped: dict[str, str]
    points: int

    def findings(self) -> list[str]:
        """The findings as sentences, every number computed from the sweep."""
        out = []
        for r in self.verdicts.itertuples(index=False):
            dep = self.depends_on.get(r.rule)
            share = (f"in the core at {r.in_core:.0%} of the {r.points} points (95% interval "
                     f"{r.in_core_low:.0%} to {r.in_core_high:.0%}), largest excess {r.excess_min:+.3f} to "
                     f"{r.excess_max:+.3f} of v(N)")
            if r.rule in self.skipped:
                out.append(f"{r.rule}: {share}; no indices ({self.skipped[r.rule]}).")
                continue
            if dep:
                top = self.indices[(self.indices["rule"] == r.rule) & self.indices["parameter"].isin(dep)]
                top = top.sort_values("ST", ascending=False)
                named = ", ".join(f"{t.parameter} (ST {t.ST:.2f} +/- {t.ST_conf:.2f}, S1 {t.S1:.2f} +/- "
                                  f"{t.S1_conf:.2f})" for t in top.itertuples(index=False))
                out.append(f"{r.rule}: {share}; its excess depends on {named}.")
            else:
                out.append(f"{r.rule}: {share}; no outside-option parameter has a total index above "
                           f"{MATTERS:.2f} with its interval.")
        return out


def verdict_sensitivity(root: str | Path, conf: float = 0.95) -> VerdictSensitivity:
    """Sobol' indices of every rule's largest excess, and the verdicts, of a
    finished ``outside_sobol`` sweep in ``root``."""
    from sim.sweep.analyze import confidence_interval, load_results, sobol_indices

    res = load_results(root)
    measures = [f"max_excess_{r}" for r in RULES if f"max_excess_{r}" in res.runs]
    if not measures:
        raise InputError(f"{root}: no max_excess_<rule> measures; is this a sweep of "
                         "sim.studies.split_discovery:run_split_verdicts (experiments/outside_sobol.toml)?")
    ind = sobol_indices(res, measures, conf=conf)
    table = ind.table.rename(columns={"measure": "rule"})
    table["rule"] = table["rule"].str.removeprefix("max_excess_")
    ok = res.ok
    rows = []
    for r in RULES:
        col = f"in_core_{r}"
        if col not in ok:
            continue
        v = ok[col].to_numpy(dtype=float)
        ci = confidence_interval(v[np.isfinite(v)], conf, kind="share")
        e = ok[f"max_excess_{r}"].to_numpy(dtype=float)
        rows.append({"rule": r, "points": int(np.isfinite(v).sum()), "in_core": ci["mean"],
                     "in_core_low": ci["ci_low"], "in_core_high": ci["ci_high"],
                     "excess_min": float(np.nanmin(e)) if np.isfinite(e).any() else float("nan"),
                     "excess_max": float(np.nanmax(e)) if np.isfinite(e).any() else float("nan")})
    verdicts = pd.DataFrame(rows)
    depends = {}
    for rule, g in table.groupby("rule", sort=False):
        depends[rule] = g.loc[g["ST"] - g["ST_conf"] > MATTERS, "parameter"].tolist()
    skipped = {k.removeprefix("max_excess_"): v for k, v in ind.skipped.items()}
    return VerdictSensitivity(table, verdicts, depends, skipped, res.n_points)


def plot(vs: VerdictSensitivity, path: str | Path) -> None:
    """Total (ST) and first-order (S1) indices per rule and parameter, with intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rules = list(dict.fromkeys(vs.indices["rule"]))
    params = list(dict.fromkeys(vs.indices["parameter"]))
    fig, axes = plt.subplots(1, len(rules), figsize=(2.6 * len(rules) + 2.5, 3.6), sharey=True, squeeze=False)
    y = np.arange(len(params))
    for ax, rule in zip(axes[0], rules):
        g = vs.indices[vs.indices["rule"] == rule].set_index("parameter").loc[params]
        ax.barh(y + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], color="tab:blue", capsize=2, label="ST (total)")
        ax.barh(y - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], color="tab:orange", capsize=2, label="S1 (first order)")
        ax.axvline(MATTERS, color="grey", lw=0.8, ls=":")
        ax.set_title(rule.replace("_", " "), fontsize=9)
        ax.set_xlim(-0.2, 1.2)
    axes[0][0].set_yticks(y, [p.removeprefix("coalition.") for p in params], fontsize=8)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Sobol' indices of each rule's largest excess over the outside options ({vs.points} points; 95% "
                 "intervals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(vs: VerdictSensitivity, out: str | Path) -> list[Path]:
    from sim.io import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "outside_sobol.csv", out / "outside_verdicts.csv", out / "outside_sobol.png",
             out / "outside_sobol.md"]
    write_atomic(files[0], vs.indices.to_csv(index=False))
    write_atomic(files[1], vs.verdicts.to_csv(index=False))
    plot(vs, files[2])
    lines = ["# What the split rules' verdicts depend on (Sobol' indices over the outside options)", ""]
    lines += [f"- {s}" for s in vs.findings()]
    lines += ["", "| rule | parameter | S1 | +/- | ST | +/- |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.rule} | {r.parameter} | {r.S1:.3f} | {r.S1_conf:.3f} | {r.ST:.3f} | {r.ST_conf:.3f} |"
              for r in vs.indices.itertuples(index=False)]
    write_atomic(files[3], "\n".join(lines) + "\n")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.studies.outside_sobol", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="folder of a finished `livesim sweep experiments/outside_sobol.toml`")
    ap.add_argument("--out", help="folder for the tables and the plot (default: the results folder)")
    args = ap.parse_args(argv)
    try:
        if not Path(args.results).is_dir():
            raise InputError(f"results: {args.results} is not a folder")
        vs = verdict_sensitivity(args.results)
        files = write(vs, args.out or args.results)
    except InputError as exc:
        print(f"outside_sobol: {exc}", file=sys.stderr)
        return 2
    print("\n".join(vs.findings()))
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
