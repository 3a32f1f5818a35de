"""Coalition worths from simulation: forks, accrual profit, common random numbers.

Profit (the worth definition). Over a window, an agent's profit is the change
of its *accrual wealth*: cash (its ledger balance) plus the claims less the
liabilities that the owners of those claims state, plus its stock and
production in transit valued at unit cost (production for stock is an asset,
not a loss), before the suppliers' fixed costs (``supply.fixed_costs``: paid
by every living supplier whatever coalition forms, so a constant per
supplier; leaving them out gives a strategically equivalent game, with the
same core and the Shapley value shifted by that constant, whose standalone
worths stay the revenues the paper's synergy ratios divide by):

- the order book (:func:`sim.market.claims.order_book_claims`): for every
  unsettled order that will be kept, the platform's commission, the
  supplier's price net of commission and of the anchor's commission, the
  anchor's commission (none for a defaulted anchor: settlement cancels it);
  for every order that will still come back, the supplier's reverse
  logistics and the unit it gets back;
- pre-sale (:meth:`sim.finance.presale.Presale.accrued_claims`): money
  released to the merchant early is in its cash already; an order not shipped
  yet still owes its forward logistics and commits a unit of stock;
- credit (:meth:`sim.finance.credit.Finance.accrued_claims`): loans and
  interest owed are liabilities, deposits and funds held for upstream
  suppliers are the supplier's, trade credit moves from the brand that owes it
  to the SME owed, a receivable sold to the lender is the lender's, and the
  risk reserve and return-insurance pool are the platform's.

Money already owed that is paid (settlement, a return's refund, a receivable
sale, a pre-sale release) thus moves accrual wealth only by what it really
costs (the receivable's discount, an insurance premium or payout; the
property test in ``tests/coalition/test_accrual.py``). ``v(C)`` is the sum
of the profits of C's agents over the window in mode C
(:mod:`sim.coalition.modes`).

Every coalition of one replication is a fork (a deep copy: state and random
streams) of the same model at the window start, so all coalitions share their
random numbers (common random numbers). The shared warm-up before the window
runs once, in the grand coalition.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from sim.coalition.modes import coalition_mode
from sim.coalition.players import Player, player_of_agents
from sim.finance.ledger import to_cents
from sim.market.claims import order_book_claims
from sim.market.orders import KEPT, RETURNED, SPOILED
from sim.streams import MECHANISMS


def fork(model):
    """A clone of a running model (state and random streams); continuing it
    gives exactly what continuing the original would."""
    return copy.deepcopy(model)


def wealth(model, *, shipped_through: int | None = None,
           returned_through: int | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Accrual wealth (cents) of the platform, of each supplier and each anchor:
    cash, plus the claims less the liabilities that their owners state (the
    order book, :func:`sim.market.claims.order_book_claims`; the credit
    sub-model, :meth:`sim.finance.credit.Finance.accrued_claims`; pre-sale,
    :meth:`sim.finance.presale.Presale.accrued_claims`), plus each living
    supplier's stock and production in transit at unit cost.

    By default the state is read at the end of the last day simulated; inside
    a day (tests that look between the sub-steps), ``shipped_through`` is the
    last day whose pre-sale shipments are done and ``returned_through`` the
    last day whose returns are."""
    led, sp, an = model.ledger, model.suppliers, model.anchors
    last = model.day - 1
    shipped = last if shipped_through is None else shipped_through
    returned = last if returned_through is None else returned_through
    book = order_book_claims(model.book, returned, sp.n, an.alive, sp.alive, sp.unit_cost,
                             model.cat_reverse_share)
    plat = float(led["platform"]) + book.platform
    sup = led.supplier_balance.astype(np.float64) + book.supplier
    anc = led.anchor_balance.astype(np.float64) + book.anchor
    credit = model.credit.accrued_claims()          # None from the null objects (no credit, no pre-sale)
    if credit is not None:
        plat += credit[0]
        sup += credit[1]
    presale = model.presales.accrued_claims(shipped)
    if presale is not None:
        sup += presale
    # an exited supplier's stock is written off (returns to it are too)
    inventory = np.where(sp.alive, (sp.stock + sp.pipeline.sum(axis=1)) * sp.unit_cost * 100.0, 0.0)
    # fixed costs (sim/market/supply.py) are added back: every living supplier pays them in every
    # coalition's mode alike, so they would shift every worth it belongs to by the same amount (a
    # strategically equivalent game: the same core, the Shapley value moved by that constant); left
    # in, they make standalone worths negative and the paper's synergy ratios meaningless
    if model.supply.fixed_paid is not None:   # (None: the supply side is off)
        sup = sup + model.supply.fixed_paid
    stake = model.entry.owners_stake()   # entrants' capital less exiters' payouts: not profit (None: no entry)
    if stake is not None:
        sup = sup - stake[0]
        anc = anc - stake[1]
    return plat, sup + inventory, anc


def finance_losses(model) -> tuple[float, np.ndarray, np.ndarray]:
    """Losses (cents) the finance sub-model has booked so far per agent: bad
    debt, write-offs, shocks, and what the platform's reserve, insurance pool
    and exit cover took over (:meth:`sim.finance.credit.Finance._lose`)."""
    fin = getattr(model, "finance", None)
    if fin is None:
        return 0.0, np.zeros(model.suppliers.n), np.zeros(model.anchors.n)
    return (float(fin.loss_platform), fin.loss_supplier.astype(np.float64),
            fin.loss_anchor.astype(np.float64))


def losses(chunks, model, since: tuple | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Losses (cents) borne per agent: returns and spoilage of the orders in
    ``chunks`` (the supplier's logistics and, if spoiled, the goods; the
    commissions the platform and the anchor forgo) plus the finance losses
    (bad debt, write-offs, shocks, covers) booked after ``since`` (a
    :func:`finance_losses` snapshot; ``None``: all of them)."""
    sp = model.suppliers
    plat, sup, anc = finance_losses(model)
    if since is not None:
        plat, sup, anc = plat - since[0], sup - since[1], anc - since[2]
    for ch in chunks:
        bad = (ch.outcome == RETURNED) | (ch.outcome == SPOILED)   # (not a cancelled pre-sale order)
        if not bad.any():
            continue
        cat = ch.category[bad]
        s = ch.supplier[bad]
        cost = model.cat_forward[cat].astype(np.float64)
        ret = ch.outcome[bad] == RETURNED
        cost += np.where(ret, ch.price[bad] * model.cat_reverse_share[cat], sp.unit_cost[s] * 100.0)
        sup += np.bincount(s, weights=cost, minlength=sp.n)
        plat += float(ch.platform_fee[bad].sum())
        a = ch.anchor[bad]
        anc += np.bincount(a[a >= 0], weights=ch.anchor_fee[bad][a >= 0], minlength=anc.size)
    return plat, sup, anc


def by_player(players: list[Player], model, plat: float, sup: np.ndarray, anc: np.ndarray) -> np.ndarray:
    """Per-agent amounts summed per player (in player order)."""
    ip, isup, ianc = player_of_agents(players, model)
    out = np.zeros(len(players))
    out[ip] += plat
    np.add.at(out, isup, sup)
    np.add.at(out, ianc, anc)
    return out


@dataclass
class ModeRun:
    """One coalition's fork over the window."""

    mask: int
    profit: np.ndarray          # (batches, players): profit per batch and player (yuan)
    losses: np.ndarray | None = None   # per player (yuan), the grand run only
    model: object | None = field(default=None, repr=False)


#: mechanisms whose stream a coalition's fork does not replay day by day, with the reason
NOT_REPLAYED = {
    "init": "draws only while the population is built, before any fork",
    "coalition": "the standalone channels draw from a generator keyed by this stream's seed and the day "
                 "(sim.coalition.modes.day_stream), the same in every mode; the stream's own state is drawn "
                 "only by the defection dynamics, outside the forks",
}

#: mechanisms whose stream state every coalition's fork replays at the start of each day,
#: so each mode draws each day's numbers of each mechanism from where the grand run drew them:
#: every mechanism of sim.streams.MECHANISMS but NOT_REPLAYED
REPLAYED = tuple(k for k in MECHANISMS if k not in NOT_REPLAYED)


def stream_states(model) -> dict:
    return {k: copy.deepcopy(model.streams[k].bit_generator.state) for k in REPLAYED if k in model.streams}


def run_mode(model, players: list[Player], mask: int, days: int, batches: int = 1,
             keep_model: bool = False, mode=None, record: list | None = None,
             replay: list | None = None) -> ModeRun:
    """Fork ``model``, put the fork in the mode of coalition ``mask`` (bit i:
    players[i]; or the given ``mode``), run ``days`` and return each player's
    profit in each of ``batches`` equal parts of the window.

    ``record``: a list that receives the state of every mechanism's stream at
    the start of each day; ``replay``: such a list, imposed at the start of
    each day, so that every mode draws each day's random numbers of each
    mechanism from where the recorded run drew them (common random numbers
    kept in step day by day, not only at the fork)."""
    m = fork(model)
    if mode is None:
        coalition = {p.name for i, p in enumerate(players) if mask >> i & 1}
        mode = coalition_mode(m, players, coalition)
    m.mode = mode
    edges = np.linspace(0, days, batches + 1).round().astype(int)
    prev = by_player(players, m, *wealth(m))
    booked = finance_losses(m)
    profit = np.zeros((batches, len(players)))
    chunks = []
    for k in range(batches):
        for _ in range(edges[k + 1] - edges[k]):
            if record is not None:
                record.append(stream_states(m))
            if replay is not None:
                for name, state in replay[m.day - model.day].items():
                    m.streams[name].bit_generator.state = state
            m.step()
            if m.book and m.book[-1].day == m.day - 1:
                chunks.append(m.book[-1])
        now = by_player(players, m, *wealth(m))
        profit[k] = (now - prev) / 100.0
        prev = now
    loss = by_player(players, m, *losses(chunks, m, since=booked)) / 100.0
    return ModeRun(mask, profit, loss, m if keep_model else None)
