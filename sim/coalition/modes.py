"""Coalition modes (MODEL.md 4.6): who cooperates with whom, agent by agent.

A :class:`Mode` assigns the platform, every supplier and every anchor to a
*bloc*: agents in the same bloc cooperate, agents in different blocs do not
trade with each other. What an agent can do follows from who shares its bloc:

- a supplier in the platform's bloc sells on the platform (shelf, store
  broadcasts, listings with anchors of the bloc), exactly as in the plain model;
- a supplier outside the platform's bloc sells through its standalone channel
  (own shop or offline: ``coalition.standalone_orders_per_consumer`` orders a
  day per simulated consumer shared among suppliers by visibility, at its own
  price, no commission) and, if its bloc holds anchors, through
  those anchors off the platform;
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
commission) and the day calls :meth:`Mode.standalone_day` once.
``model.mode = None`` is the grand coalition with every agent in it: the
plain model, bit for bit; the daily rule then calls :data:`PLAIN`, a
:class:`GrandCoalition` whose hooks return their input unchanged.
"""

from __future__ import annotations

import numpy as np

from sim.coalition.players import player_of_agents
from sim.finance.ledger import to_cents

#: bloc of the agents of a coalition being evaluated (and of the grand coalition)
MEMBERS = 0


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
        self.income = {"own_shop_gmv": 0, "tips": 0, "advertising": 0, "content_share": 0}

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
        """The shelf shows only suppliers on the platform (no page views if none is)."""
        w = weight * self.supplier_on_platform
        if w.sum() <= 0:
            return s_cons[:0], weight
        return s_cons, w

    def commission_share(self, anchor_idx: np.ndarray, supplier_idx: np.ndarray):
        return self.order_on_platform(anchor_idx, supplier_idx)

    def platform_rooms(self, b) -> np.ndarray:
        """Broadcasts the platform's own paths (search, "watch live" from a product
        page) may lead into: those held on the platform."""
        return self.broadcast_on_platform(b)

    # ------------------------------------------------------- standalone day
    def standalone_day(self, d: int, *, ledger, suppliers, anchors, consumers, categories, params,
                       activity_multiplier: float, stream) -> None:
        """Standalone channels of the agents that are off the platform or not
        selling: suppliers' own shops, anchors' fan income. ``stream``: the run's
        ``coalition`` stream (today's draws are keyed by it and the day)."""
        p = self.params
        rng = day_stream(stream, d)
        led, sp, an = ledger, suppliers, anchors
        # every agent draws every day, in or out, so that each agent's standalone
        # luck on a given day is the same in every mode (common random numbers)
        w = sp.shelf_weight / sp.shelf_weight.sum()
        lam_all = p.standalone_orders_per_consumer * consumers.n * activity_multiplier * w
        u_units = rng.random(sp.n)
        u_ret = rng.random(sp.n)
        u_view = rng.random(an.n)
        # ---- suppliers off the platform: own shop at their own price
        off = np.flatnonzero(~self.supplier_on_platform)
        if off.size:
            # each supplier's own-shop demand is fixed by its visibility, whoever else is off the platform
            units = np.minimum(poisson_ppf(u_units[off], lam_all[off]), sp.stock[off])
            cat = sp.category[off]
            returned = binomial_ppf(u_ret[off], units, categories.return_rate[cat])
            price = to_cents(sp.price[off])
            kept = units - returned
            led.transfer(led.acct("consumers"), led.supplier_accts(off), kept * price, "own_shop_sale")
            cost = (units * categories.forward[cat]
                    + returned * to_cents(sp.price[off] * categories.reverse_share[cat]))
            led.transfer(led.supplier_accts(off), led.acct("logistics"), cost, "own_shop_logistics")
            sp.stock[off] -= kept
            sp.period_sold[off] += kept
            sp.demand_ema[off] += 0.1 * units  # production plans for the own channel too
            self.income["own_shop_gmv"] += int((kept * price).sum())
        # ---- anchors not selling: tips and advertising from their fans
        fans = np.flatnonzero(~self.anchor_sells)
        if fans.size:
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


def day_stream(stream: np.random.Generator, day: int) -> np.random.Generator:
    """The standalone channels' random numbers of ``day``: keyed by the run's
    ``coalition`` stream and the day, so every mode of a run draws the same."""
    ss = stream.bit_generator.seed_seq
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (int(day),))))


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
