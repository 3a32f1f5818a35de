"""Reviews and videos after a purchase (MODEL.md 4.8): customers' secondary promotion.

When a kept order is delivered (step 7), its buyer posts a review or a short
video with probability ``reviews.post_probability``. A review names the room
the order came from (the anchor's room; the supplier's store room for a
store or shelf order) and the product, and brings viewers for
``reviews.lifetime_days`` days: each day each of the reviewer's social ties
(the word-of-mouth graph of :mod:`sim.trust`) sees it with probability
``tie_view_probability``, and ``feed_views`` consumers, drawn by their
interest in the product's category, are shown it in their feed. A viewer who
is active today enters the room, if it is live (the anchor's broadcast, else
the supplier's store broadcast), with probability ``click_through`` (a
coalition mode scales it as it scales followers' visits: a room off the
platform is found less). Followers of the room's anchor were reached
privately already and the reviewer does not click its own review. The
entries are an entry source of :class:`sim.market.viewing.Viewing`, tagged
``Arrival.REVIEW``; they reach purchase like any room entry.

The review table is column-wise (author, anchor, supplier, last day) and
holds only live reviews. Every draw comes from the ``reviews`` stream;
switched off (``reviews.enabled = false``) the model builds no source and
:class:`NoReviews` in the fulfilment step.
"""

from __future__ import annotations

import numpy as np

from sim.market.viewing import Arrival, Entries


class ReviewTally:
    """What reviews did today."""

    def __init__(self):
        self.posted = 0          # reviews posted today (at today's deliveries)
        self.live = 0            # reviews bringing viewers today
        self.seen = 0            # (consumer, review) sightings today
        self.entries = 0         # room entries from reviews today


class Reviews:
    """Receives the scenario, the consumer, anchor and supplier tables, the social
    graph's ties (``consumers x ties`` consumer indices; zero columns without word
    of mouth) and the ``reviews`` stream."""

    enabled = True

    def __init__(self, params, consumers, anchors, suppliers, ties: np.ndarray, rng: np.random.Generator):
        self.params, self.consumers, self.anchors, self.suppliers = params, consumers, anchors, suppliers
        self.ties, self.rng = ties, rng
        z = np.zeros(0, dtype=np.int64)
        self.author, self.anchor, self.supplier, self.until = z, z.copy(), z.copy(), z.copy()
        self.today = ReviewTally()
        self.posted_total = 0

    def start_day(self) -> None:
        self.today = ReviewTally()

    def _interest_cumsum(self) -> np.ndarray:
        """Cumulative category preferences over consumers, one row per category (the
        feed draws a review's viewers by interest in its category); recomputed when
        the preferences are replaced."""
        pref = self.consumers.category_pref
        if getattr(self, "_cumsum_of", None) is not pref:
            self._cumsum = np.cumsum(pref.T, axis=1)
            self._cumsum_of = pref
        return self._cumsum

    # ------------------------------------------------------------ posting (step 7)
    def after_delivery(self, d: int, delivered: dict) -> None:
        """Buyers of today's kept deliveries post reviews."""
        kept = delivered["kept"]
        if not kept.any():
            return
        r = self.params.reviews
        post = np.flatnonzero(kept)
        post = post[self.rng.random(post.size) < r.post_probability]
        self.author = np.concatenate([self.author, delivered["consumer"][post]])
        self.anchor = np.concatenate([self.anchor, delivered["anchor"][post]])
        self.supplier = np.concatenate([self.supplier, delivered["supplier"][post]])
        self.until = np.concatenate([self.until, np.full(post.size, d + r.lifetime_days, dtype=np.int64)])
        self.today.posted += int(post.size)
        self.posted_total += int(post.size)

    # ------------------------------------------------------------ viewers (step 4)
    def entries(self, ctx) -> Entries:
        """Today's room entries from reviews (an entry source of ``Viewing``)."""
        r, cons, rng, b = self.params.reviews, self.consumers, self.rng, ctx.broadcasts
        t = self.today
        keep = self.until >= ctx.day               # reviews posted after day - lifetime still bring viewers
        self.author, self.anchor, self.supplier, self.until = (
            self.author[keep], self.anchor[keep], self.supplier[keep], self.until[keep])
        if self.author.size == 0 or b.size == 0 or ctx.active.size == 0:
            return Entries.empty(Arrival.REVIEW)
        # the room each review leads to today: the anchor's broadcast, else the supplier's store broadcast
        bcast_of_store = np.full(self.suppliers.n, -1, dtype=np.int64)
        is_store = b.store >= 0
        bcast_of_store[b.store[is_store]] = np.flatnonzero(is_store)
        target = np.where(self.anchor >= 0, ctx.bcast_of_anchor[self.anchor], -1)
        target = np.where(target >= 0, target, bcast_of_store[self.supplier])
        live = np.flatnonzero(target >= 0)
        t.live = int(live.size)
        if live.size == 0:
            return Entries.empty(Arrival.REVIEW)
        # ---- who sees them: the reviewer's ties, then the category feed of today's active consumers
        k = self.ties.shape[1]
        seen_rev, seen_cons = [], []
        if k and r.tie_view_probability > 0:
            hit = rng.random((live.size, k)) < r.tie_view_probability
            e, j = np.nonzero(hit)
            seen_rev.append(live[e])
            seen_cons.append(self.ties[self.author[live[e]], j].astype(np.int64))
        if r.feed_views > 0:
            n_views = rng.poisson(r.feed_views, live.size)
            rev = np.repeat(live, n_views)
            cat = self.suppliers.category[self.supplier[rev]]
            order = np.argsort(cat, kind="stable")
            rev, cat = rev[order], cat[order]
            cum = self._interest_cumsum()
            viewers = np.empty(rev.size, dtype=np.int64)
            bounds = np.searchsorted(cat, np.arange(cum.shape[0] + 1))
            for c in np.flatnonzero(np.diff(bounds)):
                lo, hi = bounds[c], bounds[c + 1]
                pick = np.searchsorted(cum[c], rng.random(hi - lo) * cum[c, -1], side="right")
                viewers[lo:hi] = np.minimum(pick, cons.n - 1)
            seen_rev.append(rev)
            seen_cons.append(viewers)
        if not seen_rev:
            return Entries.empty(Arrival.REVIEW)
        s_rev, s_cons = np.concatenate(seen_rev), np.concatenate(seen_cons)
        t.seen = int(s_rev.size)
        # ---- who enters: active today, not the author, not a follower of the room's anchor, clicks
        is_active = np.zeros(cons.n, dtype=bool)
        is_active[ctx.active] = True
        bid = target[s_rev]
        ok = is_active[s_cons] & (s_cons != self.author[s_rev])
        ok &= ~cons.follows_anchor(s_cons, b.anchor[bid])
        p = ctx.mode.watch_probability(r.click_through, b, bid)
        ok &= rng.random(s_rev.size) < p
        s_cons, bid = s_cons[ok], bid[ok]
        # one entry per consumer and room a day
        if s_cons.size:
            _, first = np.unique(s_cons * b.size + bid, return_index=True)
            first.sort()
            s_cons, bid = s_cons[first], bid[first]
        t.entries = int(s_cons.size)
        ptrust = self.params.consumers.stranger_trust_factor * cons.institutional_trust[s_cons]
        return Entries(consumer=s_cons, bcast=bid, ptrust=ptrust, followed=np.zeros(s_cons.size, bool),
                       source=Arrival.REVIEW)


class NoReviews:
    """Reviews switched off: nothing is posted, no draw."""

    enabled = False
    today = ReviewTally()
    posted_total = 0

    def start_day(self) -> None:
        pass

    def after_delivery(self, d: int, delivered: dict) -> None:
        pass


# ------------------------------------------------------------------ measures

REVIEWS_DAILY: dict[str, str] = {
    "reviews_posted": "reviews and videos posted today (at kept deliveries)",
    "reviews_live": "reviews bringing viewers today (within their lifetime, their room live)",
    "review_entries": "room entries today through a review (Arrival.REVIEW)",
    "review_orders": "live-room orders today from entries through a review",
}

REVIEWS_SUMMARY: dict[str, str] = {
    "reviews_posted": "reviews and videos posted over the run",
    "review_entries": "room entries through reviews over the run",
    "review_orders": "live-room orders from entries through reviews over the run",
    "review_conversion": "review_orders / review_entries over the run",
}


def daily_rows(model, day) -> dict[str, float]:
    """The review columns of the day's measures."""
    t = model.reviews.today
    src = day.views.source
    entry = day.orders.entry
    entry = entry[entry >= 0] if entry is not None else entry
    n_orders = int((src[entry] == int(Arrival.REVIEW)).sum()) if entry is not None and entry.size else 0
    return {"reviews_posted": float(t.posted), "reviews_live": float(t.live),
            "review_entries": float((src == int(Arrival.REVIEW)).sum()), "review_orders": float(n_orders)}


def summary_rows(daily) -> dict[str, float]:
    e = float(daily["review_entries"].sum())
    return {"reviews_posted": float(daily["reviews_posted"].sum()), "review_entries": e,
            "review_orders": float(daily["review_orders"].sum()),
            "review_conversion": float(daily["review_orders"].sum()) / e if e > 0 else 0.0}
