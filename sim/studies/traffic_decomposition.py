"""Traffic policy, explained: where a cap or a long-tail reserve moves SME merchants' GMV.

For a traffic policy (``traffic.anchor_cap``, ``traffic.long_tail_reserve``,
``experiments/traffic_caps.toml``) against the baseline on paired seeds
(common random numbers), the change of SME suppliers' GMV is split, exactly,
into parts. SME GMV is sold in five places (:data:`sim.measures.PLACES`): SME
store rooms, brands' store rooms (none: a store sells its own goods), small
anchors' rooms (tail tier or new: the reserve's anchors), the other anchors'
rooms and the shelf. In each place it is a function of seven factors read
off the run's tallies (:class:`sim.measures.RunTotals`, summary fields
``impressions_<place>``, ``public_entries_<place>``, ``entries_<place>``,
``offered_<place>_<goods>``, ``wanted_<place>_<goods>``,
``orders_<place>_<goods>``, ``gmv_<place>_<goods>``)::

    SME GMV = ( impressions                       traffic moved (public impressions the place gets)
              x public entries / impressions      viewers reached (new viewers per impression)
              + other entries )                   other arrivals (followers, and any other path in)
            x SME offers / entries                who sells (share of entries considering an SME product)
            x wanted / SME offers                 conversion (buyers within budget per SME offer)
            x orders / wanted                     stock-outs (share of those buyers served)
            x GMV / orders                        price (mean SME order value)

On the shelf, "traffic" is the page views, reach is 1 and there are no other
arrivals. A ratio whose denominator is 0 is 0 (its numerator is then 0 too).

The change between two runs is split among the factors by their Shapley
value (each factor's mean marginal effect of switching it from the
baseline's to the policy's value, over all orders of switching): the parts
add up to the change exactly, whatever the sizes of the changes, and a
factor that does not change gets nothing. Summing over places, each
seed's parts add up to that seed's change of SME GMV (an accounting identity,
tested); the tables give each part's mean over seeds with a Student-t 95%
interval (:func:`sim.sweep.analyze.confidence_interval`).

Besides the parts, :attr:`Decomposition.recipients` says who sells in the
rooms that receive the traffic: per place, the change of impressions,
entries and of the GMV of SME goods and of brands' goods (small anchors
selling brands' goods are where reserved traffic does not reach SMEs).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.measures import GOODS, PLACES
from sim.scenario import Scenario

FACTORS = ("traffic", "reach", "other_arrivals", "who_sells", "conversion", "stock_outs", "price")
FACTOR_TEXT = {
    "traffic": "traffic moved (public impressions)",
    "reach": "viewers reached per impression",
    "other_arrivals": "other arrivals (followers and other paths)",
    "who_sells": "who sells (share of entries offering SME goods)",
    "conversion": "conversion (buyers within budget per SME offer)",
    "stock_outs": "stock-outs (share of buyers served)",
    "price": "price (mean SME order value)",
}
PLACE_TEXT = {"sme_store": "SME store rooms", "brand_store": "brand store rooms",
              "small_anchor": "small anchors' rooms", "other_anchor": "other anchors' rooms", "shelf": "shelf"}
#: places where SME goods can sell (a brand's store room sells only the brand's goods)
SME_PLACES = ("sme_store", "small_anchor", "other_anchor", "shelf")
#: the traffic levers a policy may set
POLICY_LEVERS = ("traffic.anchor_cap", "traffic.long_tail_reserve")
BASELINE = {"traffic.anchor_cap": 1.0, "traffic.long_tail_reserve": 0.0}


def needed_measures() -> list[str]:
    """The run-summary fields the decomposition reads (keep them in a sweep)."""
    out = []
    for p in PLACES:
        if p != "shelf":
            out += [f"impressions_{p}", f"public_entries_{p}"]
        out.append(f"entries_{p}")
        for g in GOODS:
            out += [f"offered_{p}_{g}", f"wanted_{p}_{g}", f"orders_{p}_{g}", f"gmv_{p}_{g}"]
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def place_factors(summary: Mapping[str, float], place: str) -> np.ndarray:
    """The seven factors (:data:`FACTORS`) of SME GMV in ``place`` of one run."""
    s = summary
    entries = float(s[f"entries_{place}"])
    if place == "shelf":
        traffic, reach, other = entries, 1.0, 0.0
    else:
        traffic = float(s[f"impressions_{place}"])
        public = float(s[f"public_entries_{place}"])
        reach, other = _ratio(public, traffic), entries - public
    offered, wanted = float(s[f"offered_{place}_sme"]), float(s[f"wanted_{place}_sme"])
    orders, gmv = float(s[f"orders_{place}_sme"]), float(s[f"gmv_{place}_sme"])
    return np.array([traffic, reach, other, _ratio(offered, entries), _ratio(wanted, offered),
                     _ratio(orders, wanted), _ratio(gmv, orders)])


def sme_gmv_of_factors(x: np.ndarray) -> np.ndarray:
    """SME GMV from the factors (the last axis): (traffic x reach + other) x the rest."""
    x = np.asarray(x, dtype=float)
    return (x[..., 0] * x[..., 1] + x[..., 2]) * np.prod(x[..., 3:], axis=-1)


def shapley_parts(f: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """Split ``f(x1) - f(x0)`` among the factors: factor k gets the mean, over
    all orders of switching the factors from ``x0`` to ``x1``, of the change its
    own switch makes (the Shapley value of the factors). The parts add up to the
    change exactly. ``f`` takes a stack of factor vectors (last axis)."""
    x0, x1 = np.asarray(x0, dtype=float), np.asarray(x1, dtype=float)
    k = x0.size
    masks = np.arange(1 << k)
    on = (masks[:, None] >> np.arange(k)) & 1
    value = f(np.where(on.astype(bool), x1, x0))            # f at every mix of the two runs' factors
    size = on.sum(axis=1)
    weight = np.array([factorial(s) * factorial(k - s - 1) / factorial(k) if s < k else 0.0 for s in range(k + 1)])
    out = np.zeros(k)
    for i in range(k):
        without = masks[on[:, i] == 0]
        out[i] = float((weight[size[without]] * (value[without | (1 << i)] - value[without])).sum())
    return out


def shapley_of_product(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """:func:`shapley_parts` of the plain product of the factors."""
    return shapley_parts(lambda x: np.prod(x, axis=-1), x0, x1)


def decompose_pair(base: Mapping[str, float], policy: Mapping[str, float]) -> pd.DataFrame:
    """One seed's parts: a row per place of :data:`SME_PLACES` and factor, with
    the factor's value in each run and its part of the change of SME GMV (yuan)."""
    missing = [m for m in needed_measures() if m not in base or m not in policy]
    if missing:
        raise InputError(f"the runs lack the tallies of the traffic decomposition ({', '.join(missing[:4])}"
                         f"{', ...' if len(missing) > 4 else ''}); they come from sim.measures.RunTotals")
    rows = []
    for p in SME_PLACES:
        x0, x1 = place_factors(base, p), place_factors(policy, p)
        parts = shapley_parts(sme_gmv_of_factors, x0, x1)
        for f, a, b, c in zip(FACTORS, x0, x1, parts):
            rows.append({"place": p, "factor": f, "baseline": a, "policy": b, "contribution": c})
    return pd.DataFrame(rows)


def sme_gmv(summary: Mapping[str, float]) -> float:
    """SME suppliers' GMV of a run from its tallies (yuan)."""
    return float(sum(float(summary[f"gmv_{p}_sme"]) for p in PLACES))


def _iv(values) -> dict:
    from sim.sweep.analyze import confidence_interval

    ci = confidence_interval(np.asarray(values, dtype=float))
    return {"n": ci["n"], "mean": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]}


@dataclass
class Decomposition:
    """The parts of the change of SME GMV from a baseline to a policy.

    ``pairs``: one row per seed, place and factor (``replication``, ``place``,
    ``factor``, ``baseline``, ``policy``, ``contribution`` in yuan);
    ``totals``: per seed, SME GMV in both runs and its change; ``recipients``:
    per seed and place, the changes of impressions, entries, SME goods' and
    brands' goods' GMV."""

    pairs: pd.DataFrame
    totals: pd.DataFrame
    recipients_runs: pd.DataFrame
    label: str = "policy"
    policy: Mapping[str, float] | None = None   # the levers of the policy arm, when known

    @property
    def n(self) -> int:
        return int(self.totals["replication"].nunique())

    def total(self) -> dict:
        """The change of SME GMV (yuan): mean over seeds and 95% interval."""
        return _iv(self.totals["change"])

    def relative_total(self) -> dict:
        """The change of SME GMV as a fraction of the baseline's."""
        return _iv(self.totals["change"] / self.totals["baseline"].where(self.totals["baseline"] > 0))

    def _table(self, keys: list[str]) -> pd.DataFrame:
        per = self.pairs.groupby(["replication", *keys], sort=False)["contribution"].sum().reset_index()
        rows = []
        for key, g in per.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            rows.append({**dict(zip(keys, key)), **_iv(g["contribution"])})
        return pd.DataFrame(rows)

    @property
    def table(self) -> pd.DataFrame:
        """Per place and factor: the part's mean over seeds (yuan) and interval."""
        return self._table(["place", "factor"])

    @property
    def factors(self) -> pd.DataFrame:
        """Per factor, summed over places."""
        return self._table(["factor"])

    @property
    def places(self) -> pd.DataFrame:
        """Per place, summed over factors."""
        return self._table(["place"])

    @property
    def recipients(self) -> pd.DataFrame:
        """Per place (all five): mean change of impressions, entries, GMV of SME
        goods and of brands' goods, each with its interval."""
        rows = []
        for p, g in self.recipients_runs.groupby("place", sort=False):
            row = {"place": p}
            for m in ("impressions", "entries", "gmv_sme", "gmv_brand"):
                iv = _iv(g[m])
                row[m], row[f"{m}_low"], row[f"{m}_high"] = iv["mean"], iv["ci_low"], iv["ci_high"]
            rows.append(row)
        return pd.DataFrame(rows)

    def residual(self) -> float:
        """Largest gap, over seeds, between the change of SME GMV and the sum of its parts (yuan)."""
        parts = self.pairs.groupby("replication")["contribution"].sum()
        change = self.totals.set_index("replication")["change"]
        return float((parts - change.loc[parts.index]).abs().max()) if len(parts) else 0.0

    def findings(self) -> list[str]:
        """Sentences with the numbers (computed here, never typed)."""
        t, rel = self.total(), self.relative_total()

        def y(v):
            return f"{v:+,.0f} yuan"

        out = [f"Against the baseline on the same {t['n']} seeds, {self.label} changes SME merchants' GMV by "
               f"{y(t['mean'])} ({100 * rel['mean']:+.1f}%; 95% interval {y(t['ci_low'])} to {y(t['ci_high'])})."]
        f = self.factors.set_index("factor")
        parts = "; ".join(f"{FACTOR_TEXT[k]} {y(f.at[k, 'mean'])} ({y(f.at[k, 'ci_low'])} to {y(f.at[k, 'ci_high'])})"
                          for k in FACTORS)
        out.append(f"By factor, summed over the places: {parts}.")
        pl = self.places.set_index("place")
        parts = "; ".join(f"{PLACE_TEXT[p]} {y(pl.at[p, 'mean'])} ({y(pl.at[p, 'ci_low'])} to {y(pl.at[p, 'ci_high'])})"
                          for p in SME_PLACES)
        out.append(f"By place: {parts}.")
        r = self.recipients.set_index("place")
        imp_moved = r.loc[["sme_store", "brand_store", "small_anchor", "other_anchor"], "impressions"]
        gained = imp_moved[imp_moved > 0]
        if gained.sum() > 0:
            shares = ", ".join(f"{PLACE_TEXT[p]} {100 * v / gained.sum():.0f}%" for p, v in gained.items())
            out.append(f"Of the public impressions the policy moves, the rooms that gain receive: {shares}.")
        cap = (self.policy or {}).get("traffic.anchor_cap")
        if cap is not None and cap < 1.0 and "baseline_max_share" in self.totals:
            top = float(self.totals["baseline_max_share"].max())
            binds = ("so the cap binds on the days a broadcast would take more" if top > cap else
                     "below the cap, so the cap never binds and the policy's runs are the baseline's")
            out.append(f"Without the cap, the largest share of a day's public traffic the allocation gave one broadcast was "
                       f"{100 * top:.2f}% (the highest over the {self.n} seeds' runs), {binds}.")
        if "small_anchor" in r.index:
            s = r.loc["small_anchor"]
            out.append(f"In small anchors' rooms the GMV of SME goods changes by {y(s['gmv_sme'])} "
                       f"({y(s['gmv_sme_low'])} to {y(s['gmv_sme_high'])}) and that of brands' goods by "
                       f"{y(s['gmv_brand'])} ({y(s['gmv_brand_low'])} to {y(s['gmv_brand_high'])}).")
        return out


def decompose_runs(base_runs: pd.DataFrame, policy_runs: pd.DataFrame, label: str = "policy",
                   key: str = "replication", policy: Mapping[str, float] | None = None) -> Decomposition:
    """The decomposition from run summaries of the two arms, paired by ``key``
    (the same seed in both arms: a replication of a common-random-numbers design)."""
    b = base_runs.set_index(key)
    p = policy_runs.set_index(key)
    common = [r for r in b.index if r in p.index]
    if not common:
        raise InputError("no replication is in both the baseline and the policy runs (pair them by seed)")
    pairs, totals, rec = [], [], []
    for r in common:
        sb, spol = b.loc[r].to_dict(), p.loc[r].to_dict()
        d = decompose_pair(sb, spol)
        d.insert(0, "replication", r)
        pairs.append(d)
        y0, y1 = sme_gmv(sb), sme_gmv(spol)
        totals.append({"replication": r, "baseline": y0, "policy": y1, "change": y1 - y0,
                       **({"baseline_max_share": float(sb["max_broadcast_traffic_share"])}
                          if "max_broadcast_traffic_share" in sb else {})})
        for pl in PLACES:
            imp = 0.0 if pl == "shelf" else float(spol[f"impressions_{pl}"]) - float(sb[f"impressions_{pl}"])
            rec.append({"replication": r, "place": pl, "impressions": imp,
                        "entries": float(spol[f"entries_{pl}"]) - float(sb[f"entries_{pl}"]),
                        "gmv_sme": float(spol[f"gmv_{pl}_sme"]) - float(sb[f"gmv_{pl}_sme"]),
                        "gmv_brand": float(spol[f"gmv_{pl}_brand"]) - float(sb[f"gmv_{pl}_brand"])})
    return Decomposition(pd.concat(pairs, ignore_index=True), pd.DataFrame(totals), pd.DataFrame(rec), label,
                         dict(policy) if policy is not None else None)


def check_policy(policy: Mapping[str, float], scenario: Scenario | None = None) -> Scenario:
    """The policy's scenario; refuses a policy that sets anything but the
    traffic levers, or a lever outside its range (before any run)."""
    if not isinstance(policy, Mapping) or not policy:
        raise InputError(f"policy: give the traffic levers to set, e.g. {{'traffic.long_tail_reserve': 0.3}}; "
                         f"got {policy!r}")
    bad = [k for k in policy if k not in POLICY_LEVERS]
    if bad:
        raise InputError(f"policy: {', '.join(map(str, bad))} is not a traffic lever (allowed: {', '.join(POLICY_LEVERS)})")
    sc = scenario if scenario is not None else Scenario()
    return sc.with_overrides(dict(policy))   # refuses a value outside the field's range, naming it


def policy_label(policy: Mapping[str, float]) -> str:
    parts = []
    for k, v in policy.items():
        name = {"traffic.anchor_cap": "a cap of", "traffic.long_tail_reserve": "a long-tail reserve of"}[k]
        parts.append(f"{name} {100 * v:g}%")
    return " and ".join(parts)


def _summary_task(sc: Scenario, seed: int) -> dict:
    from sim.runner import run_scenario

    return run_scenario(sc, seed).summary


def traffic_decomposition(policy: Mapping[str, float], scenario: Scenario | None = None, *, replications: int = 5,
                          master_seed: int = 20261201, workers: int = 1, baseline: Mapping[str, float] | None = None,
                          progress: Callable[[int], None] | None = None) -> Decomposition:
    """Run the baseline (``baseline``, default no cap and no reserve) and the
    policy on the same ``replications`` seeds and decompose the change of SME
    GMV. Bad input is refused before any run."""
    return traffic_decompositions({"policy": policy}, scenario, replications=replications, master_seed=master_seed,
                                  workers=workers, baseline=baseline, progress=progress)["policy"]


def traffic_decompositions(policies: Mapping[str, Mapping[str, float]], scenario: Scenario | None = None, *,
                           replications: int = 5, master_seed: int = 20261201, workers: int = 1,
                           baseline: Mapping[str, float] | None = None,
                           progress: Callable[[int], None] | None = None) -> dict[str, Decomposition]:
    """:func:`traffic_decomposition` of several policies (name -> levers), the
    baseline run once on the seeds they share. Every policy is checked before any run."""
    from sim.commands.checks import integer
    from sim.streams import replication_seeds

    integer(replications, "replications", 2, 10_000)
    integer(workers, "workers", 1, 1024)
    if not isinstance(policies, Mapping) or not policies:
        raise InputError("policies: give at least one policy (name -> traffic levers)")
    sc = scenario if scenario is not None else Scenario()
    base_sc = check_policy(dict(baseline if baseline is not None else BASELINE), sc)
    arms = {"baseline": base_sc}
    for name, pol in policies.items():
        if name == "baseline":
            raise InputError("policies: 'baseline' is the name of the baseline arm; name the policy otherwise")
        arms[name] = check_policy(pol, base_sc)
    seeds = replication_seeds(master_seed, replications)
    jobs = [(arm, r, s, arm_sc) for arm, arm_sc in arms.items() for r, s in enumerate(seeds)]
    from sim.parallel import run_jobs

    done = run_jobs(_summary_task, [(arm_sc, s) for _, _, s, arm_sc in jobs], workers, progress)
    out = {(arm, r): summary for (arm, r, _, _), summary in zip(jobs, done)}
    frame = {arm: pd.DataFrame([{"replication": r, "seed": seeds[r], **out[arm, r]} for r in range(replications)])
             for arm in arms}
    return {name: decompose_runs(frame["baseline"], frame[name], label=policy_label(pol), policy=pol)
            for name, pol in policies.items()}


def sweep_decomposition(results, baseline: Mapping[str, float] | None = None) -> pd.DataFrame | None:
    """The decomposition of every point of a traffic-policy sweep against its
    baseline point (no cap, no reserve), paired by replication: one row per
    point, place (or ``all``) and factor (or ``total``), with mean and interval
    (yuan). None, with no error, when the sweep does not fit: it varies
    something besides the traffic levers, lacks the tallies or the baseline
    point, or does not use common random numbers (then replications are not pairs)."""
    from sim.sweep.analyze import load_results

    res = load_results(results) if not hasattr(results, "runs") else results
    names = list(res.names)
    if not names or any(n not in POLICY_LEVERS for n in names):
        return None
    if not res.spec.common_random_numbers or any(m not in res.measures for m in needed_measures()):
        return None
    base = {k: (baseline or BASELINE)[k] for k in names}
    ok = res.ok
    mask = np.ones(len(ok), dtype=bool)
    for k, v in base.items():
        mask &= np.isclose(ok[k].to_numpy(dtype=float), v)
    if not mask.any():
        return None
    base_runs = ok[mask]
    rows = []
    for point, g in ok.groupby("point", sort=True):
        params = g.iloc[0][names].to_dict()
        if all(np.isclose(float(params[k]), base[k]) for k in names):
            continue
        d = decompose_runs(base_runs, g)
        common = {"point": point, **params}
        t = d.total()
        rows.append({**common, "place": "all", "factor": "total", **t})
        for _, r in d.factors.iterrows():
            rows.append({**common, "place": "all", "factor": r["factor"],
                         **{k: r[k] for k in ("n", "mean", "ci_low", "ci_high")}})
        for _, r in d.table.iterrows():
            rows.append({**common, "place": r["place"], "factor": r["factor"],
                         **{k: r[k] for k in ("n", "mean", "ci_low", "ci_high")}})
    return pd.DataFrame(rows) if rows else None


__all__ = ["BASELINE", "Decomposition", "FACTORS", "POLICY_LEVERS", "SME_PLACES", "check_policy", "decompose_pair",
           "decompose_runs", "needed_measures", "place_factors", "shapley_of_product", "shapley_parts", "sme_gmv",
           "sme_gmv_of_factors",
           "sweep_decomposition", "traffic_decomposition", "traffic_decompositions"]
