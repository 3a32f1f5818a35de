"""Viewing (MODEL.md 4.1-4.2, step 4 of the day): who is active and which rooms they enter.

Active consumers watch the followed anchors who are live (private traffic) and
click some of the impressions the platform deals them (public traffic). The
day's views are a :class:`Views` record, one row per entry into a room.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.traffic import deal


@dataclass
class Views:
    """Today's active consumers, public impressions and room entries."""

    active: np.ndarray        # indices of today's active consumers
    impressions: np.ndarray   # public impressions dealt per broadcast
    consumer: np.ndarray      # per entry: the viewer
    bcast: np.ndarray         # per entry: the broadcast (row of Broadcasts)
    ptrust: np.ndarray        # per entry: trust in the room's anchor (strangers: a share of institutional trust)
    followed: np.ndarray      # per entry: a follower reached privately

    @property
    def viewers(self) -> int:
        return int(self.bcast.size)


class Viewing:
    """Receives the scenario, the consumer and anchor tables and the ``view`` and
    ``traffic`` streams."""

    def __init__(self, params, consumers, anchors, view_rng, traffic_rng):
        self.params, self.consumers, self.anchors = params, consumers, anchors
        self.rng, self.traffic_rng = view_rng, traffic_rng

    def watch(self, b, shares: np.ndarray, activity: float, mode) -> Views:
        sc, cons, an, rng = self.params, self.consumers, self.anchors, self.rng
        active = cons.active_today(rng, sc, activity, sc.consumers.initial_institutional_trust)
        nb = b.size
        # broadcast of each anchor, -1 if not live; the extra last entry is read by empty slots (-1)
        bcast_of_anchor = np.full(an.n + 1, -1, dtype=np.int64)
        bcast_of_anchor[b.anchor[b.anchor >= 0]] = np.flatnonzero(b.anchor >= 0)
        # private: followed anchors who are live (a mode: off the platform fewer followers find the room)
        bid = bcast_of_anchor[cons.follows[active]]
        p_watch = mode.watch_probability(sc.consumers.watch_followed, b, bid)
        watch = rng.random(bid.shape) < p_watch
        watch &= bid >= 0
        width = bid.shape[1]
        flat = np.flatnonzero(watch)                 # row-major, as np.nonzero
        rows, cols = np.divmod(flat, width)
        v_cons = active[rows]
        v_b = bid.ravel()[flat]
        v_pt = cons.personal_trust.ravel()[v_cons * width + cols]
        # public: impressions drawn from the allocation, some clicked
        tr = self.traffic_rng
        n_imp = tr.poisson(sc.platform.public_impressions_per_active, active.size)
        imp_cons = np.repeat(active, n_imp)
        # impressions per broadcast, then dealt to consumers in random order;
        # traffic the cap left unused is not served
        counts = deal(tr, imp_cons.size, shares)
        imp_b = np.repeat(np.arange(nb), counts)
        imp_cons = imp_cons[tr.permutation(imp_cons.size)[:imp_b.size]]
        click = np.flatnonzero(rng.random(imp_b.size) < sc.platform.click_through)
        p_cons, p_b = imp_cons[click], imp_b[click]
        fresh = ~cons.follows_anchor(p_cons, b.anchor[p_b])   # followers were reached privately already
        p_cons, p_b = p_cons[fresh], p_b[fresh]
        p_pt = sc.consumers.stranger_trust_factor * cons.institutional_trust[p_cons]
        return Views(active=active, impressions=counts,
                     consumer=np.concatenate([v_cons, p_cons]), bcast=np.concatenate([v_b, p_b]),
                     ptrust=np.concatenate([v_pt, p_pt]),
                     followed=np.concatenate([np.ones(v_cons.size, bool), np.zeros(p_cons.size, bool)]))
