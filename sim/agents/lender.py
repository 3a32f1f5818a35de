"""The lender: who finances the platform's order-loan programme."""

from __future__ import annotations

import mesa

from sim.finance.ledger import to_cents


class Lender(mesa.Agent):
    """The lender behind the order loans and the receivable financing.

    It holds the credit terms in force (``multiple``: credit line per yuan of
    trailing reported sales; ``rate``: annual interest), which a
    ``credit_squeeze`` event changes; whether it sees suppliers' true sales
    (``true_sales``); and its capital limit (``capital``, cents paid in by its
    owners at the start; ``None``: it draws unlimited outside ``funding``
    whenever its cash runs short). With finite capital it lends new money and
    buys receivables only up to its cash (:class:`sim.finance.credit.Finance`
    rations the day's requests; loans repaid and drawn again the same day are
    rolled over). Its money is the ledger account ``lender``;
    the loan book itself (principal per supplier) is kept column-wise by the
    model's :class:`~sim.finance.credit.Finance`, and the read-only
    properties below read it.
    """

    def __init__(self, model, multiple: float, rate: float, true_sales: bool, capital: float | None):
        super().__init__(model)
        self.multiple = float(multiple)
        self.rate = float(rate)
        self.true_sales = bool(true_sales)
        self.capital: int | None = None if capital is None else int(to_cents(capital))

    @property
    def unlimited(self) -> bool:
        """True when the lender draws outside funding without limit."""
        return self.capital is None

    def squeeze(self, multiple: float | None = None, rate: float | None = None) -> None:
        """New terms from today (``None`` keeps a term as it is)."""
        if multiple is not None:
            self.multiple = float(multiple)
        if rate is not None:
            self.rate = float(rate)

    @property
    def cash(self) -> float:
        """The lender's cash (ledger account ``lender``), in yuan."""
        return self.model.ledger["lender"] / 100.0

    @property
    def loans_outstanding(self) -> float:
        """Order-loan principal outstanding, in yuan."""
        return float(self.model.finance.principal.sum()) / 100.0

    @property
    def loan_losses(self) -> float:
        """Loans written off at defaults so far (principal and interest),
        net of what the defaulters' estates paid back since, in yuan."""
        f = self.model.finance
        return (f.lender_claims - f.lender_recovered) / 100.0

    @property
    def credit_rationed(self) -> float:
        """Loan draws and receivable purchases asked for but refused for want
        of cash so far, in yuan (0 with unlimited funding)."""
        return self.model.finance.rationed_total / 100.0
