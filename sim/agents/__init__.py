"""Platform, supplier, anchor and lender agents.

They are Mesa Agents. Their state is stored column-wise in a table per type
(:class:`SupplierTable`, :class:`AnchorTable`) so that the daily rules run
for all of them at once; each Agent object is the handle on one row, with
properties that read and write that row.
"""

from sim.agents.anchor import Anchor, AnchorTable
from sim.agents.lender import Lender
from sim.agents.platform import Platform
from sim.agents.supplier import Supplier, SupplierTable

__all__ = ["Anchor", "AnchorTable", "Lender", "Platform", "Supplier", "SupplierTable"]
