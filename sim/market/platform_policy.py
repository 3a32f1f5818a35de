"""The adaptive platform (MODEL.md 4.9, last bullet; section ``platform_adaptation``).

The platform moves its own levers towards its objective: the commission (a
multiplier on every category's scenario rate), the long-tail reserve, the
per-broadcast traffic cap and the ranking's preferential exponent (the
levers of :mod:`sim.market.traffic`, held in ``Platform.policy``). It does
not know the market's response; it learns it by trying, with the sign of a
simultaneous-perturbation finite difference (SPSA, Spall 1992), the standard
rule for climbing a noisy objective that is only observed by running:

* A *cycle* is two probes of ``interval_days`` each. At its start the
  platform draws a direction ``D`` in {-1, +1} per lever from its stream
  (``platform``), then holds the probe ``x + h D`` for one interval and
  ``x - h D`` for the next (``x``: the centre, ``h``: each lever's step;
  probes are clipped to the bounds). Because ``D`` is drawn afresh each
  cycle, a trend in the market (GMV growing as followers accumulate) favours
  the second probe but pushes no lever one way more than the other.
* Over each probe it measures its objective per day ``J``: GMV of the orders
  placed (``gmv``), or its profit (``profit``): the commission of the orders
  placed (booked when placed, gross of returns, since the ledger receives it
  only at settlement, weeks later) plus every other net flow into the
  ``platform`` ledger account in the interval (fines, advertising income,
  less coupons it pays, ...).
* After the second probe, if ``|J+ - J-|`` exceeds ``tolerance`` times their
  mean, every lever moves one step in the direction of the estimated
  gradient, ``sign(J+ - J-) x D``, and is clipped to its bounds; otherwise
  the centre stays. Then the next cycle begins.

The cap moves in log space (multiplied or divided by ``1 + cap_step``); the
other levers additively. A lever with step 0 is held. Policy events
(``traffic_policy``, ``algorithm_change``) still apply: the platform takes
the lever in force as its new centre at the next cycle.

:class:`PlatformPolicy` is called once a day after the measures
(``end_day``); :data:`NO_PLATFORM_POLICY` is the null object when the
section is off (it draws nothing and changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the levers, in the order the directions are drawn: name in the platform's policy,
#: the section's prefix of its step and bounds, and whether it moves in log space
LEVERS = (("commission_scale", "commission", False), ("long_tail_reserve", "reserve", False),
          ("anchor_cap", "cap", True), ("preferential_exponent", "exponent", False))
#: the daily columns of the levers in force (sim/measures.py)
POLICY_DAILY = {
    "policy_commission_scale": "commission multiplier in force today (every category's commission rate is its scenario rate times this; 1 unless the platform adapts)",
    "policy_long_tail_reserve": "long-tail reserve in force today (share of public traffic)",
    "policy_anchor_cap": "per-broadcast traffic cap in force today (share of public traffic; 1 = no cap)",
    "policy_preferential_exponent": "ranking's preferential exponent in force today",
}


@dataclass(frozen=True)
class Lever:
    name: str          # key of Platform.policy
    step: float
    low: float
    high: float
    log: bool          # moves by a factor 1 + step

    def clip(self, x: float) -> float:
        return float(min(self.high, max(self.low, x)))

    def moved(self, x: float, k: float) -> float:
        """``x`` moved by ``k`` steps (k in {-1, +1}), clipped to the bounds."""
        # (rounded to 12 decimals, so that a lever stepped back and forth returns to its value)
        return self.clip(round(x * (1.0 + self.step) ** k if self.log else x + k * self.step, 12))


def levers_of(p) -> list[Lever]:
    """The levers the section moves (those with a step > 0)."""
    out = []
    for name, prefix, log in LEVERS:
        step = float(getattr(p, f"{prefix}_step"))
        if step > 0:
            out.append(Lever(name, step, float(getattr(p, f"{prefix}_min")), float(getattr(p, f"{prefix}_max")), log))
    return out


class SPSAClimber:
    """The adaptation rule on its own (no model): feed it one objective value per
    probe, it says which lever values to hold next. ``rng`` draws the directions."""

    def __init__(self, levers: list[Lever], start: dict[str, float], tolerance: float, rng):
        self.levers, self.tolerance, self.rng = levers, float(tolerance), rng
        self.centre = {lv.name: lv.clip(float(start[lv.name])) for lv in levers}
        self.direction = np.zeros(len(levers))
        self.phase = 0                      # 0: the + probe is in force, 1: the - probe
        self.first = np.nan                 # the + probe's objective
        self.moves: list[dict] = []         # one row per completed cycle
        self._new_cycle()

    def restart(self) -> None:
        """Drop the current cycle (no move) and start a new one."""
        self._new_cycle()

    def _new_cycle(self) -> None:
        self.direction = np.where(self.rng.random(len(self.levers)) < 0.5, -1.0, 1.0)
        self.phase = 0

    def probe(self) -> dict[str, float]:
        """The lever values to hold during the current probe."""
        sign = 1.0 if self.phase == 0 else -1.0
        return {lv.name: lv.moved(self.centre[lv.name], sign * d) for lv, d in zip(self.levers, self.direction)}

    def recentre(self, current: dict[str, float]) -> None:
        """Take the levers in force as the centre (an event may have changed them)."""
        for lv in self.levers:
            self.centre[lv.name] = lv.clip(float(current[lv.name]))

    def observe(self, j: float) -> bool:
        """The current probe's objective; returns True when a cycle ended (the centre
        may have moved and a new cycle begun)."""
        if self.phase == 0:
            self.first, self.phase = float(j), 1
            return False
        plus, minus = self.first, float(j)
        scale = 0.5 * (abs(plus) + abs(minus))
        moved = bool(abs(plus - minus) > self.tolerance * scale)
        gain = np.sign(plus - minus) if moved else 0.0
        if moved:
            for lv, d in zip(self.levers, self.direction):
                self.centre[lv.name] = lv.moved(self.centre[lv.name], gain * d)
        self.moves.append({"j_plus": plus, "j_minus": minus, "moved": moved,
                           **{f"direction_{lv.name}": float(gain * d) for lv, d in zip(self.levers, self.direction)},
                           **{f"centre_{k}": v for k, v in self.centre.items()}})
        self._new_cycle()
        return True


class PlatformPolicy:
    """The adaptive platform's policy moves (called at the end of each day).

    Receives the section, the platform (its ``policy`` levers in force), the
    category table (whose ``commission`` rates it scales), the ledger (the
    ``platform`` account and the commission flows) and the ``platform`` stream."""

    enabled = True

    def __init__(self, params, platform, categories, ledger, rng):
        p = params.platform_adaptation
        self.objective, self.interval = p.objective, int(p.interval_days)
        self.platform, self.categories, self.ledger = platform, categories, ledger
        self.base_commission = categories.commission.copy()
        platform.policy["commission_scale"] = 1.0
        pol = platform.policy
        self.climber = SPSAClimber(levers_of(p), {k: pol[k] for k, _, _ in LEVERS}, p.tolerance, rng)
        self.days = 0
        self.gmv = 0            # cents of orders placed in the current probe
        self.fees = 0           # their platform fees (cents)
        self._mark()
        self._apply(self.climber.probe())

    def _mark(self) -> None:
        led = self.ledger
        self.cash0 = led["platform"]
        self.settled0 = led.flows.get("commission", 0) + led.flows.get("presale_commission", 0)

    def _apply(self, values: dict[str, float]) -> None:
        self.platform.policy.update(values)
        self.categories.commission[:] = self.base_commission * self.platform.policy["commission_scale"]

    def profit_cents(self) -> int:
        """The platform's profit over the current probe so far: the fees of the orders
        placed plus the net flow into its account other than settled commission."""
        led = self.ledger
        settled = led.flows.get("commission", 0) + led.flows.get("presale_commission", 0) - self.settled0
        return self.fees + (led["platform"] - self.cash0) - settled

    def end_day(self, d: int, orders) -> None:
        """Today's orders join the probe; on the probe's last day the platform
        scores it and holds the next probe from tomorrow."""
        self.gmv += int(orders.gmv)
        self.fees += int(orders.chunk.platform_fee.sum())
        self.days += 1
        if self.days < self.interval:
            return
        j = (self.gmv if self.objective == "gmv" else self.profit_cents()) / 100.0 / self.days
        pol, held = self.platform.policy, self.climber.probe()
        if any(pol[k] != v for k, v in held.items()):
            # an event replaced a lever during the probe: its score says nothing about
            # the probe, so the cycle is dropped and a new one starts around the levers in force
            self.climber.recentre(pol)
            self.climber.restart()
        else:
            self.climber.observe(j)
        self.days, self.gmv, self.fees = 0, 0, 0
        self._mark()
        self._apply(self.climber.probe())

    @property
    def moves(self) -> list[dict]:
        return self.climber.moves


class _NoPlatformPolicy:
    """The platform keeps its levers (the section is off): draws nothing, changes nothing."""

    enabled = False
    moves: list = []

    def end_day(self, d: int, orders) -> None:
        pass


NO_PLATFORM_POLICY = _NoPlatformPolicy()


def policy_daily_row(policy: dict) -> dict[str, float]:
    """The daily columns of the levers in force (:data:`POLICY_DAILY`)."""
    return {"policy_commission_scale": float(policy.get("commission_scale", 1.0)),
            "policy_long_tail_reserve": float(policy["long_tail_reserve"]),
            "policy_anchor_cap": float(policy["anchor_cap"]),
            "policy_preferential_exponent": float(policy["preferential_exponent"])}
