"""A double-entry ledger in integer cents.

Every transfer moves an amount from one account to another, so the sum of
all balances is always zero: money is conserved by construction. Money that
crosses the model's boundary does so through named outside accounts
(``consumers`` pay in, ``capital`` is the owners' starting cash,
``production`` and ``logistics`` are paid out); their balances say how much
crossed. Amounts are int64 cents, so identities hold to the cent.

The credit sub-model (:mod:`sim.finance.credit`) adds the ``lender`` and the
platform's ``reserve`` (risk reserve), ``insurance`` (return-insurance pool)
and ``deposits`` (margin deposits) and ``supply_escrow`` (a merchant's money held back
for its upstream suppliers) inside the system; pre-sale orders
(:mod:`sim.finance.presale`) add ``presale_escrow`` (pre-sale deposits and
balances the platform holds); and the outside
accounts ``funding`` (the lender's own funding), ``unpaid_vendors`` (bills a
defaulter left unpaid), ``penalties`` (cash a defaulter lost: seized or
absconded) and ``fraud_costs`` (what faking sales costs). Content seeding
(:mod:`sim.market.content`) adds the outside account ``content_costs`` (what
anchors and store rooms spend making short videos); the supply side
(:mod:`sim.market.supply`) the outside account ``supply_costs`` (suppliers' fixed
costs and cold-chain monitoring, anchors' inspections of suppliers).

Each transfer is tagged with a *flow* name (``sale``, ``refund``,
``commission``, ...); the ledger keeps the running total of every flow, which
is what the accounting identities are checked against.
"""

from __future__ import annotations

import numpy as np

OUTSIDE = ("consumers", "capital", "production", "logistics", "funding", "unpaid_vendors", "penalties", "fraud_costs")
FIXED = OUTSIDE + ("escrow", "platform", "lender", "reserve", "insurance", "deposits", "supply_escrow",
                   "presale_escrow")
# outside accounts of the second round's mechanisms (appended: earlier accounts keep their numbers)
FIXED += ("content_costs",)   # short videos made by anchors and store rooms (sim/market/content.py)
FIXED += ("supply_costs",)    # suppliers' fixed costs, cold chain, anchors' screening (sim/market/supply.py)
FIXED += ("store_costs",)     # running costs of suppliers' store broadcasts (sim/market/stores.py)


def to_cents(yuan) -> np.ndarray:
    """Yuan to integer cents (rounded half away from zero)."""
    a = np.asarray(yuan, dtype=np.float64)
    return (np.sign(a) * np.floor(np.abs(a) * 100.0 + 0.5)).astype(np.int64)


class Ledger:
    """Balances of the fixed accounts, every supplier and every anchor."""

    def __init__(self, n_suppliers: int, n_anchors: int):
        self.index = {name: i for i, name in enumerate(FIXED)}
        self.supplier0 = len(FIXED)
        self.anchor0 = self.supplier0 + n_suppliers
        self.balance = np.zeros(self.anchor0 + n_anchors, dtype=np.int64)
        self.flows: dict[str, int] = {}

    # ---------------------------------------------------------------- accounts
    def acct(self, name: str) -> int:
        return self.index[name]

    def supplier_accts(self, idx) -> np.ndarray:
        return self.supplier0 + np.asarray(idx, dtype=np.int64)

    def anchor_accts(self, idx) -> np.ndarray:
        return self.anchor0 + np.asarray(idx, dtype=np.int64)

    @property
    def supplier_balance(self) -> np.ndarray:
        return self.balance[self.supplier0:self.anchor0]

    @property
    def anchor_balance(self) -> np.ndarray:
        return self.balance[self.anchor0:]

    def __getitem__(self, name: str) -> int:
        return int(self.balance[self.index[name]])

    # --------------------------------------------------------------- transfers
    def transfer(self, src, dst, cents, flow: str) -> int:
        """Move ``cents`` from ``src`` to ``dst`` (scalars or equal-length arrays
        of account numbers); returns the total moved."""
        amt = np.asarray(cents, dtype=np.int64)
        if amt.ndim == 0:
            total = int(amt)
            if total:
                self.balance[src] -= total
                self.balance[dst] += total
        else:
            total = int(amt.sum())
            if amt.size:
                # bincount is exact here: cents stay far below 2**53
                n = self.balance.size
                self.balance -= self._sum_by(src, amt, n)
                self.balance += self._sum_by(dst, amt, n)
        self.flows[flow] = self.flows.get(flow, 0) + total
        return total

    @staticmethod
    def _sum_by(acct, amt: np.ndarray, n: int) -> np.ndarray:
        acct = np.asarray(acct)
        if acct.ndim == 0:
            out = np.zeros(n, dtype=np.int64)
            out[int(acct)] = int(amt.sum())
            return out
        return np.bincount(acct, weights=amt, minlength=n).round().astype(np.int64)

    def flow(self, name: str) -> int:
        return self.flows.get(name, 0)

    def is_balanced(self) -> bool:
        return int(self.balance.sum()) == 0
