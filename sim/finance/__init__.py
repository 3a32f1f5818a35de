"""Money: the ledger (double entry, integer cents), settlement, credit and pre-sale."""

from sim.finance.ledger import Ledger, to_cents

__all__ = ["Ledger", "to_cents"]
