"""Per-account flow totals of a running model's ledger (for per-agent identities).

The ledger keeps one running total per flow name; :func:`attach` turns a
model's ledger into a :class:`LoggedLedger`, which also keeps, per flow, the
net amount (cents) every account received, so that an identity can be
checked agent by agent (a flow sent to the wrong supplier shows). The log is
state of the ledger object, so it follows the model into its forks."""

from __future__ import annotations

import numpy as np

from sim.finance.ledger import Ledger


class LoggedLedger(Ledger):
    net: dict[str, np.ndarray]

    def transfer(self, src, dst, cents, flow: str) -> int:
        amt = np.asarray(cents, dtype=np.int64)
        acc = self.net.get(flow)
        if acc is None:
            acc = self.net[flow] = np.zeros(self.balance.size, dtype=np.int64)
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
        return super().transfer(src, dst, cents, flow)

    # ------------------------------------------------------------- reading
    def net_of(self, flow: str) -> np.ndarray:
        """Net cents each account received through ``flow`` (all accounts)."""
        got = self.net.get(flow)
        return got if got is not None else np.zeros(self.balance.size, dtype=np.int64)

    def sup(self, flow: str) -> np.ndarray:
        return self.net_of(flow)[self.supplier0:self.anchor0]

    def anc(self, flow: str) -> np.ndarray:
        return self.net_of(flow)[self.anchor0:]

    def at(self, flow: str, name: str) -> int:
        return int(self.net_of(flow)[self.acct(name)])

    def snapshot(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.net.items()}


def attach(ledger: Ledger) -> LoggedLedger:
    """Log ``ledger``'s transfers per account from now on; returns it."""
    if not isinstance(ledger, LoggedLedger):
        ledger.__class__ = LoggedLedger
        ledger.net = {}
    return ledger


class FlowLog:
    """A view of a logged ledger (with ``since``: what moved after a snapshot)."""

    def __init__(self, ledger: Ledger):
        self.ledger = attach(ledger)

    def __call__(self, flow: str) -> np.ndarray:
        return self.ledger.net_of(flow)

    def snapshot(self) -> dict[str, np.ndarray]:
        return self.ledger.snapshot()

    def since(self, snap: dict[str, np.ndarray], flow: str) -> np.ndarray:
        return self(flow) - snap.get(flow, 0)
