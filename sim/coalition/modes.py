"""Coalition modes (MODEL.md 4.6): who cooperates with whom, agent by agent.

A :class:`Mode` assigns the platform, every supplier and every anchor to a
*bloc*: agents in the same bloc cooperate, agents in different blocs do not
trade with each other. What an agent can do follows from who shares its bloc:

- a supplier in the platform's bloc sells on the platform (shelf, store
  broadcasts, listings with anchors of the bloc), exactly as in the plain model;
- a supplier outside the platform's bloc sells through its own shop and, if
  its bloc holds anchors, through those anchors off the platform. The own
  shop *substitutes* the platform's shelf: consumers' shelf browsing (their
  page views, drawn as in the grand coalition) lands on suppliers by shelf
  visibility among all suppliers; a page view that lands on a supplier off
  the platform finds its own shop with probability ``own_shop_reach`` (the
  others browse the platform's shelf, if any supplier is on it), and the
  visitor buys by the shelf's purchase rule less ``own_shop_friction`` logit
  units, out of the budget the day's platform orders left, at the supplier's
  price, no commission (:meth:`Mode.shelf`, :meth:`Mode.standalone_day`);
- an anchor in a bloc with suppliers sells their products: on the platform if
  the platform is in its bloc (public traffic, guarantees), else off the
  platform to its followers only (``offplatform_reach`` of them find the room,
  conversion lowered by ``offplatform_friction`` logit units, no commission);
- an anchor in a bloc without suppliers earns fan income (tips per viewer,
  advertising per follower): on the platform (content only, with public
  viewers, the platform taking ``content_platform_share``) if the platform is in
  its bloc, else on its own (followers only, reduced by ``offplatform_reach``).

The model's sub-models consult a mode through a few hooks (listing
acceptance, store broadcasts, public traffic, viewing, conversion, the shelf,
commission), the day starts it (:meth:`Mode.start_day`) and calls
:meth:`Mode.standalone_day` once, after the platform's purchases.
``model.mode = None`` is the grand coalition with every agent in it: the
plain model, bit for bit; the daily rule then calls :data:`PLAIN`, a
:class:`GrandCoalition` whose hooks return their input unchanged.
"""

from __future__ import annotations

import numpy as np

from sim.coalition.players import player_of_agents
from sim.finance.ledger import to_cents
from sim.market.orders import within_budget, within_stock

#: bloc of the agents of a coalition being evaluated (and of the grand coalition)
MEMBERS = 0

#: uses of the standalone channels' day streams (:func:`day_stream`): one generator
#: each, so that the draws of one use never shift those of another between modes
SHELF_DRAWS, OWN_SHOP_DRAWS, FAN_DRAWS = 0, 1, 2


class Mode:
    """Bloc of the platform, of each supplier and of each anchor.

    Args:
        platform_bloc: the platform's bloc.
        supplier_bloc: int array, one bloc per supplier.
        anchor_bloc: int array, one bloc per anchor.
        params: the scenario's ``coalition`` section (standalone channels).
    """

    def __init__(self, platform_bloc: int, supplier_bloc: np.ndarray, anchor_bloc: np.ndarray, params):
        self.platform_bloc = int(platform_bloc)
        self.supplier_bloc = np.asarray(supplier_bloc, dtype=np.int64).copy()
        self.anchor_bloc = np.asarray(anchor_bloc, dtype=np.int64).copy()
        self.params = params
        self.supplier_on_platform = self.supplier_bloc == self.platform_bloc
        self.anchor_on_platform = self.anchor_bloc == self.platform_bloc
        # an anchor sells if its bloc holds at least one supplier
        self.anchor_sells = np.isin(self.anchor_bloc, np.unique(self.supplier_bloc))
        # cents and counts of the standalone channels so far: own-shop sales kept (paid),
        # the value of every own-shop order (returned ones too), orders, visits; fan income
        self.income = {"own_shop_gmv": 0, "own_shop_order_value": 0, "own_shop_orders": 0, "own_shop_visits": 0,
                       "tips": 0, "advertising": 0, "content_share": 0}
        self._day: int | None = None
        self._stream = None
        self._visits = (np.zeros(0, np.int64), np.zeros(0, np.int64))   # today's own-shop visits

    # ------------------------------------------------------------ queries
    @property
    def is_grand(self) -> bool:
        """Every agent in the platform's bloc: behaves exactly as the plain model."""
        return bool(self.supplier_on_platform.all() and self.anchor_on_platform.all())

    def same_bloc(self, anchor_idx, supplier_idx) -> np.ndarray:
        return self.anchor_bloc[anchor_idx] == self.supplier_bloc[supplier_idx]

    def broadcast_on_platform(self, b) -> np.ndarray:
        """Broadcasts held on the platform (store broadcasts always are)."""
        a = b.anchor
        return np.where(a >= 0, self.anchor_on_platform[np.maximum(a, 0)], True)

    def watch_factor(self, b) -> np.ndarray:
        """Per broadcast: the share of watching followers who find the room."""
        return np.where(self.broadcast_on_platform(b), 1.0, self.params.offplatform_reach)

    def friction(self, b) -> np.ndarray:
        """Per broadcast: logit units taken off conversion (selling off the platform)."""
        return np.where(self.broadcast_on_platform(b), 0.0, self.params.offplatform_friction)

    def order_on_platform(self, anchor_idx: np.ndarray, supplier_idx: np.ndarray) -> np.ndarray:
        """1.0 for orders the platform earns commission on, else 0.0."""
        on = np.where(anchor_idx >= 0, self.anchor_on_platform[np.maximum(anchor_idx, 0)],
                      self.supplier_on_platform[supplier_idx])
        return on.astype(np.float64)

    # ------------------------------------------------ hooks of the daily rule
    def platform_rate(self, rate: np.ndarray, live_a: np.ndarray) -> np.ndarray:
        """The platform's commission on listings of live anchors (none off the platform)."""
        return rate * self.anchor_on_platform[live_a][:, None]

    def accept_listings(self, accept: np.ndarray, live_a: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Listings only between members of the same bloc."""
        return accept & self.same_bloc(live_a[:, None], cand)

    def store_broadcasts(self, live_s: np.ndarray) -> np.ndarray:
        """Store broadcasts need the platform."""
        return live_s & self.supplier_on_platform

    def public_shares(self, b, shares_of) -> np.ndarray:
        """Public traffic only for broadcasts on the platform (``shares_of(mask)``:
        the allocation among the broadcasts in ``mask``)."""
        on = self.broadcast_on_platform(b)
        shares = np.zeros(on.size)
        if on.any():
            shares[on] = shares_of(on)
        return shares

    def watch_probability(self, p_watch: float, b, bid: np.ndarray):
        """Off the platform fewer followers find the room (``bid``: broadcast per follow slot)."""
        if b.size == 0:
            return p_watch
        return p_watch * self.watch_factor(b)[np.maximum(bid, 0)]

    def intercept(self, intercept: float, b, vb: np.ndarray):
        """Selling off the platform: no guarantees, more friction (per room entry)."""
        return intercept - self.friction(b)[vb]

    def shelf(self, s_cons: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Today's shelf page views (``s_cons``: the browsing consumer of each) are
        shared between the platform's shelf and the own shops of suppliers off the
        platform. Each page view lands on a supplier by ``weight`` (shelf
        visibility) among all suppliers, as in the grand coalition; one landing on
        a supplier off the platform finds its own shop with probability
        ``own_shop_reach`` and is kept for :meth:`standalone_day`. The rest browse
        the platform's shelf, which shows only suppliers on the platform (no page
        views at all if none is: those not finding an own shop are lost)."""
        on = self.supplier_on_platform
        if on.all():
            return s_cons, weight
        rng = self._rng(SHELF_DRAWS)
        cum = np.cumsum(weight)
        u = rng.random(s_cons.size) * cum[-1]
        landed = np.minimum(np.searchsorted(cum, u, side="right"), weight.size - 1)
        found = ~on[landed] & (rng.random(s_cons.size) < self.params.own_shop_reach)
        self._visits = (s_cons[found], landed[found])
        w = weight * on
        if w.sum() <= 0:
            return s_cons[:0], weight
        return s_cons[~found], w

    def commission_share(self, anchor_idx: np.ndarray, supplier_idx: np.ndarray):
        return self.order_on_platform(anchor_idx, supplier_idx)

    def on_platform(self, kind: str) -> np.ndarray:
        """Which anchors (``kind="anchor"``) or suppliers (``"supplier"``) are on the platform."""
        return self.anchor_on_platform if kind == "anchor" else self.supplier_on_platform

    def platform_rooms(self, b) -> np.ndarray:
        """Broadcasts the platform's own paths (search, "watch live" from a product
        page) may lead into: those held on the platform."""
        return self.broadcast_on_platform(b)

    # ------------------------------------------------------- standalone day
    def start_day(self, d: int, stream: np.random.Generator) -> None:
        """Day ``d`` starts: the standalone channels' draws of the day are keyed by
        the run's ``coalition`` stream and the day (:func:`day_stream`)."""
        self._day, self._stream = int(d), stream
        self._visits = (np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _rng(self, use: int) -> np.random.Generator:
        if self._day is None:
            raise RuntimeError("Mode.start_day(d, stream) must open the day before the mode's hooks draw")
        return day_stream(self._stream, self._day, use)

    def standalone_day(self, d: int, *, ledger, suppliers, anchors, consumers, categories, params,
                       activity_multiplier: float, stream, orders=None, purchase=None) -> None:
        """Standalone channels of the agents that are off the platform or not
        selling: suppliers' own shops (today's visits from :meth:`shelf`, bought
        by the shelf's rule ``purchase.buy_probability`` less the own shop's
        friction, out of what ``orders``, the day's platform orders, left of each
        consumer's budget), anchors' fan income. ``stream``: the run's
        ``coalition`` stream (today's draws are keyed by it and the day)."""
        if self._day != d:
            self.start_day(d, stream)
        p = self.params
        led, sp, an = ledger, suppliers, anchors
        # ---- suppliers off the platform: own shops, visited by today's shelf shoppers
        off = np.flatnonzero(~self.supplier_on_platform)
        v_cons, v_sup = self._visits
        self._visits = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if off.size and v_cons.size:
            if orders is None or purchase is None:
                raise ValueError("standalone_day: own-shop visits need the day's platform orders and purchase rule")
            rng = self._rng(OWN_SHOP_DRAWS)
            prob = purchase.buy_probability(v_cons, v_sup, 0.0, 0.5,
                                            params.purchase.shelf_intercept - p.own_shop_friction)
            want = rng.random(v_cons.size) < prob
            c, s = v_cons[want], v_sup[want]
            price = to_cents(sp.price[s])
            # the budget is shared: what today's platform orders spent of it is gone
            chunk = orders.chunk
            spent = np.bincount(chunk.consumer, weights=chunk.price, minlength=consumers.n)
            left = to_cents(consumers.budget) - np.rint(spent).astype(np.int64)
            ok = within_budget(c, price, left, rng)
            served, _ = within_stock(s, ok, sp.stock, rng)
            np.add.at(sp.period_lost, s[ok & ~served], 1)
            cat = sp.category[s]
            returned = served & (rng.random(s.size) < categories.return_rate[cat])
            kept = served & ~returned
            n = sp.n
            units = np.bincount(s[served], minlength=n)[off]
            kept_n = np.bincount(s[kept], minlength=n)[off]
            revenue = np.bincount(s[kept], weights=price[kept], minlength=n)[off].astype(np.int64)
            cost = (np.bincount(s[served], weights=categories.forward[cat[served]], minlength=n)
                    + np.bincount(s[returned], weights=to_cents(sp.price[s[returned]]
                                                                * categories.reverse_share[cat[returned]]),
                                  minlength=n))[off].astype(np.int64)
            led.transfer(led.acct("consumers"), led.supplier_accts(off), revenue, "own_shop_sale")
            led.transfer(led.supplier_accts(off), led.acct("logistics"), cost, "own_shop_logistics")
            sp.stock[off] -= kept_n
            sp.period_sold[off] += kept_n
            # production plans for the own channel too (demand within budget, as on the platform)
            sp.demand_ema[off] += 0.1 * np.bincount(s[ok], minlength=n)[off]
            self.income["own_shop_gmv"] += int(revenue.sum())
            self.income["own_shop_order_value"] += int(price[served].sum())
            self.income["own_shop_orders"] += int(units.sum())
            self.income["own_shop_visits"] += int(v_cons.size)
        # ---- anchors not selling: tips and advertising from their fans
        fans = np.flatnonzero(~self.anchor_sells)
        if fans.size:
            # every anchor draws every day, selling or not, so that each anchor's luck
            # on a given day is the same in every mode (common random numbers)
            u_view = self._rng(FAN_DRAWS).random(an.n)
            a = params.anchors
            on = self.anchor_on_platform[fans]
            reach = np.where(on, 1.0, p.offplatform_reach)
            prob = np.array([a.broadcast_probability_head, a.broadcast_probability_waist,
                             a.broadcast_probability_tail])[an.tier[fans]]
            activity = float(consumers.base_activity.mean()) * activity_multiplier
            followers = an.followers[fans].astype(np.float64)
            viewers = poisson_ppf(u_view[fans], followers * reach * prob * min(activity, 1.0)
                                  * params.consumers.watch_followed)
            viewers = viewers * np.where(on, 1.0 + p.content_public_multiplier, 1.0)
            tips = to_cents(p.tip_per_viewer * viewers)
            ads = to_cents(p.ad_per_follower * followers * reach)
            led.transfer(led.acct("consumers"), led.anchor_accts(fans), tips, "tips")
            led.transfer(led.acct("consumers"), led.anchor_accts(fans), ads, "advertising")
            share = to_cents(p.content_platform_share * (tips + ads) / 100.0) * on
            led.transfer(led.anchor_accts(fans), led.acct("platform"), share, "content_share")
            self.income["tips"] += int(tips.sum())
            self.income["advertising"] += int(ads.sum())
            self.income["content_share"] += int(share.sum())


def day_stream(stream: np.random.Generator, day: int, use: int | None = None) -> np.random.Generator:
    """The standalone channels' random numbers of ``day`` (and of one ``use``:
    :data:`SHELF_DRAWS`, :data:`OWN_SHOP_DRAWS`, :data:`FAN_DRAWS`): keyed by the
    run's ``coalition`` stream and the day, so every mode of a run draws the same."""
    ss = stream.bit_generator.seed_seq
    key = tuple(ss.spawn_key) + (int(day),) + (() if use is None else (int(use),))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(ss.entropy, spawn_key=key)))


class GrandCoalition:
    """Every agent in the platform's bloc (``model.mode = None``): the plain model.
    The null object of :class:`Mode`: every hook returns its input unchanged and
    there are no standalone channels."""

    is_grand = True

    def platform_rate(self, rate, live_a):
        return rate

    def accept_listings(self, accept, live_a, cand):
        return accept

    def store_broadcasts(self, live_s):
        return live_s

    def public_shares(self, b, shares_of):
        return shares_of(slice(None))

    def watch_probability(self, p_watch, b, bid):
        return p_watch

    def intercept(self, intercept, b, vb):
        return intercept

    def shelf(self, s_cons, weight):
        return s_cons, weight

    def commission_share(self, anchor_idx, supplier_idx) -> float:
        return 1.0

    def platform_rooms(self, b) -> np.ndarray:
        return np.ones(b.size, dtype=bool)

    def on_platform(self, kind: str):
        return None   # everyone is

    def start_day(self, d: int, stream) -> None:
        pass

    def standalone_day(self, d: int, **_) -> None:
        pass


#: the plain model's coalition mode
PLAIN = GrandCoalition()


def poisson_ppf(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion of uniforms (monotone in ``u``: common random numbers)."""
    from scipy.stats import poisson

    return poisson.ppf(u, lam).astype(np.int64)


def binomial_ppf(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    from scipy.stats import binom

    return binom.ppf(u, n, p).astype(np.int64)


def grand_mode(model) -> Mode:
    """Every agent in one bloc with the platform (same behaviour as ``mode = None``)."""
    return Mode(MEMBERS, np.zeros(model.suppliers.n, np.int64), np.zeros(model.anchors.n, np.int64),
                model.params.coalition)


def coalition_mode(model, players, coalition) -> Mode | None:
    """The mode of ``coalition`` (names of players): members share one bloc,
    every non-member is alone in its own bloc. ``None`` for the grand coalition
    of a partition that covers every agent (the plain model)."""
    members = {p.name for p in players if p.name in coalition}
    if len(members) == len(players):
        return None
    ns, na = model.suppliers.n, model.anchors.n
    member = np.array([p.name in members for p in players] + [False])  # index -1: in no player
    plat_p, sup_p, anc_p = player_of_agents(players, model)
    # members share one bloc; every other agent is alone in a bloc of one
    sup = np.where(member[sup_p], MEMBERS, 1 + np.arange(ns, dtype=np.int64))
    anc = np.where(member[anc_p], MEMBERS, 1 + ns + np.arange(na, dtype=np.int64))
    plat = MEMBERS if member[plat_p] else -1
    return Mode(plat, sup, anc, model.params.coalition)
