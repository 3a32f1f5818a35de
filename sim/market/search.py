"""Search (MODEL.md 4.8; docs/model.md 6.15): searches that list live rooms.

:class:`Search` is the sub-model of the scenario section ``search``, an entry
source of :class:`sim.market.viewing.Viewing`: each active consumer searches
today with probability ``search_probability``, for a category drawn from their
category preferences; the results list the live rooms selling the category on
the platform (search is a platform service: in a coalition mode only rooms on
the platform are listed, :meth:`Mode.platform_rooms`), ranked by relevance
(the share of the room's listings in the category) times the room's recent
performance raised to ``performance_exponent``; the searcher opens one result,
drawn with probability proportional to that rank weight, and enters the room
with probability ``click_through`` (entries with ``Arrival.SEARCH``). The
viewers then face the live-room purchase rule like any other.

Every random number comes from the ``search`` stream. :data:`NO_SEARCH` is
the null object (the section off).
"""

from __future__ import annotations

import numpy as np

from sim.market.shelf import bernoulli_positions, stranger_or_follower
from sim.market.viewing import Arrival, Entries

#: search's daily measures (docs/measures.md)
SEARCH_DAILY: dict[str, str] = {
    "searches": "searches today (active consumers who searched for a category)",
    "search_entries": "room entries from search results (Arrival.SEARCH)",
    "search_orders": "orders placed in live rooms by viewers who came from a search",
}

#: search's run summary (docs/measures.md)
SEARCH_SUMMARY: dict[str, str] = {
    "search_entries": "room entries from search results over the run",
    "search_conversion": "orders / entries of viewers who came from a search, over the run",
}


def search_summary(daily) -> dict[str, float]:
    e, o = float(daily["search_entries"].sum()), float(daily["search_orders"].sum())
    return {"search_entries": e, "search_conversion": o / e if e > 0 else 0.0}


class NoSearch:
    """The null object (``search.enabled`` false)."""

    enabled = False

    def start_day(self, d: int) -> None:
        pass

    def daily_row(self, arrival_orders) -> dict[str, float]:
        return {k: 0.0 for k in SEARCH_DAILY}


NO_SEARCH = NoSearch()


class Search:
    """Receives the scenario, the consumer, anchor and supplier tables, the
    category terms and the ``search`` stream."""

    enabled = True

    def __init__(self, params, consumers, anchors, suppliers, categories, rng):
        self.params, self.p = params, params.search
        self.consumers, self.anchors, self.suppliers, self.categories, self.rng = (
            consumers, anchors, suppliers, categories, rng)
        self.searches = self.entries_today = 0

    def start_day(self, d: int) -> None:
        self.searches = self.entries_today = 0

    def result_weights(self, b, mode) -> np.ndarray:
        """(categories, broadcasts): the rank weight of each live room in the results
        of a search for each category (0: not listed)."""
        an, sp, n_cat = self.anchors, self.suppliers, self.categories.n
        lst = b.listing
        ok = lst >= 0
        cat = np.where(ok, sp.category[np.maximum(lst, 0)], n_cat)      # n_cat: an empty listing slot
        rows = np.repeat(np.arange(b.size), lst.shape[1])
        hits = np.bincount(cat.ravel() * b.size + rows, minlength=(n_cat + 1) * b.size).reshape(n_cat + 1, b.size)
        relevance = hits[:n_cat] / np.maximum(b.n_listed, 1)[None, :]
        is_anchor = b.anchor >= 0
        perf = np.where(is_anchor, an.performance[np.maximum(b.anchor, 0)],
                        sp.store_performance[np.maximum(b.store, 0)])
        pos = perf[perf > 0]
        floor = 0.01 * pos.mean() if pos.size else 1.0      # (rooms without history stay findable)
        rank = np.power(np.maximum(perf, 0.0) + floor, self.p.performance_exponent)
        return relevance * (rank * mode.platform_rooms(b))[None, :]

    def entries(self, ctx) -> Entries:
        """Entries from today's searches (``Arrival.SEARCH``)."""
        p, cons, rng = self.p, self.consumers, self.rng
        b, active = ctx.broadcasts, ctx.active
        if b.size == 0 or active.size == 0:
            return Entries.empty(Arrival.SEARCH)
        who = active[bernoulli_positions(rng, active.size, p.search_probability)]
        self.searches = int(who.size)
        # the category searched: drawn from the searcher's preferences (inverse CDF)
        cdf = np.cumsum(cons.category_pref[who], axis=1)
        u = rng.random(who.size) * cdf[:, -1]
        cat = np.minimum((cdf < u[:, None]).sum(axis=1), cdf.shape[1] - 1)
        # who enters the room of the result they open
        enter = rng.random(who.size) < p.click_through
        who, cat = who[enter], cat[enter]
        w = self.result_weights(b, ctx.mode)
        cw = np.cumsum(w, axis=1)
        tot = cw[:, -1]
        has = tot[cat] > 0                       # (a category no live room sells: nothing found)
        who, cat = who[has], cat[has]
        # one result opened per search, by rank weight (inverse CDF within the category's row)
        v = rng.random(who.size) * tot[cat]
        e_b = np.empty(who.size, dtype=np.int64)
        for k in np.unique(cat):
            sel = cat == k
            e_b[sel] = np.minimum(np.searchsorted(cw[k], v[sel], side="right"), b.size - 1)
        self.entries_today = int(who.size)
        return stranger_or_follower(cons, self.params, who, e_b, b, Arrival.SEARCH)

    def daily_row(self, arrival_orders) -> dict[str, float]:
        return {"searches": float(self.searches), "search_entries": float(self.entries_today),
                "search_orders": float(arrival_orders[int(Arrival.SEARCH)])}
