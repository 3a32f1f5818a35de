"""The structure of the day: sub-models with explicit collaborators, null
objects for optional ones, tables that declare their columns, the order book,
and measures that are pure functions of the state and the day's records."""

import numpy as np

from sim.agents import AnchorTable, SupplierTable
from sim.coalition.modes import PLAIN, grand_mode
from sim.finance.credit import DEFAULT_RECORD, DefaultCause, NoCredit
from sim.finance.presale import CANCELLED, NoPresale
from sim.market.orders import Channel, OrderBook, OrderChunk, Outcome
from sim.measures import daily_measures
from sim.model import LiveCommerceModel
from sim.streams import derive_streams
from tests.conftest import small_scenario


class Recording(LiveCommerceModel):
    """Keeps each day's record (what ``step`` passes to the measures)."""

    def _end_day(self, day):
        self.records = getattr(self, "records", []) + [day]
        super()._end_day(day)


def test_measures_are_a_pure_function_of_the_state_and_the_day():
    m = Recording(small_scenario(**{"time.days": 12}), 4)
    m.run()
    day = m.records[-1]
    balances, totals = m.ledger.balance.copy(), m.cum.room_gmv.copy()
    first, second = daily_measures(m, day), daily_measures(m, day)
    assert first == second
    # the day's row as the model measured it, and the state untouched by measuring
    assert first == m.today
    assert (m.ledger.balance == balances).all() and (m.cum.room_gmv == totals).all()


def test_optional_sub_models_are_null_objects():
    m = LiveCommerceModel(small_scenario(**{"finance.enabled": False, "time.days": 8}), 1)
    assert isinstance(m.credit, NoCredit) and isinstance(m.presales, NoPresale)
    assert m.finance is None and m.presale is None and m.lender is None
    assert m.mode is None and m.coalition is PLAIN
    m.run()
    assert m.today["suppliers_alive"] == m.suppliers.n and m.today["loans_drawn"] == 0.0
    mode = grand_mode(m)
    m.mode = mode
    assert m.mode is mode and m.coalition is mode
    m.mode = None
    assert m.coalition is PLAIN


def test_tables_declare_every_column_when_built():
    """No sub-model adds a column to the supplier or anchor table at run time."""
    sc = small_scenario(**{"time.days": 10, "finance.presale_share": 0.3, "finance.presale_lead_days": 3})
    rng = derive_streams(0)["init"]
    sup, anc = set(vars(SupplierTable(sc, rng))), set(vars(AnchorTable(sc, rng)))
    m = LiveCommerceModel(sc, 0)
    m.run()
    assert set(vars(m.suppliers)) == sup
    assert set(vars(m.anchors)) == anc
    assert {"fraudster", "fake_order_share", "honesty", "sells_fakes"} <= sup


def _chunk(day, n, presale):
    z = np.zeros(n, dtype=np.int64)
    return OrderChunk(day=day, settle_day=day + 10, presale_settle_day=day + 15, consumer=z, supplier=z, anchor=z - 1,
                      room=z - 1, channel=np.full(n, int(Channel.SHELF)), category=z, price=np.arange(n) + 100,
                      platform_fee=z, anchor_fee=z, outcome=np.zeros(n, dtype=np.int8), mismatch=z.astype(bool),
                      delivery_day=z + day + 2, return_day=z + day + 3, presale=np.asarray(presale), deposit=z,
                      released=z)


def test_the_order_book_settles_what_is_due_and_keeps_the_rest():
    book = OrderBook()
    book.add(_chunk(0, 4, [False, True, False, True]))
    book.add(_chunk(3, 2, [False, False]))
    assert book.settle(9) == [] and len(book) == 2
    due = book.settle(10)            # day 0's spot orders; its pre-sale orders wait for day 15
    assert len(due) == 1 and due[0][1].tolist() == [True, False, True, False]
    assert [c.day for c in book] == [0, 3] and book[0].presale.all() and book[0].price.tolist() == [101, 103]
    assert book.placed_on(3) is book[1] and book.placed_on(1) is None
    assert [c.day for c, _ in book.settle(15)] == [0, 3] and len(book) == 0


def test_codes_of_outcomes_channels_and_default_causes():
    assert [int(o) for o in Outcome] == [0, 1, 2, 3] and CANCELLED == Outcome.CANCELLED
    assert [int(c) for c in Channel] == [0, 1, 2]
    assert len({c.value for c in DefaultCause}) == len(DefaultCause)
    assert list(DEFAULT_RECORD)[:9] == ["id", "day", "agent", "index", "proximate", "parent", "depth", "trigger",
                                         "chain"]
