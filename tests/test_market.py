"""Traffic allocation, the purchase rule against its reference, budgets and stock."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.consumers import PurchaseTerms, purchase_logit, purchase_probability_one, sigmoid
from sim.market.traffic import allocate_traffic, cap_shares, ranking_score
from sim.market.orders import within_budget, within_stock
from sim.scenario import Scenario

pos = st.floats(0.0, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(0.001, 1e6)), st.floats(0.001, 1.0))
def test_cap_shares_respects_cap_and_keeps_traffic(w, cap):
    shares = w / w.sum()
    out = cap_shares(shares, cap)
    assert (out <= cap + 1e-9).all()
    if cap * w.size > 1.0:
        assert abs(out.sum() - 1.0) < 1e-9
        # nobody under the cap loses traffic
        assert (out[shares < cap] >= shares[shares < cap] - 1e-12).all()
    else:
        assert np.allclose(out, cap)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(2, 40), elements=st.floats(0.0, 1e5)),
       st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.floats(0.01, 1.0), st.integers(0, 2**31))
def test_allocation_is_a_distribution_and_reserve_goes_to_eligible(perf, expl, reserve, cap, seed):
    rng = np.random.default_rng(seed)
    eligible = rng.random(perf.size) < 0.5
    pred = rng.random(perf.size) * 100
    score = ranking_score(perf, 1.2)
    shares = allocate_traffic(score, pred, [(eligible, 1.0)], exploration_share=expl, long_tail_reserve=reserve,
                              cap=cap)
    assert (shares >= 0).all() and shares.sum() <= 1.0 + 1e-9
    assert (shares <= cap + 1e-9).all()
    if cap >= 1.0 and eligible.any() and reserve > 0:
        without = allocate_traffic(score, pred, [(eligible, 1.0)], exploration_share=expl, long_tail_reserve=0.0,
                                   cap=1.0)
        assert shares[eligible].sum() >= without[eligible].sum() - 1e-9


def test_reserve_is_split_between_groups_by_weight():
    score = np.array([100.0, 1.0, 1.0, 1.0])
    a = np.array([False, True, False, False])
    b = np.array([False, False, True, True])
    shares = allocate_traffic(score, np.ones(4), [(a, 0.25), (b, 0.75)], exploration_share=0.0,
                              long_tail_reserve=0.4, cap=1.0)
    main = 0.6 * score / score.sum()
    assert np.allclose(shares, main + np.array([0, 0.1, 0.15, 0.15]))


def test_preferential_exponent_concentrates_shares():
    perf = np.array([1.0, 2.0, 4.0, 100.0])
    flat = allocate_traffic(ranking_score(perf, 0.5), perf, [], exploration_share=0, long_tail_reserve=0, cap=1.0)
    steep = allocate_traffic(ranking_score(perf, 2.0), perf, [], exploration_share=0, long_tail_reserve=0, cap=1.0)
    assert steep[-1] > flat[-1]


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 20), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
       st.floats(1, 5000), st.floats(1, 5000), st.floats(0, 5), st.floats(0.001, 1), st.integers(1, 10))
def test_vectorised_purchase_rule_matches_reference(skill, pt, it, imp, adv, price, mean_price, sens, interest, k):
    c = Scenario().purchase
    terms = PurchaseTerms(np.log([skill]), np.array([pt]), np.array([it]), np.array([imp]), np.array([adv]),
                          np.log([price / mean_price]), np.array([sens]), np.log([interest * k]))
    vec = float(sigmoid(purchase_logit(c, c.intercept, terms))[0])
    ref = purchase_probability_one(c, c.intercept, skill=skill, personal_trust=pt, institutional_trust=it,
                                   impulsiveness=imp, advertised_quality=adv, price=price,
                                   category_mean_price=mean_price, price_sensitivity=sens, interest=interest,
                                   n_categories=k)
    assert abs(vec - ref) < 1e-12


@settings(max_examples=150, deadline=None)
@given(st.floats(0.05, 20), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(1, 5000),
       st.floats(0.001, 1), st.floats(0, 1), st.booleans(), st.floats(0, 10), st.floats(0, 10))
def test_purchase_rule_with_engagement_matches_reference(skill, pt, it, imp, price, interest, eng, fan, lift,
                                                         fan_lift):
    """The engagement term (sim/market/engagement.py) in the vectorised rule and the reference."""
    c = Scenario().purchase
    e = Scenario().engagement.model_copy(update={"conversion_lift": lift, "fan_conversion_lift": fan_lift})
    terms = PurchaseTerms(np.log([skill]), np.array([pt]), np.array([it]), np.array([imp]), np.array([0.5]),
                          np.log([price / 100.0]), np.array([1.0]), np.log([interest * 6]),
                          engagement=np.array([eng]), fan=np.array([float(fan)]))
    vec = float(sigmoid(purchase_logit(c, c.intercept, terms, e))[0])
    kw = dict(skill=skill, personal_trust=pt, institutional_trust=it, impulsiveness=imp, advertised_quality=0.5,
              price=price, category_mean_price=100.0, price_sensitivity=1.0, interest=interest, n_categories=6)
    ref = purchase_probability_one(c, c.intercept, **kw, engagement=eng, fan=fan, e=e)
    assert abs(vec - ref) < 1e-12
    # off (no section): the term is absent; an unengaged stranger gets nothing from it either
    off = purchase_probability_one(c, c.intercept, **kw)
    assert purchase_probability_one(c, c.intercept, **kw, engagement=0.0, fan=False, e=e) == off
    assert abs(float(sigmoid(purchase_logit(c, c.intercept, terms))[0]) - off) < 1e-12
    if lift * eng + fan_lift * fan > 1e-6:
        assert ref > off or ref == 1.0


def test_purchase_rule_moves_the_right_way():
    c = Scenario().purchase
    base = dict(skill=1.0, personal_trust=0.5, institutional_trust=0.5, impulsiveness=0.5, advertised_quality=0.5,
                price=100.0, category_mean_price=100.0, price_sensitivity=1.0, interest=1 / 6, n_categories=6)
    p0 = purchase_probability_one(c, c.intercept, **base)
    assert purchase_probability_one(c, c.intercept, **{**base, "skill": 3.0}) > p0
    assert purchase_probability_one(c, c.intercept, **{**base, "personal_trust": 0.9}) > p0
    assert purchase_probability_one(c, c.intercept, **{**base, "price": 150.0}) < p0


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**31))
def test_budgets_and_stock_bind(n, seed):
    rng = np.random.default_rng(seed)
    consumer = rng.integers(0, 20, n)
    price = rng.integers(100, 50_000, n)
    budget = rng.integers(0, 100_000, 20)
    ok = within_budget(consumer, price, budget, rng)
    spent = np.bincount(consumer[ok], weights=price[ok], minlength=20)
    assert (spent <= budget).all()
    supplier = rng.integers(0, 5, n)
    stock = rng.integers(0, 10, 5)
    served, lost = within_stock(supplier, ok, stock, rng)
    assert not (served & ~ok).any()
    sold = np.bincount(supplier[served], minlength=5)
    assert (sold <= stock).all()
    wanted = np.bincount(supplier[ok], minlength=5)
    assert (sold == np.minimum(wanted, stock)).all()
    assert lost == int((wanted - sold).sum())
