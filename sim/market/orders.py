"""The order book: an order's life from placement to settlement (MODEL.md 4.2-4.3, 6.8).

An order is placed on day ``day`` in a channel (:class:`Channel`), pays into
escrow (a pre-sale order: its deposit into ``presale_escrow``), and carries an
outcome drawn when it is placed (:class:`Outcome`) that is revealed on its
``delivery_day`` (spoiled) or ``return_day`` (returned). A pre-sale order ships
``presale_lead_days`` after it was placed and may be cancelled before that.
Orders settle on ``settle_day`` (pre-sale orders on ``presale_settle_day``):
the chunk leaves the book. The orders of one day are one :class:`OrderChunk`;
the :class:`OrderBook` holds the chunks not settled yet, in order of placement.

This module is the one place where outcomes, channels and the queries on the
book (what is delivered, returned, shipped or settled today) are defined; the
sub-models that move the money (purchase, returns, settlement, credit,
pre-sale) read and write the chunks through it. The rationing helpers
:func:`within_budget` and :func:`within_stock` decide which candidate orders
are placed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np


class Outcome(IntEnum):
    """What becomes of an order (stored as int8 in ``OrderChunk.outcome``)."""

    KEPT = 0
    RETURNED = 1
    SPOILED = 2
    CANCELLED = 3   # a pre-sale order cancelled before it shipped


class Channel(IntEnum):
    """Where an order was placed (``OrderChunk.channel``)."""

    ANCHOR = 0   # an anchor's live room
    STORE = 1    # a supplier's store broadcast
    SHELF = 2    # a shelf page (no room)


# plain ints for array comparisons in the daily rules
KEPT, RETURNED, SPOILED, CANCELLED = (int(o) for o in Outcome)
CH_ANCHOR, CH_STORE, CH_SHELF = (int(c) for c in Channel)


@dataclass
class OrderChunk:
    """The orders placed on one day, kept until they are settled (pre-sale
    orders settle ``presale_settle_day``, the rest ``settle_day``)."""

    day: int
    settle_day: int
    presale_settle_day: int
    consumer: np.ndarray
    supplier: np.ndarray
    anchor: np.ndarray        # -1 for store broadcasts and shelf orders
    room: np.ndarray          # anchor index, or n_anchors + supplier for a store room, -1 on the shelf
    channel: np.ndarray       # Channel
    category: np.ndarray
    price: np.ndarray         # cents
    platform_fee: np.ndarray  # cents
    anchor_fee: np.ndarray    # cents
    outcome: np.ndarray       # Outcome
    mismatch: np.ndarray      # returned because the product was not as advertised
    delivery_day: np.ndarray  # -1 for a cancelled pre-sale order
    return_day: np.ndarray
    presale: np.ndarray       # pre-sale order (sim/finance/presale.py)
    deposit: np.ndarray       # cents paid at order by a pre-sale order (0 otherwise)
    released: np.ndarray      # cents of a pre-sale order's money released to the merchant before settlement

    def subset(self, mask: np.ndarray) -> "OrderChunk":
        """The orders in ``mask`` (a new chunk with the same days)."""
        return OrderChunk(**{f.name: (getattr(self, f.name)[mask] if isinstance(getattr(self, f.name), np.ndarray)
                                      else getattr(self, f.name)) for f in fields(self)})

    # ------------------------------------------------------------- the day's events
    def delivered_on(self, d: int) -> np.ndarray:
        """Orders whose goods arrive on day ``d`` (spoiled ones included)."""
        return self.delivery_day == d

    def returned_on(self, d: int) -> np.ndarray:
        """Orders that come back on day ``d``."""
        return (self.return_day == d) & (self.outcome == RETURNED)

    def due_for_settlement(self, d: int) -> np.ndarray:
        """Orders that settle on (or before) day ``d``."""
        return np.where(self.presale, self.presale_settle_day <= d, self.settle_day <= d)

    def settles_nothing_on(self, d: int) -> bool:
        return self.settle_day > d and self.presale_settle_day > d


class OrderBook:
    """The order chunks not settled yet, oldest first (a sequence of :class:`OrderChunk`)."""

    def __init__(self):
        self.chunks: list[OrderChunk] = []

    def __iter__(self):
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def __getitem__(self, k: int) -> OrderChunk:
        return self.chunks[k]

    def add(self, chunk: OrderChunk) -> None:
        self.chunks.append(chunk)

    def placed_on(self, day: int) -> OrderChunk | None:
        """The chunk of the orders placed on ``day``, if it is still in the book."""
        for ch in self.chunks:
            if ch.day == day:
                return ch
        return None

    def settle(self, d: int) -> list[tuple[OrderChunk, np.ndarray]]:
        """Take the orders due on day ``d`` out of the book: returns each chunk with
        orders due and the mask of those orders; what is not due stays."""
        remaining, due_now = [], []
        for ch in self.chunks:
            if ch.settles_nothing_on(d):
                remaining.append(ch)
                continue
            due = ch.due_for_settlement(d)
            if not due.all():
                remaining.append(ch.subset(~due))   # pre-sale orders not due yet
            due_now.append((ch, due))
        self.chunks = remaining
        return due_now


# ------------------------------------------------------------------ rationing

def within_budget(consumer: np.ndarray, price: np.ndarray, budget: np.ndarray, rng) -> np.ndarray:
    """Candidates a consumer can afford today, taken in random order."""
    n = consumer.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(consumer + rng.random(n))  # by consumer, random within
    c, p = consumer[order], price[order]
    start = np.r_[True, c[1:] != c[:-1]]
    cs = np.cumsum(p)
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    spent = cs - (cs[first] - p[first])
    ok = np.empty(n, dtype=bool)
    ok[order] = spent <= budget[c]
    return ok


def within_stock(supplier: np.ndarray, wanted: np.ndarray, stock: np.ndarray, rng) -> tuple[np.ndarray, int]:
    """Among wanted candidates, those served before the supplier's stock runs out
    (random order); returns the mask and the number of lost sales."""
    n = supplier.size
    ok = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(wanted)
    if idx.size == 0:
        return ok, 0
    s = supplier[idx]
    order = np.argsort(s + rng.random(idx.size))  # by supplier, random within
    ss = s[order]
    start = np.r_[True, ss[1:] != ss[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(ss.size), 0))
    rank = np.arange(ss.size) - first
    served = rank < stock[ss]
    ok[idx[order]] = served
    return ok, int((~served).sum())
