"""Coalition modes, forks, worths, player specs, defection dynamics, the CLI (#7)."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.coalition import estimate_game, fork, grand_mode, resolve_players
from sim.coalition.dynamics import defection_probability, run_dynamics
from sim.coalition.players import PlayerSpecError
from sim.coalition.worth import by_player, run_mode, wealth
from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from sim.scenario import Scenario

# (the default suppliers' sizes as given: scale factor 1, suppliers oversized for 2,000 consumers)
TINY = {"population.consumers": 2000, "population.reference_consumers": 2000, "population.reference_suppliers": 40,
        "population.anchors": 150,
        "population.suppliers": 40, "time.days": 60}


def tiny(**kw) -> Scenario:
    return Scenario().with_overrides({**TINY, **kw})


def test_grand_mode_object_is_the_plain_model_bit_for_bit():
    sc = tiny()
    plain = LiveCommerceModel(sc, 3)
    plain.run(40)
    moded = LiveCommerceModel(sc, 3)
    moded.mode = grand_mode(moded)
    assert moded.mode.is_grand
    moded.run(40)
    pd.testing.assert_frame_equal(daily_frame(plain), daily_frame(moded), check_exact=True)
    assert np.array_equal(plain.ledger.balance, moded.ledger.balance)


def test_fork_continued_in_grand_mode_reproduces_the_unforked_run_exactly():
    sc = tiny()
    ref = LiveCommerceModel(sc, 5)
    ref.run(50)
    m = LiveCommerceModel(sc, 5)
    m.run(17)
    clone = fork(m)
    clone.run(33)
    pd.testing.assert_frame_equal(daily_frame(ref), daily_frame(clone), check_exact=True)
    assert np.array_equal(ref.ledger.balance, clone.ledger.balance)
    # the original is untouched by running its clone, and continues identically too
    assert m.day == 17
    m.run(33)
    pd.testing.assert_frame_equal(daily_frame(ref), daily_frame(m), check_exact=True)


def test_worths_table_and_modes_matter():
    # a window across the first settlement (day 29)
    est = estimate_game(tiny(), "roles", seed=1, window=34, batches=4)
    table = est.worth_table()
    assert len(table) == 7 and set(table) >= {"platform", "supplier", "anchor", "anchor,platform,supplier"}
    assert all(np.isfinite(w["se"]) for w in table.values())
    assert table["platform"]["mean"] == 0.0          # nothing to sell alone
    assert table["anchor,platform,supplier"]["mean"] > table["platform,supplier"]["mean"]


def _drain(m, days: int):
    """Continue ``m`` with nobody buying and no pit fees until its order book is empty."""
    m.consumers.base_activity[:] = 0.0
    m.params = m.params.with_overrides({"anchors.pit_fee_per_follower": 0.0, "stores.broadcast_cost": 0.0})
    m.broadcasting.params = m.params   # (the sub-model that charges pit fees holds the parameters)
    m.stores.params = m.params         # (and the one that charges store broadcasts' running cost)
    left = lambda: sum(ch.price.size for ch in m.book)  # noqa: E731  (days without orders add empty chunks)
    for _ in range(days):
        if not left():
            break
        m.step()
    assert left() == 0, "the order book did not drain"


def test_grand_worth_is_the_cash_profit_once_the_order_book_has_drained():
    """v(N) over a window from day 0 (an empty book) to day 33 (across the settlement
    of day 29) is every agent's accrual profit; once the book has drained (nobody
    buys any more, nothing else is earned or spent but production at cost), each
    agent's cash, stock and finance positions have become exactly that profit: to
    the cent, per agent."""
    from tests.test_model import Checked

    sc = tiny(**{"time.days": 120, "time.settlement_period": 10, "fraud.enabled": False,
                 "suppliers.initial_cash_days": 300.0, "suppliers.initial_stock_days": 30.0,
                 "finance.presale_share": 0.3, "finance.presale_lead_days": 5,
                 # (the supply side's fixed costs and inspections are spent every day, also once
                 # the book has drained: off here; its knowledge anchors' premium stays on)
                 "supply.fixed_costs": False, "supply.screening_share": 0.0})
    m = Checked(sc, 6)
    w0 = wealth(m)
    assert not m.book
    ps = resolve_players("roles", m)
    grand = run_mode(m, ps, 0b111, 33, keep_model=True)
    v_n = grand.profit.sum()
    t = grand.model
    at_end = wealth(t)
    assert t.book and t.ledger["escrow"] > 0 and t.ledger["presale_escrow"] > 0
    _drain(t, 80)
    drained = wealth(t)   # (an empty book: cash, stock and the finance sub-model's positions)
    for a, b in zip(at_end, drained):
        np.testing.assert_allclose(a, b, rtol=0, atol=0.5)
    cash_profit = sum(np.sum(b) - np.sum(a) for a, b in zip(w0, drained)) / 100.0
    assert v_n == pytest.approx(cash_profit, abs=0.01 * (1 + m.suppliers.n + m.anchors.n))
    assert t.ledger.flow("settlement") > 0 and t.ledger.flow("presale_settlement") > 0


@pytest.mark.parametrize("mask", range(1, 8))
def test_money_identities_hold_in_every_coalition_mode(mask):
    """tests/test_model.py::Checked (per-agent identities, own-shop sales, tips,
    advertising, content share) every day of a 30-day window in each coalition's mode,
    across the settlement of day 29."""
    from sim.coalition.modes import coalition_mode
    from tests.test_model import Checked

    sc = tiny(**{"time.days": 40, "finance.presale_share": 0.2, "suppliers.initial_cash_days": 3.0})
    m = Checked(sc, 3)
    m.run(4)
    ps = resolve_players("roles", m)
    m.mode = coalition_mode(m, ps, {p.name for i, p in enumerate(ps) if mask >> i & 1})
    m.run(30)
    f = m.ledger.flow
    if mask & 0b010 and not mask & 0b001:       # suppliers without the platform: own shops
        assert f("own_shop_sale") > 0
    if mask & 0b100 and not mask & 0b010:       # anchors without suppliers: fan income
        assert f("tips") > 0 and f("advertising") > 0
        assert (f("content_share") > 0) == bool(mask & 0b001)


def test_dynamics_money_identities_and_side_payments_realise_the_split(monkeypatch):
    """The defection dynamics run on the checked model (every coalition's fork of
    every period is checked every day); side payments sum to zero, and on an intact
    period they give every player exactly the split: its profit as played plus its
    side payment is x_i, to the cent."""
    import sim.coalition.dynamics as dyn
    import sim.model
    from tests.test_model import Checked

    monkeypatch.setattr(sim.model, "LiveCommerceModel", Checked)
    paid = []
    inner = dyn._pay_side

    def pay_side(model, players, t, profit_p, profit_s, profit_a):
        assert isinstance(model, Checked)
        before = by_player(players, model, *wealth(model))
        inner(model, players, t, profit_p, profit_s, profit_a)
        after = by_player(players, model, *wealth(model))
        paid.append((np.asarray(t, float), (after - before) / 100.0,
                     by_player(players, model, profit_p, profit_s, profit_a)))

    monkeypatch.setattr(dyn, "_pay_side", pay_side)
    sc = tiny(**{"time.days": 40, "time.settlement_period": 10, "anchors.commission_rate": 0.5,
                 "anchors.pit_fee_per_follower": 0.2})
    res = run_dynamics(sc, 1, rule="shapley", inertia=0.05, days=40)
    assert len(paid) == len(res.periods) == 4
    n = len(res.players)
    for (t, moved, profit), rec in zip(paid, res.periods):
        assert moved.sum() == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(moved, t, rtol=0, atol=0.005 * n)
        if rec.intact == 1.0:
            np.testing.assert_allclose(profit + moved, rec.allocation, rtol=0, atol=0.01 * n)
    assert any(abs(t).sum() > 0 for t, _, _ in paid)
    assert res.periods[0].intact == 1.0


@pytest.mark.parametrize("spec, needle", [
    ("platform;s=suppliers:all;a=dealers:all", "unknown role 'dealers'"),
    ("platform;big=suppliers:large;all=suppliers:all;a=anchors:all", "overlaps"),
    ("platform;s=suppliers:all;h=anchors:head;t=anchors:rest", "is empty in this scenario"),
    ("platform;s=suppliers:large;a=anchors:all", "in no group"),
    ("s=suppliers:all;a=anchors:all", "platform must be a player"),
    ("platform;s=suppliers:all;a=anchors:nope", "unknown selector"),
])
def test_bad_player_specs_are_refused(spec, needle):
    m = LiveCommerceModel(tiny(**{"anchors.head_share": 0.0}), 0)
    with pytest.raises(PlayerSpecError) as err:
        resolve_players(spec, m)
    assert needle in str(err.value)


def test_finer_partition_resolves_to_a_partition():
    m = LiveCommerceModel(tiny(), 0)
    ps = resolve_players("platform;large=suppliers:large;sme=suppliers:sme;top=anchors:top5;rest=anchors:rest", m)
    assert [p.name for p in ps] == ["platform", "large", "sme", "top", "rest"]
    assert ps[3].idx.size == 5 and ps[3].idx.size + ps[4].idx.size == m.anchors.n
    assert ps[1].idx.size + ps[2].idx.size == m.suppliers.n


def test_defection_probability_rises_with_excess_and_falls_with_inertia():
    e = np.array([-0.1, 0.0, 0.01, 0.1, 1.0, 100.0])
    p = defection_probability(e, 0.1)
    assert p[0] == 0 and p[1] == 0
    assert np.all(np.diff(p[1:]) > 0) and np.all(p < 1)
    assert defection_probability(0.1, 1.0) < defection_probability(0.1, 0.1)
    with pytest.raises(ValueError):
        defection_probability(0.1, 0.0)


def test_dynamics_members_of_a_blocking_coalition_defect():
    # anchors asking half the GMV: the contracts (status quo) leave suppliers
    # below what they earn without the platform, so the status quo is blocked
    sc = tiny(**{"time.days": 60, "time.settlement_period": 20,
                 "anchors.commission_rate": 0.5, "anchors.pit_fee_per_follower": 0.2})
    res = run_dynamics(sc, 1, rule="status_quo", inertia=1e-6, days=60)
    first = res.periods[0]
    assert not first.in_core and first.blocking
    assert first.p_defect > 0.99 and first.defected_now > 0
    s = res.summary()
    assert s["periods"] == 3 and s["defected"] == 1.0
    assert s["time_to_first_defection"] == 20 and s["share_defecting"] > 0
    assert res.periods[1].intact < 1.0
    # damped by a huge inertia, nobody moves
    calm = run_dynamics(sc, 1, rule="status_quo", inertia=1e9, days=40).summary()
    assert calm["share_defecting"] == 0.0 and calm["time_to_first_defection"] == 40


def test_dynamics_in_the_core_keeps_everyone_and_all_the_surplus():
    from sim.games import CoalitionGame

    sc = tiny(**{"time.days": 40, "time.settlement_period": 20})
    res = run_dynamics(sc, 2, rule="least_core", days=40)
    # a least-core point is in the core exactly when the period's core is non-empty,
    # and nobody defects from a split in the core
    assert any(p.in_core for p in res.periods)
    for p in res.periods:
        game = CoalitionGame.from_array(res.players, p.worths)
        assert p.in_core == (not game.core_is_empty())
        if p.in_core:
            assert p.p_defect == 0.0 and p.defected_now == 0 and p.blocking == ""


def test_cli_json_keys(capsys):
    from sim.cli import main

    code = main(["coalition", "--json", "--window", "10", "--warmup", "25", "--set", "population.consumers=2000",
                 "--set", "population.anchors=150", "--set", "population.suppliers=40"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"worths", "allocations", "core", "theta_emergent"} <= set(out)
    assert len(out["worths"]) == 7 and all({"mean", "se"} <= set(w) for w in out["worths"].values())
    assert out["worths"]["platform"]["mean"] == 0.0
    v = out["verdicts"]
    assert set(v) == set(out["allocations"])
    for rule, verdict in v.items():
        if verdict is not None:
            assert 0 <= verdict["in_core_units"] <= verdict["units"] == out["units"]


def test_verdict_units_count_the_units_in_the_core_and_the_units_a_verdict_needs():
    """Two-player games whose excess of {a} at the status quo is known per unit: the
    units in the core are counted, and a 95% verdict needs ceil((1.96 SD / mean)^2) units."""
    from sim.coalition.game import GameEstimate

    e = np.array([3.0, -1.0, 5.0, 1.0])           # v({a}) - x_a at the status quo, per unit
    sq = np.column_stack([10.0 - e, 10.0 + e])   # x: the status quo, summing to v(N) = 20
    w = np.zeros((4, 4))
    w[:, 1], w[:, 2], w[:, 3] = 10.0, 10.0 + 0.0 * e - 100.0, 20.0
    est = GameEstimate(players=["a", "b"], worths=w, status_quo=sq, risk=np.ones((4, 2)),
                       method="replications", window_days=10, risk_weight=0.3)
    v = est.verdicts()["status_quo"]
    assert v["in_core_units"] == 1 and v["units"] == 4 and v["binding"] == "a"
    assert v["binding_excess"] == pytest.approx(2.0)
    assert v["units_needed"] == int(np.ceil((1.96 * e.std(ddof=1) / 2.0) ** 2))
    assert v["binding_excess_se"] == pytest.approx(e.std(ddof=1) / 2.0)


def test_cli_bad_players_exit_2(capsys):
    from sim.cli import main

    code = main(["coalition", "--players", "platform;a=anchors:all;s=suppliers:all;x=banks:all",
                 "--set", "population.consumers=2000"])
    assert code == 2
    assert "unknown role 'banks'" in capsys.readouterr().err


def test_risk_measure_counts_credit_losses_of_the_window():
    """The losses behind the risk-adjusted Shapley value include what the credit
    model booked in the window (here a forced merchant default: write-offs,
    bad debt of its upstream suppliers), on top of returns and spoilage."""
    from sim.coalition.worth import losses

    sc = Scenario.model_validate({**tiny(**{"finance.trade_credit_share": 0.4, "finance.upstream_links": 2}).model_dump(),
                                  "events": [{"kind": "head_default", "day": 12, "target": "supplier", "rank": 1}]})
    m = LiveCommerceModel(sc, 4)
    m.run(5)
    ps = resolve_players("roles", m)
    run = run_mode(m, ps, 0b111, 20, keep_model=True)
    fin = run.model.finance
    assert fin.loss_by_cause["write_off"] > 0
    booked = (fin.loss_supplier.sum() - m.finance.loss_supplier.sum()) / 100.0
    returns_only = losses([], run.model, since=(fin.loss_platform, fin.loss_supplier, fin.loss_anchor))
    assert returns_only[1].sum() == 0.0
    # the supplier player's risk = its returns/spoilage losses + the credit losses booked in the
    # window; the returns/spoilage part rebuilt order by order from the window's orders (all still
    # in the book: none settles within 20 days): forward logistics of every returned or spoiled
    # order, plus its reverse logistics if returned, its goods at cost if spoiled
    t = run.model
    ret_sup = 0.0
    for ch in t.book:
        if not 5 <= ch.day < 25:
            continue
        for k in range(ch.price.size):
            if ch.outcome[k] in (1, 2):
                cat, s = ch.category[k], ch.supplier[k]
                ret_sup += float(t.cat_forward[cat])
                ret_sup += (ch.price[k] * t.cat_reverse_share[cat] if ch.outcome[k] == 1
                            else t.suppliers.unit_cost[s] * 100.0)
    assert booked > 0 and ret_sup > 0
    assert run.losses[1] == pytest.approx(ret_sup / 100.0 + booked)


@pytest.mark.parametrize("crn", [True, False])
def test_estimate_game_reports_progress_run_by_run(crn):
    calls = []
    est = estimate_game(tiny(), "roles", seed=1, replications=2, window=5, crn=crn,
                        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 14) for k in range(1, 15)]
    assert est.runs == 14


def test_accrual_wealth_does_not_depend_on_when_presale_money_is_released():
    """With ample cash (release changes nobody's decisions), releasing pre-sale money
    early or keeping it in escrow moves cash only in time: every agent's accrual
    wealth is the same, day by day (released money is not counted twice, unshipped
    orders' stock and logistics are not counted as free)."""
    kw = {"suppliers.initial_cash_days": 400.0, "finance.presale_share": 0.4, "finance.presale_lead_days": 6}
    a = LiveCommerceModel(tiny(**kw, **{"finance.presale_escrow": False}), 2)
    b = LiveCommerceModel(tiny(**kw, **{"finance.presale_escrow": True}), 2)
    for _ in range(25):
        a.step()
        b.step()
        wa, wb = wealth(a), wealth(b)
        assert wa[0] == pytest.approx(wb[0], abs=1e-6)
        np.testing.assert_allclose(wa[1], wb[1], atol=1e-6)
        np.testing.assert_allclose(wa[2], wb[2], atol=1e-6)
    assert a.presale.totals["released"] > 0 and b.presale.totals["released"] == 0
    assert not np.array_equal(a.ledger.supplier_balance, b.ledger.supplier_balance)


def test_paid_traffic_and_store_rooms_need_the_platform_and_ad_income_is_its_profit():
    """Issue 13 item 6: advertising is bought on the platform's feed, so only coalitions with the
    platform advertise, and what advertisers pay is the platform's profit in the worths; store rooms
    broadcast on the platform only, so their followers buy only where the platform is."""
    m = LiveCommerceModel(tiny(**{"ads.anchor_share": 0.5}), 2)   # (anchors have cash to bid from the first settlement on, day 29)
    m.run(40)
    players = resolve_players("roles", m)
    i = {p.name: k for k, p in enumerate(players)}
    bit = {name: 1 << k for name, k in i.items()}
    full = (1 << len(players)) - 1

    def window(mask):
        run = run_mode(m, players, mask, 10, keep_model=True)
        return run, daily_frame(run.model).iloc[-10:]

    grand, g = window(full)
    assert g["ad_spend"].sum() > 0 and g["ad_spend_anchors"].sum() > 0 and g["gmv_store"].sum() > 0
    ad_income = (grand.model.ledger.flow("ad_spend") - m.ledger.flow("ad_spend")) / 100.0
    assert ad_income == pytest.approx(g["ad_income"].sum())
    # the platform's profit over the window holds the ad income (and its commission besides)
    assert grand.profit[0, i["platform"]] > ad_income > 0
    _, no_platform = window(bit["anchor"] | bit["supplier"])
    assert no_platform["ad_spend"].sum() == 0 and no_platform["gmv_store"].sum() == 0
    _, no_anchors = window(bit["platform"] | bit["supplier"])
    assert no_anchors["ad_spend_anchors"].sum() == 0          # anchors off the platform cannot buy its traffic
    assert no_anchors["ad_spend_merchants"].sum() > 0 and no_anchors["gmv_store"].sum() > 0
