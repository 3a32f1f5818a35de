"""Per-account flow totals of a running model's ledger (for per-agent identities).

The ledger keeps one running total per flow name; :class:`FlowLog` wraps a
model's ``ledger.transfer`` and keeps, per flow, the net amount (cents)
every account received, so that an identity can be checked agent by agent
(a flow sent to the wrong supplier shows)."""

from __future__ import annotations

import numpy as np


class FlowLog:
    def __init__(self, ledger):
        self.ledger = ledger
        self.n = ledger.balance.size
        self.net: dict[str, np.ndarray] = {}
        inner = ledger.transfer

        def transfer(src, dst, cents, flow):
            amt = np.asarray(cents, dtype=np.int64)
            acc = self.net.setdefault(flow, np.zeros(self.n, dtype=np.int64))
            if amt.ndim == 0:
                if int(amt):
                    acc[int(np.asarray(src))] -= int(amt)
                    acc[int(np.asarray(dst))] += int(amt)
            elif amt.size:
                for who, sign in ((src, -1), (dst, 1)):
                    who = np.asarray(who)
                    if who.ndim == 0:
                        acc[int(who)] += sign * int(amt.sum())
                    else:
                        np.add.at(acc, who.astype(np.int64), sign * amt)
            return inner(src, dst, cents, flow)

        ledger.transfer = transfer

    def __call__(self, flow: str) -> np.ndarray:
        """Net cents each account received through ``flow`` (all accounts)."""
        return self.net.get(flow, np.zeros(self.n, dtype=np.int64))

    def supplier(self, flow: str) -> np.ndarray:
        led = self.ledger
        return self(flow)[led.supplier0:led.anchor0]

    def anchor(self, flow: str) -> np.ndarray:
        return self(flow)[self.ledger.anchor0:]

    def account(self, flow: str, name: str) -> int:
        return int(self(flow)[self.ledger.acct(name)])

    def snapshot(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.net.items()}

    def since(self, snap: dict[str, np.ndarray], flow: str) -> np.ndarray:
        return self(flow) - snap.get(flow, 0)
