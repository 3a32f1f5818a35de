"""The fraud columns that suppliers and anchors share.

Both tables declare them when they are built; :class:`sim.trust.TrustSystem`
draws and updates them, and the credit sub-model reads them.
"""

from __future__ import annotations

import numpy as np


def declare_fraud_columns(table, n: int) -> None:
    """Give ``table`` (a supplier or anchor table of ``n`` rows) its fraud state."""
    table.honesty = np.ones(n)
    table.fraudster = np.zeros(n, dtype=bool)              # currently faking heat
    table.fake_order_share = np.zeros(n)                   # fake orders bought, as a share of real GMV
    table.reported_sales = np.zeros(n)                     # real + fake GMV, cumulative (yuan)
    table.real_sales = np.zeros(n)                         # real GMV, cumulative (yuan)
    table.gmv_ema = np.zeros(n)                            # recent real GMV per day (yuan)
    table.demoted_until = np.full(n, -1, dtype=np.int64)   # ranking demoted after a detection
    table.times_detected = np.zeros(n, dtype=np.int64)
