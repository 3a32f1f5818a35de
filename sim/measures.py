"""Measures (MODEL.md section 6): the daily table and the run summary.

Names are stable; shares and rates are fractions in [0, 1]; money is in yuan.
``DAILY_MEASURES`` documents every daily column and ``SUMMARY_MEASURES``
every summary field; ``docs/measures.md`` is generated from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.finance.credit import FINANCE_DAILY, FINANCE_SUMMARY
from sim.market import engagement as _engagement
from sim.market.ads import ADS_DAILY, ADS_SUMMARY
from sim.market import feedback as _feedback
from sim.market import reviews as _reviews
from sim.market.platform_policy import POLICY_DAILY, policy_daily_row
from sim.market.entry import ENTRY_DAILY, ENTRY_SUMMARY
from sim.market.search import SEARCH_DAILY, SEARCH_SUMMARY, search_summary
from sim.market.shelf import SHELF_DAILY, SHELF_SUMMARY, shelf_summary
from sim.market.supply import SUPPLY_DAILY, SUPPLY_SUMMARY
from sim.market.stores import STORES_DAILY
from sim.market.viewing import Arrival
from sim.trust import daily_rows as trust_daily_rows
from sim.trust import summary_rows as trust_summary_rows

#: how a viewer entered a live room, by the name of its ``Arrival`` (sim/market/viewing.py)
ARRIVAL_WAYS = {
    "following": "a followed anchor who is live (private traffic)",
    "public": "a live-room card of the public feed",
    "content": "a short video's link (content seeding)",
    "search": "a search result",
    "shelf": "'watch live' from a product page",
    "review": "a customer's review or video",
    "promoted": "a promoted (paid) impression (sim/market/ads.py)",
}

DAILY_MEASURES: dict[str, str] = {
    "gmv": "gross merchandise value of today's orders, all channels (yuan)",
    "net_gmv": "gmv minus today's refunds (returns and spoilage) (yuan)",
    "refunds": "money paid back to consumers today for returns and spoiled goods (yuan)",
    "gmv_live": "GMV of orders placed in live rooms (anchor and store broadcasts) (yuan)",
    "gmv_shelf": "GMV of orders placed on shelf pages (yuan)",
    "orders": "orders placed today, all channels",
    "orders_live": "orders placed in live rooms",
    "orders_shelf": "orders placed on shelf pages",
    "viewers": "entries of consumers into live rooms (a consumer entering the same room twice counts twice)",
    "live_conversion": "orders_live / viewers",
    "shelf_views": "shelf product pages viewed",
    "shelf_conversion": "orders_shelf / shelf_views",
    "deliveries": "orders delivered today (not spoiled)",
    "returns": "orders returned today",
    "return_rate": "returns / deliveries today (0 when nothing was delivered)",
    "returns_not_as_described": "returns today caused by the gap between advertised and true quality",
    "reverse_logistics_cost": "cost of today's returns' reverse logistics and handling (yuan)",
    "reverse_logistics_share": "reverse_logistics_cost / gmv",
    "spoiled_value": "value of goods that spoiled in transit, refunded today (yuan)",
    "lost_sales": "units wanted and affordable but out of stock",
    "top50_gmv_share": "share of today's live-room GMV taken by the 50 rooms of anchors with the most GMV today",
    "sme_gmv_share": "share of today's GMV sold by SME suppliers",
    "top50_traffic_share": "share of today's public impressions (anchor and store rooms) taken by the 50 anchors with the most",
    "max_broadcast_traffic_share": "the largest share of today's public traffic that the allocation gave one broadcast (what a per-anchor cap bounds; the impressions dealt vary around it)",
    "hhi_anchor_gmv": "Herfindahl index of today's GMV across anchors",
    "gini_anchor_gmv": "Gini coefficient of today's GMV across all anchors",
    "hhi_traffic": "Herfindahl index of today's public impressions across all rooms (anchors and stores)",
    "gini_traffic": "Gini coefficient of today's public impressions across all rooms (anchors and stores)",
    "mean_personal_trust": "mean trust of consumers in the anchors they follow",
    "mean_institutional_trust": "mean trust of consumers in the platform",
    "active_consumers": "consumers active today",
    "live_anchors": "anchors broadcasting today",
    "store_broadcasts": "suppliers running a store broadcast today",
    "pit_fees": "pit fees paid by suppliers to anchors today (yuan)",
    "commission_platform": "commission the platform received today at settlement (yuan)",
    "production_cost": "production paid today (yuan)",
    "escrow": "money held in platform escrow at the end of the day (yuan)",
    "cash_platform": "platform's cumulative income at the end of the day (yuan)",
    "cash_suppliers": "suppliers' total cash at the end of the day (yuan)",
    "cash_anchors": "anchors' total cash at the end of the day (yuan)",
    **FINANCE_DAILY,
    # trust, fraud and word of mouth (sim/trust.py)
    "complaints_not_as_described": "complaints today: product not as described (from returns for mismatch)",
    "complaints_fake_orders": "complaints today: fake orders or faked data (buyers and followers of a detected fraudster)",
    "complaints_fake_goods": "complaints today: fake goods received",
    "complaints_other": "complaints today: other causes (ordinary returns, spoiled deliveries)",
    "complaints": "complaints today, all causes",
    "fraud_detected": "fraudsters (anchors and suppliers) the platform detected today",
    "fraudsters": "anchors and suppliers faking heat today",
    "fake_gmv": "fake orders bought today, at their stated value (not part of gmv) (yuan)",
    "fines": "fines paid by detected fraudsters to the platform today (yuan)",
    "counterfeits": "fake goods delivered today",
    "wom_reached": "distinct consumers whose trust word of mouth moved today",
    "wom_messages": "experiences passed to a tie today (one per tie reached)",
    # co-creation: engagement, reviews, product feedback (sim/market/engagement.py, reviews.py, feedback.py)
    **_engagement.ENGAGEMENT_DAILY,
    **_reviews.REVIEWS_DAILY,
    **_feedback.FEEDBACK_DAILY,
    # live and shelf feed each other; search (sim/market/shelf.py, search.py)
    **SHELF_DAILY,
    **SEARCH_DAILY,
    # how viewers arrived in live rooms (sim/market/viewing.py Arrival), content seeding (sim/market/content.py)
    **{f"viewers_{a}": f"room entries today through {how}" for a, how in ARRIVAL_WAYS.items()},
    "content_share": "share of today's room entries that came through content (short videos) (F19)",
    "content_views": "short videos watched today",
    "content_spend": "what rooms spent making short videos today (yuan)",
    "content_follows": "viewers of an anchor's video who started following it today, without a purchase",
    # the platform's levers in force today (sim/market/platform_policy.py: the policy path of an adaptive platform)
    **POLICY_DAILY,
    # the supply side (sim/market/supply.py; zeros when supply.enabled is false)
    **SUPPLY_DAILY,
    "gmv_store": "GMV of today's orders in suppliers' store rooms (yuan)",
    **STORES_DAILY,
    # paid traffic (sim/market/ads.py)
    **ADS_DAILY,
    # entry and exit (sim/market/entry.py)
    **ENTRY_DAILY,
}


#: where a sale can happen, for the tallies of the traffic decomposition
#: (sim.studies.traffic_decomposition): store rooms of SME suppliers and of brands
#: (large suppliers), rooms of small anchors (tail tier or new: the long-tail
#: reserve's anchors) and of the other anchors, and the shelf
PLACES = ("sme_store", "brand_store", "small_anchor", "other_anchor", "shelf")
#: who made the goods: SME suppliers or brands
GOODS = ("sme", "brand")
PUBLIC_ARRIVAL = int(Arrival.PUBLIC)


class RunTotals:
    """Running totals of the run, per room, supplier and category (updated once a
    day by the model, read by the summary, the events and the credit sub-model).

    With the anchor and supplier tables given (``anchors``, ``suppliers``, the
    model does), it also tallies by place of sale (:data:`PLACES`) and goods
    (:data:`GOODS`): public impressions and entries per place, and per place and
    goods the entries (or shelf page views) offering those goods, the
    candidates within budget (wanted), the orders and their GMV. A broadcast's
    place is that of its room on the day: an anchor is small when it is in the
    tail tier or younger than ``new_entrant_days``, as for the long-tail reserve."""

    def __init__(self, n_anchors: int, n_suppliers: int, n_categories: int, *, anchors=None, suppliers=None,
                 new_entrant_days: int = 0):
        nr = n_anchors + n_suppliers
        self.n_anchors = n_anchors
        self.room_gmv = np.zeros(nr)                          # yuan, live rooms (anchors, then stores)
        self.room_views = np.zeros(nr, dtype=np.int64)
        self.room_orders = np.zeros(nr, dtype=np.int64)
        self.room_impressions = np.zeros(nr)
        self.supplier_gmv = np.zeros(n_suppliers)             # yuan, all channels
        self.cat_deliveries = np.zeros(n_categories, dtype=np.int64)
        self.cat_returns = np.zeros(n_categories, dtype=np.int64)
        self.cat_gmv_live = np.zeros(n_categories)            # yuan
        self.spoiled_live_value = 0                           # cents
        # by place of sale (PLACES) and goods (GOODS)
        self._anchors, self._suppliers, self._new_days = anchors, suppliers, int(new_entrant_days)
        npl, ng = len(PLACES), len(GOODS)
        self.place_impressions = np.zeros(npl)                # public impressions (the shelf: none)
        self.place_entries = np.zeros(npl, dtype=np.int64)     # room entries (the shelf: page views)
        self.place_public_entries = np.zeros(npl, dtype=np.int64)   # room entries from the public feed
        self.place_offered = np.zeros((npl, ng), dtype=np.int64)   # entries / page views offering the goods
        self.place_wanted = np.zeros((npl, ng), dtype=np.int64)    # candidates within budget
        self.place_orders = np.zeros((npl, ng), dtype=np.int64)
        self.place_gmv = np.zeros((npl, ng))                  # yuan

    def __getitem__(self, name: str):
        """A total by name (``model.cum["room_gmv"]``)."""
        return getattr(self, name)

    def add_day(self, day: "DayRecord") -> None:
        o = day.orders
        self.room_gmv += o.room_gmv
        self.room_orders += o.room_orders
        self.room_views += np.bincount(day.view_rooms, minlength=self.room_views.size)
        self.supplier_gmv += o.supplier_gmv
        self.room_impressions += day.room_impressions(self.room_impressions.size)
        self.cat_gmv_live = self.cat_gmv_live + o.cat_gmv_live
        self.spoiled_live_value = self.spoiled_live_value + day.deliveries.spoiled_live_value
        self.cat_deliveries += day.deliveries.cat_deliveries
        self.cat_returns += day.deliveries.cat_returns
        if self._anchors is not None and o.entry_supplier is not None:
            self._add_places(day)

    def broadcast_places(self, b) -> np.ndarray:
        """The place (index into :data:`PLACES`) of each of today's broadcasts."""
        an, sp = self._anchors, self._suppliers
        a = np.maximum(b.anchor, 0)
        small = (an.tier[a] == 2) | (an.age[a] < self._new_days)
        store = np.where(sp.is_large[np.maximum(b.store, 0)], 1, 0)
        return np.where(b.anchor >= 0, np.where(small, 2, 3), store).astype(np.int64)

    def _add_places(self, day: "DayRecord") -> None:
        b, v, o = day.broadcasts, day.views, day.orders
        brand = self._suppliers.is_large.astype(np.int64)          # goods index: 0 SME, 1 brand
        npl, ng = len(PLACES), len(GOODS)
        shelf = npl - 1
        bplace = np.append(self.broadcast_places(b), shelf)        # the padding (-1) reads the shelf
        if v.impressions.size:
            self.place_impressions += np.bincount(bplace[:-1], weights=v.impressions, minlength=npl)
        self.place_entries += np.bincount(bplace[v.bcast], minlength=npl)
        self.place_entries[shelf] += o.shelf_supplier.size
        public = v.source == PUBLIC_ARRIVAL
        self.place_public_entries += np.bincount(bplace[v.bcast[public]], minlength=npl)

        def cells(place, sup, weights=None):
            return np.bincount(place * ng + brand[sup], weights=weights, minlength=npl * ng).reshape(npl, ng)

        self.place_offered += cells(bplace[v.bcast], o.entry_supplier)
        self.place_offered[shelf] += np.bincount(brand[o.shelf_supplier], minlength=ng)
        self.place_wanted += cells(bplace[o.wanted_bcast], o.wanted_supplier)
        ch = o.chunk
        self.place_orders += cells(bplace[o.bcast], ch.supplier)
        self.place_gmv += cells(bplace[o.bcast], ch.supplier, ch.price / 100.0)

    def place_summary(self) -> dict[str, float]:
        """The run summary's tallies by place and goods (:data:`PLACE_MEASURES`)."""
        out: dict[str, float] = {}
        for i, p in enumerate(PLACES):
            if p != "shelf":
                out[f"impressions_{p}"] = float(self.place_impressions[i])
                out[f"public_entries_{p}"] = float(self.place_public_entries[i])
            out[f"entries_{p}"] = float(self.place_entries[i])
            for j, g in enumerate(GOODS):
                out[f"offered_{p}_{g}"] = float(self.place_offered[i, j])
                out[f"wanted_{p}_{g}"] = float(self.place_wanted[i, j])
                out[f"orders_{p}_{g}"] = float(self.place_orders[i, j])
                out[f"gmv_{p}_{g}"] = float(self.place_gmv[i, j])
        return out


@dataclass
class DayRecord:
    """What happened today, from the records the steps of the day return."""

    broadcasts: object        # sim.market.broadcasts.Broadcasts
    views: object             # sim.market.viewing.Views
    orders: object            # sim.market.purchase.DayOrders
    deliveries: object        # sim.market.returns.Deliveries
    production_cost: int      # cents
    settled: int              # cents of kept orders settled today
    cancel_refunds: int       # cents refunded at pre-sale cancellations today
    engaged: object = None    # sim.market.engagement.EntryEngagement (None: engagement off)
    shares: object = None     # the traffic allocation's share of public impressions per broadcast (the day always passes it)

    @property
    def refunds(self) -> int:
        return self.deliveries.refunds + self.cancel_refunds

    @property
    def view_rooms(self) -> np.ndarray:
        return self.broadcasts.room[self.views.bcast]

    def room_impressions(self, n_rooms: int) -> np.ndarray:
        room_imp = np.zeros(n_rooms)
        if self.views.impressions.size:
            room_imp[self.broadcasts.room] = self.views.impressions
        return room_imp


def hhi(x: np.ndarray) -> float:
    s = x.sum()
    return float(((x / s) ** 2).sum()) if s > 0 else 0.0


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, near 1 = one takes all)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    n = x.size
    s = x.sum()
    if n == 0 or s <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float((2.0 * (i * x).sum() / (n * s)) - (n + 1.0) / n)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def _share(part: float, whole: float) -> float:
    """part / whole as a fraction in [0, 1] (rounding can leave it a hair outside)."""
    return min(1.0, max(0.0, _ratio(part, whole)))


def top_sum(x: np.ndarray, k: int) -> float:
    k = min(k, x.size)
    return float(np.partition(x, x.size - k)[x.size - k:].sum()) if k else 0.0


def daily_measures(model, day: DayRecord) -> dict[str, float]:
    """The day's row of measures: a pure function of the model's state at the end
    of the day and the day's record (calling it twice gives the same row)."""
    an_n = model.anchors.n
    o, dl = day.orders, day.deliveries
    room_imp = day.room_impressions(an_n + model.suppliers.n)
    anchor_imp = room_imp[:an_n]
    led = model.ledger
    cons = model.consumers
    fol = cons.follows >= 0
    anchor_gmv = o.room_gmv[:an_n]
    present = ~np.concatenate([model.anchors.reserved, model.suppliers.reserved])   # (reserve rows: nobody yet)
    sme_gmv = o.supplier_gmv[~model.suppliers.is_large].sum()
    refunds = day.refunds
    row = {
        "gmv": o.gmv / 100.0,
        "net_gmv": (o.gmv - refunds) / 100.0,
        "refunds": refunds / 100.0,
        "gmv_live": o.gmv_live / 100.0,
        "gmv_shelf": o.gmv_shelf / 100.0,
        "orders": float(o.orders),
        "orders_live": float(o.orders_live),
        "orders_shelf": float(o.orders_shelf),
        "viewers": float(o.viewers),
        "live_conversion": _share(o.orders_live, o.viewers),
        "shelf_views": float(o.shelf_views),
        "shelf_conversion": _share(o.orders_shelf, o.shelf_views),
        "deliveries": float(dl.deliveries),
        "returns": float(dl.returns),
        "return_rate": _share(dl.returns, dl.deliveries),
        "returns_not_as_described": float(dl.returns_not_as_described),
        "reverse_logistics_cost": dl.reverse_logistics / 100.0,
        "reverse_logistics_share": _ratio(dl.reverse_logistics, o.gmv),
        "spoiled_value": dl.spoiled_value / 100.0,
        "lost_sales": float(o.lost_sales),
        "top50_gmv_share": _share(top_sum(anchor_gmv, 50), o.room_gmv.sum()),
        "sme_gmv_share": _share(sme_gmv, o.supplier_gmv.sum()),
        "top50_traffic_share": _share(top_sum(anchor_imp, 50), float(day.views.impressions.sum())),
        "max_broadcast_traffic_share": float(np.max(day.shares, initial=0.0)),
        "hhi_anchor_gmv": hhi(anchor_gmv),
        "gini_anchor_gmv": gini(anchor_gmv[present[:an_n]]),
        "hhi_traffic": hhi(room_imp),
        "gini_traffic": gini(room_imp[present]),
        "mean_personal_trust": float(cons.personal_trust[fol].mean()) if fol.any() else 0.0,
        "mean_institutional_trust": float(cons.institutional_trust.mean()),
        "active_consumers": float(day.views.active.size),
        "live_anchors": float(day.broadcasts.n_anchor),
        "store_broadcasts": float(day.broadcasts.n_store),
        "pit_fees": day.broadcasts.pit_fees / 100.0,
        "commission_platform": 0.0,
        "production_cost": day.production_cost / 100.0,
        "escrow": led["escrow"] / 100.0,
        "cash_platform": led["platform"] / 100.0,
        "cash_suppliers": float(led.supplier_balance.sum()) / 100.0,
        "cash_anchors": float(led.anchor_balance.sum()) / 100.0,
    }
    # the platform's cash gained today, less the fines that reached it too
    row["commission_platform"] = row["cash_platform"] - model.cash_platform_before
    row.update(trust_daily_rows(model))
    row["commission_platform"] -= row["fines"]
    row["commission_platform"] += model.shelf.platform_coupon_cents / 100.0   # (coupons are not income)
    row.update(model.credit.daily_row())
    row.update(_engagement.daily_rows(model, day))
    row.update(_reviews.daily_rows(model, day))
    row.update(_feedback.daily_rows(model))
    row.update(model.shelf.daily_row())
    row.update(model.search.daily_row(o.arrival_orders))
    arr = day.views.arrivals
    for a in ARRIVAL_WAYS:
        row[f"viewers_{a}"] = float(arr[Arrival[a.upper()]])
    row["content_share"] = _share(row["viewers_content"], float(arr.sum()))
    ct = model.content
    row["content_views"] = float(getattr(ct, "views", 0))
    row["content_spend"] = getattr(ct, "spent", 0) / 100.0
    row["content_follows"] = float(getattr(ct, "new_follows", 0))
    row.update(policy_daily_row(model.platform.policy))
    row.update(model.supply.daily_row())
    # store rooms and the suppliers' channel choice (sim/market/stores.py)
    row["gmv_store"] = float(o.room_gmv[an_n:].sum())
    row.update(model.stores.state_rows())
    row.update(model.ads.daily_row())
    row["commission_platform"] -= row["ad_income"]          # (advertising is not commission)
    row.update(model.entry.daily_row())
    return row


SUMMARY_MEASURES: dict[str, str] = {
    "days": "days simulated",
    "gmv": "total GMV over the run, all channels (yuan)",
    "net_gmv": "GMV minus refunds over the run (yuan)",
    "orders": "orders over the run",
    "viewers": "live-room viewers over the run",
    "live_conversion": "live-room orders / live-room viewers over the run (F3)",
    "shelf_conversion": "shelf orders / shelf page views over the run (F4)",
    "top1pct_room_conversion": "conversion of the top 1% of live rooms (anchors and stores) by GMV over the run (F5)",
    "return_rate": "returns / deliveries over the run",
    "return_rate_<category>": "returns / deliveries of the category over the run (F6 apparel, F7 jewelry); returns of the last days' deliveries that would arrive after the horizon are not counted",
    "reverse_logistics_share": "reverse logistics cost / GMV over the run (F8)",
    "spoilage_share": "spoiled value / live-room GMV of perishable categories over the run (F9)",
    "top50_gmv_share": "share of live-room GMV taken by the 50 anchors with the most GMV over the run (F1)",
    "sme_gmv_share": "share of all GMV sold by SME suppliers over the run (F2)",
    "top50_traffic_share": "share of all public impressions (anchor and store rooms) taken by the 50 anchors with the most over the run",
    "max_broadcast_traffic_share": "the largest share of a day's public traffic that the allocation gave one broadcast, over the days of the run (a per-anchor cap binds only if it is below this)",
    "hhi_anchor_gmv": "Herfindahl index of anchors' GMV over the run",
    "gini_anchor_gmv": "Gini coefficient of anchors' GMV over the run",
    "hhi_traffic": "Herfindahl index of public impressions across all rooms (anchors and stores) over the run",
    "gini_traffic": "Gini coefficient of public impressions across all rooms (anchors and stores) over the run",
    "mean_personal_trust": "mean personal trust on the last day",
    "mean_institutional_trust": "mean institutional trust on the last day",
    "mean_institutional_trust_run": "mean institutional trust averaged over the days of the run",
    "lost_sales": "units lost to stock-outs over the run",
    "profit_platform": "platform's income over the run (commission received, fines, advertising income) (yuan)",
    "profit_suppliers": "suppliers' cash gain over the run: receipts less production, logistics, fees and commissions (yuan)",
    "profit_anchors": "anchors' income over the run: pit fees and commissions received (yuan)",
    "escrow_end": "consumer money still held in escrow at the end (yuan)",
    **FINANCE_SUMMARY,
    # trust, fraud and word of mouth (sim/trust.py)
    "complaint_share_not_as_described": "share of all complaints over the run: not as described (F10)",
    "complaint_share_fake_orders": "share of all complaints over the run: fake orders or faked data (F11)",
    "complaint_share_fake_goods": "share of all complaints over the run: fake goods",
    "complaint_share_other": "share of all complaints over the run: other causes",
    "complaints": "complaints over the run, all causes",
    "complaints_fake_goods": "fake-goods complaints over the run (F14)",
    "perceived_risk": "1 - institutional trust, averaged over the days of the run (F13)",
    "fraud_detected": "fraudsters detected over the run",
    "fake_gmv": "fake orders bought over the run, at their stated value (yuan)",
    "wom_reach_per_day": "distinct consumers whose trust word of mouth moved, per day",
    "wom_reach_per_experience": "ties reached by word of mouth per lived experience (delivery)",
    "shock_trust_fall": "relative fall of mean institutional trust, 14 days after the first persona collapse vs the 7 days before (F16)",
    "shock_gmv_fall": "relative fall of GMV, 14 days after the first persona collapse vs the 7 days before (F16)",
    # co-creation: engagement, reviews, product feedback
    **_engagement.ENGAGEMENT_SUMMARY,
    **_reviews.REVIEWS_SUMMARY,
    **_feedback.FEEDBACK_SUMMARY,
    # live and shelf feed each other; search (sim/market/shelf.py, search.py)
    **SHELF_SUMMARY,
    **SEARCH_SUMMARY,
    # arrivals, content seeding, the recommender
    **{f"arrival_share_{a}": f"share of the run's room entries that came through {how}" for a, how in ARRIVAL_WAYS.items()},
    "content_share": "share of the run's live-room viewers (room entries) who arrived through content seeding (F19)",
    "content_spend": "what rooms spent making short videos over the run (yuan)",
    "long_tail_traffic_share": "share of the run's public impressions dealt to the long tail: SME suppliers' store rooms and small anchors' rooms (tail tier or new), the rooms the long-tail reserve serves",
    **SUPPLY_SUMMARY,
    "store_seller_share": "share of suppliers that sold through their own store broadcasts at least once over the run (F21)",
    "store_gmv_share": "share of all GMV sold in suppliers' store rooms over the run",
    "store_impression_share": "share of all public impressions dealt to store rooms over the run",
    "store_conversion": "orders / room entries of store rooms over the run",
    "store_follows_end": "store rooms followed (filled store follow slots) on the last day",
    "store_channel_switches": "suppliers' channel changes (store, anchors, both) over the run",
    # paid traffic (sim/market/ads.py)
    **ADS_SUMMARY,
    "head_traffic_cv": "coefficient of variation of the daily public impressions of head rooms (the top 1% of rooms by public impressions over the run), over the days each was live, averaged over them (F20)",
    # entry and exit (sim/market/entry.py)
    **ENTRY_SUMMARY,
}

_PLACE_TEXT = {"sme_store": "SME suppliers' store rooms", "brand_store": "brands' (large suppliers') store rooms",
               "small_anchor": "small anchors' rooms (tail tier or new)", "other_anchor": "the other anchors' rooms",
               "shelf": "shelf pages"}
_GOODS_TEXT = {"sme": "SME suppliers' goods", "brand": "brands' goods"}
#: the tallies by place of sale and goods (RunTotals.place_summary), for the traffic decomposition
PLACE_MEASURES: dict[str, str] = {}
for _p in PLACES:
    if _p != "shelf":
        PLACE_MEASURES[f"impressions_{_p}"] = f"public impressions dealt to {_PLACE_TEXT[_p]} over the run"
        PLACE_MEASURES[f"public_entries_{_p}"] = f"room entries of {_PLACE_TEXT[_p]} from the public feed over the run"
    PLACE_MEASURES[f"entries_{_p}"] = (f"{'page views' if _p == 'shelf' else 'room entries'} of "
                                       f"{_PLACE_TEXT[_p]} over the run")
    for _g in GOODS:
        _where = f"{_PLACE_TEXT[_p]} considering {_GOODS_TEXT[_g]}"
        PLACE_MEASURES[f"offered_{_p}_{_g}"] = f"{'page views' if _p == 'shelf' else 'entries'} of {_where} over the run"
        PLACE_MEASURES[f"wanted_{_p}_{_g}"] = f"buyers within budget in {_where} over the run (before stock-outs)"
        PLACE_MEASURES[f"orders_{_p}_{_g}"] = f"orders in {_PLACE_TEXT[_p]} of {_GOODS_TEXT[_g]} over the run"
        PLACE_MEASURES[f"gmv_{_p}_{_g}"] = f"GMV of {_GOODS_TEXT[_g]} sold in {_PLACE_TEXT[_p]} over the run (yuan)"
SUMMARY_MEASURES.update(PLACE_MEASURES)


def run_summary(model, daily) -> dict[str, float]:
    """One row summarising a run, from the model's run totals and its daily table."""
    cum = model.cum
    an_n = model.anchors.n
    room_gmv, room_views, room_orders = cum.room_gmv, cum.room_views, cum.room_orders
    n_top = max(1, int(np.ceil(0.01 * (room_gmv > 0).sum())))
    top_rooms = np.argsort(-room_gmv, kind="stable")[:n_top]
    anchor_gmv = room_gmv[:an_n]
    room_imp = cum.room_impressions
    imp = room_imp[:an_n]
    led = model.ledger
    deliveries = cum.cat_deliveries
    returns = cum.cat_returns
    perishable = model.categories.spoil > 0
    sp = model.suppliers
    present = ~np.concatenate([model.anchors.reserved, sp.reserved])   # (reserve rows: nobody yet)
    out = {
        "days": float(len(daily)),
        "gmv": float(daily["gmv"].sum()),
        "net_gmv": float(daily["net_gmv"].sum()),
        "orders": float(daily["orders"].sum()),
        "viewers": float(daily["viewers"].sum()),
        "live_conversion": _ratio(daily["orders_live"].sum(), daily["viewers"].sum()),
        "shelf_conversion": _ratio(daily["orders_shelf"].sum(), daily["shelf_views"].sum()),
        "top1pct_room_conversion": _ratio(room_orders[top_rooms].sum(), room_views[top_rooms].sum()),
        "return_rate": _ratio(returns.sum(), deliveries.sum()),
    }
    for i, name in enumerate(model.category_names):
        out[f"return_rate_{name}"] = _ratio(returns[i], deliveries[i])
    out.update({
        "reverse_logistics_share": _ratio(daily["reverse_logistics_cost"].sum(), daily["gmv"].sum()),
        "spoilage_share": _ratio(cum.spoiled_live_value / 100.0,
                                 float(cum.cat_gmv_live[perishable].sum()) if perishable.any() else 0.0),
        "top50_gmv_share": _share(top_sum(anchor_gmv, 50), room_gmv.sum()),
        "sme_gmv_share": _share(cum.supplier_gmv[~sp.is_large].sum(), cum.supplier_gmv.sum()),
        "top50_traffic_share": _share(top_sum(imp, 50), room_imp.sum()),
        "max_broadcast_traffic_share": float(daily["max_broadcast_traffic_share"].max()) if len(daily) else 0.0,
        "hhi_anchor_gmv": hhi(anchor_gmv),
        "gini_anchor_gmv": gini(anchor_gmv[present[:an_n]]),
        "hhi_traffic": hhi(room_imp),
        "gini_traffic": gini(room_imp[present]),
        "mean_personal_trust": float(daily["mean_personal_trust"].iloc[-1]),
        "mean_institutional_trust": float(daily["mean_institutional_trust"].iloc[-1]),
        "mean_institutional_trust_run": float(daily["mean_institutional_trust"].mean()),
        "lost_sales": float(daily["lost_sales"].sum()),
        "profit_platform": led["platform"] / 100.0,
        "profit_suppliers": (float(led.supplier_balance.sum()) - led.flow("capital") + led.flow("exit_to_owners")
                             - led.flow("exit_top_up")) / 100.0,
        "profit_anchors": float(led.anchor_balance.sum()) / 100.0,
        "escrow_end": led["escrow"] / 100.0,
    })
    out.update(model.credit.summary())
    out.update(trust_summary_rows(model, daily))
    out.update(_engagement.summary_rows(daily))
    out.update(_reviews.summary_rows(daily))
    out.update(_feedback.summary_rows(daily))
    out.update(shelf_summary(daily))
    out.update(search_summary(daily))
    entries = float(sum(daily[f"viewers_{a}"].sum() for a in ARRIVAL_WAYS))
    for a in ARRIVAL_WAYS:
        out[f"arrival_share_{a}"] = _share(float(daily[f"viewers_{a}"].sum()), entries)
    out["content_share"] = out["arrival_share_content"]
    out["content_spend"] = float(daily["content_spend"].sum())
    out["head_traffic_cv"] = model.traffic.volatility.head_cv()
    out.update(model.supply.summary(daily))
    # store rooms (sim/market/stores.py; measured with the sub-model off too)
    store_gmv = room_gmv[an_n:]
    out["store_seller_share"] = _share(float((store_gmv > 0).sum()), float(store_gmv.size))
    out["store_gmv_share"] = _share(float(store_gmv.sum()), float(cum.supplier_gmv.sum()))
    out["store_impression_share"] = _share(float(room_imp[an_n:].sum()), float(room_imp.sum()))
    out["store_conversion"] = _ratio(float(room_orders[an_n:].sum()), float(room_views[an_n:].sum()))
    out["store_follows_end"] = float(daily["store_follows"].iloc[-1])
    out["store_channel_switches"] = float(getattr(model.stores, "switches", 0))
    out.update(model.ads.summary(daily, model.category_names, out["profit_platform"]))
    if cum._anchors is not None:
        out.update(cum.place_summary())
    imp = cum.place_impressions
    out["long_tail_traffic_share"] = _share(float(imp[PLACES.index("sme_store")] + imp[PLACES.index("small_anchor")]),
                                            float(imp.sum()))
    out.update(model.entry.summary(daily))
    return out
