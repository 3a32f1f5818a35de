"""The supply side (MODEL.md 4.9): fixed costs and idle capacity, flexible (C2M)
production, cold-chain monitoring, anchors' quality screening, knowledge-style anchors.

A sub-model of its own (docs/architecture.md): :class:`Supply` receives the scenario,
the supplier, anchor and consumer tables, the category terms, the ledger and the
``supply`` stream, never the model. The day calls it from production (fixed costs,
utilisation), purchase (the knowledge premium, cold-chain spoilage and fees), the
listings (screened partners only), adaptation (re-inspection, cold-chain adoption)
and the memories. Switched off (``supply.enabled = false``) the model holds
:data:`NO_SUPPLY`, whose hooks do nothing and draw nothing.

The rules, as coded (fresh or agricultural produce: the categories with
``spoilage_per_day > 0``, as for FACTS F9):

* **Fixed costs.** Every living supplier pays ``fixed_cost_share`` x capacity x
  unit cost every day (cents, to the outside account ``supply_costs``, flow
  ``fixed_cost``), whatever it produces. Utilisation is units ordered / capacity,
  remembered with half-life ``utilisation_half_life``; a supplier whose memory is
  below ``idle_threshold`` is idle. Idle capacity earns nothing against its fixed
  cost; the cash it drains is what the credit sub-model
  (:mod:`sim.finance.credit`) sees at the end of the day, and a supplier whose cash
  and credit no longer cover it defaults there (no default logic here).
* **Flexible (C2M) production.** A share ``c2m_share`` of suppliers (drawn once)
  have lead time ``floor(lead x c2m_lead_time_factor)`` and unit cost x (1 +
  ``c2m_cost_premium``) (their stock refills sooner: fewer stock-outs).
* **Cold chain.** With ``cold_chain``, a supplier of fresh produce adopts
  monitoring when the refund it expects to avoid per parcel (price x the
  category's spoilage chance x ``cold_chain_spoilage_cut``) exceeds
  ``cold_chain_cost``; revised at every adaptation (prices move). A monitored
  parcel spoils with (1 - ``cold_chain_spoilage_cut``) of the chance, and the
  supplier pays ``cold_chain_cost`` per order (flow ``cold_chain``). The same
  random numbers decide spoilage with and without it (common random numbers).
* **Screening.** A share ``screening_share`` of anchors screen: every partner they
  take on is inspected (``screening_cost`` yuan each, flow ``screening``); it passes
  if its true quality plus inspection noise (sd ``screening_noise``) reaches
  ``screening_min_quality`` and, if it sells fakes, the inspection misses that
  (probability 1 - ``screening_fake_detection``). A screening anchor does not list
  a partner that failed; at each adaptation it replaces each failed partner with a
  new one drawn by the partner weight and inspects it (the starting partners were
  inspected before the run, at no cost within it). Hence the cost: fewer
  listings while failed slots wait for a passing partner.
* **Knowledge-style anchors.** A share ``knowledge_share`` of anchors are
  knowledge-style, with knowledge k ~ Beta(5, 2). In their rooms a viewer's
  purchase logit for fresh produce rises by ``knowledge_value`` x k x the viewer's
  personal trust in the anchor (willingness to pay). The anchor prices fresh
  produce at exp(m) x the supplier's price, m = ``knowledge_value`` x k x T / (mean
  price sensitivity), T its memory of its viewers' trust (half-life
  ``knowledge_trust_half_life``): the premium a viewer of its audience's trust
  would pay without buying less. The premium follows trust; it is not a constant
  markup. With ``knowledge_anchors`` off the anchors keep the attribute (the same
  draws) but sell at the supplier's price.
"""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import to_cents

SUPPLY_DAILY: dict[str, str] = {
    "capacity_utilisation": "units living suppliers ordered into production today / their capacity",
    "idle_capacity_share": "share of living suppliers whose remembered utilisation is below supply.idle_threshold",
    "fixed_costs": "fixed costs suppliers paid today (yuan)",
    "cold_chain_costs": "cold-chain monitoring suppliers paid today (yuan)",
    "screening_costs": "inspections of prospective partners anchors paid today (yuan)",
    "idle_defaults": "suppliers that defaulted today while idle (remembered utilisation below supply.idle_threshold)",
    "listings_refused_screening": "listings screening anchors did not make today because the partner failed its inspection",
}

SUPPLY_SUMMARY: dict[str, str] = {
    "capacity_utilisation": "units ordered into production / capacity of living suppliers, over the run",
    "idle_capacity_share": "share of living suppliers with idle capacity, averaged over the days of the run",
    "fixed_costs": "fixed costs suppliers paid over the run (yuan)",
    "cold_chain_costs": "cold-chain monitoring suppliers paid over the run (yuan)",
    "screening_costs": "inspections of prospective partners anchors paid over the run (yuan)",
    "idle_defaults": "suppliers that defaulted while idle over the run",
    "idle_default_share": "idle_defaults / suppliers",
    "cold_chain_adoption": "share of fresh-produce suppliers monitoring their cold chain on the last day",
    "screened_out_share": "share of the inspections by screening anchors that a supplier failed, over the run",
    "listings_refused_screening": "listings screening anchors did not make because the partner failed, over the run",
    "fresh_price_knowledge": "mean unit price of fresh produce sold in the rooms of knowledge-style anchors, over the run (yuan; F22)",
    "fresh_price_other": "mean unit price of fresh produce sold in the other anchors' rooms, over the run (yuan)",
    "knowledge_price_premium": "fresh_price_knowledge / fresh_price_other - 1",
}


class NoSupply:
    """The supply side switched off: no fixed costs, no premium, nothing drawn."""

    enabled = False

    fixed_paid = None   # (no fixed costs paid: nothing for the coalition worths to add back)

    def pay_fixed_costs(self, d, order) -> None:
        pass

    def remember(self, b, views, orders) -> None:
        pass

    def adapt(self, partner_weight) -> None:
        pass

    def start_day(self) -> None:
        pass

    def daily_row(self) -> dict[str, float]:
        return dict.fromkeys(SUPPLY_DAILY, 0.0)

    def summary(self, daily) -> dict[str, float]:
        return dict.fromkeys(SUPPLY_SUMMARY, 0.0)


NO_SUPPLY = NoSupply()


class Supply:
    """Receives the scenario, the supplier, anchor and consumer tables, the category
    terms, the ledger and the ``supply`` stream."""

    enabled = True

    def __init__(self, params, suppliers, anchors, consumers, categories, ledger, rng):
        self.params, self.p = params, params.supply
        self.suppliers, self.anchors, self.consumers = suppliers, anchors, consumers
        self.categories, self.ledger, self.rng = categories, ledger, rng
        p, sp, an = self.p, suppliers, anchors
        # every draw is made whatever the levers (the same seeds: the same suppliers are C2M,
        # the same anchors screen or are knowledge-style in both arms of a paired run)
        u_c2m = rng.random(sp.n)
        u_screen = rng.random(an.n)
        u_know = rng.random(an.n)
        k = rng.beta(5.0, 2.0, an.n)
        self.c2m = u_c2m < p.c2m_share
        sp.lead_time = np.where(self.c2m, np.floor(sp.lead_time * p.c2m_lead_time_factor), sp.lead_time).astype(np.int64)
        sp.unit_cost = np.where(self.c2m, sp.unit_cost * (1.0 + p.c2m_cost_premium), sp.unit_cost)
        self.fresh = categories.spoil[sp.category] > 0          # suppliers of fresh (agricultural) produce
        self.fixed_cost = (to_cents(p.fixed_cost_share * sp.capacity * sp.unit_cost) if p.fixed_costs
                           else np.zeros(sp.n, dtype=np.int64))
        self.utilisation = np.zeros(sp.n)                       # remembered utilisation (no history: 0)
        self.fixed_paid = np.zeros(sp.n, dtype=np.int64)        # fixed costs each supplier has paid (cents)
        self._decay_u = 0.5 ** (1.0 / p.utilisation_half_life)
        self.alive_before = sp.alive.copy()
        # screening anchors and their partners' inspection (True: passed, or not inspected)
        self.screens = u_screen < p.screening_share
        self.passed = np.ones(an.partners.shape, dtype=bool)
        # knowledge-style anchors: their knowledge and memory of their viewers' trust
        an.knowledge[:] = np.where(u_know < p.knowledge_share, k, 0.0)
        self.knowledge = an.knowledge
        self.viewer_trust = np.full(an.n, params.consumers.initial_personal_trust)
        self._decay_t = 0.5 ** (1.0 / p.knowledge_trust_half_life)
        self.mean_sensitivity = max(float(consumers.price_sensitivity.mean()), 1e-9)
        self.premium_on = p.knowledge_anchors and bool((self.knowledge > 0).any())
        # cold chain: adopted or not (revised at adaptations)
        self.cold = np.zeros(sp.n, dtype=bool)
        self.spoil_factor = np.ones(sp.n)
        # running totals
        self.today = self._zero()
        self.inspections = self.failed_inspections = 0
        self.idle_defaults_total = 0
        self.refused_total = 0
        self.fresh_units = np.zeros(2)      # units of fresh produce sold live: knowledge rooms, other anchors' rooms
        self.fresh_value = np.zeros(2)      # their value (yuan)
        self._adopt_cold_chain()
        # the starting partners were inspected before the run (no cost within it)
        self._inspect(np.flatnonzero(self.screens), None, partner_weight=None, paid=False)

    @staticmethod
    def _zero() -> dict:
        return {"fixed": 0, "cold": 0, "screening": 0, "ordered": 0.0, "capacity": 0.0, "idle_defaults": 0,
                "refused": 0}

    # ---------------------------------------------------------------- production (step 9)
    def pay_fixed_costs(self, d: int, order: np.ndarray) -> None:
        """Today's production orders (units) update utilisation; every living supplier pays its fixed cost."""
        sp, led = self.suppliers, self.ledger
        alive = sp.alive
        u = np.where(sp.capacity > 0, order / np.maximum(sp.capacity, 1e-12), 0.0)
        self.utilisation = np.where(alive, self._decay_u * self.utilisation + (1 - self._decay_u) * u,
                                    self.utilisation)
        self.today["ordered"] = float(order[alive].sum())
        self.today["capacity"] = float(sp.capacity[alive].sum())
        who = np.flatnonzero(alive & (self.fixed_cost > 0))
        self.today["fixed"] = led.transfer(led.supplier_accts(who), led.acct("supply_costs"), self.fixed_cost[who],
                                           "fixed_cost")
        self.fixed_paid[who] += self.fixed_cost[who]

    # ---------------------------------------------------------------- purchase (step 5)
    def _knowledge_entries(self, b, bcast, sup):
        """Which of these (broadcast, supplier) pairs are fresh produce in a knowledge room, and the room's anchor."""
        anchor = np.append(b.anchor, -1)[np.where(bcast >= 0, bcast, b.anchor.size)]
        a = np.maximum(anchor, 0)
        hit = (anchor >= 0) & self.fresh[sup] & (self.knowledge[a] > 0)
        return hit, a

    def markup(self) -> np.ndarray:
        """Each anchor's log price premium on fresh produce (0 for the others)."""
        return self.p.knowledge_value * self.knowledge * self.viewer_trust / self.mean_sensitivity

    def live_logit(self, b, bcast, sup, ptrust, cons) -> np.ndarray | float:
        """Added to the purchase logit of live-room views: willingness to pay in a knowledge
        room, less the premium priced in (0 without knowledge anchors)."""
        if not self.premium_on:
            return 0.0
        hit, a = self._knowledge_entries(b, bcast, sup)
        wtp = self.p.knowledge_value * self.knowledge[a] * ptrust
        return np.where(hit, wtp - self.consumers.price_sensitivity[cons] * self.markup()[a], 0.0)

    def unit_price(self, b, bcast, sup) -> np.ndarray:
        """The price (yuan) of each (broadcast, supplier) order: the supplier's price, with a
        knowledge anchor's premium on fresh produce (shelf orders: bcast -1)."""
        price = self.suppliers.price[sup]
        if not self.premium_on:
            return price
        hit, a = self._knowledge_entries(b, bcast, sup)
        return np.where(hit, price * np.exp(self.markup()[a]), price)

    def on_orders(self, o_sup: np.ndarray) -> None:
        """Cold-chain fees of today's orders of monitored suppliers."""
        if not self.cold.any():
            return
        led = self.ledger
        mon = o_sup[self.cold[o_sup]]
        fee = to_cents(self.p.cold_chain_cost)
        self.today["cold"] += led.transfer(led.supplier_accts(mon), led.acct("supply_costs"),
                                           np.full(mon.size, fee, dtype=np.int64), "cold_chain")

    # ---------------------------------------------------------------- listings (step 2)
    def screen_listings(self, accept: np.ndarray, live_a: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """A screening anchor does not list a partner that failed its inspection."""
        if self.passed.all() or live_a.size == 0:
            return accept
        an = self.anchors
        failed = (an.partners[live_a][:, :, None] == cand[:, None, :]) & ~self.passed[live_a][:, :, None]
        refuse = failed.any(axis=1) & accept
        self.today["refused"] += int(refuse.sum())
        return accept & ~refuse

    # ---------------------------------------------------------------- adaptation (step 12)
    def adapt(self, partner_weight: np.ndarray) -> None:
        """Failed partners of screening anchors replaced (and the new ones inspected);
        cold-chain adoption revised at today's prices."""
        failing = np.flatnonzero(self.screens & ~self.passed.all(axis=1))
        if failing.size:
            self._inspect(failing, ~self.passed[failing], partner_weight)
        self._adopt_cold_chain()

    def _inspect(self, rows: np.ndarray, slots, partner_weight, paid: bool = True) -> None:
        """Inspect the partners of anchors ``rows`` (``slots``: which of their slots; None:
        all), after drawing new partners for those slots when ``partner_weight`` is given."""
        if rows.size == 0:
            return
        an, sp, p, rng = self.anchors, self.suppliers, self.p, self.rng
        mask = np.ones((rows.size, an.partners.shape[1]), dtype=bool) if slots is None else slots
        if partner_weight is not None and sp.n > an.partners.shape[1]:
            # one new partner per failed slot, drawn by weight among those not partnered yet (Gumbel max)
            r_i, s_i = np.nonzero(mask)
            keys = np.log(np.maximum(partner_weight, 1e-300))[None, :] + rng.gumbel(size=(r_i.size, sp.n))
            keys[np.arange(r_i.size)[:, None], an.partners[rows[r_i]]] = -np.inf
            an.partners[rows[r_i], s_i] = keys.argmax(axis=1)
        sup = an.partners[rows]
        seen = sp.true_quality[sup] + rng.normal(0.0, p.screening_noise, sup.shape)
        caught = sp.sells_fakes[sup] & (rng.random(sup.shape) < p.screening_fake_detection)
        ok = (seen >= p.screening_min_quality) & ~caught
        self.passed[rows] = np.where(mask, ok, self.passed[rows])
        n = int(mask.sum())
        self.inspections += n
        self.failed_inspections += int((mask & ~ok).sum())
        cost = to_cents(p.screening_cost)
        if cost > 0 and paid:
            led = self.ledger
            # an anchor pays for its inspections at most what its cash pays for (as for content)
            owed = mask.sum(axis=1).astype(np.int64) * cost
            acct = led.anchor_accts(rows)
            paid_cents = np.minimum(owed, np.maximum(led.balance[acct], 0))
            self.today["screening"] += led.transfer(acct, led.acct("supply_costs"), paid_cents, "screening")

    def _adopt_cold_chain(self) -> None:
        sp, p = self.suppliers, self.p
        if not p.cold_chain:
            return
        saving = sp.price * self.categories.spoil[sp.category] * p.cold_chain_spoilage_cut
        self.cold = self.fresh & sp.alive & (saving > p.cold_chain_cost)
        self.spoil_factor = np.where(self.cold, 1.0 - p.cold_chain_spoilage_cut, 1.0)

    # ---------------------------------------------------------------- memories (step 13)
    def remember(self, b, views, orders) -> None:
        """Knowledge anchors' memory of their viewers' trust; fresh produce's unit prices;
        suppliers that defaulted today while idle."""
        an, sp = self.anchors, self.suppliers
        if self.premium_on and views.bcast.size:
            va = b.anchor[views.bcast]
            live = va >= 0
            cnt = np.bincount(va[live], minlength=an.n)
            tot = np.bincount(va[live], weights=views.ptrust[live], minlength=an.n)
            seen = (cnt > 0) & (self.knowledge > 0)
            self.viewer_trust[seen] = (self._decay_t * self.viewer_trust[seen]
                                       + (1 - self._decay_t) * tot[seen] / cnt[seen])
        ch = orders.chunk
        fresh = (ch.anchor >= 0) & self.fresh[ch.supplier]
        if fresh.any():
            k = self.knowledge[ch.anchor[fresh]] > 0
            self.fresh_units += np.bincount(k.astype(np.int64), minlength=2)[::-1]
            self.fresh_value += np.bincount(k.astype(np.int64), weights=ch.price[fresh] / 100.0, minlength=2)[::-1]
        died = self.alive_before & ~sp.alive
        self.today["idle_defaults"] = int((died & (self.utilisation < self.p.idle_threshold)).sum())
        self.idle_defaults_total += self.today["idle_defaults"]
        self.refused_total += self.today["refused"]
        self.alive_before = sp.alive.copy()

    def start_day(self) -> None:
        self.today = self._zero()

    # ---------------------------------------------------------------- measures
    def daily_row(self) -> dict[str, float]:
        t, sp = self.today, self.suppliers
        alive = sp.alive
        return {
            "capacity_utilisation": t["ordered"] / t["capacity"] if t["capacity"] > 0 else 0.0,
            "idle_capacity_share": float((self.utilisation[alive] < self.p.idle_threshold).mean()) if alive.any() else 0.0,
            "fixed_costs": t["fixed"] / 100.0,
            "cold_chain_costs": t["cold"] / 100.0,
            "screening_costs": t["screening"] / 100.0,
            "idle_defaults": float(t["idle_defaults"]),
            "listings_refused_screening": float(t["refused"]),
        }

    def summary(self, daily) -> dict[str, float]:
        sp = self.suppliers
        util = float(daily["capacity_utilisation"].mean()) if len(daily) else 0.0
        pk = self.fresh_value[0] / self.fresh_units[0] if self.fresh_units[0] else 0.0
        po = self.fresh_value[1] / self.fresh_units[1] if self.fresh_units[1] else 0.0
        return {
            "capacity_utilisation": util,
            "idle_capacity_share": float(daily["idle_capacity_share"].mean()) if len(daily) else 0.0,
            "fixed_costs": float(daily["fixed_costs"].sum()),
            "cold_chain_costs": float(daily["cold_chain_costs"].sum()),
            "screening_costs": float(daily["screening_costs"].sum()),
            "idle_defaults": float(self.idle_defaults_total),
            "idle_default_share": self.idle_defaults_total / sp.n,
            "cold_chain_adoption": float(self.cold[self.fresh].mean()) if self.fresh.any() else 0.0,
            "screened_out_share": self.failed_inspections / self.inspections if self.inspections else 0.0,
            "listings_refused_screening": float(self.refused_total),
            "fresh_price_knowledge": float(pk),
            "fresh_price_other": float(po),
            "knowledge_price_premium": float(pk / po - 1.0) if pk and po else 0.0,
        }
