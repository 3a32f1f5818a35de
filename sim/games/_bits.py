"""Bitmask helpers shared by the exact methods.

A coalition is a bitmask: bit ``i`` set means ``players[i]`` is a member.
The dense table of a game with ``n`` players has ``2**n`` entries, entry 0
being the empty coalition.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4)
def popcounts(n: int) -> np.ndarray:
    """Coalition sizes for every mask of ``n`` players (read-only, uint8)."""
    sizes = np.bitwise_count(np.arange(1 << n, dtype=np.uint32)).astype(np.uint8)
    sizes.flags.writeable = False
    return sizes


def member_sums(table: np.ndarray, n: int) -> np.ndarray:
    """``out[i]`` = sum of ``table[S]`` over the masks ``S`` that contain player ``i``.

    Folds the table in half once per player, so the work is about ``2 * 2**n``
    additions instead of ``n * 2**(n-1)``.
    """
    out = np.empty(n)
    folded = table
    for i in range(n - 1, -1, -1):
        halves = folded.reshape(2, 1 << i)
        out[i] = halves[1].sum()
        folded = halves[0] + halves[1]
    return out


def additive_table(x: np.ndarray) -> np.ndarray:
    """``x(S)`` = sum of ``x[i]`` over the members of ``S``, for every mask ``S``."""
    table = np.zeros(1)
    for xi in x:
        table = np.concatenate([table, table + xi])
    return table


def member_matrix(masks: np.ndarray, n: int) -> np.ndarray:
    """Boolean matrix, one row per mask, ``True`` where player ``i`` is a member."""
    return ((masks[:, None] >> np.arange(n)) & 1).astype(bool)


def disjoint_pairs(bits: int) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs ``(A, B)`` of disjoint masks over ``bits`` bits (``3**bits`` pairs)."""
    a = np.zeros(1, dtype=np.int64)
    b = np.zeros(1, dtype=np.int64)
    for j in range(bits):
        bit = np.int64(1 << j)
        a = np.concatenate([a, a | bit, a])
        b = np.concatenate([b, b, b | bit])
    return a, b
