"""Validation against the stylized facts (FACTS.md).

``FACTS`` lists the facts the model measures, each with the summary measure
that computes it and its band for the default scenario. ``validate`` runs
replications and returns the table that ``livesim validate`` prints: the
simulated mean, its 95% interval (Student t over replications) and pass or
fail (the mean lies in the band).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.streams import replication_seeds


@dataclass(frozen=True)
class Fact:
    id: str
    measure: str          # summary measure, as named in sim.measures.SUMMARY_MEASURES
    description: str
    reported: str
    low: float
    high: float
    source: str
    unit: str = "share"   # "share" (printed as a percentage) or "ratio" (printed as a number, e.g. ROAS)

    @property
    def one_sided(self) -> bool:
        """A share band that reaches 100% ("at least ..."): no midpoint to aim at."""
        return self.unit == "share" and self.high >= 1.0


FACTS: tuple[Fact, ...] = (
    Fact("F1", "top50_gmv_share", "GMV share of the 50 anchors with the highest GMV", "65%", 0.55, 0.75, "CAS ecology paper"),
    Fact("F2", "sme_gmv_share", "GMV share of SME merchants", "12%", 0.08, 0.16, "CAS ecology paper"),
    Fact("F3", "live_conversion", "live-room conversion (orders / viewers)", "6% to 8%", 0.05, 0.09, "CAS ecology paper"),
    Fact("F4", "shelf_conversion", "shelf e-commerce conversion", "1% to 2%", 0.008, 0.025, "CAS ecology paper"),
    Fact("F5", "top1pct_room_conversion", "conversion of the top 1% of rooms by GMV", "above 20%", 0.15, 1.0, "integration paper"),
    Fact("F6", "return_rate_apparel", "return rate, apparel", "35%", 0.31, 0.39, "CAS ecology paper"),
    Fact("F7", "return_rate_jewelry", "return rate, jewelry", "28%", 0.24, 0.32, "CAS ecology paper"),
    Fact("F8", "reverse_logistics_share", "reverse logistics cost as a share of sales", "above 12%", 0.09, 0.15, "CAS ecology paper"),
    Fact("F9", "spoilage_share", "spoilage share of agricultural produce sold live", "up to 20%", 0.10, 0.22, "CAS ecology paper"),
    Fact("F10", "complaint_share_not_as_described", "complaints: not as described, share of all complaints", "32%", 0.25, 0.40, "CAS ecology paper"),
    Fact("F11", "complaint_share_fake_orders", "complaints: fake orders or faked data, share of all complaints", "25%", 0.18, 0.32, "CAS ecology paper"),
    Fact("F19", "content_share", "share of live-room viewers who arrived through content seeding (short videos)", "63% (Generation Z, 2024)", 0.45, 0.75, "CAS ecology paper"),
    Fact("F21", "store_seller_share", "share of suppliers that sell through their own store broadcasts over the run", "69% of merchants (2024)", 0.60, 0.78, "CAS ecology paper"),
)

# ---- paid traffic (F15, sim/market/ads.py): the return on ad spend in apparel, a ratio
FACTS += (
    Fact("F15", "roas_apparel", "return on ad spend in apparel (GMV from paid impressions / ad spend)",
         "1:5 (2020) to 1:2.3 (2024)", 1.8, 3.0, "CAS ecology paper", unit="ratio"),
)


@dataclass(frozen=True)
class PairedFact:
    """A fact checked as the effect of a lever in a paired experiment: the
    scenario runs with ``off`` and with ``on`` overrides on the same seeds,
    and the effect on ``measure`` (``on - off``, or ``(on - off) / off`` when
    ``relative``) must fall in [low, high]. ``base`` overrides apply to both
    arms (for example a shorter horizon to keep the check affordable)."""

    id: str
    measure: str
    description: str
    reported: str
    low: float
    high: float
    source: str
    off: dict
    on: dict
    relative: bool = False
    base: dict | None = None
    unit: str = "points"   # how the effect is printed: "points" (percentage points) or "%"


# Paired facts are added by the mechanisms they test (trust and fraud, credit).
# F16: a persona collapse of the top anchor on day 30 of a 90-day run.
_COLLAPSE = [{"kind": "persona_collapse", "day": 30, "anchor_rank": 1}]
_SHORT = {"time.days": 120}

PAIRED_FACTS: tuple[PairedFact, ...] = (
    PairedFact("F12", "return_rate_apparel", "virtual try-on lowers the apparel return rate", "by 15 points",
               -0.22, -0.08, "CAS ecology paper", off={"returns.virtual_try_on": False},
               on={"returns.virtual_try_on": True}, base=_SHORT),
    PairedFact("F13", "perceived_risk", "platform guarantees lower perceived risk (1 - institutional trust)",
               "by 28%", -0.40, -0.15, "CAS ecology paper",
               off={"guarantees.compensation": False, "guarantees.fast_refunds": False},
               on={"guarantees.compensation": True, "guarantees.fast_refunds": True}, relative=True, base=_SHORT,
               unit="%"),
    PairedFact("F14", "complaints_fake_goods", "traceability lowers fake-goods complaints", "by 43%",
               -0.60, -0.25, "CAS ecology paper", off={"guarantees.traceability": False},
               on={"guarantees.traceability": True}, relative=True, base=_SHORT, unit="%"),
    PairedFact("F16a", "mean_institutional_trust_run", "persona collapse of the top anchor: institutional trust falls",
               "trust crisis spreads beyond the anchor", -1.0, -0.001, "CAS ecology paper",
               off={"events": []}, on={"events": _COLLAPSE}, base={"time.days": 90}),
    PairedFact("F16b", "gmv", "persona collapse of the top anchor: platform GMV falls",
               "trust crisis spreads beyond the anchor", -1.0, -0.001, "CAS ecology paper",
               off={"events": []}, on={"events": _COLLAPSE}, relative=True, base={"time.days": 90}, unit="%"),
    PairedFact("F16c", "shock_trust_fall", "persona collapse: guarantees shrink the fall of institutional trust",
               "guarantees shrink the fall", -1.0, -0.001, "CAS ecology paper",
               off={"guarantees.compensation": False}, on={"guarantees.compensation": True}, relative=True,
               base={"time.days": 90, "events": _COLLAPSE}, unit="%"),
)

# ---- credit (F17, F18): a smaller world whose suppliers lean on credit. Capacities
# are scaled with the consumers (30% of the default) so that brands produce, and
# buy upstream on credit, from the first weeks; starting cash and stock are thin.
CREDIT_WORLD = {
    "population.consumers": 30000, "population.anchors": 600, "population.suppliers": 120,
    "time.days": 150, "suppliers.capacity_large": 450.0, "suppliers.capacity_sme": 6.0,
    "suppliers.initial_cash_days": 5.0, "suppliers.initial_stock_days": 3.0,
    "finance.trade_credit_share": 0.3, "finance.upstream_links": 2,
}
HEAD_DEFAULT = [{"kind": "head_default", "day": 60, "target": "supplier", "rank": 1}]
PAIRED_FACTS += (
    PairedFact("F17a", "upstream_default_share",
               "credit contagion: upstream suppliers' defaults after a head merchant's default (share of suppliers)",
               "a head merchant's default reaches upstream suppliers through receivables",
               0.001, 0.25, "finance paper", off={}, on={"events": HEAD_DEFAULT}, base=CREDIT_WORLD),
    PairedFact("F17b", "upstream_default_share",
               "credit contagion: a risk reserve and escrow for upstream suppliers shrink the upstream defaults",
               "a risk reserve and escrow shrink them",
               -0.25, -0.001, "finance paper", off={},
               on={"finance.risk_reserve_rate": 0.5, "finance.upstream_escrow": True},
               base={**CREDIT_WORLD, "events": HEAD_DEFAULT}),
    PairedFact("F18", "loan_loss_rate",
               "faked sales inflate credit lines: loan losses / loans drawn, 30% of merchants reporting 3x true sales, 30% detected per settlement",
               "misallocated credit, losses when detected",
               0.005, 0.5, "finance paper", off={"finance.faked_sales_share": 0.0},
               on={"finance.faked_sales_share": 2.0},
               base={**CREDIT_WORLD, "finance.faked_sales_merchant_share": 0.3,
                     "finance.fake_detection_probability": 0.3}),
)


# ---- the recommender (F20): personalised allocation off (ranking by past volume,
# impressions dealt at random) against the default, over 120 days
PAIRED_FACTS += (
    PairedFact("F20", "head_traffic_cv",
               "personalised (predicted-interest) traffic allocation lowers the coefficient of variation of head rooms' daily public traffic",
               "from 0.38 to 0.12", -0.85, -0.40, "CAS ecology paper",
               off={"recommendation.personalisation": 0.0}, on={}, relative=True, base=_SHORT, unit="%"),
)


# ---- the supply side (F22, F23; sim/market/supply.py), over 120 days. F22: the same
# anchors are knowledge-style in both arms (the same draws); off, they sell fresh produce
# at the suppliers' price, on, trust in them raises what viewers pay. F23: cold-chain
# monitoring offered to fresh-produce suppliers (each adopts it if it pays) against none.
PAIRED_FACTS += (
    PairedFact("F22", "fresh_price_knowledge",
               "a trusted, knowledge-style anchor raises the unit price at which agricultural (fresh) produce sells in its room",
               "+46%", 0.25, 0.70, "CAS ecology paper",
               off={"supply.knowledge_anchors": False}, on={"supply.knowledge_anchors": True}, relative=True,
               base=_SHORT, unit="%"),
    PairedFact("F23", "spoilage_share",
               "cold-chain monitoring of fresh produce lowers its spoilage loss (spoiled value / live GMV of fresh produce)",
               "from 12% to 4%", -0.80, -0.50, "CAS ecology paper",
               off={"supply.cold_chain": False}, on={"supply.cold_chain": True}, relative=True, base=_SHORT, unit="%"),
)


# ---- paid traffic (F15's direction): more merchants bidding for the same traffic (twice the
# default share of advertising merchants) lower the return on ad spend in apparel, over 120 days
PAIRED_FACTS += (
    PairedFact("F15b", "roas_apparel",
               "more merchants bidding for the same traffic (the share of advertising merchants doubled) lower the return on ad spend in apparel",
               "1:5 (2020) to 1:2.3 (2024) as more merchants advertise", -1.0, -0.001, "CAS ecology paper",
               off={}, on={"ads.merchant_share": 0.6}, relative=True, base=_SHORT, unit="%"),
)


def mean_interval(x, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of replications (degenerate with one),
    from the one interval function :func:`sim.sweep.analyze.confidence_interval`."""
    from sim.sweep.analyze import confidence_interval

    a = np.asarray(x, dtype=np.float64)
    m = float(a.mean())
    if a.size < 2:
        return m, m, m
    ci = confidence_interval(a, level)
    return m, float(ci["ci_low"]), float(ci["ci_high"])


def margin_in_se(x, low: float, high: float | None) -> tuple[float, float]:
    """The standard error of the mean of replications ``x`` and the distance from the
    mean to the nearest edge of the band ``[low, high]`` (``high`` None: a one-sided
    band) in standard errors: negative outside the band; NaN with fewer than two
    replications or none of spread. How robust a pass is: at 2 or more, another set
    of seeds is unlikely to move the mean out of the band."""
    a = np.asarray(x, dtype=np.float64)
    if a.size < 2:
        return float("nan"), float("nan")
    se = float(a.std(ddof=1) / np.sqrt(a.size))
    m = float(a.mean())
    gap = m - low if high is None else min(m - low, high - m)
    return se, (gap / se if se > 0 else float("nan"))


def robust_rows(table: pd.DataFrame, at_least: float = 2.0) -> pd.DataFrame:
    """The rows of a validation table that pass with their mean at least ``at_least``
    standard errors inside the band."""
    return table[(table["result"] == "pass") & (table["margin_se"] >= at_least)]


def _fmt_band(f: Fact) -> str:
    if f.unit == "ratio":
        return f"{f.low:g} to {f.high:g}"
    pct = lambda v: f"{100 * v:g}%"  # noqa: E731
    if f.one_sided:
        return f"at least {pct(f.low)}"
    return f"{pct(f.low)} to {pct(f.high)}"


def facts_table(summaries: pd.DataFrame, facts=FACTS) -> pd.DataFrame:
    """The validation table from a frame of run summaries (one row per replication)."""
    rows = []
    for f in facts:
        if f.measure not in summaries:
            continue
        m, lo, hi = mean_interval(summaries[f.measure])
        se, margin = margin_in_se(summaries[f.measure], f.low, None if f.one_sided else f.high)
        rows.append({
            "id": f.id, "measure": f.description, "reported": f.reported, "band": _fmt_band(f),
            "mean": m, "ci_low": lo, "ci_high": hi,
            "result": "pass" if f.low <= m <= f.high else "fail",
            "se": se, "margin_se": margin,
            **({"unit": f.unit} if f.unit != "share" else {}),
        })
    return pd.DataFrame(rows)


def paired_effects(scenario: Scenario, fact: PairedFact, replications: int, master_seed: int = 0,
                   workers: int = 1, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """The effect of ``fact``'s lever on its measure, one value per seed (common random numbers)."""
    base = scenario.with_overrides(fact.base or {})
    off = run_replications(base.with_overrides(fact.off), replications, master_seed, workers, progress)[fact.measure]
    on = run_replications(base.with_overrides(fact.on), replications, master_seed, workers, progress)[fact.measure]
    off, on = off.to_numpy(dtype=float), on.to_numpy(dtype=float)
    if fact.relative:
        return (on - off) / np.where(off != 0, off, np.nan)
    return on - off


def paired_table(effects: dict[str, np.ndarray], facts=PAIRED_FACTS) -> pd.DataFrame:
    rows = []
    for f in facts:
        if f.id not in effects:
            continue
        m, lo, hi = mean_interval(effects[f.id])
        se, margin = margin_in_se(effects[f.id], f.low, f.high)
        rows.append({
            "id": f.id, "measure": f.description, "reported": f.reported,
            "band": f"effect {_fmt_effect(f.low, f)} to {_fmt_effect(f.high, f)}",
            "mean": m, "ci_low": lo, "ci_high": hi,
            "result": "pass" if f.low <= m <= f.high else "fail",
            "se": se, "margin_se": margin,
            "kind": "paired", "unit": f.unit,
        })
    return pd.DataFrame(rows)


def _fmt_effect(v: float, f: PairedFact) -> str:
    return f"{100 * v:+g}{' points' if f.unit == 'points' else '%'}"


def run_replications(scenario: Scenario, replications: int, master_seed: int = 0, workers: int = 1,
                     progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run ``replications`` of ``scenario`` (seeds derived from ``master_seed``);
    one summary row per replication, in seed order whatever ``workers`` is."""
    from sim.parallel import run_jobs

    seeds = replication_seeds(master_seed, replications)
    results = run_jobs(_summary_only, [(scenario, s) for s in seeds], workers, progress)
    df = pd.DataFrame(results)
    df.insert(0, "seed", seeds)
    return df


def _summary_only(scenario: Scenario, seed: int) -> dict:
    from sim.runner import run_scenario

    return run_scenario(scenario, seed).summary


def to_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, the fact id first; shares printed as percentages."""
    head = "| id | measure | reported | band | simulated mean | 95% interval | result | margin (s.e.) |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        if r.get("unit") == "ratio":
            val, ci = f"{r['mean']:.2f}", f"{r['ci_low']:.2f} to {r['ci_high']:.2f}"
        elif r.get("kind") == "paired":
            suffix = " points" if r.get("unit") == "points" else "%"
            val = f"{100 * r['mean']:+.2f}{suffix}"
            ci = f"{100 * r['ci_low']:+.2f} to {100 * r['ci_high']:+.2f}{suffix}"
        else:
            val = f"{100 * r['mean']:.2f}%"
            ci = f"{100 * r['ci_low']:.2f}% to {100 * r['ci_high']:.2f}%"
        margin = r.get("margin_se", float("nan"))
        margin = "n/a" if margin != margin else f"{margin:.1f}"
        lines.append(f"| {r['id']} | {r['measure']} | {r['reported']} | {r['band']} | {val} | {ci} | {r['result']} "
                     f"| {margin} |")
    return "\n".join(lines) + "\n"
