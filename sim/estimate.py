"""What a run will cost before it starts: peak memory and time, from the sizes.

:func:`estimate_run` gives the peak resident memory and the wall time of one
run of the core model from the population sizes and the horizon;
:func:`estimate_runs` scales it to many runs on some workers (a sweep, a
validation, the coalition runs of a game). :func:`check_cost` refuses, with
:class:`~sim.errors.InputError` (exit code 2, before any work), a job whose
memory exceeds the machine's available memory or a ``--max-memory`` limit,
and names the estimate, the limit and the sizes that drive it.

The formulas are the model's own cost structure with coefficients measured
on one core (``benchmarks/bench_estimate.py`` prints estimate and measurement
side by side for three sizes; the estimate is meant to be within a factor 2):

- memory: the interpreter and libraries, a few hundred bytes per consumer
  (their columns, follows and social ties), per anchor and per supplier, and the dense anchors x suppliers matrix of Gumbel keys drawn
  when anchors pick their partner suppliers (with its temporaries about
  three float64 copies), which dominates when both populations are large;
- time: start-up, the partner draw (per anchor-supplier pair, at the start
  and for the switching share of anchors at each adaptation), and per day a
  part per consumer, per anchor and per supplier.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.errors import InputError

MB = 1024 * 1024

# coefficients fitted (non-negative least squares on relative error) to the peak memory
# and the CPU time of 15 runs from 10,000 to 200,000 consumers, 50 to 50,000 anchors and
# suppliers, 5 to 365 days (Python 3.13, numpy 2, one process each, on a shared 2-core
# machine: CPU time is what a run's wall time is on a core of its own); every fitted run's
# estimate was within 0.90 to 1.22 of its CPU time and 0.96 to 1.02 of its memory
BASE_BYTES = 193 * MB  # interpreter, numpy, pandas, Mesa, pydantic, the model's fixed tables
BYTES_PER_CONSUMER = 352.0
BYTES_PER_ANCHOR = 519.0
BYTES_PER_SUPPLIER = 483.0
PAIR_BYTES = 24.0  # float64 Gumbel keys for every anchor-supplier pair, with two temporaries

START_SECONDS = 0.61  # building the model (and what start-up costs beyond the imports)
PAIR_SECONDS = 5.0e-8  # the partner draw at the start, per anchor-supplier pair
SWITCH_PAIR_SECONDS = 2.9e-8  # per pair, per adaptation and unit of partner_switch_probability
# the per-day parts refitted on 2026-12-02, after the second round's mechanisms (content
# seeding, the recommender, engagement, the shelf links, stores, ads, supply) had made the
# first fit's time estimates about 2 times too low: non-negative least squares on relative
# error to the CPU time of 6 runs (benchmarks/bench_estimate.py's three sizes at its full and
# quick horizons, a quiet 2-core machine), the rest of the formula kept. The consumer-day
# part rose 1.9 times, the anchor and supplier parts 6.8 times, scaled together (with
# anchors 5 times suppliers in every one of those sizes they cannot be told apart); the
# 6 runs' CPU times are 0.88 to 1.54 times their estimates
CONSUMER_DAY_SECONDS = 1.27e-6
ANCHOR_DAY_SECONDS = 5.4e-6
SUPPLIER_DAY_SECONDS = 8.7e-6


@dataclass(frozen=True)
class Cost:
    """Peak memory (bytes, per process) and wall time (seconds) of a job."""

    memory: float
    seconds: float
    runs: int = 1
    workers: int = 1
    what: str = "run"

    @property
    def total_memory(self) -> float:
        """Memory of the processes running at once."""
        return self.memory * max(1, min(self.workers, self.runs))

    def describe(self) -> str:
        many = f"{self.runs:,} {self.what}s on {self.workers} worker(s), " if self.runs > 1 else ""
        return f"{many}about {format_bytes(self.total_memory)} of memory and {format_seconds(self.seconds)}"


def format_bytes(n: float) -> str:
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", MB)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 1024:,.0f} KiB"


def format_seconds(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def estimate_run(scenario, days: int | None = None, **sizes: float) -> Cost:
    """Peak memory and wall time of one run of ``scenario`` (over its
    horizon, or ``days``); ``sizes`` replace the scenario's values by dotted
    path (``**{"population.anchors": 5000}``), e.g. the largest values a
    sweep design takes."""
    def get(path: str) -> float:
        return sizes.get(path, scenario.get(path))

    d = get("time.days") if days is None else days
    return estimate_sizes(get("population.consumers"), get("population.anchors"), get("population.suppliers"), d,
                          get("time.adaptation_interval"), get("adaptation.partner_switch_probability"))


def estimate_sizes(consumers: float, anchors: float, suppliers: float, days: float,
                   adaptation_interval: float = 7, partner_switch_probability: float = 0.2) -> Cost:
    """The cost formula itself (see the module's docstring)."""
    c, a, s, d = float(consumers), float(anchors), float(suppliers), float(days)
    pairs = a * s
    memory = BASE_BYTES + c * BYTES_PER_CONSUMER + a * BYTES_PER_ANCHOR + s * BYTES_PER_SUPPLIER + pairs * PAIR_BYTES
    adaptations = d // max(1.0, float(adaptation_interval))
    seconds = (START_SECONDS + pairs * (PAIR_SECONDS + SWITCH_PAIR_SECONDS * adaptations * partner_switch_probability)
               + d * (c * CONSUMER_DAY_SECONDS + a * ANCHOR_DAY_SECONDS + s * SUPPLIER_DAY_SECONDS))
    return Cost(memory=memory, seconds=seconds)


def estimate_runs(one: Cost, runs: int, workers: int = 1, what: str = "run") -> Cost:
    """``runs`` runs costing ``one`` each, ``workers`` at a time."""
    workers = max(1, int(workers))
    waves = math.ceil(runs / workers) if runs else 0
    return Cost(memory=one.memory, seconds=waves * one.seconds, runs=runs, workers=workers, what=what)


def available_memory() -> float | None:
    """Memory this machine can give a new job (bytes): MemAvailable on
    Linux, else physical memory; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def parse_memory(text: str | None, flag: str = "--max-memory") -> float | None:
    """``"8G"``, ``"512M"``, ``"2.5GiB"`` or a number of bytes -> bytes."""
    if text is None:
        return None
    t = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    factor = 1.0
    for suffix, f in (("K", 1024.0), ("M", float(MB)), ("G", 1024.0**3), ("T", 1024.0**4)):
        if t.endswith(suffix):
            t, factor = t[:-1], f
            break
    try:
        value = float(t) * factor
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{flag}: {text!r} is not a memory size (allowed: a positive number with K, M, G or T, "
                         "e.g. 8G)")
    return value


def check_cost(cost: Cost, *, max_memory: float | None = None, sizes: str = "") -> None:
    """Refuse a job whose memory exceeds ``max_memory`` (when given) or the
    machine's available memory, with the estimate and the limit."""
    limit, label = (max_memory, "--max-memory") if max_memory is not None else (available_memory(), "available memory")
    if limit is None:
        return
    if cost.total_memory > limit:
        per = f" ({format_bytes(cost.memory)} per process)" if cost.total_memory != cost.memory else ""
        raise InputError(f"estimated peak memory {format_bytes(cost.total_memory)}{per} exceeds the {label} "
                         f"{format_bytes(limit)}{'; ' + sizes if sizes else ''} (the anchors x suppliers partner "
                         "draw takes 24 bytes per pair): lower population.anchors, population.suppliers or "
                         "population.consumers, or use fewer workers")


def population_sizes(scenario) -> str:
    p = scenario.population
    return (f"population.consumers = {p.consumers:,}, population.anchors = {p.anchors:,}, "
            f"population.suppliers = {p.suppliers:,}, time.days = {scenario.time.days}")
