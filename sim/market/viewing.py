"""Viewing (MODEL.md 4.1-4.2, step 4 of the day): who is active and which rooms they enter.

Active consumers watch the followed anchors who are live (private traffic) and
click some of the impressions the platform deals them (public traffic). Other
ways into a room (content, search, reviews, "watch live" from a product page)
are *entry sources*: sub-models with an ``entries(day) -> Entries`` method,
handed to :class:`Viewing` when the model is built and asked in turn, after
the two built-in paths, each drawing from its own stream. The day's views are
a :class:`Views` record, one row per entry into a room, each tagged with how
the viewer arrived (:class:`Arrival`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from sim.market.recommend import NoRecommendation
from sim.market.traffic import deal


class Arrival(IntEnum):
    """How a viewer entered a live room (the ``source`` of an entry)."""

    FOLLOWING = 0   # a followed anchor who is live (private traffic)
    PUBLIC = 1      # a live-room card of the public feed, clicked
    CONTENT = 2     # a short video's link into the live room (content seeding)
    SEARCH = 3      # a search result that lists the live room
    SHELF = 4       # "watch live" from a product page (the store's or a partner anchor's room)
    REVIEW = 5      # a customer's review or video of a product sold in the room


N_ARRIVALS = len(Arrival)


@dataclass
class Entries:
    """Room entries of one path (one row per entry)."""

    consumer: np.ndarray      # the viewer
    bcast: np.ndarray         # the broadcast (row of Broadcasts)
    ptrust: np.ndarray        # trust in the room's anchor (strangers: a share of institutional trust)
    followed: np.ndarray      # a follower of the room's anchor
    source: Arrival

    @classmethod
    def empty(cls, source: Arrival) -> "Entries":
        z = np.zeros(0, dtype=np.int64)
        return cls(consumer=z, bcast=z.copy(), ptrust=np.zeros(0), followed=np.zeros(0, bool), source=source)

    @property
    def size(self) -> int:
        return int(self.bcast.size)


@dataclass
class ViewingDay:
    """What an entry source may read on the day: the broadcasts, the active
    consumers, the broadcast of each anchor (-1 not live), the coalition mode,
    the entries of the paths asked before it and the platform's allocation of
    today's public traffic (share per broadcast)."""

    day: int
    broadcasts: object
    active: np.ndarray
    bcast_of_anchor: np.ndarray
    activity: float
    mode: object
    entries: list
    shares: np.ndarray | None = None


@dataclass
class Views:
    """Today's active consumers, public impressions and room entries."""

    active: np.ndarray        # indices of today's active consumers
    impressions: np.ndarray   # public impressions dealt per broadcast
    consumer: np.ndarray      # per entry: the viewer
    bcast: np.ndarray         # per entry: the broadcast (row of Broadcasts)
    ptrust: np.ndarray        # per entry: trust in the room's anchor (strangers: a share of institutional trust)
    followed: np.ndarray      # per entry: a follower of the room's anchor
    source: np.ndarray        # per entry: how the viewer arrived (Arrival, int8)

    @classmethod
    def of(cls, active: np.ndarray, impressions: np.ndarray, parts: list[Entries]) -> "Views":
        return cls(active=active, impressions=impressions,
                   consumer=np.concatenate([p.consumer for p in parts]),
                   bcast=np.concatenate([p.bcast for p in parts]),
                   ptrust=np.concatenate([p.ptrust for p in parts]),
                   followed=np.concatenate([p.followed for p in parts]),
                   source=np.concatenate([np.full(p.size, int(p.source), np.int8) for p in parts]))

    @property
    def viewers(self) -> int:
        return int(self.bcast.size)

    @property
    def arrivals(self) -> np.ndarray:
        """Room entries by how the viewer arrived (indexed by :class:`Arrival`)."""
        return np.bincount(self.source, minlength=N_ARRIVALS)


class Viewing:
    """Receives the scenario, the consumer and anchor tables, the ``view`` and
    ``traffic`` streams, the entry sources (sub-models with an
    ``entries(ViewingDay) -> Entries`` method), asked in the order given, the
    recommender that matches public impressions to consumers
    (:mod:`sim.market.recommend`; off: dealt at random), the share of the
    public feed's live-room cards kept (``card_share``: content seeding gives the
    rest of the feed to short videos) and the engagement sub-model (followers'
    return visits; ``None``: every follower watches with ``consumers.watch_followed``)."""

    def __init__(self, params, consumers, anchors, view_rng, traffic_rng, sources=(), recommender=None,
                 card_share: float = 1.0, engagement=None):
        self.params, self.consumers, self.anchors = params, consumers, anchors
        self.rng, self.traffic_rng = view_rng, traffic_rng
        self.sources = list(sources)
        self.recommender = NoRecommendation() if recommender is None else recommender
        self.card_share = float(card_share)
        self.engagement = engagement
        self.following_slots = np.zeros(0, dtype=np.int64)   # today's following entries' follow slots

    def watch(self, b, shares: np.ndarray, activity: float, mode, day: int = 0) -> Views:
        sc, cons, an = self.params, self.consumers, self.anchors
        active = cons.active_today(self.rng, sc, activity, sc.consumers.initial_institutional_trust)
        self.recommender.begin_day(active)
        # broadcast of each anchor, -1 if not live; the extra last entry is read by empty slots (-1)
        bcast_of_anchor = np.full(an.n + 1, -1, dtype=np.int64)
        bcast_of_anchor[b.anchor[b.anchor >= 0]] = np.flatnonzero(b.anchor >= 0)
        parts = [self.following(b, active, bcast_of_anchor, mode)]
        counts, public = self.public(b, shares, active)
        parts.append(public)
        ctx = ViewingDay(day=day, broadcasts=b, active=active, bcast_of_anchor=bcast_of_anchor,
                         activity=activity, mode=mode, entries=parts, shares=shares)
        for src in self.sources:
            parts.append(src.entries(ctx))
        return Views.of(active, counts, parts)

    def following(self, b, active, bcast_of_anchor, mode) -> Entries:
        """Private traffic: followed anchors who are live (a mode: off the platform
        fewer followers find the room); engaged followers come back more often."""
        sc, cons, rng = self.params, self.consumers, self.rng
        bid = bcast_of_anchor[cons.follows[active]]
        width = bid.shape[1]
        # one draw per slot (as before), compared only on the slots whose anchor is live
        u = rng.random(bid.shape).reshape(-1)
        flat = np.flatnonzero(bid >= 0)              # row-major, as np.nonzero
        rows, cols = np.divmod(flat, width)
        p_watch = sc.consumers.watch_followed
        if self.engagement is not None:              # engaged followers come back more often
            p_watch = self.engagement.watch_probability(active[rows], cols, p_watch)
        p_watch = mode.watch_probability(p_watch, b, bid.reshape(-1)[flat])
        watch = u[flat] < p_watch
        flat, rows, cols = flat[watch], rows[watch], cols[watch]
        v_cons = active[rows]
        self.following_slots = cols                  # the follow slot of each entry (read by engagement)
        return Entries(consumer=v_cons, bcast=bid.ravel()[flat],
                       ptrust=cons.personal_trust.ravel()[v_cons * width + cols],
                       followed=np.ones(v_cons.size, bool), source=Arrival.FOLLOWING)

    def public(self, b, shares: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, Entries]:
        """Public traffic: impressions drawn from the allocation, matched to active
        consumers by the recommender (off: dealt in random order), some clicked;
        returns the impressions per broadcast and the entries."""
        sc, cons, rng, tr = self.params, self.consumers, self.rng, self.traffic_rng
        n_imp = tr.poisson(sc.platform.public_impressions_per_active * self.card_share, active.size)
        # impressions per broadcast, then matched to consumers' feed slots;
        # traffic the cap left unused is not served
        counts = deal(tr, int(n_imp.sum()), shares)
        imp_b = np.repeat(np.arange(b.size), counts)
        imp_cons = self.recommender.match(active, n_imp, imp_b, b, tr)
        click = np.flatnonzero(rng.random(imp_b.size) < sc.platform.click_through)
        p_cons, p_b = imp_cons[click], imp_b[click]
        fresh = ~cons.follows_anchor(p_cons, b.anchor[p_b])   # followers were reached privately already
        p_cons, p_b = p_cons[fresh], p_b[fresh]
        p_pt = sc.consumers.stranger_trust_factor * cons.institutional_trust[p_cons]
        return counts, Entries(consumer=p_cons, bcast=p_b, ptrust=p_pt, followed=np.zeros(p_cons.size, bool),
                               source=Arrival.PUBLIC)
