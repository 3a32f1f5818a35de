"""Recommendation (MODEL.md 4.1 and 4.8, steps 3, 4 and 13 of the day): goods find people.

The platform's recommender has three layers:

* **demand prediction**: each consumer's interest per category, estimated from
  the data the platform holds (revealed preferences from browsing, the view and
  purchase history, the category mix of followed anchors, the history of social
  ties), then blurred by noise as far as ``prediction_quality`` falls short of 1;
* **content matching**: the day's public impressions (and short videos, see
  :mod:`sim.market.content`) are matched to today's active consumers by
  predicted interest: each impression shows one of its broadcast's listed
  products; a share ``personalisation`` of the impressions goes to a consumer
  drawn in proportion to (feed slots x predicted interest in that product's
  category), the rest explore (a feed slot at random);
* **real-time re-weighting**: a room's score is multiplied by its recent
  conversion relative to the platform's (a short memory, shrunk towards the
  platform's rate for small rooms), so rooms that convert get more of the next
  day's traffic.

The ranking then blends two scores with weight ``personalisation``: the past
volume (recent GMV raised to the preferential exponent, as without the
recommender) and the predicted value of the broadcast's matches (predicted GMV
per impression, re-weighted, raised to the same exponent). The long-tail
reserve is shared by the same re-weighted predicted GMV.

Nothing here materialises a consumers x broadcasts matrix: matching works per
category (a handful): one cumulative sum over today's active consumers and a
binary search per impression.
:class:`NoRecommendation` is the null object (the section switched off): random
dealing from the ``traffic`` stream exactly as before, scores unchanged.
"""

from __future__ import annotations

import numpy as np


def category_mix(b, supplier_category: np.ndarray, n_categories: int) -> np.ndarray:
    """Per broadcast, the share of its listed products in each category (broadcasts x categories)."""
    ok = b.listing >= 0
    rows = np.broadcast_to(np.arange(b.size)[:, None], b.listing.shape)[ok]
    cats = supplier_category[b.listing[ok]]
    mix = np.zeros((b.size, n_categories))
    np.add.at(mix, (rows, cats), 1.0)
    return mix / np.maximum(b.n_listed, 1)[:, None]


def item_categories(rng, b, item_bcast: np.ndarray, supplier_category: np.ndarray) -> np.ndarray:
    """The category each impression shows: one of the broadcast's listed products, at random."""
    pick = np.floor(rng.random(item_bcast.size) * b.n_listed[item_bcast]).astype(np.int64)
    return supplier_category[b.listing[item_bcast, pick]]


def weighted_draws(rng, values: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws from ``values`` with probability proportional to ``weight`` (with
    replacement), in random order: sorted uniforms (from exponential spacings, no
    sort) are located in the cumulative weights, then shuffled."""
    if n == 0:
        return values[:0]
    cdf = np.cumsum(weight)
    if cdf[-1] <= 0:
        cdf = np.arange(1.0, values.size + 1)
    gaps = rng.exponential(1.0, n + 1).cumsum()
    q = gaps[:-1] * (cdf[-1] / gaps[-1])
    pos = np.minimum(np.searchsorted(cdf, q, side="right"), values.size - 1)
    return values[pos[rng.permutation(n)]]


class NoRecommendation:
    """The recommender switched off: impressions are dealt to slots at random (from
    the stream the caller gives: the ``traffic`` stream for the public feed, exactly
    as before), scores and predictions are unchanged, nothing is remembered."""

    enabled = False

    def begin_day(self, active: np.ndarray) -> None:
        pass

    def match(self, active: np.ndarray, n_slots: np.ndarray, item_bcast: np.ndarray, b, rng,
              item_cat=None) -> np.ndarray:
        slot_cons = np.repeat(active, n_slots)
        return slot_cons[rng.permutation(slot_cons.size)[:item_bcast.size]]

    def reweighted(self, b, predicted: np.ndarray) -> np.ndarray:
        return predicted

    def score(self, score: np.ndarray, match: np.ndarray) -> np.ndarray:
        return score

    def remember(self, b, views, orders) -> None:
        pass


class Recommender:
    """The recommender. Receives the scenario, the consumer, anchor and supplier
    tables, the number of categories, the social graph (``ties``: consumers x ties,
    from sim/trust.py) and the ``recommend`` stream.

    State: ``history`` (consumers x categories, float32): the decayed count of room
    entries and purchases per category (a purchase weighs ``purchase_weight``
    entries; up to a common factor); ``profile`` and ``noise`` (consumers x
    categories, float32): the follows-and-ties part of the estimate and the
    prediction's error, refreshed every ``profile_refresh_days``; per room, decayed
    orders and viewers behind the real-time re-weighting."""

    enabled = True

    def __init__(self, params, consumers, anchors, suppliers, n_categories: int, ties: np.ndarray, rng):
        self.params, self.consumers, self.anchors, self.suppliers = params, consumers, anchors, suppliers
        self.K, self.ties, self.rng = n_categories, ties, rng
        self.history = np.zeros((consumers.n, n_categories), dtype=np.float32)
        n_rooms = anchors.n + suppliers.n
        self.room_orders = np.zeros(n_rooms)
        self.room_viewers = np.zeros(n_rooms)
        self._day = -1
        self._weight = 1.0          # the weight of today's data in the history (see remember)
        self.expected_match = None  # decayed mean of the days' total predicted match value
        self._active = None
        self.refresh_profile()

    # ------------------------------------------------------------ demand prediction
    def _rows(self, x: np.ndarray) -> np.ndarray:
        """Rows normalised to sum 1; an empty row (no data) says nothing: uniform."""
        s = x.sum(axis=1, keepdims=True)
        pos = s > 0
        if pos.all():            # (the usual case: the same numbers without the two passes of where)
            return x / s
        return np.where(pos, x / np.where(pos, s, 1.0), 1.0 / self.K)

    def anchor_mix(self) -> np.ndarray:
        """Per anchor, the category mix of its partner suppliers (anchors x categories)."""
        an, cat = self.anchors, self.suppliers.category[self.anchors.partners]
        mix = np.zeros((an.n, self.K))
        np.add.at(mix, (np.repeat(np.arange(an.n), cat.shape[1]), cat.ravel()), 1.0)
        return mix / cat.shape[1]

    def refresh_profile(self) -> None:
        """The slow part of the estimate, for every consumer: the category mix of the
        anchors each follows and the history of each one's social ties, and the
        prediction's error (a flat Dirichlet draw per consumer). Refreshed every
        ``recommendation.profile_refresh_days`` days (the platform's batch job). The error is
        a random point of the simplex: uniform weights per category, normalised."""
        r, n, K = self.params.recommendation, self.consumers.n, self.K
        prof = np.zeros((n, K))
        if r.weight_follows > 0:
            f = self.consumers.follows
            # the mixes of each row's followed anchors added slot by slot (an empty slot
            # reads the extra zero row: it adds exactly 0, so the sums are those of a
            # bincount over the follows in row-major order)
            amix = np.vstack([self.anchor_mix(), np.zeros((1, K))])
            fm = np.zeros((n, K))
            for j in range(f.shape[1]):
                fm += amix[f[:, j]]
            prof += r.weight_follows * self._rows(fm)
        if r.weight_social > 0 and self.ties.shape[1]:
            th = np.zeros((n, K), dtype=np.float32)
            for j in range(self.ties.shape[1]):
                th += self.history[self.ties[:, j]]
            prof += r.weight_social * self._rows(th.astype(np.float64))
        self.profile = prof.astype(np.float32)
        noise = self.rng.random((n, K), dtype=np.float32)
        self.noise = noise / noise.sum(axis=1, keepdims=True)

    def predicted_interest(self, cons: np.ndarray) -> np.ndarray:
        """The estimate blurred by noise: ``q x estimate + (1 - q) x the consumer's error``
        (a random point of the simplex, redrawn with the profile)."""
        r = self.params.recommendation
        q = r.prediction_quality
        # (in place, the same operations in the same order: (a + b) + c, then the blend)
        est = self._rows(self.history[cons].astype(np.float64))
        est *= r.weight_history
        est += r.weight_preferences * self.consumers.category_pref[cons]
        est += self.profile[cons]
        est = self._rows(est)
        if q >= 1.0:
            return est
        est *= q
        est += (1.0 - q) * self.noise[cons]
        return est

    def begin_day(self, active: np.ndarray) -> None:
        """Predict today's active consumers' interest once (the public feed and the
        short videos are both matched with it)."""
        self._day += 1
        if self._day % self.params.recommendation.profile_refresh_days == 0:
            self.refresh_profile()
        self._active = active
        self._predicted = self.predicted_interest(active)

    # ------------------------------------------------------------ content matching
    def match(self, active: np.ndarray, n_slots: np.ndarray, item_bcast: np.ndarray, b, rng=None,
              item_cat=None) -> np.ndarray:
        """The consumer who receives each item (an impression or a video of broadcast
        ``item_bcast``; ``item_cat``: the category it shows, drawn among the broadcast's
        listings if not given), among today's ``active`` consumers with ``n_slots``
        slots each. A share ``personalisation`` of the items goes to a consumer drawn
        in proportion to slots x predicted interest in the item's category; the rest
        explore (a slot at random). Draws from the ``recommend`` stream only."""
        n_items = item_bcast.size
        if n_items == 0:
            return active[:0]
        rng, K = self.rng, self.K
        if item_cat is None:
            item_cat = item_categories(rng, b, item_bcast, self.suppliers.category)
        pred = self._predicted if active is self._active else self.predicted_interest(active)
        slots = n_slots.astype(np.float64)
        out = np.empty(n_items, dtype=active.dtype)
        personal = rng.random(n_items) < self.params.recommendation.personalisation
        ex = np.flatnonzero(~personal)
        out[ex] = weighted_draws(rng, active, slots, ex.size)
        pk = np.flatnonzero(personal)
        cat = item_cat[pk]
        # the personalised items grouped by category in one stable sort (each group in
        # increasing order, as ``pk[cat == k]``); the predictions one row per category
        by_cat = pk[np.argsort(cat, kind="stable")]
        ends = np.cumsum(np.bincount(cat, minlength=K))
        pred_t = np.ascontiguousarray(pred.T)
        start = 0
        for k in range(K):
            idx = by_cat[start:ends[k]]
            start = ends[k]
            if idx.size:
                out[idx] = weighted_draws(rng, active, slots * pred_t[k], idx.size)
        return out

    # ------------------------------------------------------------ ranking and re-weighting
    def realtime(self, b) -> np.ndarray:
        """Per broadcast: (the room's recent conversion / the platform's) ** realtime_weight,
        the room's rate shrunk towards the platform's by ``realtime_prior_viewers``."""
        r = self.params.recommendation
        v_all = self.room_viewers.sum()
        if r.realtime_weight == 0 or v_all <= 0:
            return np.ones(b.size)
        c_bar = self.room_orders.sum() / v_all
        if c_bar <= 0:
            return np.ones(b.size)
        k = r.realtime_prior_viewers
        conv = (self.room_orders[b.room] + k * c_bar) / np.maximum(self.room_viewers[b.room] + k, 1e-12)
        return np.power(np.maximum(conv, 1e-12) / c_bar, r.realtime_weight)

    def reweighted(self, b, predicted: np.ndarray) -> np.ndarray:
        """A forecast per broadcast (GMV per impression, which shares the long-tail
        reserve, or conversion, behind the ranking) re-weighted in real time."""
        return predicted * self.realtime(b)

    def score(self, score: np.ndarray, match: np.ndarray) -> np.ndarray:
        """The ranking: ``(1 - personalisation)`` of it by past volume (``score``,
        normalised), ``personalisation`` of it by the predicted value of each
        broadcast's matches, ``match`` (the caller's ``m = (predicted conversion x
        re-weighting) ** exponent`` x boost x fake heat): a multinomial choice with
        an outside option, each broadcast getting ``m / (s0 + sum m)`` where ``s0`` is
        ``outside_option`` x the expected sum (a decayed mean of past days' sums), and
        the outside option's part spread evenly (explored). A room's personalised
        traffic so follows its own predicted value, and less the day's number of rivals."""
        r = self.params.recommendation
        w = r.personalisation
        if w == 0 or score.size == 0:
            return score
        tot_s, tot_m = score.sum(), match.sum()
        if tot_s <= 0 or tot_m <= 0:
            return score
        d = 0.5 ** (1.0 / r.history_half_life)
        self.expected_match = tot_m if self.expected_match is None else d * self.expected_match + (1 - d) * tot_m
        s0 = r.outside_option * self.expected_match
        return (1.0 - w) * score / tot_s + w * (match + s0 / match.size) / (s0 + tot_m)

    # ------------------------------------------------------------ memories (step 13)
    def remember(self, b, views, orders) -> None:
        """Today's room entries and purchases join the history; the rooms' conversion memory."""
        r = self.params.recommendation
        # the history is read only through ratios within a row or a sum of rows, so its
        # decay is kept as a growing weight of new data (rescaled now and then)
        self._weight /= 0.5 ** (1.0 / r.history_half_life)
        if self._weight > 1e12:
            self.history /= np.float32(self._weight)
            self._weight = 1.0
        w = self._weight
        n = self.consumers.n
        if views.viewers and b.size:
            mix = category_mix(b, self.suppliers.category, self.K)
            for k in range(self.K):
                self.history[:, k] += np.bincount(views.consumer, weights=w * mix[views.bcast, k],
                                                  minlength=n).astype(np.float32)
        ch = orders.chunk
        if ch.consumer.size and r.purchase_weight > 0:
            np.add.at(self.history, (ch.consumer, ch.category), np.float32(w * r.purchase_weight))
        d = 0.5 ** (1.0 / r.realtime_half_life)
        viewers = np.bincount(b.room[views.bcast], minlength=self.room_viewers.size) if views.viewers else 0
        self.room_viewers = d * self.room_viewers + (1 - d) * viewers
        self.room_orders = d * self.room_orders + (1 - d) * orders.room_orders
