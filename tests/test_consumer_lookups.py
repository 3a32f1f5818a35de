"""The follow-table look-ups of the consumer population (sim/consumers.py), rewritten
for speed in issue 16, against plain Python on random follow tables."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.consumers import ConsumerPopulation


def _population(follows: np.ndarray) -> ConsumerPopulation:
    pop = ConsumerPopulation.__new__(ConsumerPopulation)   # only the follow table is needed
    pop.follows = follows.astype(np.int32)
    pop.n = follows.shape[0]
    return pop


@st.composite
def tables(draw):
    n, width, n_anchors = draw(st.integers(1, 12)), draw(st.integers(1, 6)), draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    follows = np.where(rng.random((n, width)) < 0.6, rng.integers(0, n_anchors, (n, width)), -1)
    m = draw(st.integers(0, 20))
    consumers = rng.integers(0, n, m)
    anchors = rng.integers(-1, n_anchors + 1, m)   # -1: no anchor (a store room or the shelf)
    return follows, consumers, anchors


@settings(max_examples=200, deadline=None)
@given(tables())
def test_follow_slot_and_follows_anchor_match_plain_python(t):
    follows, consumers, anchors = t
    pop = _population(follows)
    want_slot = [next((k for k, a in enumerate(follows[c]) if a == x), -1) if x >= 0 else -1
                 for c, x in zip(consumers, anchors)]
    got = pop.follow_slot(consumers, np.where(anchors >= 0, anchors, -2))
    assert got.tolist() == want_slot
    assert pop.follows_anchor(consumers, anchors).tolist() == [s >= 0 for s in want_slot]
