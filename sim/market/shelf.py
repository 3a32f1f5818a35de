"""Live and shelf feed each other (MODEL.md 4.8; docs/model.md 6.14).

:class:`ShelfLinks` is the sub-model of the scenario section ``shelf_links``:

* **purchase memory**: each consumer remembers the supplier and category of
  their last ``memory_slots`` purchases (most recent first), the day of the
  purchase and whether the supplier was first bought in a live room; column-wise
  int32 arrays, -1 for an empty slot;
* **repurchase through the shelf**: a share ``repurchase_share`` of a consumer's
  shelf page views goes to the suppliers they remember (a random filled slot),
  the rest by shelf visibility as before;
* **"watch live"**: a product page of a product sold live right now (its
  supplier's store broadcast or a partner anchor's broadcast that lists it,
  on the platform) leads the consumer into that room with probability
  ``watch_live_probability``: an entry source (:meth:`entries`, entries with
  ``Arrival.SHELF``) whose viewers face the live-room purchase rule; the shelf
  step then drops as many of its page views of live products in expectation
  (each with that probability), so that a product page is either a room entry
  or a shelf page view, not both;
* **coupons for repurchase**: a purchase earns the buyer a coupon worth
  ``coupon_discount`` of the price for the next shelf purchase from the same
  supplier within ``coupon_days``, shown on the pages reached through the
  memory (the repurchase pages); it lowers the price the consumer weighs
  (``-price_sensitivity x log(1 - discount)`` logit units) and, on an order
  that is kept, the funder (``coupon_funder``: the supplier, flow
  ``coupon_supplier``, or the platform, flow ``coupon_platform``) pays its
  value to the consumer (a ledger transfer into the outside account
  ``consumers``, on the day of the order). A coupon on an order that will be
  returned or spoil is forfeited, which the model books by not paying it.

Every random number comes from the ``shelf`` stream. :data:`NO_SHELF_LINKS`
is the null object (the section off): no memory, no draws, no money.
"""

from __future__ import annotations

import numpy as np

from sim.market.orders import CH_SHELF, KEPT
from sim.market.viewing import Arrival, Entries

#: the shelf links' daily measures (docs/measures.md)
SHELF_DAILY: dict[str, str] = {
    "repeat_orders": "orders today from a supplier the buyer remembered from an earlier purchase (shelf_links)",
    "repeat_purchase_rate": "repeat_orders / orders",
    "watch_live_entries": "room entries from product pages ('watch live', Arrival.SHELF): shelf-to-live flow",
    "watch_live_orders": "orders placed in live rooms by viewers who came from a product page",
    "live_to_shelf_orders": "shelf orders from a remembered supplier the buyer first bought from in a live room: live-to-shelf flow",
    "remembered_shelf_views": "shelf page views that went to a remembered supplier (repurchase through the shelf)",
    "coupon_orders": "shelf orders on which a repurchase coupon was redeemed (kept orders)",
    "coupon_cost": "value of the repurchase coupons redeemed today, paid by their funder to consumers (yuan)",
}

#: the shelf links' run summary (docs/measures.md)
SHELF_SUMMARY: dict[str, str] = {
    "repeat_purchase_rate": "orders from a supplier the buyer remembered / all orders, over the run",
    "watch_live_entries": "room entries from product pages over the run (shelf-to-live flow)",
    "watch_live_conversion": "orders / entries of viewers who came from a product page, over the run",
    "live_to_shelf_orders": "shelf orders from remembered suppliers first bought live, over the run (live-to-shelf flow)",
    "live_to_shelf_share": "live_to_shelf_orders / shelf orders over the run",
    "coupon_cost": "repurchase coupons redeemed over the run (yuan)",
    "coupon_cost_share": "coupon_cost / GMV over the run",
}


def shelf_summary(daily) -> dict[str, float]:
    """The shelf links' part of the run summary, from the daily table."""
    s = {k: float(daily[k].sum()) for k in ("repeat_orders", "watch_live_entries", "watch_live_orders",
                                             "live_to_shelf_orders", "coupon_cost")}
    orders, shelf, gmv = (float(daily[k].sum()) for k in ("orders", "orders_shelf", "gmv"))
    ratio = lambda a, b: float(a / b) if b > 0 else 0.0   # noqa: E731
    return {
        "repeat_purchase_rate": ratio(s["repeat_orders"], orders),
        "watch_live_entries": s["watch_live_entries"],
        "watch_live_conversion": ratio(s["watch_live_orders"], s["watch_live_entries"]),
        "live_to_shelf_orders": s["live_to_shelf_orders"],
        "live_to_shelf_share": ratio(s["live_to_shelf_orders"], shelf),
        "coupon_cost": s["coupon_cost"],
        "coupon_cost_share": ratio(s["coupon_cost"], gmv),
    }


class _Tally:
    """The day's counts of the shelf links (reset at the start of each day)."""

    def __init__(self):
        self.orders = self.repeat_orders = self.watch_live_entries = self.watch_live_orders = 0
        self.live_to_shelf_orders = self.remembered_views = self.coupon_orders = 0
        self.coupon_cents = 0


class NoShelfLinks:
    """The null object (``shelf_links.enabled`` false): nothing remembered, drawn or paid."""

    enabled = False
    platform_coupon_cents = 0

    def start_day(self, d: int) -> None:
        pass

    def pages(self, b, s_cons, s_sup, weight, intercept, mode):
        return s_cons, s_sup, intercept, None

    def remember(self, d: int, chunk, source, coupon) -> None:
        pass

    def daily_row(self) -> dict[str, float]:
        return {k: 0.0 for k in SHELF_DAILY}


NO_SHELF_LINKS = NoShelfLinks()


class ShelfLinks:
    """Receives the scenario, the consumer and supplier tables, the category
    terms, the ledger (coupons) and the ``shelf`` stream; owns the purchase memory."""

    enabled = True

    def __init__(self, params, consumers, suppliers, categories, ledger, rng):
        self.params, self.p = params, params.shelf_links
        self.consumers, self.suppliers, self.categories, self.ledger, self.rng = (
            consumers, suppliers, categories, ledger, rng)
        n, k = consumers.n, self.p.memory_slots
        # purchase memory, most recent first; -1: an empty slot
        self.supplier = np.full((n, k), -1, dtype=np.int32)
        self.category = np.full((n, k), -1, dtype=np.int32)
        self.day = np.full((n, k), -1, dtype=np.int32)
        self.first_live = np.zeros((n, k), dtype=bool)     # the supplier was first bought in a live room
        self.filled = np.zeros(n, dtype=np.int8)             # slots in use (they fill from the front)
        self.tally = _Tally()
        self.today = 0          # the day (coupon validity), set at the start of each day
        self._live = None       # today's live products: (supplier of each live listing, its broadcast)

    @property
    def platform_coupon_cents(self) -> int:
        """Coupons the platform paid today (cents): not commission income."""
        return self.tally.coupon_cents if self.p.coupon_funder == "platform" else 0

    def start_day(self, d: int) -> None:
        self.today = d
        self.tally = _Tally()
        self._live = None

    # ------------------------------------------------------------ live products today
    def _live_listings(self, b, mode):
        """Today's live products: the supplier of each listing of a broadcast on the
        platform, sorted by supplier, with the broadcast; and per supplier the
        first row and the number of rooms selling it."""
        if self._live is None or self._live[3] is not b:
            on = mode.platform_rooms(b)
            lst = b.listing
            ok = (lst >= 0) & on[:, None]
            bc, _ = np.nonzero(ok)
            sup = lst[ok]
            order = np.argsort(sup, kind="stable")
            sup, bc = sup[order], bc[order]
            n = self.suppliers.n
            count = np.bincount(sup, minlength=n)
            first = np.concatenate([[0], np.cumsum(count)[:-1]])
            self._live = (bc, count, first, b)
        return self._live[:3]

    def _room_of(self, sup: np.ndarray, u: np.ndarray, b, mode) -> np.ndarray:
        """A live room selling each supplier's product (uniform among them), -1 if none."""
        bc, count, first = self._live_listings(b, mode)
        c = count[sup]
        out = np.full(sup.size, -1, dtype=np.int64)
        has = c > 0
        out[has] = bc[first[sup[has]] + np.minimum((u[has] * c[has]).astype(np.int64), c[has] - 1)]
        return out

    def _slot_of(self, base: np.ndarray, sup: np.ndarray) -> np.ndarray:
        """The memory slot holding ``sup`` for each consumer (``base``: consumer x
        slots, the row's offset in the flat memory), -1 if none."""
        flat, k = self.supplier.ravel(), self.supplier.shape[1]
        s = sup.astype(np.int32)
        slot = np.full(s.size, -1, dtype=np.int64)
        for j in range(k - 1, -1, -1):      # the first slot that holds it (a supplier is held once)
            slot[flat[base + j] == s] = j
        return slot

    def _pick_remembered(self, cons: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A uniform filled memory slot's supplier per consumer, from ``u`` in [0, 1)
        (-1: remembers nobody; slots fill from the front)."""
        k = self.supplier.shape[1]
        j = np.minimum((u * self.filled[cons]).astype(np.int64), k - 1)
        return self.supplier.ravel()[cons.astype(np.int64) * k + j].astype(np.int64)

    def _usable(self, sup: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Suppliers whose product page can be shown: alive and on the shelf (mode)."""
        s = np.maximum(sup, 0)
        return (sup >= 0) & self.suppliers.alive[s] & (weight[s] > 0)

    # ------------------------------------------------------------ "watch live": an entry source
    def entries(self, ctx) -> Entries:
        """Room entries from product pages (``Arrival.SHELF``): each active consumer's
        product page views of products sold live right now, at the shelf's rate, lead
        into the room with probability ``watch_live_probability``."""
        p, sc, cons, rng = self.p, self.params, self.consumers, self.rng
        b, mode, active = ctx.broadcasts, ctx.mode, ctx.active
        if b.size == 0 or active.size == 0 or p.watch_live_probability <= 0:
            return Entries.empty(Arrival.SHELF)
        s_cons, weight = mode.shelf(active, self.suppliers.shelf_weight)
        if s_cons.size == 0:
            return Entries.empty(Arrival.SHELF)
        weight = weight * self.suppliers.alive
        _, count, _ = self._live_listings(b, mode)
        live_w = np.where(count > 0, weight, 0.0)
        total = float(weight.sum())
        p_live = float(live_w.sum()) / total if total > 0 else 0.0
        # pages of live products by visibility (rate x p_live) and pages of remembered
        # suppliers (rate x repurchase_share, kept if the supplier is live), one Poisson
        # draw for both, then each page's kind
        both = np.where(self.filled[s_cons] > 0, p_live + p.repurchase_share * (1.0 - p_live), p_live)
        lam = 2.0 * sc.platform.shelf_views_per_active * p.watch_live_probability * cons.shelf_preference[s_cons]
        # (independent Poisson counts per consumer: a Poisson total shared out by rate)
        cdf = np.cumsum(lam * both)
        n = int(rng.poisson(cdf[-1]))
        if n == 0:
            return Entries.empty(Arrival.SHELF)
        # (sorted draws: the search is cache-friendly; entries come in consumer order)
        e_cons = s_cons[np.minimum(np.searchsorted(cdf, np.sort(rng.random(n)) * cdf[-1], side="right"),
                                   cdf.size - 1)]
        r_e = np.where(self.filled[e_cons] > 0, p.repurchase_share, 0.0)
        q = r_e / ((1.0 - r_e) * p_live + r_e)
        u = rng.random(e_cons.size)
        mem = u < q
        e_sup = np.empty(e_cons.size, dtype=np.int64)
        e_sup[mem] = self._pick_remembered(e_cons[mem], u[mem] / q[mem])
        gen = np.flatnonzero(~mem)
        if gen.size:
            wc = np.cumsum(live_w)
            e_sup[gen] = np.minimum(np.searchsorted(wc, rng.random(gen.size) * wc[-1], side="right"), wc.size - 1)
        ok = self._usable(e_sup, weight)
        e_cons, e_sup = e_cons[ok], e_sup[ok]
        e_b = self._room_of(e_sup, rng.random(e_sup.size), b, mode)
        ok = e_b >= 0
        ent = stranger_or_follower(cons, sc, e_cons[ok], e_b[ok], b, Arrival.SHELF)
        self.tally.watch_live_entries = ent.size
        return ent

    # ------------------------------------------------------------ the shelf's page views
    def pages(self, b, s_cons, s_sup, weight, intercept, mode):
        """Today's shelf page views, re-shaped: a share goes to remembered suppliers
        (those pages show the consumer's coupon, if still valid), and pages of live
        products that became room entries are dropped. Returns the consumers,
        suppliers, logit intercepts and coupon marks of the page views (``None``:
        no coupon on any)."""
        p, rng, k = self.p, self.rng, self.supplier.shape[1]
        if s_cons.size == 0:
            return s_cons, s_sup, intercept, None
        # repurchase: a share of the page views of consumers who remember a supplier
        # (one uniform a page: below the share it redirects, and picks the slot)
        u = rng.random(s_cons.size)
        sel = np.flatnonzero(u < p.repurchase_share)
        coupon = None
        if sel.size:
            j = np.minimum((u[sel] / p.repurchase_share * self.filled[s_cons[sel]]).astype(np.int64), k - 1)
            at = s_cons[sel] * k + j
            mem = self.supplier.ravel()[at].astype(np.int64)
            ok = self._usable(mem, weight)
            sel, mem, at = sel[ok], mem[ok], at[ok]
            s_sup = s_sup.copy()
            s_sup[sel] = mem
            self.tally.remembered_views = int(sel.size)
            # coupons: on the pages of a remembered supplier bought from within coupon_days
            if p.coupon_discount > 0:
                coupon = np.zeros(s_cons.size, dtype=bool)
                coupon[sel[self.today - self.day.ravel()[at] <= p.coupon_days]] = True
        # "watch live": those pages of live products left for the room (the entry source drew them)
        if p.watch_live_probability > 0 and b.size:
            _, count, _ = self._live_listings(b, mode)
            gone = bernoulli_positions(rng, s_cons.size, p.watch_live_probability)
            gone = gone[count[s_sup[gone]] > 0]
            keep = np.ones(s_cons.size, dtype=bool)
            keep[gone] = False
            s_cons, s_sup = s_cons[keep], s_sup[keep]
            if coupon is not None:
                coupon = coupon[keep]
        if coupon is None:
            return s_cons, s_sup, intercept, None
        icpt = np.full(s_cons.size, float(intercept))
        icpt[coupon] -= self.consumers.price_sensitivity[s_cons[coupon]] * np.log1p(-p.coupon_discount)
        return s_cons, s_sup, icpt, coupon

    # ------------------------------------------------------------ after the orders
    def remember(self, d: int, chunk, source, coupon) -> None:
        """Count today's repeat, live-to-shelf and watch-live orders, pay the coupons
        of today's kept coupon orders (``coupon``: per order), then remember each
        buyer's last purchase."""
        cons, sup = chunk.consumer, chunk.supplier
        if cons.size == 0:
            return
        k = self.supplier.shape[1]
        base = cons.astype(np.int64) * k
        slot = self._slot_of(base, sup)
        repeat = slot >= 0
        at = base + np.maximum(slot, 0)
        shelf = chunk.channel == CH_SHELF
        first_live = repeat & self.first_live.ravel()[at]
        t = self.tally
        t.orders = int(cons.size)
        t.repeat_orders = int(repeat.sum())
        t.live_to_shelf_orders = int((shelf & first_live).sum())
        t.watch_live_orders = int((source == int(Arrival.SHELF)).sum())
        # coupons: redeemed on kept shelf orders from a supplier bought from within coupon_days
        if coupon is not None:
            use = coupon & (chunk.outcome == KEPT)
            value = np.floor(chunk.price[use] * self.p.coupon_discount + 0.5).astype(np.int64)
            led = self.ledger
            src = (led.supplier_accts(sup[use]) if self.p.coupon_funder == "supplier"
                   else np.full(value.size, led.acct("platform")))
            led.transfer(src, np.full(value.size, led.acct("consumers")), value, f"coupon_{self.p.coupon_funder}")
            t.coupon_orders = int(use.sum())
            t.coupon_cents = int(value.sum())
        # memory: each buyer's last order of the day goes to the front slot
        last = cons.size - 1 - np.unique(cons[::-1], return_index=True)[1]
        c, s, j = cons[last], sup[last], slot[last]
        gone = np.where(j >= 0, j, k - 1)          # the slot that makes room: the same supplier, or the oldest
        was_live = np.where(j >= 0, first_live[last], chunk.channel[last] != CH_SHELF)
        for i in range(k - 1, 0, -1):              # slots 1 .. gone move one back
            mv = c[gone >= i]
            for arr in (self.supplier, self.category, self.day, self.first_live):
                arr[mv, i] = arr[mv, i - 1]
        self.supplier[c, 0] = s
        self.category[c, 0] = chunk.category[last]
        self.day[c, 0] = d
        self.first_live[c, 0] = was_live
        self.filled[c] = np.minimum(self.filled[c] + (j < 0), k)

    def daily_row(self) -> dict[str, float]:
        t = self.tally
        return {
            "repeat_orders": float(t.repeat_orders),
            "repeat_purchase_rate": t.repeat_orders / t.orders if t.orders else 0.0,
            "watch_live_entries": float(t.watch_live_entries),
            "watch_live_orders": float(t.watch_live_orders),
            "live_to_shelf_orders": float(t.live_to_shelf_orders),
            "remembered_shelf_views": float(t.remembered_views),
            "coupon_orders": float(t.coupon_orders),
            "coupon_cost": t.coupon_cents / 100.0,
        }


def bernoulli_positions(rng, n: int, p: float) -> np.ndarray:
    """Positions in ``0 .. n-1`` each kept independently with probability ``p``,
    drawn as geometric gaps (about ``n * p`` draws rather than ``n``)."""
    if n == 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n)
    m = int(n * p + 6 * np.sqrt(n * p) + 16)
    # (a gap beyond n is as good as any longer one: clipped, the sums cannot overflow)
    pos = np.cumsum(np.minimum(rng.geometric(p, m), n + 1)) - 1
    while pos[-1] < n:
        pos = np.concatenate([pos, pos[-1] + np.cumsum(np.minimum(rng.geometric(p, m), n + 1))])
    return pos[:np.searchsorted(pos, n)]


def stranger_or_follower(cons, sc, e_cons, e_b, b, source: Arrival) -> Entries:
    """Entries of consumers into rooms: a follower of the room's anchor brings their
    personal trust, anyone else a share of institutional trust (as the public feed)."""
    anchor = b.anchor[e_b]
    hit = cons.follows[e_cons] == np.where(anchor >= 0, anchor, -2).astype(cons.follows.dtype)[:, None]
    followed = hit.any(axis=1)
    slot = np.where(followed, hit.argmax(axis=1), -1)   # (an anchor is followed in one slot at most)
    stranger = sc.consumers.stranger_trust_factor * cons.institutional_trust[e_cons]
    ptrust = np.where(followed, cons.personal_trust[e_cons, np.maximum(slot, 0)], stranger)
    return Entries(consumer=e_cons.astype(np.int64), bcast=e_b.astype(np.int64), ptrust=ptrust,
                   followed=followed, source=source)
