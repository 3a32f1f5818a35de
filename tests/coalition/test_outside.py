"""Outside options that substitute (issue 14 item 5): the suppliers' own shops
serve the consumers' shelf browsing that the platform no longer serves, out of
the same budgets, instead of adding demand of their own."""

import numpy as np
import pytest

from sim.coalition.modes import Mode, coalition_mode
from sim.coalition.players import resolve_players
from sim.model import LiveCommerceModel
from sim.runner import daily_frame
from sim.scenario import Scenario

#: a shelf-only world: no anchor and no store broadcasts, so that everything
#: consumers buy in the grand coalition is bought from shelf pages (many pages a
#: day and ample budgets, so that a month gives thousands of orders)
SHELF_ONLY = {"population.consumers": 4000, "population.anchors": 60, "population.suppliers": 30, "time.days": 40,
              "platform.shelf_views_per_active": 20.0, "consumers.budget_mean": 4000.0,
              "anchors.broadcast_probability_head": 0.0, "anchors.broadcast_probability_waist": 0.0,
              "anchors.broadcast_probability_tail": 0.0, "suppliers.store_broadcast_probability_large": 0.0,
              "suppliers.store_broadcast_probability_sme": 0.0,
              # the platform shelf's links (purchase memory, repurchase coupons) are platform
              # value that an own shop does not have: off, so that the shelves compare alike
              "shelf_links.enabled": False}


def _mode(n_sup: int, on: np.ndarray, reach: float) -> Mode:
    params = Scenario().with_overrides({"coalition.own_shop_reach": reach}).coalition
    m = Mode(0, np.where(on, 0, 1 + np.arange(n_sup)), np.zeros(3, np.int64), params)
    m.start_day(7, np.random.default_rng(np.random.SeedSequence(11)))
    return m


def test_shelf_page_views_are_shared_between_the_platform_and_the_own_shops_none_created():
    rng = np.random.default_rng(0)
    n_sup, views = 12, 200_000
    weight = rng.uniform(0.5, 3.0, n_sup)
    s_cons = np.sort(rng.integers(0, 5000, views))
    on = np.arange(n_sup) % 3 != 0                       # a third of the suppliers off the platform
    m = _mode(n_sup, on, 0.6)
    plat_cons, w = m.shelf(s_cons, weight)
    v_cons, v_sup = m._visits
    # every page view goes to exactly one place: the platform's shelf or an own shop
    assert plat_cons.size + v_cons.size == views
    assert np.array_equal(np.sort(np.concatenate([plat_cons, v_cons])), s_cons)
    # the platform's shelf shows only suppliers on it; own shops only of suppliers off it
    assert np.array_equal(w, weight * on)
    assert not on[v_sup].any()
    # a page view lands on a supplier by visibility among all suppliers; reach of those off find the shop
    off_share = weight[~on].sum() / weight.sum()
    assert v_cons.size / views == pytest.approx(0.6 * off_share, rel=0.02)
    for s in np.flatnonzero(~on):
        assert (v_sup == s).mean() == pytest.approx(weight[s] / weight[~on].sum(), abs=0.01)
    # the same page views land on the same suppliers whatever else is off (common random numbers)
    m2 = _mode(n_sup, on & (np.arange(n_sup) != 1), 0.6)
    m2.shelf(s_cons, weight)
    assert np.isin(m._visits[0], m2._visits[0]).all()


def test_shelf_is_untouched_when_every_supplier_is_on_the_platform_and_empty_when_none_is():
    rng = np.random.default_rng(1)
    weight, s_cons = rng.uniform(0.5, 3.0, 8), np.arange(10_000)
    m = _mode(8, np.ones(8, bool), 0.5)
    out, w = m.shelf(s_cons, weight)
    assert out is s_cons and w is weight and m._visits[0].size == 0
    m = _mode(8, np.zeros(8, bool), 0.5)
    out, _ = m.shelf(s_cons, weight)
    assert out.size == 0                                 # no platform shelf: the others are lost
    assert m._visits[0].size / s_cons.size == pytest.approx(0.5, abs=0.02)


def _spending(overrides: dict, coalition: set[str] | None, seed: int = 2, days: int = 30) -> dict:
    """Consumers' spending and orders over ``days`` of a fork at day 5 into the
    coalition's mode (``None``: the grand coalition)."""
    m = LiveCommerceModel(Scenario().with_overrides({**SHELF_ONLY, **overrides}), seed)
    m.run(5)
    ps = resolve_players("roles", m)
    m.mode = None if coalition is None else coalition_mode(m, ps, coalition)
    m.run(days)
    df = daily_frame(m).iloc[5:]
    inc = m.mode.income if m.mode is not None else {"own_shop_order_value": 0, "own_shop_orders": 0, "tips": 0}
    return {"platform": float(df["gmv"].sum()), "own": inc["own_shop_order_value"] / 100.0,
            "orders": int(df["orders"].sum()) + inc["own_shop_orders"], "tips": inc["tips"] / 100.0}


def test_spending_moves_only_by_the_own_shops_frictions():
    """Shelf-only world: in the grand coalition consumers buy only from shelf pages.
    With the suppliers alone off the platform ({supplier}), a frictionless own shop
    (reach 1, friction 0) takes the same spending; reach r takes about r of it
    (the others find no shelf); friction lowers it further; no mode spends more."""
    grand = _spending({}, None)
    assert grand["platform"] > 0
    free = _spending({"coalition.own_shop_reach": 1.0, "coalition.own_shop_friction": 0.0}, {"supplier"})
    assert free["platform"] == 0.0
    assert free["own"] / grand["platform"] == pytest.approx(1.0, abs=0.05)
    assert free["orders"] / grand["orders"] == pytest.approx(1.0, abs=0.05)
    half = _spending({"coalition.own_shop_reach": 0.5, "coalition.own_shop_friction": 0.0}, {"supplier"})
    assert half["own"] / grand["platform"] == pytest.approx(0.5, abs=0.05)
    rub = _spending({"coalition.own_shop_reach": 1.0, "coalition.own_shop_friction": 1.0}, {"supplier"})
    assert rub["own"] < 0.6 * free["own"]
    # whatever the mode, consumers spend no more than in the grand coalition
    for c in ({"supplier"}, {"anchor", "supplier"}, {"platform", "supplier"}, {"anchor"}, {"anchor", "platform"}):
        s = _spending({}, c)
        assert s["platform"] + s["own"] + s["tips"] <= 1.02 * grand["platform"], c


def test_a_supplier_leaving_alone_takes_only_part_of_its_own_shelf_demand():
    """One supplier off the platform, the others on: the platform keeps the page views
    that land on the others and those of the leaver's shoppers who do not follow it;
    the leaver's own shop sells what its followers buy; total spending is conserved
    up to the friction."""
    m = LiveCommerceModel(Scenario().with_overrides(SHELF_ONLY), 3)
    m.run(5)
    big = int(np.argmax(m.suppliers.shelf_weight))
    grand = _spending({}, None, seed=3)
    sc = {"coalition.own_shop_reach": 1.0, "coalition.own_shop_friction": 0.0}
    m = LiveCommerceModel(Scenario().with_overrides({**SHELF_ONLY, **sc}), 3)
    m.run(5)
    bloc = np.zeros(m.suppliers.n, np.int64)
    bloc[big] = 1
    m.mode = Mode(0, bloc, np.zeros(m.anchors.n, np.int64), m.params.coalition)
    m.run(30)
    df = daily_frame(m).iloc[5:]
    total = float(df["gmv"].sum()) + m.mode.income["own_shop_order_value"] / 100.0
    own = m.mode.income["own_shop_orders"]
    assert own > 0.05 * grand["orders"]
    assert (int(df["orders"].sum()) + own) / grand["orders"] == pytest.approx(1.0, abs=0.05)
    assert total / grand["platform"] == pytest.approx(1.0, abs=0.05)


# ------------------------------------------------- what the verdicts depend on (item 6)

def planted_verdicts(scenario, seed, *, keep_daily=False, progress=False):
    """A stand-in for run_split_verdicts with planted dependences: Shapley's excess
    depends on the own shops' reach alone, the status quo's on the friction and
    its interaction with the reach; no noise."""
    from types import SimpleNamespace

    c = scenario.coalition
    ex_sh = c.own_shop_reach - 0.5
    ex_sq = 0.3 * c.own_shop_friction + 0.5 * (c.own_shop_reach - 0.5) * c.own_shop_friction
    return SimpleNamespace(summary={"max_excess_shapley": ex_sh, "in_core_shapley": float(ex_sh <= 0),
                                    "max_excess_status_quo": ex_sq, "in_core_status_quo": float(ex_sq <= 0)},
                           daily=None)


def test_outside_sobol_names_the_planted_dependences(tmp_path):
    from sim.studies.outside_sobol import verdict_sensitivity, write
    from sim.sweep.engine import run_sweep
    from sim.sweep.executors import SerialExecutor
    from sim.sweep.models import register_model
    from sim.sweep.spec import spec_from_dict

    entry = "tests.coalition.test_outside:planted_verdicts"
    register_model(entry, measures=("max_excess_shapley", "in_core_shapley", "max_excess_status_quo",
                                    "in_core_status_quo"))
    raw = {"experiment": {"name": "planted", "model": entry, "replications": 1, "master_seed": 3},
           "scenario": {"population": {"consumers": 10}},
           "design": {"sampler": "sobol", "samples": 64, "second_order": False},
           "parameters": {"coalition.own_shop_reach": {"range": [0.0, 1.0]},
                          "coalition.own_shop_friction": {"range": [0.0, 2.0]},
                          "coalition.tip_per_viewer": {"range": [0.0, 1.0]}}}
    run_sweep(spec_from_dict(raw), executor=SerialExecutor(), out=tmp_path / "s", progress=False)
    vs = verdict_sensitivity(tmp_path / "s")
    assert vs.depends_on["shapley"] == ["coalition.own_shop_reach"]
    assert sorted(vs.depends_on["status_quo"]) == ["coalition.own_shop_friction", "coalition.own_shop_reach"]
    sh = vs.indices[vs.indices["rule"] == "shapley"].set_index("parameter")
    assert sh.loc["coalition.own_shop_reach", "S1"] == pytest.approx(1.0, abs=0.1)
    assert abs(sh.loc["coalition.tip_per_viewer", "ST"]) < 0.05
    v = vs.verdicts.set_index("rule")
    assert v.loc["shapley", "in_core"] == pytest.approx(0.5, abs=0.05)
    assert v.loc["shapley", "in_core_low"] < 0.5 < v.loc["shapley", "in_core_high"]
    files = write(vs, tmp_path / "out")
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    assert "coalition.own_shop_reach (ST" in (tmp_path / "out" / "outside_sobol.md").read_text()


def test_own_shops_spend_only_what_the_days_platform_orders_left_of_each_budget(monkeypatch):
    """The budget is shared: each consumer's own-shop orders of a day fit in its
    daily budget less what its platform orders of that day spent."""
    import sim.coalition.modes as modes
    from sim.finance.ledger import to_cents

    seen = []
    real = modes.within_budget

    def spy(consumer, price, left, rng):
        ok = real(consumer, price, left, rng)
        seen.append((consumer.copy(), price.copy(), left.copy(), ok.copy()))
        return ok

    monkeypatch.setattr(modes, "within_budget", spy)
    sc = Scenario().with_overrides({**SHELF_ONLY, "consumers.budget_mean": 150.0, "coalition.own_shop_reach": 1.0,
                                    "coalition.own_shop_friction": 0.0})
    m = LiveCommerceModel(sc, 4)
    m.run(3)
    bloc = (np.arange(m.suppliers.n) % 2).astype(np.int64)     # half the suppliers off the platform
    m.mode = Mode(0, bloc, np.zeros(m.anchors.n, np.int64), m.params.coalition)
    budget = to_cents(m.consumers.budget)
    rejected = 0
    for _ in range(8):
        n_before = len(seen)
        m.run(1)
        chunk = next(c for c in m.book if c.day == m.day - 1)
        spent = np.bincount(chunk.consumer, weights=chunk.price, minlength=m.consumers.n).astype(np.int64)
        for consumer, price, left, ok in seen[n_before:]:
            assert np.array_equal(left, budget - spent)
            own = np.bincount(consumer[ok], weights=price[ok], minlength=m.consumers.n).astype(np.int64)
            assert (own <= np.maximum(left, 0)).all()
            rejected += int((~ok).sum())
    assert seen and rejected > 0                               # the budgets bind in this world
