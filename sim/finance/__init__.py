"""Money: the ledger (double entry, integer cents)."""

from sim.finance.ledger import Ledger, to_cents

__all__ = ["Ledger", "to_cents"]
