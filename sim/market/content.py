"""Content seeding (MODEL.md 4.8; an entry source of step 4, memories at step 13): short videos.

Every room (an anchor's or a supplier's store room) chooses an *effort*: short
videos made per live day, each costing ``content.cost_per_video`` (a ledger
transfer in cents from the room's account to the outside account
``content_costs``; a room spends at most the cash it holds). The feed's video
slots (``videos_per_active`` per active consumer; the public feed keeps only
``live_card_share`` of its live-room cards) are shared among today's live rooms
in proportion to ``effort ** reach_elasticity`` (a video travels on its own
merit, not by the live-room ranking), under the platform's policy as the cards
are (:meth:`sim.market.traffic.PublicTraffic.policy_shares`: the long-tail
reserve by predicted GMV, the cap; a coalition mode: none for rooms off the
platform), and are matched to consumers by the recommender (predicted
interest; off: at random). A video view

* raises the viewer's interest in the video's category by ``interest_lift`` of
  the distance to 1 (preferences renormalised; several views of one category on
  one day lift it once; every day the preferences relax towards the consumer's
  initial ones by ``interest_relax``);
* brings the viewer into the live room with probability ``click_to_live``
  (``Arrival.CONTENT``; followers of the room's anchor were reached privately),
  trusting the room's anchor ``video_trust`` x their institutional trust (a
  stranger from the public feed: ``consumers.stranger_trust_factor`` x it);
* makes a viewer who does not follow the anchor follow it with probability
  ``follow_from_content``, without a purchase.

Effort is a decision tied to the expected return: each room remembers the
return its content brought (a decayed mean, per live day, of its take on the
orders of viewers who came in through its videos: an anchor's commission, a
store's margin after the platform's fee, unit cost and shipping). With reach
``e ** g``, the return per unit of reach is ``rho = R / e ** g`` and the effort
that maximises ``rho e ** g - c e`` is ``(g rho / c) ** (1 / (1 - g))``; each
live day a room closes ``effort_step`` of the gap to it, within
``[min_effort, max_effort]``.

:class:`NoContent` is the null object (the section switched off): no entries,
no spending, the feed keeps all its cards.
"""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.recommend import item_categories
from sim.market.traffic import deal
from sim.market.viewing import Arrival, Entries


class NoContent:
    """Content seeding switched off: the feed keeps every live-room card, nothing is remembered."""

    enabled = False
    card_share = 1.0

    def remember(self, b, views, orders) -> None:
        pass


class ContentSeeding:
    """Short videos that seed live rooms (an entry source of :class:`sim.market.viewing.Viewing`).

    Receives the scenario, the consumer, anchor and supplier tables, the category
    terms, the ledger, the recommender (or its null object), the traffic sub-model
    (the platform's policy: reserve, cap, coalition mode) and the ``content`` stream.

    State per room (anchors, then store rooms): ``effort`` (videos per live day) and
    ``expected_return`` (yuan per live day); per consumer: ``base_pref``, the initial
    category preferences the interest relaxes to."""

    enabled = True

    def __init__(self, params, consumers, anchors, suppliers, categories, ledger, recommender, traffic, rng):
        self.params, self.consumers, self.anchors, self.suppliers = params, consumers, anchors, suppliers
        self.categories, self.ledger, self.recommender, self.rng = categories, ledger, recommender, rng
        self.traffic = traffic
        c = params.content
        n_rooms = anchors.n + suppliers.n
        self.effort = np.full(n_rooms, float(np.clip(c.initial_effort, c.min_effort, c.max_effort)))
        self.expected_return = np.zeros(n_rooms)
        self.base_pref = consumers.category_pref.copy()
        self.card_share = c.live_card_share
        # today's record (read by remember and the measures)
        self.spent = 0                 # cents
        self.views = 0
        self.new_follows = 0
        self._keys = np.zeros(0, dtype=np.int64)   # consumer x rooms + room of today's content entries
        self._live_rooms = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------ step 4: an entry source
    def entries(self, day) -> Entries:
        c, cons, rng, b = self.params.content, self.consumers, self.rng, day.broadcasts
        n_rooms = self.effort.size
        self.views = self.new_follows = self.spent = 0
        self._relax_interest()
        self._live_rooms = b.room.copy()
        self._keys = np.zeros(0, dtype=np.int64)
        if b.size == 0 or day.active.size == 0:
            return Entries.empty(Arrival.CONTENT)
        effort = self._pay(b)
        # the reach of each room's effort, under the platform's policy (the reserve, the
        # cap; a coalition mode: only rooms on the platform)
        w = np.power(effort, c.reach_elasticity)
        shares = self.traffic.policy_shares(b, day.mode, w) if w.sum() > 0 else np.zeros(b.size)
        n_v = rng.poisson(c.videos_per_active, day.active.size)
        item_b = np.repeat(np.arange(b.size), deal(rng, int(n_v.sum()), shares))
        item_cat = item_categories(rng, b, item_b, self.suppliers.category)
        viewer = self.recommender.match(day.active, n_v, item_b, b, rng, item_cat)
        self.views = int(viewer.size)
        self._lift_interest(viewer, item_cat)
        # into the live room: strangers only (followers were reached privately)
        anchor = b.anchor[item_b]
        enter = np.flatnonzero(rng.random(viewer.size) < c.click_to_live)
        enter = enter[~cons.follows_anchor(viewer[enter], anchor[enter])]
        e_cons, e_b = viewer[enter], item_b[enter]
        self._keys = e_cons.astype(np.int64) * n_rooms + b.room[e_b]
        ptrust = c.video_trust * cons.institutional_trust[e_cons]
        # followers without a purchase (anchors' rooms)
        fol = np.flatnonzero((anchor >= 0) & (rng.random(viewer.size) < c.follow_from_content))
        fol = fol[~cons.follows_anchor(viewer[fol], anchor[fol])]
        cons.follow(viewer[fol], anchor[fol], self.params.consumers.initial_personal_trust)
        self.new_follows = int(fol.size)
        return Entries(consumer=e_cons, bcast=e_b, ptrust=ptrust, followed=np.zeros(e_cons.size, bool),
                       source=Arrival.CONTENT)

    def _pay(self, b) -> np.ndarray:
        """Today's videos of each broadcast's room, paid (at most what the room's cash pays for)."""
        c, led = self.params.content, self.ledger
        is_a = b.anchor >= 0
        acct = np.where(is_a, led.anchor_accts(np.maximum(b.anchor, 0)), led.supplier_accts(np.maximum(b.store, 0)))
        want = self.effort[b.room]
        if c.cost_per_video <= 0:
            return want
        cash = np.maximum(led.balance[acct], 0) / 100.0
        effort = np.minimum(want, cash / c.cost_per_video)
        cost = np.floor(effort * c.cost_per_video * 100.0).astype(np.int64)   # whole cents, never above the cash
        effort = np.minimum(cost / 100.0 / c.cost_per_video, want)           # what the cents paid for
        led.transfer(acct, led.acct("content_costs"), cost, "content")
        self.spent = int(cost.sum())
        return effort

    # ------------------------------------------------------------ interest
    def _relax_interest(self) -> None:
        """Preferences relax towards the initial ones (a new array: the purchase rule's
        cache of the log interest is keyed by the array's identity)."""
        r = self.params.content.interest_relax
        pref = self.consumers.category_pref
        relaxed = np.subtract(self.base_pref, pref)    # pref + r x (base - pref), with one temporary
        relaxed *= r
        relaxed += pref
        self.consumers.category_pref = relaxed

    def _lift_interest(self, viewer: np.ndarray, cat: np.ndarray) -> None:
        """(Several views of one category by one consumer on one day lift it once.)"""
        lift = self.params.content.interest_lift
        if lift <= 0 or viewer.size == 0:
            return
        pref = self.consumers.category_pref      # today's own array (made by _relax_interest)
        if pref.flags.c_contiguous:              # (flat cells: the same buffered update, indexed once)
            flat = pref.reshape(-1)
            cell = viewer.astype(np.int64) * pref.shape[1] + cat
            flat[cell] += lift * (1.0 - flat[cell])
        else:
            pref[viewer, cat] += lift * (1.0 - pref[viewer, cat])
        pref /= pref.sum(axis=1, keepdims=True)

    # ------------------------------------------------------------ step 13: returns and effort
    def remember(self, b, views, orders) -> None:
        """The take each live room's content brought today, then the room's effort."""
        c, sp, cat = self.params.content, self.suppliers, self.categories
        rooms = self._live_rooms
        if rooms.size == 0:
            return
        n_rooms = self.effort.size
        ch = orders.chunk
        take = np.zeros(n_rooms)
        live = ch.room >= 0
        if self._keys.size and live.any():
            keys = np.sort(self._keys)
            k = ch.consumer.astype(np.int64) * n_rooms + ch.room
            via = live & (keys[np.minimum(np.searchsorted(keys, k), keys.size - 1)] == k)
            margin = np.where(ch.anchor >= 0, ch.anchor_fee,
                              ch.price - ch.platform_fee - to_cents(sp.unit_cost[ch.supplier]) - cat.forward[ch.category])
            take = np.bincount(ch.room[via], weights=margin[via] / 100.0, minlength=n_rooms)
        d = 0.5 ** (1.0 / c.return_half_life)
        self.expected_return[rooms] = d * self.expected_return[rooms] + (1 - d) * take[rooms]
        g = c.reach_elasticity
        e = self.effort[rooms]
        rho = np.maximum(self.expected_return[rooms], 0.0) / np.power(np.maximum(e, 1e-9), g)
        if c.cost_per_video > 0:
            best = np.power(g * rho / c.cost_per_video, 1.0 / (1.0 - g))
        else:
            best = np.full(rooms.size, c.max_effort)
        e = e + c.effort_step * (np.minimum(best, c.max_effort) - e)
        self.effort[rooms] = np.clip(e, c.min_effort, c.max_effort)
