"""Random streams: one generator per mechanism, all derived from the run's seed.

Every random number in a run comes from a stream derived with numpy's
``SeedSequence`` from the model's seed, one stream per mechanism (traffic,
viewing, purchase, returns, ...). Two runs of the same scenario and seed are
identical; two runs that differ only in what one mechanism does (a coalition
mode, a policy lever) still share the random numbers of every other
mechanism (common random numbers).

``MECHANISMS`` is append-only: a stream's seed is its position in the tuple,
so reordering or removing an entry changes every later stream of every run.
Add a new mechanism at the end, and say in
:data:`sim.coalition.worth.NOT_REPLAYED` if coalition forks must not replay it
(``tests/coalition/test_crn.py`` fails until every mechanism is replayed or
excused).
"""

from __future__ import annotations

import numpy as np

#: the mechanisms, one stream each (append-only: see the module docstring)
MECHANISMS = (
    "init",        # building the population
    "events",      # for scheduled events that draw random numbers (none of the current kinds does)
    "broadcast",   # who goes live, which products are listed
    "traffic",     # public impressions: how many, to which room, to whom
    "view",        # who is active, who watches, who clicks
    "purchase",    # buying decisions, budget and stock rationing order
    "returns",     # returns, spoilage
    "trust",       # following after purchase
    "adapt",       # adaptation of fees, prices, partners
    "coalition",   # standalone channels outside the coalition, defection draws
    "finance",     # credit: dishonest borrowers, detection, upstream links, return waves
    "fraud",       # honesty, fake goods, complaints, fraud detection (sim/trust.py)
    "social",      # the word-of-mouth graph and what passes along it
    "presale",     # which live-room orders are pre-sale orders, stock rationing on their shipping day
    "recommend",   # the recommender: matching impressions to consumers, exploration
    "content",     # short-video content: who makes it, who sees it, who follows the link
    "engagement",  # interaction in rooms, fan groups
    "reviews",     # reviews and videos after a purchase, who they reach
    "feedback",    # product feedback and quality improvement
    "shelf",       # purchase memory, repurchase, "watch live" from product pages, coupons
    "search",      # searches that list live rooms
    "stores",      # merchants' choice of store broadcasts or talent anchors, store-room followers
    "ads",         # paid traffic: bids, budgets, the auction for promoted impressions
    "entry",       # entry of new anchors and merchants, exit after sustained losses
    "supply",      # fixed costs, flexible (C2M) production, cold chain, anchors' quality screening
    "platform",    # the adaptive platform's policy moves
)


def derive_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent ``Generator`` per mechanism from ``seed``."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    children = np.random.SeedSequence(int(seed)).spawn(len(MECHANISMS))
    return {name: np.random.Generator(np.random.PCG64(ss)) for name, ss in zip(MECHANISMS, children)}


def replication_seeds(master_seed: int, n: int) -> list[int]:
    """``n`` run seeds derived from ``master_seed`` (SeedSequence children),
    independent of how the runs are later scheduled."""
    children = np.random.SeedSequence(int(master_seed)).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
