"""The per-agent Mesa reference of the consumer day (benchmarks/reference_model.py)
agrees in distribution with the column-wise consumer day of the model.

Both run the same small world (same consumers, broadcasts, traffic shares and
start-of-day stock) for some days from several seeds; the daily counts of
active consumers, room entries, shelf page views, orders, live orders and
returns, and the level of institutional trust at the end, are compared with
two-sample tests. The same tests reject a reference with a changed rule, so
they can fail.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reference_model import ColumnwiseDay, ReferenceModel, poisson, world  # noqa: E402
from tests.conftest import SECOND_ROUND_OFF, small_scenario  # noqa: E402

COUNTS = ("active", "views", "shelf_views", "orders", "orders_live", "deliveries", "returns")
SEEDS, DAYS = (0, 1, 2), 12
ALPHA = 0.001


def _scenario(**over):
    # the reference implements the first round's rules: the second round's mechanisms are off
    return small_scenario(**{"population.consumers": 1500, **SECOND_ROUND_OFF, **over})


def _run(day, days: int) -> list[dict]:
    out = []
    for _ in range(days):
        r = day.step()
        out.append(r if r is not None else day.counts)
    return out


def _days(kind: str, sc, ref_seed_offset: int = 100, tweak=None):
    rows = []
    for seed in SEEDS:
        m, b, shares = world(sc, seed)
        if kind == "reference":
            ref = ReferenceModel(m, b, shares, seed=seed + ref_seed_offset)
            if tweak:
                tweak(ref)
            rows += _run(ref, DAYS)
        else:
            rows += _run(ColumnwiseDay(m, b, shares), DAYS)
    return rows


def _differing(ref_rows, col_rows, keys=COUNTS) -> dict:
    """The counts whose daily values differ between the two: a stratified
    two-sample test (Welch's z on the difference of daily means, summed over the
    seeds, since each seed is its own world), and Mann-Whitney U on the daily
    values centred on each seed's pooled mean."""
    bad = {}
    for k in keys:
        first = 6 if k in ("returns", "deliveries") else 0   # from the day the first orders arrive and come back
        diff = var = 0.0
        ca, cb = [], []
        for i in range(len(SEEDS)):
            a = np.array([r[k] for r in ref_rows[i * DAYS + first:(i + 1) * DAYS]], dtype=float)
            b = np.array([r[k] for r in col_rows[i * DAYS + first:(i + 1) * DAYS]], dtype=float)
            diff += a.mean() - b.mean()
            var += a.var(ddof=1) / a.size + b.var(ddof=1) / b.size
            mid = np.concatenate([a, b]).mean()
            ca.append(a - mid)
            cb.append(b - mid)
        p_z = 2 * stats.norm.sf(abs(diff) / np.sqrt(var)) if var > 0 else float(diff != 0)
        p_u = stats.mannwhitneyu(np.concatenate(ca), np.concatenate(cb)).pvalue
        if min(p_z, p_u) < ALPHA:
            bad[k] = (diff / len(SEEDS), float(min(p_z, p_u)))
    return bad


@pytest.fixture(scope="module")
def columnwise():
    return _days("columnwise", _scenario())


def test_reference_agrees_with_columnwise(columnwise):
    ref = _days("reference", _scenario())
    assert _differing(ref, columnwise) == {}
    # enough happens for the comparison to mean something
    assert np.mean([r["orders"] for r in columnwise]) > 20
    assert sum(r["returns"] for r in columnwise) > 20
    # institutional trust moves the same way; its net move is a small difference of gains and
    # losses, so over these few days it is compared loosely (the counts above are the test)
    end = DAYS - 1
    t_ref = [ref[i * DAYS + end]["mean_institutional_trust"] for i in range(len(SEEDS))]
    t_col = [columnwise[i * DAYS + end]["mean_institutional_trust"] for i in range(len(SEEDS))]
    start = _scenario().consumers.initial_institutional_trust
    assert np.mean(t_col) != start and np.mean(t_ref) != start
    assert abs(np.mean(t_ref) - np.mean(t_col)) < 0.6 * abs(np.mean(t_col) - start) + 2e-5
    assert np.sign(np.mean(t_ref) - start) == np.sign(np.mean(t_col) - start)


def test_comparison_detects_a_changed_rule(columnwise):
    """A reference whose purchase intercept is 0.3 higher, or whose click-through
    is a quarter lower, is told apart: the comparison has power."""
    def richer(ref):
        ref.intercept += 0.3
        ref.shelf_intercept += 0.3

    def fewer_clicks(ref):
        ref.click_through *= 0.75

    assert "orders" in _differing(_days("reference", _scenario(), tweak=richer), columnwise)
    assert "views" in _differing(_days("reference", _scenario(), tweak=fewer_clicks), columnwise)


def test_poisson_draws_have_the_mean_and_variance():
    import random

    rnd = random.Random(5).random
    x = np.array([poisson(rnd, 3.0) for _ in range(20000)])
    assert abs(x.mean() - 3.0) < 0.06 and abs(x.var() - 3.0) < 0.15
    assert poisson(rnd, 0.0) == 0


def test_reference_refuses_presale():
    sc = _scenario(**{"finance.presale_share": 0.2})
    m, b, shares = world(sc, 0)
    with pytest.raises(ValueError, match="presale_share"):
        ReferenceModel(m, b, shares)
