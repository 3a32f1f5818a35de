"""LiveCommerceModel: the live-commerce ecosystem, one step per day.

The model follows the specification in MODEL.md (ODD protocol); ``step``
below is its process overview (section 3) in code. Platform, suppliers,
anchors and (with the credit sub-model) the lender are Mesa Agents; the
suppliers' and anchors' state is held column-wise in tables; the
consumers are a column-wise population. Every random number comes from a
stream derived from the seed (:mod:`sim.streams`); money moves only through
the double-entry ledger, in integer cents (:mod:`sim.finance.ledger`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np

from sim.agents import Anchor, AnchorTable, Platform, Supplier, SupplierTable
from sim.consumers import ConsumerPopulation, PurchaseTerms, purchase_logit, sigmoid
from sim.finance.credit import Finance
from sim.finance.ledger import Ledger, to_cents
from sim.finance.presale import CANCELLED, Presale
from sim.market.traffic import allocate_traffic, ranking_score
from sim.measures import DAILY_MEASURES, DayTally, daily_measures
from sim.scenario import FINANCE_EVENTS, Scenario
from sim.streams import derive_streams
from sim.trust import TrustSystem

CH_ANCHOR, CH_STORE, CH_SHELF = 0, 1, 2
KEPT, RETURNED, SPOILED = 0, 1, 2   # and CANCELLED = 3: a pre-sale order cancelled before it shipped


@dataclass
class OrderChunk:
    """The orders placed on one day, kept until they are settled (pre-sale
    orders settle ``presale_settle_day``, the rest ``settle_day``)."""

    day: int
    settle_day: int
    presale_settle_day: int
    consumer: np.ndarray
    supplier: np.ndarray
    anchor: np.ndarray        # -1 for store broadcasts and shelf orders
    room: np.ndarray          # anchor index, or n_anchors + supplier for a store room, -1 on the shelf
    channel: np.ndarray
    category: np.ndarray
    price: np.ndarray         # cents
    platform_fee: np.ndarray  # cents
    anchor_fee: np.ndarray    # cents
    outcome: np.ndarray       # KEPT, RETURNED or SPOILED
    mismatch: np.ndarray      # returned because the product was not as advertised
    delivery_day: np.ndarray  # -1 for a cancelled pre-sale order
    return_day: np.ndarray
    presale: np.ndarray       # pre-sale order (sim/finance/presale.py)
    deposit: np.ndarray       # cents paid at order by a pre-sale order (0 otherwise)
    released: np.ndarray      # cents of a pre-sale order's money released to the merchant before settlement

    def subset(self, mask: np.ndarray) -> "OrderChunk":
        """The orders in ``mask`` (a new chunk with the same days)."""
        return OrderChunk(**{f.name: (getattr(self, f.name)[mask] if isinstance(getattr(self, f.name), np.ndarray)
                                      else getattr(self, f.name)) for f in fields(self)})


class LiveCommerceModel(mesa.Model):
    """The live-commerce ecosystem.

    Args:
        scenario: the validated parameter set (default: ``Scenario()``).
        seed: non-negative integer; the same scenario and seed give identical runs.
    """

    def __init__(self, scenario: Scenario | None = None, seed: int = 0):
        super().__init__(rng=int(seed))
        self.params = scenario if scenario is not None else Scenario()
        self.seed = int(seed)
        self.streams = derive_streams(self.seed)
        sc = self.params
        init = self.streams["init"]
        self.category_names = list(sc.categories)
        cats = list(sc.categories.values())
        self.n_categories = len(cats)
        self.cat_mean_price = np.array([c.mean_price for c in cats])
        self.cat_commission = np.array([c.commission_rate for c in cats])
        self.cat_return_rate = np.array([c.base_return_rate for c in cats])
        self.cat_reverse_share = np.array([c.reverse_logistics_share for c in cats])
        self.cat_forward = to_cents([c.forward_logistics for c in cats])
        self.cat_shipping = np.array([c.shipping_days for c in cats], dtype=np.int64)
        self.cat_spoil = 1.0 - np.power(1.0 - np.array([c.spoilage_per_day for c in cats]), self.cat_shipping)
        self.try_on = np.array([c.try_on_applicable for c in cats])

        # ---- agents and population
        self.suppliers = SupplierTable(sc, init)
        self.anchors = AnchorTable(sc, init)
        self.consumers = ConsumerPopulation(sc, init, self.anchors.popularity)
        self.platform = Platform(self, policy=sc.traffic.model_dump())
        Supplier.create_agents(self, self.suppliers.n, idx=np.arange(self.suppliers.n))
        Anchor.create_agents(self, self.anchors.n, idx=np.arange(self.anchors.n))
        an = sc.anchors
        self.anchors.set_tiers(self.consumers.follower_counts(self.anchors.n), an.head_share, an.waist_share,
                               an.commission_rate, an.head_commission_premium)
        # first forecasts, before any history: expected follower viewers convert at 5%
        viewers0 = self.anchors.followers * sc.consumers.activity * sc.consumers.watch_followed
        self.anchors.units_per_listing = 0.05 * viewers0 / sc.anchors.products_per_broadcast
        self.anchors.performance = 0.05 * viewers0 * float(self.cat_mean_price.mean())  # yuan, like GMV
        self.anchors.pick_partners(init, self._partner_weight())

        # ---- money
        self.ledger = Ledger(self.suppliers.n, self.anchors.n)
        sp = self.suppliers
        start_cash = to_cents(sc.suppliers.initial_cash_days * sp.capacity * sp.unit_cost)
        self.ledger.transfer(self.ledger.acct("capital"), self.ledger.supplier_accts(np.arange(sp.n)),
                             start_cash, "capital")
        self.book: list[OrderChunk] = []
        # the credit sub-model: lender, loans, trade credit, defaults (MODEL.md 4.5)
        self.finance = Finance(self) if sc.finance.enabled else None
        # pre-sale orders and the escrow of pre-sale funds (part of the credit sub-model)
        self.presale = Presale(self) if self.finance is not None else None
        self.trust = TrustSystem(self)  # fraud state, guarantees, social graph (sim/trust.py)
        self.lender = self.finance.lender if self.finance is not None else None   # a Mesa Agent (sim.agents.Lender)

        # ---- measures
        self.day = 0
        self.activity_multiplier = 1.0
        self._spikes: list[tuple[int, int, float]] = []
        nr = self.anchors.n + self.suppliers.n
        self.cum = {
            "room_gmv": np.zeros(nr), "room_views": np.zeros(nr, dtype=np.int64),
            "room_orders": np.zeros(nr, dtype=np.int64), "room_impressions": np.zeros(nr),
            "supplier_gmv": np.zeros(sp.n),
            "cat_deliveries": np.zeros(self.n_categories, dtype=np.int64),
            "cat_returns": np.zeros(self.n_categories, dtype=np.int64),
        }
        self.today: dict[str, float] = {}
        # coalition mode (sim.coalition.modes): None is the grand coalition,
        # i.e. full live commerce; a Mode makes non-members use standalone channels
        self.mode = None
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, k=name: m.today[k]) for name in DAILY_MEASURES})

    # ================================================================ schedule
    def step(self) -> None:
        """One day (MODEL.md section 3)."""
        d = self.day
        tally = DayTally(self)
        self.trust.start_day()
        if self.presale is not None:                           # pre-sale orders due today ship first
            self.presale.tally = tally
            self.presale.ship(d)
        self._fire_events(d)                                   # 1. events
        live = self._open_broadcasts(tally)                   # 2. broadcasts and listings
        shares = self._allocate_traffic(live)                  # 3. public traffic
        views = self._watch(live, shares, tally)               # 4. viewing
        self._purchase(live, views, tally)                     # 4-5. buying, stock, escrow
        if self.mode is not None:                              # standalone channels outside the coalition
            self.mode.standalone_day(self, tally)
        self._deliver_and_return(d, tally)                     # 6-7. returns, spoilage, trust, complaints
        self.trust.fraud_step(d, tally)                        # 8. fake orders, detection
        self._produce(d, tally)                                # production for stock
        settlement_day = (d + 1) % self.params.time.settlement_period == 0
        if settlement_day:                                     # 9. settlement
            self._settle(d, tally)
        if self.finance is not None:                           # 9. loans fall due, defaults
            self.finance.end_of_day(d, tally, settlement_day)
        if (d + 1) % self.params.time.adaptation_interval == 0:  # 10. adaptation
            self._adapt()
        self._remember(live, tally)
        self.today = daily_measures(self, tally)               # 11. measures
        self.datacollector.collect(self)
        self.anchors.age += 1
        self.day += 1

    def run(self, days: int | None = None, progress=None) -> None:
        """Step ``days`` days (default: the scenario's horizon). ``progress`` is
        called with the number of days done after each day, if given."""
        days = self.params.time.days if days is None else days
        for _ in range(days):
            self.step()
            if progress is not None:
                progress(1)

    # =================================================================== steps
    def _fire_events(self, d: int) -> None:
        for i, ev in enumerate(self.params.events):
            if ev.day != d:
                continue
            if ev.kind == "traffic_policy":
                for key in ("preferential_exponent", "anchor_cap", "long_tail_reserve",
                            "new_entrant_boost", "exploration_share"):
                    val = getattr(ev, key)
                    if val is not None:
                        self.platform.policy[key] = val
            elif ev.kind == "demand_spike":
                self._spikes.append((d, d + ev.duration, ev.activity_multiplier))
            elif ev.kind == "algorithm_change":
                self.platform.policy["preferential_exponent"] = ev.preferential_exponent
            elif ev.kind in FINANCE_EVENTS:                    # credit squeeze, return wave, head default
                self.finance.fire_event(ev, d)
            elif ev.kind == "persona_collapse":
                self.trust.persona_collapse(ev, d)
        mult = 1.0
        for start, end, m in self._spikes:
            if start <= d < end:
                mult *= m
        self.activity_multiplier = mult

    def _partner_weight(self) -> np.ndarray:
        sp = self.suppliers
        margin = np.maximum(sp.price - sp.unit_cost, 0.01)
        return sp.appeal * np.sqrt(margin)

    def _open_broadcasts(self, tally: "DayTally") -> dict:
        """Anchors decide to go live and list products; suppliers accept or
        refuse the pit fee and commission; suppliers run store broadcasts."""
        sc, an, sp = self.params, self.anchors, self.suppliers
        rng = self.streams["broadcast"]
        a = sc.anchors
        prob = np.array([a.broadcast_probability_head, a.broadcast_probability_waist,
                         a.broadcast_probability_tail])[an.tier] * an.alive * self.trust.may_broadcast(self.day)
        live_a = np.flatnonzero(rng.random(an.n) < prob)
        k = min(a.products_per_broadcast, an.partners.shape[1])
        order = np.argsort(rng.random((live_a.size, an.partners.shape[1])), axis=1)[:, :k]
        slots = order
        cand = an.partners[live_a[:, None], slots]
        # supplier's decision: expected margin from this anchor covers the pit fee
        pit_fee = a.pit_fee_per_follower * an.followers[live_a] * an.fee_multiplier[live_a]
        rate = an.commission_rate[live_a]
        plat = self.cat_commission[sp.category[cand]]
        if self.mode is not None:
            plat = plat * self.mode.anchor_on_platform[live_a][:, None]
        unit_margin = (sp.price[cand] * (1.0 - plat - rate[:, None]) - sp.unit_cost[cand]
                       - self.cat_forward[sp.category[cand]] / 100.0)
        exp_units = an.units_per_listing[live_a]
        min_margin = sc.suppliers.min_margin_share * sp.price[cand]
        accept = ((unit_margin >= min_margin) & (exp_units[:, None] * unit_margin >= pit_fee[:, None])
                  & (sp.stock[cand] > 0))
        if self.mode is not None:  # listings only between members of the same coalition
            accept &= self.mode.same_bloc(live_a[:, None], cand)
        an.period_offered[live_a] += k
        an.period_accepted[live_a] += accept.sum(axis=1)
        # broadcasts with no accepted listing do not happen
        has = accept.any(axis=1)
        live_a, cand, accept, slots, pit_fee, rate = (live_a[has], cand[has], accept[has], slots[has],
                                                      pit_fee[has], rate[has])
        # left-align accepted listings
        pos = np.argsort(~accept, axis=1, kind="stable")
        listing = np.where(np.take_along_axis(accept, pos, 1), np.take_along_axis(cand, pos, 1), -1)
        listing_slot = np.where(listing >= 0, np.take_along_axis(slots, pos, 1), -1)
        n_acc = accept.sum(axis=1)
        fee_cents = to_cents(pit_fee)
        payer = cand[accept]
        payee = np.repeat(live_a, n_acc)
        self.ledger.transfer(self.ledger.supplier_accts(payer), self.ledger.anchor_accts(payee),
                             np.repeat(fee_cents, n_acc), "pit_fee")
        tally.pit_fees = int((np.repeat(fee_cents, n_acc)).sum())
        # store broadcasts
        live_s = (rng.random(sp.n) < sp.store_probability) & (sp.stock > 0)
        if self.mode is not None:  # store broadcasts need the platform
            live_s &= self.mode.supplier_on_platform
        live_s = np.flatnonzero(live_s)
        store_listing = np.full((live_s.size, k), -1, dtype=np.int64)
        store_listing[:, 0] = live_s
        na, ns = live_a.size, live_s.size
        b = {
            "anchor": np.concatenate([live_a, np.full(ns, -1)]).astype(np.int64),
            "store": np.concatenate([np.full(na, -1), live_s]).astype(np.int64),
            "listing": np.concatenate([listing, store_listing]).astype(np.int64),
            "listing_slot": np.concatenate([listing_slot, np.full((ns, k), -1)]).astype(np.int64),
            "rate": np.concatenate([rate, np.zeros(ns)]),
            "skill": np.concatenate([an.skill[live_a], np.full(ns, sc.suppliers.store_skill)]),
        }
        b["room"] = np.where(b["anchor"] >= 0, b["anchor"], an.n + b["store"])
        b["n_listed"] = (b["listing"] >= 0).sum(axis=1)
        tally.broadcasts_anchor = na
        tally.broadcasts_store = ns
        tally.b = b
        return b

    def _allocate_traffic(self, b: dict) -> np.ndarray:
        """The platform's ranking: shares of today's public impressions."""
        pol = self.platform.policy
        an, sp, sc = self.anchors, self.suppliers, self.params
        is_anchor = b["anchor"] >= 0
        perf = np.where(is_anchor, an.performance[np.maximum(b["anchor"], 0)],
                        sp.store_performance[np.maximum(b["store"], 0)])
        new = is_anchor & (an.age[np.maximum(b["anchor"], 0)] < sc.traffic.new_entrant_days)
        boost = np.where(new, pol["new_entrant_boost"], 1.0)
        perf = perf * self.trust.score_multiplier(b, self.day)   # fake orders inflate, detection demotes
        score = ranking_score(perf, pol["preferential_exponent"], boost)
        # predicted GMV: the rule's conversion at an average viewer times the listed price
        lst = b["listing"]
        ok = lst >= 0
        s = np.maximum(lst, 0)
        price = np.where(ok, sp.price[s], 0.0)
        mean_price = price.sum(axis=1) / np.maximum(b["n_listed"], 1)
        c = sc.purchase
        it = float(self.consumers.institutional_trust.mean())
        adv = np.where(ok, sp.advertised_quality[s], 0).sum(axis=1) / np.maximum(b["n_listed"], 1)
        z = (c.intercept + c.skill * np.log(b["skill"]) + c.institutional_trust * (it - 0.5)
             + c.impulsiveness * (sc.consumers.impulsiveness_mean - 0.5) + c.advertised_quality * (adv - 0.5))
        predicted = sigmoid(z) * mean_price
        small_anchor = is_anchor & ((an.tier[np.maximum(b["anchor"], 0)] == 2) | new)
        sme_store = ~is_anchor & ~sp.is_large[np.maximum(b["store"], 0)]
        w_sme = sc.traffic.reserve_sme_share
        if self.mode is not None:  # public traffic only for broadcasts on the platform
            on = self.mode.broadcast_on_platform(b)
            shares = np.zeros(on.size)
            if on.any():
                shares[on] = allocate_traffic(score[on], predicted[on],
                                              [(sme_store[on], w_sme), (small_anchor[on], 1.0 - w_sme)],
                                              exploration_share=pol["exploration_share"],
                                              long_tail_reserve=pol["long_tail_reserve"], cap=pol["anchor_cap"])
            return shares
        return allocate_traffic(score, predicted, [(sme_store, w_sme), (small_anchor, 1.0 - w_sme)],
                                exploration_share=pol["exploration_share"],
                                long_tail_reserve=pol["long_tail_reserve"], cap=pol["anchor_cap"])

    def _watch(self, b: dict, shares: np.ndarray, tally: "DayTally") -> dict:
        """Active consumers watch followed anchors who are live (private
        traffic) and rooms the platform pushes to them (public traffic)."""
        sc, cons, an = self.params, self.consumers, self.anchors
        rng = self.streams["view"]
        active = cons.active_today(rng, sc, self.activity_multiplier, sc.consumers.initial_institutional_trust)
        tally.active = active
        nb = b["anchor"].size
        bcast_of_anchor = np.full(an.n, -1, dtype=np.int64)
        bcast_of_anchor[b["anchor"][b["anchor"] >= 0]] = np.flatnonzero(b["anchor"] >= 0)
        # private: followed anchors who are live
        fol = cons.follows[active]
        bid = np.where(fol >= 0, bcast_of_anchor[np.maximum(fol, 0)], -1)
        p_watch = sc.consumers.watch_followed
        if self.mode is not None and nb:  # off the platform fewer followers find the room
            p_watch = p_watch * self.mode.watch_factor(b)[np.maximum(bid, 0)]
        watch = (bid >= 0) & (rng.random(bid.shape) < p_watch)
        rows, cols = np.nonzero(watch)
        v_cons = active[rows]
        v_b = bid[rows, cols]
        v_pt = cons.personal_trust[v_cons, cols]
        # public: impressions drawn from the allocation, some clicked
        tr = self.streams["traffic"]
        n_imp = tr.poisson(sc.platform.public_impressions_per_active, active.size)
        imp_cons = np.repeat(active, n_imp)
        # impressions per broadcast, then dealt to consumers in random order;
        # traffic the cap left unused is not served
        counts = _multinomial(tr, imp_cons.size, shares)
        imp_b = np.repeat(np.arange(nb), counts)
        imp_cons = imp_cons[tr.permutation(imp_cons.size)[:imp_b.size]]
        tally.impressions = counts
        click = rng.random(imp_b.size) < sc.platform.click_through
        p_cons, p_b = imp_cons[click], imp_b[click]
        anchor_of = b["anchor"][p_b]
        slot = cons.follow_slot(p_cons, np.where(anchor_of >= 0, anchor_of, -2))
        fresh = slot < 0                           # followers were reached privately already
        p_cons, p_b = p_cons[fresh], p_b[fresh]
        p_pt = sc.consumers.stranger_trust_factor * cons.institutional_trust[p_cons]
        return {
            "consumer": np.concatenate([v_cons, p_cons]),
            "bcast": np.concatenate([v_b, p_b]),
            "ptrust": np.concatenate([v_pt, p_pt]),
            "followed": np.concatenate([np.ones(v_cons.size, bool), np.zeros(p_cons.size, bool)]),
        }

    def _purchase(self, b: dict, v: dict, tally: "DayTally") -> None:
        """Viewers buy (live rooms), shelf visitors buy (shelf channel); budgets
        and stock ration the candidates; orders pay into escrow."""
        sc, cons, sp = self.params, self.consumers, self.suppliers
        rng = self.streams["purchase"]
        c = sc.purchase
        # ---- live rooms: each viewer considers one listed product
        vb = v["bcast"]
        pick = np.floor(rng.random(vb.size) * b["n_listed"][vb]).astype(np.int64)
        v_sup = b["listing"][vb, pick]
        v_cons = v["consumer"]
        intercept = c.intercept
        if self.mode is not None:  # selling off the platform: no guarantees, more friction
            intercept = c.intercept - self.mode.friction(b)[vb]
        live_p = self._buy_probability(v_cons, v_sup, np.log(b["skill"][vb]), v["ptrust"], intercept)
        buy = rng.random(vb.size) < live_p
        # ---- shelf: page views by shelf preference, products by visibility
        active = tally.active
        lam = sc.platform.shelf_views_per_active * 2.0 * cons.shelf_preference[active]
        n_pages = rng.poisson(lam)
        s_cons = np.repeat(active, n_pages)
        w = sp.shelf_weight
        if self.mode is not None:  # the shelf shows only suppliers on the platform
            w = w * self.mode.supplier_on_platform
            if w.sum() <= 0:
                s_cons, w = s_cons[:0], sp.shelf_weight
        s_sup = np.repeat(np.arange(sp.n), _multinomial(rng, s_cons.size, w / w.sum()))
        s_cons = s_cons[rng.permutation(s_cons.size)]
        # no room on the shelf: skill 1 (log 0) and a neutral personal-trust term
        shelf_p = self._buy_probability(s_cons, s_sup, np.zeros(s_cons.size), np.full(s_cons.size, 0.5),
                                        c.shelf_intercept)
        s_buy = rng.random(s_cons.size) < shelf_p
        tally.viewers = vb.size
        tally.shelf_views = s_cons.size
        # ---- candidates, then budgets and stock
        bb = vb[buy]
        cand_cons = np.concatenate([v_cons[buy], s_cons[s_buy]])
        cand_sup = np.concatenate([v_sup[buy], s_sup[s_buy]])
        cand_b = np.concatenate([bb, np.full(int(s_buy.sum()), -1)])
        price = to_cents(sp.price[cand_sup])
        ok = _within_budget(cand_cons, price, to_cents(cons.budget), rng)
        # pre-sale orders (live rooms only) take no stock today: theirs is committed on the shipping day
        pre = self.presale.choose(self.day, ok & (cand_b >= 0)) if self.presale is not None else \
            np.zeros(ok.size, dtype=bool)
        ok_stock, lost = _within_stock(cand_sup, ok & ~pre, sp.stock, rng)
        keep = ok & (ok_stock | pre)
        np.add.at(sp.period_lost, cand_sup[ok & ~pre & ~ok_stock], 1)   # (pre-sale orders asked for no stock)
        tally.lost_sales = int(lost)
        o_cons, o_sup, o_b, o_price, o_pre = cand_cons[keep], cand_sup[keep], cand_b[keep], price[keep], pre[keep]
        ix = np.where(o_b >= 0, o_b, b["anchor"].size)  # shelf orders read the padding (also with no broadcast)
        o_anchor = np.append(b["anchor"], -1)[ix]
        o_room = np.append(b["room"], -1)[ix]
        o_channel = np.where(o_b < 0, CH_SHELF, np.where(o_anchor >= 0, CH_ANCHOR, CH_STORE))
        o_rate = np.where(o_anchor >= 0, np.append(b["rate"], 0.0)[ix], 0.0)
        sold = np.bincount(o_sup, minlength=sp.n)
        sp.stock -= np.bincount(o_sup[~o_pre], minlength=sp.n)
        sp.period_sold += sold
        sp.demand_ema = 0.9 * sp.demand_ema + 0.1 * np.bincount(cand_sup[ok], minlength=sp.n)
        # ---- money: consumers pay into escrow (a pre-sale order: its deposit into
        # presale_escrow); suppliers pay to ship (a pre-sale order: on its shipping day)
        led = self.ledger
        led.transfer(led.acct("consumers"), led.acct("escrow"), int(o_price[~o_pre].sum()), "sale")
        cat = sp.category[o_sup]
        led.transfer(led.supplier_accts(o_sup[~o_pre]), led.acct("logistics"), self.cat_forward[cat[~o_pre]],
                     "forward_logistics")
        platform_fee = to_cents(sp.price[o_sup] * self.cat_commission[cat]
                                * (1.0 if self.mode is None else self.mode.order_on_platform(o_anchor, o_sup)))
        if self.presale is not None:
            deposit, released = self.presale.open_orders(o_sup, o_price, platform_fee, o_pre)
        else:
            deposit = released = np.zeros(o_sup.size, dtype=np.int64)
        # ---- outcomes (decided now, revealed on delivery / return day)
        outcome, mismatch = self._draw_outcomes(o_cons, o_sup, cat)
        rr = self.streams["returns"]
        lead = sc.finance.presale_lead_days
        delivery = self.day + self.cat_shipping[cat] + np.where(o_pre, lead, 0)
        window = sc.platform.return_window_days
        return_day = delivery + rr.integers(0, window + 1, o_sup.size)
        settle = self.day + int(self.cat_shipping.max()) + window + sc.platform.settlement_delay_days + 1
        self.book.append(OrderChunk(
            day=self.day, settle_day=settle, presale_settle_day=settle + lead, consumer=o_cons, supplier=o_sup,
            anchor=o_anchor, room=o_room, channel=o_channel, category=cat, price=o_price,
            platform_fee=platform_fee, anchor_fee=to_cents(sp.price[o_sup] * o_rate),
            outcome=outcome, mismatch=mismatch, delivery_day=delivery, return_day=return_day,
            presale=o_pre, deposit=deposit, released=released))
        # ---- following after a purchase in an anchor's room
        tr = self.streams["trust"]
        in_room = (o_anchor >= 0) & (tr.random(o_anchor.size) < sc.consumers.follow_after_purchase)
        cons.follow(o_cons[in_room], o_anchor[in_room], sc.consumers.initial_personal_trust)
        # ---- tallies
        tally.record_orders(o_channel, o_price, o_room, o_anchor, o_sup, cat)
        tally.view_rooms = b["room"][vb]
        tally.order_b = o_b

    def _buy_probability(self, cons_idx, sup_idx, log_skill, ptrust, intercept):
        cons, sp, c = self.consumers, self.suppliers, self.params.purchase
        cat = sp.category[sup_idx]
        terms = PurchaseTerms(
            log_skill=log_skill, personal_trust=ptrust,
            institutional_trust=cons.institutional_trust[cons_idx],
            impulsiveness=cons.impulsiveness[cons_idx],
            advertised_quality=sp.advertised_quality[sup_idx],
            log_rel_price=np.log(sp.price[sup_idx] / self.cat_mean_price[cat]),
            price_sensitivity=cons.price_sensitivity[cons_idx],
            log_rel_interest=np.log(cons.category_pref[cons_idx, cat] * self.n_categories + 1e-12),
        )
        return sigmoid(purchase_logit(c, intercept, terms))

    def _draw_outcomes(self, cons_idx, sup_idx, cat):
        """Spoilage in transit, else a return within the window, with probability
        from the category's base rate, impulsiveness and exaggeration (4.3)."""
        sc, sp, cons = self.params, self.suppliers, self.consumers
        r = sc.returns
        rng = self.streams["returns"]
        n = sup_idx.size
        gap = np.maximum(sp.advertised_quality[sup_idx] - sp.true_quality[sup_idx], 0.0)
        base = self.cat_return_rate[cat] * np.maximum(
            1.0 + r.impulsiveness_effect * (cons.impulsiveness[cons_idx] - sc.consumers.impulsiveness_mean), 0.0)
        if r.virtual_try_on:
            base = np.where(self.try_on[cat], base * (1.0 - r.try_on_reduction), base)
        p = np.minimum(base * (1.0 + r.exaggeration_effect * gap), 0.95)
        p_mismatch = p - np.minimum(base, p)          # the part of the risk due to exaggeration
        u = rng.random(n)
        spoil = rng.random(n) < self.cat_spoil[cat]
        outcome = np.where(spoil, SPOILED, np.where(u < p, RETURNED, KEPT)).astype(np.int8)
        mismatch = (outcome == RETURNED) & (u < p_mismatch)
        return outcome, mismatch

    def _deliver_and_return(self, d: int, tally: "DayTally") -> None:
        """Deliveries (spoiled produce is refunded), returns within the window
        (refund, reverse logistics, restock), and trust updated from experience."""
        sp, led, sc = self.suppliers, self.ledger, self.params
        exp_c, exp_a, exp_s, exp_mis, exp_spoil, ret_mis = [], [], [], [], [], []
        for ch in self.book:
            dl = ch.delivery_day == d
            if dl.any():
                spoiled = dl & (ch.outcome == SPOILED)
                delivered = dl & ~spoiled
                tally.deliveries += int(delivered.sum())
                self.cum["cat_deliveries"] += np.bincount(ch.category[delivered], minlength=self.n_categories)
                refund = int(ch.price[spoiled & ~ch.presale].sum())
                led.transfer(led.acct("escrow"), led.acct("consumers"), refund, "refund")
                if self.presale is not None:
                    refund += self.presale.refund(ch, spoiled & ch.presale)
                tally.refunds += refund
                tally.spoiled_value += refund
                tally.spoiled_live_value += int(ch.price[spoiled & (ch.channel != CH_SHELF)].sum())
                exp_c.append(ch.consumer[dl]); exp_a.append(ch.anchor[dl]); exp_s.append(ch.supplier[dl])
                exp_mis.append(ch.mismatch[dl]); exp_spoil.append(ch.outcome[dl] == SPOILED)
            rt = (ch.return_day == d) & (ch.outcome == RETURNED)
            if rt.any():
                refund = int(ch.price[rt & ~ch.presale].sum())
                led.transfer(led.acct("escrow"), led.acct("consumers"), refund, "refund")
                if self.presale is not None:
                    refund += self.presale.refund(ch, rt & ch.presale)
                cost = to_cents(ch.price[rt] / 100.0 * self.cat_reverse_share[ch.category[rt]])
                led.transfer(led.supplier_accts(ch.supplier[rt]), led.acct("logistics"), cost, "reverse_logistics")
                if self.finance is not None:
                    self.finance.on_returns(ch.supplier[rt], cost)
                sp.stock += np.bincount(ch.supplier[rt], minlength=sp.n)
                tally.refunds += refund
                tally.returns += int(rt.sum())
                tally.reverse_logistics += int(cost.sum())
                tally.returns_not_as_described += int(ch.mismatch[rt].sum())
                ret_mis.append(ch.mismatch[rt])
                self.cum["cat_returns"] += np.bincount(ch.category[rt], minlength=self.n_categories)
        cat = lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt)  # noqa: E731
        self.trust.after_delivery(
            d, {"consumer": cat(exp_c, np.int64), "anchor": cat(exp_a, np.int64), "supplier": cat(exp_s, np.int64),
                "mismatch": cat(exp_mis, bool), "spoiled": cat(exp_spoil, bool)},
            {"mismatch": cat(ret_mis, bool)})

    def _produce(self, d: int, tally: "DayTally") -> None:
        sp, led, fin = self.suppliers, self.ledger, self.finance
        budget = fin.production_budget() if fin is not None else None
        committed = self.presale.backlog if self.presale is not None and self.presale.active else None
        order, _ = sp.produce(d, self.params.suppliers.target_stock_days, budget, committed)
        if fin is not None:
            tally.production_cost = fin.pay_production(d, order)
            return
        cost = to_cents(order * sp.unit_cost)
        led.transfer(led.supplier_accts(np.arange(sp.n)), led.acct("production"), cost, "production")
        tally.production_cost = int(cost.sum())

    def _settle(self, d: int, tally: "DayTally") -> None:
        """Settlement day: orders past delivery, the return window and the
        settlement delay are paid out of escrow: the platform keeps its
        commission, the supplier gets the rest and pays the anchor's commission.
        Pre-sale orders settle ``presale_lead_days`` later, out of
        ``presale_escrow``; the supplier gets its part less what was released."""
        led = self.ledger
        remaining = []
        commission = 0
        for ch in self.book:
            if ch.settle_day > d and ch.presale_settle_day > d:
                remaining.append(ch)
                continue
            due = np.where(ch.presale, ch.presale_settle_day <= d, ch.settle_day <= d)
            if not due.all():
                remaining.append(ch.subset(~due))   # pre-sale orders not due yet
            kept = (ch.outcome == KEPT) & due
            spot, pre = kept & ~ch.presale, kept & ch.presale
            fee = ch.platform_fee[spot]
            commission += led.transfer(led.acct("escrow"), led.acct("platform"), int(fee.sum()), "commission")
            led.transfer(led.acct("escrow"), led.supplier_accts(ch.supplier[spot]), ch.price[spot] - fee,
                         "settlement")
            if pre.any():
                fee = ch.platform_fee[pre]
                commission += led.transfer(led.acct("presale_escrow"), led.acct("platform"), int(fee.sum()),
                                           "presale_commission")
                led.transfer(led.acct("presale_escrow"), led.supplier_accts(ch.supplier[pre]),
                             ch.price[pre] - fee - ch.released[pre], "presale_settlement")
            via = kept & (ch.anchor >= 0) & self.anchors.alive[ch.anchor]  # a defaulted anchor's commission is cancelled
            led.transfer(led.supplier_accts(ch.supplier[via]), led.anchor_accts(ch.anchor[via]),
                         ch.anchor_fee[via], "anchor_commission")
            tally.settled += int(ch.price[kept].sum())
            if self.finance is not None:
                self.finance.on_settled_chunk(ch, kept, via)
        self.book = remaining
        if self.finance is not None:
            self.finance.on_settlement(commission)

    def _adapt(self) -> None:
        """Anchors reprice their slots, suppliers their products; anchors
        replace weak partners; tiers follow followers."""
        sc, an, sp = self.params, self.anchors, self.suppliers
        rng = self.streams["adapt"]
        ad = sc.adaptation
        an.set_tiers(self.consumers.follower_counts(an.n), sc.anchors.head_share, sc.anchors.waist_share,
                     sc.anchors.commission_rate, sc.anchors.head_commission_premium)
        an.adapt_fees(ad.fee_step)
        sp.adapt_prices(ad.price_step, ad.max_markup)
        an.replace_worst_partner(rng, self._partner_weight(), ad.partner_switch_probability)

    def _remember(self, b: dict, tally: "DayTally") -> None:
        """Update the performance memories behind ranking and forecasts."""
        an, sp = self.anchors, self.suppliers
        decay = 0.5 ** (1.0 / self.params.traffic.performance_half_life)
        room_gmv_today = tally.room_gmv
        an.performance = decay * an.performance + (1 - decay) * room_gmv_today[:an.n]
        sp.store_performance = decay * sp.store_performance + (1 - decay) * room_gmv_today[an.n:]
        live = b["anchor"][b["anchor"] >= 0]
        is_a = b["anchor"] >= 0
        per_listing = tally.room_orders[live] / np.maximum(b["n_listed"][is_a], 1)
        an.units_per_listing[live] = 0.8 * an.units_per_listing[live] + 0.2 * per_listing
        # partner GMV (for partner replacement)
        ob = tally.order_b
        if ob.size:
            via = (ob >= 0)
            ob = ob[via]
            anc = b["anchor"][ob]
            slot_of = b["listing_slot"]
            sup_orders = tally.order_sup[via]
            lst = b["listing"][ob]
            k = (lst == sup_orders[:, None]).argmax(axis=1)
            slot = slot_of[ob, k]
            m = (anc >= 0) & (slot >= 0)
            np.add.at(an.partner_gmv, (anc[m], slot[m]), tally.order_price[via][m] / 100.0)


def _multinomial(rng, n: int, p: np.ndarray) -> np.ndarray:
    """Counts of ``n`` draws over categories with probabilities ``p`` (sum <= 1;
    the missing mass is draws that land nowhere)."""
    if p.size == 0:
        return np.zeros(0, dtype=np.int64)
    rest = max(0.0, 1.0 - float(p.sum()))
    q = np.append(np.clip(p, 0.0, None), rest)
    return rng.multinomial(n, q / q.sum())[:-1]


def _within_budget(consumer: np.ndarray, price: np.ndarray, budget: np.ndarray, rng) -> np.ndarray:
    """Candidates a consumer can afford today, taken in random order."""
    n = consumer.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(consumer + rng.random(n))  # by consumer, random within
    c, p = consumer[order], price[order]
    start = np.r_[True, c[1:] != c[:-1]]
    cs = np.cumsum(p)
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    spent = cs - (cs[first] - p[first])
    ok = np.empty(n, dtype=bool)
    ok[order] = spent <= budget[c]
    return ok


def _within_stock(supplier: np.ndarray, wanted: np.ndarray, stock: np.ndarray, rng) -> tuple[np.ndarray, int]:
    """Among wanted candidates, those served before the supplier's stock runs out
    (random order); returns the mask and the number of lost sales."""
    n = supplier.size
    ok = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(wanted)
    if idx.size == 0:
        return ok, 0
    s = supplier[idx]
    order = np.argsort(s + rng.random(idx.size))  # by supplier, random within
    ss = s[order]
    start = np.r_[True, ss[1:] != ss[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(ss.size), 0))
    rank = np.arange(ss.size) - first
    served = rank < stock[ss]
    ok[idx[order]] = served
    return ok, int((~served).sum())
