"""Paid traffic (MODEL.md 4.9; docs/model.md 6.17): bids, budgets, the auction, pacing.

:class:`Ads` is the sub-model of the scenario section ``ads``, an entry source
of :class:`sim.market.viewing.Viewing` (entries with ``Arrival.PROMOTED``),
whose memories are updated at step 13 of the day.

* **Inventory.** The platform sells ``ad_load`` of the public feed's live-room
  cards as promoted impressions (the organic feed keeps the rest): each active
  consumer has ``Poisson(public_impressions_per_active x live-room card share x
  ad_load)`` ad slots today. The day's promoted impressions are split among the
  categories in proportion to today's active consumers' interest
  (``consumers.category_pref``); in each category they are sold as
  ``slots_per_category`` impression batches (*positions*), position ``s``
  holding ``position_decay ** s`` of the category's impressions (normalised).
* **Bidders.** A share ``merchant_share`` of the merchants (suppliers) and a
  share ``anchor_share`` of the anchors advertise (drawn once, when the run
  starts). An ad line is one listed product in one of today's live rooms on
  the platform (a coalition mode: only rooms on the platform, as the
  platform's other paths): a merchant bids for each of its listings (in its
  store room or a partner anchor's room), an anchor for each listing of its
  own room. A line's value per impression is the expected GMV of a promoted
  impression (``platform.click_through`` x the expected conversion x the
  product's price) times the bidder's margin on it (a
  merchant: price less the platform's commission, the anchor's commission,
  the unit cost and the shipping, per yuan of price; an anchor: its commission
  rate) times ``1 + customer_value``. The room's conversion is a decayed memory
  (half-life ``memory_half_life``) of its orders / entries of viewers who do
  not follow the room's anchor, shrunk towards the platform's by
  ``prior_entries`` pseudo-entries.
* **Auction.** A generalised second-price auction per category (Edelman,
  Ostrovsky and Schwarz 2007; Varian 2007), per impression: the lines bid
  ``pacing x value`` (bids under ``reserve_price`` are not taken), are ranked by
  bid (ties at random), the ``s``-th highest wins position ``s`` and pays, per
  impression served, the next bid down (or the reserve price when none
  follows), never more than its own bid.
* **Budgets and pacing.** An advertiser's daily budget is ``budget_share`` of
  its recent daily GMV (a decayed mean; a merchant: all channels, an anchor:
  its room), at least ``min_budget``, never more than its cash. A bidder whose
  wins would cost more than its budget gets the impressions of every winning
  line cut in the same proportion (whole impressions), so that it never
  spends more than its budget; the unsold impressions go unserved. After the
  day, each bidder's *pacing multiplier* is multiplied by ``exp(pacing_step x
  (1 - demand / budget))`` within ``[pacing_floor, 1]``, where ``demand`` is what
  its wins would have cost without the cut (multiplicative pacing, as in
  Conitzer et al. 2022 and Balseiro and Gur 2019): a bidder whose wins exceeded
  its budget shades its bids, one that under-spent bids closer to its value.
* **Serving.** Each promoted impression shows its line's product and goes
  through the recommender (:meth:`sim.market.recommend.Recommender.match`,
  by predicted interest in the product's category; off: at random from the
  ``ads`` stream), is clicked with probability ``platform.click_through``, and
  a viewer who does not follow the room's anchor enters the room (followers
  were reached privately), considering the promoted product, with a
  stranger's trust (``consumers.stranger_trust_factor`` x institutional trust).
* **Money.** Each advertiser pays for the impressions served to it: a ledger
  transfer in integer cents from its account to the ``platform`` account, flow
  ``ad_spend`` (the platform's advertising income).

Every random number of this module comes from the ``ads`` stream (the
recommender's matching draws from its own stream, as for the public feed and
the short videos). :data:`NO_ADS` is the null object (the section off): no
draws, no money, no entries, the feed keeps all its cards.
"""

from __future__ import annotations

import numpy as np

from sim.market.viewing import Arrival, Entries

PROMOTED = int(Arrival.PROMOTED)
PUBLIC = int(Arrival.PUBLIC)

#: paid traffic's daily measures (docs/measures.md)
ADS_DAILY: dict[str, str] = {
    "ad_spend": "what advertisers paid for promoted impressions today (yuan)",
    "ad_spend_merchants": "the part of ad_spend paid by merchants (suppliers) (yuan)",
    "ad_spend_anchors": "the part of ad_spend paid by anchors (yuan)",
    "ad_income": "advertising income the platform booked today (flow ad_spend into the platform's account) (yuan)",
    "advertisers": "advertisers (merchants and anchors) that were served promoted impressions today",
    "promoted_impressions": "promoted (paid) impressions served today",
    "promoted_entries": "room entries from promoted impressions (Arrival.PROMOTED)",
    "promoted_orders": "orders placed by viewers who came from a promoted impression",
    "promoted_gmv": "GMV of the orders of viewers who came from a promoted impression (yuan)",
    "roas": "return on ad spend today: promoted_gmv / ad_spend (0 without ad spend)",
    "ad_cpm": "ad spend per 1000 promoted impressions today (yuan)",
}

#: paid traffic's run summary (docs/measures.md)
ADS_SUMMARY: dict[str, str] = {
    "ad_spend": "what advertisers paid for promoted impressions over the run (yuan)",
    "ad_income": "the platform's advertising income over the run (yuan)",
    "ad_income_share": "ad_income / the platform's income over the run (profit_platform)",
    "promoted_impressions": "promoted impressions served over the run",
    "promoted_gmv": "GMV of the orders of viewers who came from promoted impressions over the run (yuan)",
    "promoted_gmv_share": "promoted_gmv / GMV over the run",
    "roas": "return on ad spend over the run: promoted_gmv / ad_spend (0 without ad spend)",
    "roas_<category>": "return on ad spend in the category over the run: GMV of promoted entries for the category's products / ad spend on them (F15 apparel)",
}


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


class NoAds:
    """The null object (``ads.enabled`` false): no bids, no draws, no money."""

    enabled = False
    card_factor = 1.0

    def remember(self, b, views, orders) -> None:
        pass

    def daily_row(self) -> dict[str, float]:
        return {k: 0.0 for k in ADS_DAILY}

    def summary(self, daily, category_names, platform_income: float) -> dict[str, float]:
        out = {k: 0.0 for k in ADS_SUMMARY if "<" not in k}
        out.update({f"roas_{c}": 0.0 for c in category_names})
        return out


NO_ADS = NoAds()


def gsp(bid: np.ndarray, cat: np.ndarray, tiebreak: np.ndarray, slots: int, reserve: float):
    """The generalised second-price auction of every category at once.

    ``bid`` per line (yuan per impression, all at least ``reserve``), ``cat`` its
    category, ``tiebreak`` a random key per line. Returns ``(winner, position,
    price)``: the winning lines, the position each won (0 the top) and the price
    per impression each pays (the next bid down in its category, or ``reserve``),
    with ``price <= bid[winner]``."""
    if bid.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), np.zeros(0)
    order = np.lexsort((tiebreak, -bid, cat))            # by category, then bid high to low
    c = cat[order]
    start = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    first = np.repeat(start, np.diff(np.r_[start, c.size]))
    rank = np.arange(c.size) - first
    nxt = np.r_[bid[order][1:], reserve]
    same = np.r_[c[1:] == c[:-1], False]
    price = np.where(same, np.maximum(nxt, reserve), reserve)
    win = rank < slots
    return order[win], rank[win], price[win]


def position_impressions(n: np.ndarray, slots: int, decay: float) -> np.ndarray:
    """(categories, slots): the whole impressions of each position, ``n`` per
    category split by ``decay ** s`` (largest remainders to the top positions)."""
    w = decay ** np.arange(slots)
    w = w / w.sum()
    exact = n[:, None] * w[None, :]
    out = np.floor(exact).astype(np.int64)
    short = n - out.sum(axis=1)
    out += np.arange(slots)[None, :] < short[:, None]
    return out


class Ads:
    """Receives the scenario, the consumer, anchor and supplier tables, the category
    terms, the ledger, the recommender (or its null object), the share of the public
    feed's live-room cards kept by content seeding and the ``ads`` stream.

    State: which merchants and anchors advertise; per bidder (suppliers, then
    anchors) the pacing multiplier and the decayed mean of its daily GMV; per room
    (anchors, then store rooms) the decayed entries and orders of viewers from the feed's cards; run
    totals of spend and promoted GMV per category."""

    enabled = True

    def __init__(self, params, consumers, anchors, suppliers, categories, ledger, recommender, card_share, rng):
        self.params, self.p = params, params.ads
        self.consumers, self.anchors, self.suppliers, self.categories = consumers, anchors, suppliers, categories
        self.ledger, self.recommender, self.rng = ledger, recommender, rng
        p = self.p
        ns, na = suppliers.n, anchors.n
        self.merchant = rng.random(ns) < p.merchant_share
        self.anchor = rng.random(na) < p.anchor_share
        self.pacing = np.ones(ns + na)
        self.gmv_memory = np.zeros(ns + na)           # yuan per day, decayed
        self.room_entries = np.zeros(na + ns)         # strangers' entries, decayed
        self.room_orders = np.zeros(na + ns)
        self.product_entries = np.zeros(ns)           # the same per product (supplier) considered
        self.product_orders = np.zeros(ns)
        self.card_factor = 1.0 - p.ad_load            # the organic feed keeps the rest of the cards
        self.slot_rate = params.platform.public_impressions_per_active * card_share * p.ad_load
        self.cum_spend = np.zeros(categories.n, dtype=np.int64)   # cents, per category
        self.cum_gmv = np.zeros(categories.n, dtype=np.int64)     # cents of promoted entries' orders
        self._reset()

    def _reset(self) -> None:
        n = self.pacing.size
        self.spend = np.zeros(n, dtype=np.int64)      # cents per bidder today
        self.budget = np.zeros(n, dtype=np.int64)     # cents per bidder today (0: did not bid)
        self.demand = np.zeros(n)                     # cents the bidder's wins would have cost without its budget
        self.bidding = np.zeros(n, dtype=bool)
        self.impressions = self.entries_today = 0
        self._ledger_before = self.ledger.flow("ad_spend")
        self._orders = self._gmv = 0
        self._spend_merchants = self._spend_anchors = self._advertisers = 0

    # ------------------------------------------------------------ bids
    def conversion(self, rooms: np.ndarray, products: np.ndarray) -> np.ndarray:
        """The expected conversion of a feed entry into ``rooms`` considering ``products``:
        the platform's conversion of viewers from the feed's cards times the room's and
        the product's own, relative to it (the room's shrunk towards the platform's, the
        product's towards its category's, the category's towards the platform's)."""
        e_all = self.room_entries.sum()
        c_bar = self.room_orders.sum() / e_all if e_all > 0 else 0.03
        if c_bar <= 0:
            c_bar = 0.03
        k = self.p.prior_entries
        room = (self.room_orders[rooms] + k * c_bar) / np.maximum(self.room_entries[rooms] + k, 1e-12)
        # a product's conversion is shrunk towards its category's (itself shrunk towards the platform's)
        cat = self.suppliers.category
        n_cat = self.categories.n
        cat_o = np.bincount(cat, weights=self.product_orders, minlength=n_cat)
        cat_e = np.bincount(cat, weights=self.product_entries, minlength=n_cat)
        c_cat = (cat_o + k * c_bar) / np.maximum(cat_e + k, 1e-12)
        c_k = c_cat[cat[products]]
        prod = (self.product_orders[products] + k * c_k) / np.maximum(self.product_entries[products] + k, 1e-12)
        return np.minimum(room * prod / c_bar, 1.0)

    def lines(self, b, mode):
        """Today's ad lines: ``(bcast, product, payer, value)`` per line; the payer
        is a bidder index (suppliers, then anchors)."""
        sp, an, cat_t = self.suppliers, self.anchors, self.categories
        ns = sp.n
        on = np.asarray(mode.platform_rooms(b), dtype=bool)
        ok = (b.listing >= 0) & on[:, None]
        rows, cols = np.nonzero(ok)
        sup = b.listing[rows, cols]
        price = sp.price[sup]
        cat = sp.category[sup]
        rate = b.rate[rows]
        gmv_per_imp = self.params.platform.click_through * self.conversion(b.room[rows], sup) * price
        lift = 1.0 + self.p.customer_value
        # merchants: their margin per yuan of price on the listing
        margin = 1.0 - cat_t.commission[cat] - rate - (sp.unit_cost[sup] + cat_t.forward[cat] / 100.0) / price
        m = self.merchant[sup] & sp.alive[sup] & (margin > 0)
        # anchors: their commission rate on the listings of their own room
        a = b.anchor[rows]
        a0 = np.maximum(a, 0)
        am = (a >= 0) & self.anchor[a0] & an.alive[a0] & (rate > 0)
        bcast = np.concatenate([rows[m], rows[am]])
        product = np.concatenate([sup[m], sup[am]])
        payer = np.concatenate([sup[m], ns + a0[am]])
        value = np.concatenate([gmv_per_imp[m] * margin[m], gmv_per_imp[am] * rate[am]]) * lift
        return bcast, product, payer, value

    def budgets(self, payers: np.ndarray) -> np.ndarray:
        """Today's budget of each payer (cents): a share of its recent GMV, at least
        the minimum, at most its cash."""
        p, led = self.p, self.ledger
        ns = self.suppliers.n
        acct = np.where(payers < ns, led.supplier0 + payers, led.anchor0 + (payers - ns))
        want = np.floor(np.maximum(p.min_budget, p.budget_share * self.gmv_memory[payers]) * 100.0)
        return np.minimum(want.astype(np.int64), np.maximum(led.balance[acct], 0))

    # ------------------------------------------------------------ step 4: an entry source
    def entries(self, ctx) -> Entries:
        """Today's auction, its promoted impressions and their room entries (``Arrival.PROMOTED``)."""
        p, cons, sp, rng, led = self.p, self.consumers, self.suppliers, self.rng, self.ledger
        self._reset()
        b, active = ctx.broadcasts, ctx.active
        empty = Entries.empty(Arrival.PROMOTED)
        empty.product = np.zeros(0, dtype=np.int64)
        if b.size == 0 or active.size == 0:
            return empty
        n_slots = rng.poisson(self.slot_rate, active.size)
        total = int(n_slots.sum())
        demand = cons.category_pref[active].sum(axis=0)
        n_cat = rng.multinomial(total, demand / demand.sum())
        bcast, product, payer, value = self.lines(b, ctx.mode)
        # bids: pacing x value; an advertiser with no budget does not bid
        uniq, inv = np.unique(payer, return_inverse=True)
        budget = self.budgets(uniq)
        self.bidding[uniq] = True
        self.budget[uniq] = budget
        bid = self.pacing[payer] * value
        take = (bid >= p.reserve_price) & (budget[inv] > 0)
        idx = np.flatnonzero(take)
        line_cat = sp.category[product[idx]]
        win, pos, price = gsp(bid[idx], line_cat, rng.random(idx.size), p.slots_per_category, p.reserve_price)
        if win.size == 0:
            return empty
        w_line = idx[win]
        imps = position_impressions(n_cat, p.slots_per_category, p.position_decay)[line_cat[win], pos]
        # budgets: a bidder's wins cut in proportion so that it never spends more than its budget
        w_pay = inv[w_line]
        exact = price * imps * 100.0
        due = np.bincount(w_pay, weights=exact, minlength=uniq.size)
        self.demand[uniq] = due                   # what the wins would have cost (cents), before the cut
        scale = np.where(due > budget, budget / np.maximum(due, 1e-12), 1.0)
        imps = np.where(scale[w_pay] < 1.0, np.floor(imps * scale[w_pay]), imps).astype(np.int64)
        cost = np.floor(price * imps * 100.0).astype(np.int64)
        # the money: each advertiser pays the platform for the impressions served
        w_payer = payer[w_line]
        ns = sp.n
        acct = np.where(w_payer < ns, led.supplier0 + w_payer, led.anchor0 + (w_payer - ns))
        led.transfer(acct, led.acct("platform"), cost, "ad_spend")
        self.spend += np.bincount(w_payer, weights=cost, minlength=self.spend.size).astype(np.int64)
        self.cum_spend += np.bincount(line_cat[win], weights=cost, minlength=self.cum_spend.size).astype(np.int64)
        self._spend_merchants = int(cost[w_payer < ns].sum())
        self._spend_anchors = int(cost[w_payer >= ns].sum())
        self._advertisers = int(np.unique(w_payer[imps > 0]).size)
        # serving: through the recommender, by predicted interest in the product's category
        item_b = np.repeat(bcast[w_line], imps)
        item_p = np.repeat(product[w_line], imps)
        self.impressions = int(item_b.size)
        viewer = self.recommender.match(active, n_slots, item_b, b, rng, sp.category[item_p])
        click = np.flatnonzero(rng.random(item_b.size) < self.params.platform.click_through)
        e_cons, e_b, e_p = viewer[click], item_b[click], item_p[click]
        fresh = ~cons.follows_anchor(e_cons, b.anchor[e_b])     # followers were reached privately
        e_cons, e_b, e_p = e_cons[fresh], e_b[fresh], e_p[fresh]
        self.entries_today = int(e_cons.size)
        ptrust = self.params.consumers.stranger_trust_factor * cons.institutional_trust[e_cons]
        return Entries(consumer=e_cons, bcast=e_b, ptrust=ptrust, followed=np.zeros(e_cons.size, bool),
                       source=Arrival.PROMOTED, product=e_p.astype(np.int64))

    # ------------------------------------------------------------ step 13: memories and pacing
    def remember(self, b, views, orders) -> None:
        """Promoted GMV, the rooms' conversion of strangers, the bidders' GMV and pacing."""
        p = self.p
        d = 0.5 ** (1.0 / p.memory_half_life)
        ch = orders.chunk
        n_rooms = self.room_entries.size
        entries = np.zeros(n_rooms)
        room_orders = np.zeros(n_rooms)
        ns = self.product_entries.size
        p_entries, p_orders = np.zeros(ns), np.zeros(ns)
        if views.viewers and b.size:
            src = views.source
            stranger = (src == PUBLIC) | (src == PROMOTED)      # feed cards: a stranger's trust, no video
            entries = np.bincount(b.room[views.bcast[stranger]], minlength=n_rooms).astype(np.float64)
            if orders.entry_supplier is not None:
                p_entries = np.bincount(orders.entry_supplier[stranger], minlength=ns).astype(np.float64)
            if orders.entry is not None and orders.entry.size:
                e = orders.entry
                live = e >= 0
                s_ord = live.copy()
                s_ord[live] = stranger[e[live]]
                room_orders = np.bincount(ch.room[s_ord], minlength=n_rooms).astype(np.float64)
                p_orders = np.bincount(ch.supplier[s_ord], minlength=ns).astype(np.float64)
                promo = live.copy()
                promo[live] = views.source[e[live]] == PROMOTED
                self._orders = int(promo.sum())
                self._gmv = int(ch.price[promo].sum())
                self.cum_gmv += np.bincount(ch.category[promo], weights=ch.price[promo],
                                            minlength=self.cum_gmv.size).astype(np.int64)
        self.room_entries = d * self.room_entries + (1 - d) * entries
        self.room_orders = d * self.room_orders + (1 - d) * room_orders
        self.product_entries = d * self.product_entries + (1 - d) * p_entries
        self.product_orders = d * self.product_orders + (1 - d) * p_orders
        gmv = np.concatenate([orders.supplier_gmv, orders.room_gmv[:self.anchors.n]])
        self.gmv_memory = d * self.gmv_memory + (1 - d) * gmv
        # multiplicative pacing of the bidders that bid today: down when their wins would have
        # cost more than their budget, up (towards bidding their value) when they cost less
        bid = self.bidding & (self.budget > 0)
        ratio = self.demand[bid] / self.budget[bid]
        self.pacing[bid] = np.clip(self.pacing[bid] * np.exp(p.pacing_step * (1.0 - ratio)), p.pacing_floor, 1.0)

    # ------------------------------------------------------------ measures
    def daily_row(self) -> dict[str, float]:
        spend = float(self.spend.sum())
        return {
            "ad_spend": spend / 100.0,
            "ad_spend_merchants": self._spend_merchants / 100.0,
            "ad_spend_anchors": self._spend_anchors / 100.0,
            "ad_income": (self.ledger.flow("ad_spend") - self._ledger_before) / 100.0,
            "advertisers": float(self._advertisers),
            "promoted_impressions": float(self.impressions),
            "promoted_entries": float(self.entries_today),
            "promoted_orders": float(self._orders),
            "promoted_gmv": self._gmv / 100.0,
            "roas": _ratio(self._gmv, spend),
            "ad_cpm": _ratio(spend / 100.0 * 1000.0, self.impressions),
        }

    def summary(self, daily, category_names, platform_income: float) -> dict[str, float]:
        spend, income = float(daily["ad_spend"].sum()), float(daily["ad_income"].sum())
        gmv = float(daily["promoted_gmv"].sum())
        out = {
            "ad_spend": spend, "ad_income": income, "ad_income_share": _ratio(income, platform_income),
            "promoted_impressions": float(daily["promoted_impressions"].sum()), "promoted_gmv": gmv,
            "promoted_gmv_share": _ratio(gmv, float(daily["gmv"].sum())), "roas": _ratio(gmv, spend),
        }
        for i, c in enumerate(category_names):
            out[f"roas_{c}"] = _ratio(float(self.cum_gmv[i]), float(self.cum_spend[i]))
        return out
