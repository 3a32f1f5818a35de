"""LiveCommerceModel: the live-commerce ecosystem, one step per day.

The model follows the specification in MODEL.md (ODD protocol); ``step``
below is its process overview (docs/model.md section 3) in code. The model
builds the tables (suppliers, anchors, consumers, categories), the ledger and
the order book, then the sub-models, each given what it uses and never the
model itself (docs/architecture.md); ``step`` calls them in the order of the
day. Optional sub-models are null objects (no credit: :class:`NoCredit`, no
pre-sale: :class:`NoPresale`, the grand coalition: :data:`PLAIN`), so the day
has no branches on them. Platform, suppliers, anchors and (with the credit
sub-model) the lender are Mesa Agents; the consumers are a column-wise
population. Every random number comes from a stream derived from the seed
(:mod:`sim.streams`); money moves only through the double-entry ledger, in
integer cents (:mod:`sim.finance.ledger`).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents import Anchor, AnchorTable, Lender, Platform, Supplier, SupplierTable
from sim.coalition.modes import PLAIN
from sim.consumers import ConsumerPopulation
from sim.finance.credit import Finance, NoCredit
from sim.finance.ledger import Ledger, to_cents
from sim.finance.presale import NoPresale, Presale
from sim.finance.settlement import Settlement
from sim.market.adaptation import Adaptation
from sim.market.broadcasts import Broadcasting
from sim.market.content import ContentSeeding, NoContent
from sim.market.categories import CategoryTable
from sim.market.engagement import Engagement, NoEngagement
from sim.market.entry import EntryExit, NoEntry, add_reserve_rows
from sim.market.feedback import Feedback, NoFeedback
from sim.market.platform_policy import NO_PLATFORM_POLICY, PlatformPolicy
from sim.market.orders import CH_ANCHOR, CH_SHELF, CH_STORE, KEPT, RETURNED, SPOILED, OrderBook, OrderChunk
from sim.market.production import Production
from sim.market.purchase import Purchase
from sim.market.recommend import NoRecommendation, Recommender
from sim.market.returns import Fulfilment
from sim.market.reviews import NoReviews, Reviews
from sim.market.search import NO_SEARCH, Search
from sim.market.shelf import NO_SHELF_LINKS, ShelfLinks
from sim.market.traffic import PublicTraffic
from sim.market.viewing import Viewing
from sim.measures import DAILY_MEASURES, DayRecord, RunTotals, daily_measures
from sim.scenario import FINANCE_EVENTS, Scenario
from sim.streams import derive_streams
from sim.trust import TrustSystem

# (the order book's names, re-exported for callers that import them from here)
__all__ = ["CH_ANCHOR", "CH_SHELF", "CH_STORE", "KEPT", "RETURNED", "SPOILED", "LiveCommerceModel", "OrderChunk"]


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
        sc, st = self.params, self.streams
        init = st["init"]
        self.categories = CategoryTable(sc)

        # ---- agents and population
        self.suppliers = SupplierTable(sc, init)
        self.anchors = AnchorTable(sc, init)
        self.consumers = ConsumerPopulation(sc, init, self.anchors.popularity)
        self.platform = Platform(self, policy=sc.traffic.model_dump())
        Supplier.create_agents(self, self.suppliers.n, idx=np.arange(self.suppliers.n))
        Anchor.create_agents(self, self.anchors.n, idx=np.arange(self.anchors.n))
        self.adaptation = Adaptation(sc, self.anchors, self.suppliers, self.consumers, st["adapt"])
        self.adaptation.set_tiers()
        # first forecasts, before any history: expected follower viewers convert at 5%
        viewers0 = self.anchors.followers * sc.consumers.activity * sc.consumers.watch_followed
        self.anchors.units_per_listing = 0.05 * viewers0 / sc.anchors.products_per_broadcast
        self.anchors.performance = 0.05 * viewers0 * float(self.categories.mean_price.mean())  # yuan, like GMV
        self.anchors.pick_partners(init, self.adaptation.partner_weight())
        # entry and exit: reserve rows for entrants, inactive until taken (none when off)
        self.reserve = add_reserve_rows(sc, self.suppliers, self.anchors, st["entry"]) if sc.entry.enabled else None

        # ---- money, orders, running totals
        self.ledger = Ledger(self.suppliers.n, self.anchors.n)
        sp = self.suppliers
        start_cash = to_cents(sc.suppliers.initial_cash_days * sp.capacity * sp.unit_cost)
        self.ledger.transfer(self.ledger.acct("capital"), self.ledger.supplier_accts(np.arange(sp.n)),
                             start_cash, "capital")
        self.book = OrderBook()
        self.cum = RunTotals(self.anchors.n, self.suppliers.n, self.categories.n, anchors=self.anchors,
                             suppliers=self.suppliers, new_entrant_days=sc.traffic.new_entrant_days)

        # ---- sub-models, each given what it uses
        self._build_submodels()

        # ---- measures
        self.day = 0
        self.activity_multiplier = 1.0
        self._spikes: list[tuple[int, int, float]] = []
        self.cash_platform_before = 0.0   # the platform's cash at the end of yesterday (yuan)
        self.today: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, k=name: m.today[k]) for name in DAILY_MEASURES})

    def _build_submodels(self) -> None:
        sc, st, led, book = self.params, self.streams, self.ledger, self.book
        an, sp, cons, cat = self.anchors, self.suppliers, self.consumers, self.categories
        if sc.finance.enabled:
            # pre-sale orders and the escrow of pre-sale funds (part of the credit sub-model)
            self.presales = Presale(sc, led, sp, book, cat, st["presale"])
            fp = sc.finance
            capital = None if fp.lender_capital is None else fp.lender_capital * sc.scale_factor  # given at the reference size
            lender = Lender(self, fp.credit_multiple, fp.interest_rate, fp.lender_true_sales, capital)
            # the credit sub-model: lender, loans, trade credit, defaults (MODEL.md 4.5)
            self.credit = Finance(sc, led, sp, an, book, self.presales, self.cum, cat, st["finance"], lender,
                                  {a.idx: a for a in self.agents_by_type[Supplier]},
                                  {a.idx: a for a in self.agents_by_type[Anchor]})
        else:
            self.presales = NoPresale()
            self.credit = NoCredit(led, sp)
        # fraud state, guarantees, social graph (sim/trust.py)
        self.trust = TrustSystem(sc, an, sp, cons, led, book, self.cum, _only(st, "fraud", "social", "events"))
        self.broadcasting = Broadcasting(sc, an, sp, cat, led, self.trust, st["broadcast"])
        # the recommender (MODEL.md 4.1, 4.8): matching, ranking by predicted value, re-weighting
        self.recommender = (Recommender(sc, cons, an, sp, cat.n, self.trust.graph.ties, st["recommend"])
                            if sc.recommendation.enabled else NoRecommendation())
        self.traffic = PublicTraffic(sc, self.platform, an, sp, cons, self.trust, self.recommender)
        # content seeding (MODEL.md 4.8): short videos, an entry source of the viewing step
        self.content = (ContentSeeding(sc, cons, an, sp, cat, led, self.recommender, self.traffic,
                                       st["content"])
                        if sc.content.enabled else NoContent())
        # engagement with followed anchors; reviews after kept purchases; product feedback (MODEL.md 4.8)
        self.engagement = (Engagement(sc, cons, an, st["engagement"]) if sc.engagement.enabled
                           else NoEngagement())
        self.reviews = (Reviews(sc, cons, an, sp, self.trust.graph.ties, st["reviews"]) if sc.reviews.enabled
                        else NoReviews())
        self.feedback = Feedback(sc, sp, st["feedback"]) if sc.feedback.enabled else NoFeedback()
        # live and shelf feed each other (purchase memory, repurchase, "watch live", coupons)
        # and search: entry sources of the viewing step; null objects when off
        self.shelf = (ShelfLinks(sc, cons, sp, cat, led, st["shelf"]) if sc.shelf_links.enabled
                      else NO_SHELF_LINKS)
        self.search = Search(sc, cons, an, sp, cat, st["search"]) if sc.search.enabled else NO_SEARCH
        sources = [m for m in (self.content, self.reviews, self.shelf, self.search) if m.enabled]
        self.viewing = Viewing(sc, cons, an, st["view"], st["traffic"], sources=sources,
                               recommender=self.recommender, card_share=self.content.card_share,
                               engagement=self.engagement if self.engagement.enabled else None)
        self.purchase = Purchase(sc, cons, sp, cat, led, book, self.presales, _only(st, "purchase", "returns", "trust"),
                                 an.n + sp.n, shelf=self.shelf)
        self.fulfilment = Fulfilment(sp, cat, led, book, self.presales, self.credit, self.trust,
                                     reviews=self.reviews, feedback=self.feedback)
        self.production = Production(sc, sp, self.credit, self.presales)
        self.settlement = Settlement(led, an, book, self.credit)
        # the adaptive platform (MODEL.md 4.9): it moves its commission and traffic levers
        # towards its objective; a null object when off
        self.platform_policy = (PlatformPolicy(sc, self.platform, cat, led, st["platform"])
                                if sc.platform_adaptation.enabled else NO_PLATFORM_POLICY)
        # entry and exit (MODEL.md 4.9): exit after sustained losses, entrants into reserve rows
        self.entry = (EntryExit(sc, sp, an, led, book, cat, self.credit, self.presales, self.trust, self.adaptation,
                                self.reserve, self._admit, self._retire, st["entry"])
                      if sc.entry.enabled else NoEntry(sp, an))
        # the coalition mode (sim.coalition.modes): PLAIN is the grand coalition, i.e.
        # full live commerce; a Mode makes non-members use standalone channels
        self.coalition = PLAIN

    # ============================================================ public handles
    @property
    def mode(self):
        """The coalition mode (:class:`sim.coalition.modes.Mode`), ``None`` for the
        grand coalition (the plain model). Set it to run the model in a mode."""
        return None if self.coalition is PLAIN else self.coalition

    @mode.setter
    def mode(self, mode) -> None:
        self.coalition = PLAIN if mode is None else mode

    @property
    def finance(self) -> Finance | None:
        """The credit sub-model, ``None`` when ``finance.enabled`` is off."""
        return self.credit if self.credit.enabled else None

    @property
    def presale(self) -> Presale | None:
        """The pre-sale sub-model, ``None`` when the credit sub-model is off."""
        return self.presales if self.presales.enabled else None

    @property
    def lender(self) -> Lender | None:
        """The lender (a Mesa Agent), ``None`` when the credit sub-model is off."""
        return self.credit.lender

    @property
    def category_names(self) -> list[str]:
        return self.categories.names

    @property
    def n_categories(self) -> int:
        return self.categories.n

    # the category terms by their earlier names
    cat_mean_price = property(lambda self: self.categories.mean_price)
    cat_commission = property(lambda self: self.categories.commission)
    cat_return_rate = property(lambda self: self.categories.return_rate)
    cat_reverse_share = property(lambda self: self.categories.reverse_share)
    cat_forward = property(lambda self: self.categories.forward)
    cat_shipping = property(lambda self: self.categories.shipping)
    cat_spoil = property(lambda self: self.categories.spoil)
    try_on = property(lambda self: self.categories.try_on)

    # ================================================================ schedule
    def step(self) -> None:
        """One day (docs/model.md section 3; the numbers are the doc's)."""
        d, mode, sc = self.day, self.coalition, self.params
        self._start_day()                                              # 0. the day's counters reset
        self.presales.ship(d)                                          # 0. pre-sale orders due today ship
        self._fire_events(d)                                           # 1. events
        b = self.broadcasting.open(d, mode)                            # 2. broadcasts and listings
        shares = self.traffic.allocate(b, d, mode)                     # 3. public traffic
        views = self.viewing.watch(b, shares, self.activity_multiplier, mode, d)   # 4. viewing
        engaged = self.engagement.after_viewing(b, views, self.viewing.following_slots)   # 4. engagement
        orders = self.purchase.buy(d, b, views, mode, engaged)         # 5. buying, stock, escrow, outcomes
        mode.standalone_day(d, ledger=self.ledger, suppliers=self.suppliers,    # 6. standalone channels
                            anchors=self.anchors, consumers=self.consumers, categories=self.categories,
                            params=sc, activity_multiplier=self.activity_multiplier,
                            stream=self.streams["coalition"], orders=orders, purchase=self.purchase)
        deliveries = self.fulfilment.deliver_and_return(d)             # 7. deliveries, returns, trust
        self.trust.fraud_step(d, orders, mode)                         # 8. fake orders, detection
        production_cost = self.production.produce(d)                   # 9. production for stock
        settlement_day = (d + 1) % sc.time.settlement_period == 0
        settled = self.settlement.settle(d) if settlement_day else 0   # 10. settlement
        self.credit.end_of_day(d, orders.supplier_gmv, settlement_day)  # 11. loans fall due, defaults
        self.entry.end_of_day(d, orders)                               # 11. exits after losses, entrants
        if (d + 1) % sc.time.adaptation_interval == 0:
            self.adaptation.adapt()                                    # 12. adaptation
        self.adaptation.remember(b, orders)                            # 13. memories
        self.recommender.remember(b, views, orders)                    # 13. the recommender's history
        self.content.remember(b, views, orders)                        # 13. content's return, effort
        self.traffic.remember(b, views)                                # 13. head rooms' traffic (F20)
        day = DayRecord(b, views, orders, deliveries, production_cost, settled, self.presales.refunds_today,
                        engaged, shares=shares)
        self.today = daily_measures(self, day)                         # 14. measures
        self._end_day(day)                                             # 14. run totals
        self.datacollector.collect(self)                               # 14. collected
        self.platform_policy.end_day(d, orders)                        # 14. the platform's levers for tomorrow
        self.anchors.age += 1                                          # 15. the day ends
        self.day += 1

    def run(self, days: int | None = None, progress=None) -> None:
        """Step ``days`` days (default: the scenario's horizon). ``progress`` is
        called with the number of days done after each day, if given."""
        days = self.params.time.days if days is None else days
        for _ in range(days):
            self.step()
            if progress is not None:
                progress(1)

    def _admit(self, kind: str, rows) -> None:
        """Mesa agents for entrants (sim/market/entry.py), known to the credit sub-model too."""
        cls, table = (Supplier, "supplier_agent") if kind == "supplier" else (Anchor, "anchor_agent")
        registry = getattr(self.credit, table, None)
        for i in rows:
            agent = cls(self, int(i))
            if registry is not None:
                registry[int(i)] = agent

    def _retire(self, kind: str, rows) -> None:
        """An exiter's Mesa agent leaves the model."""
        table = "supplier_agent" if kind == "supplier" else "anchor_agent"
        registry = getattr(self.credit, table, None)
        cls = Supplier if kind == "supplier" else Anchor
        by_idx = {a.idx: a for a in self.agents_by_type[cls]} if registry is None else None
        for i in rows:
            agent = registry.pop(int(i), None) if registry is not None else by_idx.get(int(i))
            if agent is not None:
                agent.remove()

    # =================================================================== steps
    def _start_day(self) -> None:
        self.shelf.start_day(self.day)
        self.search.start_day(self.day)
        self.coalition.start_day(self.day, self.streams["coalition"])
        self.trust.start_day()
        self.credit.start_day()
        self.presales.start_day()
        self.reviews.start_day()
        self.feedback.start_day()

    def _end_day(self, day: DayRecord) -> None:
        """Running totals and yesterday's cash, after the day's measures."""
        self.cum.add_day(day)
        self.trust.end_day()
        self.cash_platform_before = self.today["cash_platform"]

    def _fire_events(self, d: int) -> None:
        for ev in self.params.events:
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
                self.credit.fire_event(ev, d)
            elif ev.kind == "persona_collapse":
                self.trust.persona_collapse(ev, d)
        mult = 1.0
        for start, end, m in self._spikes:
            if start <= d < end:
                mult *= m
        self.activity_multiplier = mult


def _only(streams: dict, *names: str) -> dict:
    """The streams a sub-model draws from (the same generators, not copies)."""
    return {k: streams[k] for k in names}
