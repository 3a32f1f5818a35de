"""Store broadcasting as a merchant's choice (MODEL.md 4.9; docs/model.md "Stores").

Each supplier sells through a *channel*: its own store broadcasts (``STORE``),
talent anchors (``ANCHORS``) or both (``BOTH``); its first choice, before any
return is known, is the logit over alternatives of equal value (each with
probability 1/3). Every ``stores.revision_interval`` days it
revises the channel by expected return: the daily profit each channel brought
(sales less commission, anchor commission, unit cost and shipping; less pit
fees for the anchors, less the store broadcasts' running cost for the store),
remembered with a half-life and kept for a channel not used lately (a channel
never tried is expected to earn what it earns the supplier's peers of the same
size class who use it), enters a
logit choice with a bonus for the channel it is in (inertia). The choice sets
how often the supplier broadcasts from its store (:meth:`Stores.store_probability`,
read by the broadcasting step) and whether it accepts anchors' listings
(:meth:`Stores.lists_with_anchors`).

Store rooms gain followers: a buyer (and, less often, a viewer) in a store room
may follow the store, in a fixed-width table of followed stores per consumer
(``follows``, -1 empty, with the follower's trust in the store per slot), and
followers come back when the store is live: an entry source of the viewing
step (:meth:`Stores.entries`, ``Arrival.FOLLOWING``). The platform's support
levers: a commission waiver on the store-room sales of new stores
(:meth:`Stores.fee_share`, read when an order is placed) and a share of the
public impressions for store rooms (:meth:`Stores.support_shares`, read by the
traffic step). Every draw comes from the ``stores`` stream. Switched off, the
null object :data:`NO_STORES` answers every hook with "as before".
"""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import to_cents
from sim.market.orders import CH_ANCHOR, CH_STORE
from sim.market.viewing import Arrival, Entries

#: the channels, in the order of the choice's alternatives
STORE, ANCHORS, BOTH = 0, 1, 2
CHANNELS = ("store", "anchors", "both")


class Stores:
    """Receives the scenario, the consumer and supplier tables, the category terms,
    the ledger (store broadcasts' running costs) and the ``stores`` stream."""

    enabled = True

    def __init__(self, params, consumers, suppliers, categories, ledger, rng):
        self.params, self.consumers, self.suppliers = params, consumers, suppliers
        self.categories, self.ledger, self.rng = categories, ledger, rng
        st = params.stores
        n = suppliers.n
        # the first choice, before any return is known: the logit over three alternatives of
        # equal (unknown) value, i.e. each channel with probability 1/3
        self.channel = rng.integers(0, len(CHANNELS), n).astype(np.int8)
        self.tried = np.zeros((n, 2), dtype=bool)            # a channel used at least once
        # profit per channel (0 store, 1 anchors): this revision period's, and the memory (yuan/day)
        self.period_profit = np.zeros((n, 2))
        self.period_used = np.zeros((n, 2), dtype=bool)
        self.expected = np.zeros((n, 2))
        self.first_store_day = np.full(n, -1, dtype=np.int64)   # the day of a store's first broadcast
        self.sold_store = np.zeros(n, dtype=bool)              # sold through its own store broadcasts (F21)
        self.switches = 0                                      # channel changes over the run
        # followed stores per consumer (supplier index, -1 empty) and the follower's trust in the store
        self.follows = np.full((consumers.n, st.follow_slots), -1, dtype=np.int32)
        self.trust = np.zeros((consumers.n, st.follow_slots), dtype=np.float32)
        self.has_follow = np.zeros(consumers.n, dtype=bool)   # follows at least one store (few do)
        self.new_follows = 0     # today's
        self.cost_today = 0      # cents paid today for store broadcasts

    # ------------------------------------------------------------ step 2: broadcasting
    def store_probability(self) -> np.ndarray:
        """Today's probability of a store broadcast per supplier, by its channel."""
        base = self.suppliers.store_probability
        mult = np.array([self.params.stores.store_only_frequency, 0.0, 1.0])[self.channel]
        return np.minimum(base * mult, 1.0)

    def lists_with_anchors(self) -> np.ndarray:
        """Whether each supplier accepts anchors' listings (not on its store alone)."""
        return self.channel != STORE

    def opened(self, d: int, live_s: np.ndarray) -> None:
        """Today's store broadcasts (supplier indices): their running cost is paid."""
        if live_s.size:
            self.first_store_day[live_s] = np.where(self.first_store_day[live_s] < 0, d,
                                                    self.first_store_day[live_s])
            self.period_used[live_s, STORE] = True
        cost = to_cents(self.params.stores.broadcast_cost)
        led = self.ledger
        self.cost_today = led.transfer(led.supplier_accts(live_s), led.acct("store_costs"),
                                       np.full(live_s.size, cost, dtype=np.int64), "store_cost")
        self.period_profit[live_s, STORE] -= cost / 100.0      # (one store broadcast a supplier a day)

    def pit_fees(self, suppliers: np.ndarray, cents: np.ndarray) -> None:
        """Pit fees paid today for anchors' listings (a cost of the anchor channel)."""
        n = self.suppliers.n
        self.period_profit[:, ANCHORS] -= np.bincount(suppliers, weights=np.asarray(cents) / 100.0, minlength=n)
        self.period_used[suppliers, ANCHORS] = True

    # ------------------------------------------------------------ step 3: traffic support
    def support_shares(self, b, sel, shares: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """The allocation ``shares`` of the broadcasts ``sel`` with ``stores.traffic_support``
        of the impressions moved to their store rooms, shared by predicted GMV."""
        s = self.params.stores.traffic_support
        store = (b.store >= 0)[sel]
        if s <= 0 or not store.any():
            return shares
        pg = np.where(store, np.maximum(np.asarray(predicted)[sel], 0.0), 0.0)
        if pg.sum() <= 0:
            pg = store.astype(np.float64)
        return (1.0 - s) * shares + s * min(1.0, float(shares.sum())) * pg / pg.sum()

    # ------------------------------------------------------------ step 4: followers come back
    def entries(self, ctx) -> Entries:
        """Followers of the stores live today watch them (``stores.watch_followed``;
        a coalition mode: fewer find a room off the platform)."""
        b = ctx.broadcasts
        live = b.store >= 0
        if not live.any() or ctx.active.size == 0:
            return Entries.empty(Arrival.FOLLOWING)
        bcast_of_store = np.full(self.suppliers.n + 1, -1, dtype=np.int64)   # (the last: empty slots, -1)
        bcast_of_store[b.store[live]] = np.flatnonzero(live)
        active = ctx.active[self.has_follow[ctx.active]]      # (only consumers who follow a store)
        bid = bcast_of_store[self.follows[active]]
        width = bid.shape[1]
        flat = np.flatnonzero(bid >= 0)
        if flat.size == 0:
            return Entries.empty(Arrival.FOLLOWING)
        p = ctx.mode.watch_probability(self.params.stores.watch_followed, b, bid.reshape(-1)[flat])
        flat = flat[self.rng.random(flat.size) < p]
        rows, cols = np.divmod(flat, width)
        cons = active[rows]
        return Entries(consumer=cons, bcast=bid.reshape(-1)[flat],
                       ptrust=self.trust[cons, cols].astype(np.float64),
                       followed=np.ones(cons.size, bool), source=Arrival.FOLLOWING)

    # ------------------------------------------------------------ step 5: the commission waiver
    def fee_share(self, d: int, o_anchor: np.ndarray, o_sup: np.ndarray, o_b: np.ndarray):
        """Share of the platform's commission charged on each order: ``1 - commission_waiver``
        on the store-room sales of stores within ``waiver_days`` of their first broadcast."""
        st = self.params.stores
        if st.commission_waiver <= 0:
            return 1.0
        first = self.first_store_day[o_sup]
        new = (first >= 0) & (d - first < st.waiver_days)
        return np.where((o_b >= 0) & (o_anchor < 0) & new, 1.0 - st.commission_waiver, 1.0)

    # ------------------------------------------------------------ step 13: memories, follows, revision
    def end_of_day(self, d: int, b, views, orders) -> None:
        self._profits(orders)
        self._follow(b, views, orders)
        if (d + 1) % self.params.stores.revision_interval == 0:
            self.revise()

    def _profits(self, orders) -> None:
        ch, sp, cat = orders.chunk, self.suppliers, self.categories
        if ch.price.size == 0:
            return
        unit = (ch.price - ch.platform_fee - ch.anchor_fee - cat.forward[ch.category]) / 100.0 - sp.unit_cost[ch.supplier]
        n = sp.n
        for k, c in ((STORE, CH_STORE), (ANCHORS, CH_ANCHOR)):
            m = ch.channel == c
            self.period_profit[:, k] += np.bincount(ch.supplier[m], weights=unit[m], minlength=n)
        self.sold_store[ch.supplier[ch.channel == CH_STORE]] = True

    def _follow(self, b, views, orders) -> None:
        """Buyers (and some viewers) in store rooms follow the store; a follower who buys
        again trusts it more."""
        st, rng, cons = self.params.stores, self.rng, self.consumers
        self.new_follows = 0
        ch = orders.chunk
        bought = np.flatnonzero(ch.channel == CH_STORE)
        # buyers of a store's goods elsewhere (shelf, anchors' rooms) may follow the store too
        other = np.flatnonzero((ch.channel != CH_STORE) & (self.channel[ch.supplier] != ANCHORS))
        other = other[rng.random(other.size) < st.follow_after_brand_purchase]
        vb = views.bcast
        in_store = np.flatnonzero(b.store[vb] >= 0) if vb.size else np.zeros(0, np.int64)
        if bought.size == 0 and in_store.size == 0 and other.size == 0:
            return
        b_cons, b_sup = ch.consumer[bought], ch.supplier[bought]
        # a follower's trust rises with each purchase from the store
        slot = self._slot(b_cons, b_sup)
        has = slot >= 0
        if has.any():
            t = self.trust[b_cons[has], slot[has]]
            self.trust[b_cons[has], slot[has]] = t + np.float32(self.params.trust.good_gain) * (1 - t)
        buyer_follows = rng.random(bought.size) < st.follow_after_purchase
        v_cons, v_sup = views.consumer[in_store], b.store[vb[in_store]]
        viewer_follows = rng.random(in_store.size) < st.follow_after_view
        new_c = np.concatenate([b_cons[buyer_follows], v_cons[viewer_follows], ch.consumer[other]])
        new_s = np.concatenate([b_sup[buyer_follows], v_sup[viewer_follows], ch.supplier[other]])
        self.new_follows = self.follow(new_c, new_s)

    def _slot(self, consumers: np.ndarray, stores: np.ndarray) -> np.ndarray:
        rows = self.follows[consumers]
        slot = np.full(consumers.size, -1, dtype=np.int64)
        for k in range(rows.shape[1] - 1, -1, -1):
            slot[rows[:, k] == stores] = k
        return slot

    def follow(self, consumers: np.ndarray, stores: np.ndarray) -> int:
        """Consumers start following stores (one a day each): an empty slot if any, else
        the least trusted one. Returns the follows made."""
        if consumers.size == 0:
            return 0
        consumers, first = np.unique(consumers, return_index=True)
        stores = stores[first]
        fresh = self._slot(consumers, stores) < 0
        consumers, stores = consumers[fresh], stores[fresh]
        rows = self.follows[consumers]
        trust = np.where(rows >= 0, self.trust[consumers], -1.0)
        slot = trust.argmin(axis=1)
        self.follows[consumers, slot] = stores
        self.trust[consumers, slot] = self.params.consumers.initial_personal_trust
        self.has_follow[consumers] = True
        return int(consumers.size)

    def unfollow_supplier(self, alive: np.ndarray) -> None:
        """Follows of stores whose supplier has exited are dropped."""
        gone = (self.follows >= 0) & ~alive[np.maximum(self.follows, 0)]
        self.follows[gone] = -1
        self.trust[gone] = 0.0
        self.has_follow = (self.follows >= 0).any(axis=1)

    def revise(self) -> None:
        """Each supplier's channel, by a logit choice over expected daily profit."""
        st, sp = self.params.stores, self.suppliers
        interval = st.revision_interval
        keep = 0.5 ** (interval / st.profit_half_life)
        daily = self.period_profit / interval
        used = self.period_used
        # a channel used this period updates its memory; one not used keeps it; one never tried
        # is expected to earn what it earns its peers (suppliers of the same size class) who use it
        self.expected = np.where(used, keep * self.expected + (1.0 - keep) * daily, self.expected)
        self.tried |= used
        for cls in (sp.is_large, ~sp.is_large):
            for k in (STORE, ANCHORS):
                peers = cls & self.tried[:, k]
                if peers.any():
                    self.expected[cls & ~self.tried[:, k], k] = float(self.expected[peers, k].mean())
        ps, pa = self.expected[:, STORE], self.expected[:, ANCHORS]
        u = np.stack([ps, pa, ps + pa], axis=1)
        scale = np.maximum(np.maximum(np.abs(ps), np.abs(pa)), 1.0)
        z = st.choice_sensitivity * u / scale[:, None]
        z[np.arange(sp.n), self.channel] += st.inertia
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        draw = self.rng.random(sp.n)
        choice = (draw[:, None] > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1).astype(np.int8)
        choice = np.where(sp.alive, choice, self.channel)
        self.switches += int((choice != self.channel).sum())
        self.channel = choice
        self.period_profit[:] = 0.0
        self.period_used[:] = False
        self.unfollow_supplier(sp.alive)

    # ------------------------------------------------------------ measures
    def state_rows(self) -> dict[str, float]:
        alive = self.suppliers.alive
        n = max(int(alive.sum()), 1)
        row = {f"channel_share_{c}": float((self.channel[alive] == k).sum()) / n for k, c in enumerate(CHANNELS)}
        row["store_follows"] = float(np.count_nonzero(self.follows >= 0))
        row["store_new_follows"] = float(self.new_follows)
        row["store_costs"] = self.cost_today / 100.0
        return row


class NoStores:
    """Store broadcasting at fixed probabilities, no store followers, no support."""

    enabled = False
    cost_today = 0
    new_follows = 0

    def __init__(self, suppliers=None):
        self.suppliers = suppliers

    def store_probability(self) -> np.ndarray:
        return self.suppliers.store_probability

    def lists_with_anchors(self):
        return None

    def opened(self, d, live_s) -> None:
        pass

    def pit_fees(self, suppliers, cents) -> None:
        pass

    def support_shares(self, b, sel, shares, predicted):
        return shares

    def fee_share(self, d, o_anchor, o_sup, o_b):
        return None

    def end_of_day(self, d, b, views, orders) -> None:
        pass

    def state_rows(self) -> dict[str, float]:
        return dict(STORE_ROWS_OFF)


STORE_ROWS_OFF = {**{f"channel_share_{c}": (1.0 if c == "both" else 0.0) for c in CHANNELS},
                  "store_follows": 0.0, "store_new_follows": 0.0, "store_costs": 0.0}

#: daily measures of the stores sub-model (sim/measures.py)
STORES_DAILY = {
    "channel_share_store": "share of suppliers (alive) on their own store broadcasts alone (stores sub-model)",
    "channel_share_anchors": "share of suppliers (alive) selling through talent anchors alone (no store broadcasts)",
    "channel_share_both": "share of suppliers (alive) using both their store broadcasts and talent anchors",
    "store_follows": "store rooms followed (filled store follow slots) at the end of the day",
    "store_new_follows": "consumers who started following a store room today",
    "store_costs": "what suppliers paid today to run their store broadcasts (yuan)",
}
