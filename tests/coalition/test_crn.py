"""What common random numbers can and cannot do for the Shapley values' errors."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.coalition.benchmark import crn_comparison, efficiency_ceiling
from sim.coalition.game import GameEstimate


def _estimate(worths: np.ndarray, seconds: float = 1.0) -> GameEstimate:
    units, size = worths.shape
    n = size.bit_length() - 1
    worths = worths.copy()
    worths[:, 0] = 0.0
    return GameEstimate(players=[f"p{i}" for i in range(n)], worths=worths, status_quo=np.zeros((units, n)),
                        risk=np.zeros((units, n)), method="replications", window_days=30, risk_weight=0.3,
                        seconds=seconds, runs=units * (size - 1))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 4), units=st.integers(3, 8), seed=st.integers(0, 2**32 - 1),
       common=st.floats(0.0, 5.0), scale=st.floats(0.1, 10.0))
def test_no_design_beats_the_efficiency_ceiling(n, units, seed, common, scale):
    """min over players of SD_ind / SD_crn never exceeds sum SD_ind(phi) / SD_crn(v(N)),
    whatever the correlation of the CRN worths (a shared shock of any size)."""
    rng = np.random.default_rng(seed)
    size = 1 << n
    base = rng.normal(0, 10, size)
    wi = base + scale * rng.normal(size=(units, size))
    shared = rng.normal(size=(units, 1)) * common * scale
    wc = base + shared * rng.normal(1, 0.3, size) + 0.2 * scale * rng.normal(size=(units, size))
    out = crn_comparison(_estimate(wc), _estimate(wi))
    assert out["factor_min"] <= out["ceiling"] * (1 + 1e-9)
    assert efficiency_ceiling(_estimate(wi).shapley_units(), wc[:, -1]) == out["ceiling"]


def test_crn_cuts_the_error_of_differences_a_shared_shock_cancels():
    """A shock shared by every coalition of a replication cancels in marginal
    contributions but not in the grand coalition's worth: the marginal factor
    is large, the Shapley factors are capped by the ceiling."""
    rng = np.random.default_rng(7)
    units, size = 12, 8
    base = np.array([0.0, 10, 50, 80, 5, 20, 90, 200])
    shock = 30.0 * rng.normal(size=(units, 1))
    wc = base + shock + rng.normal(size=(units, size))
    wi = base + 30.0 * rng.normal(size=(units, size)) + rng.normal(size=(units, size))
    out = crn_comparison(_estimate(wc), _estimate(wi, seconds=2.0))
    assert min(out["marginal_factor"].values()) > 10
    assert out["factor_min"] <= out["ceiling"]
    # twice the time per unit with independent seeds: equal-time factors are sqrt(2) larger
    for p, f in out["factor"].items():
        assert np.isclose(out["factor_equal_time"][p], f * np.sqrt(2.0))


def test_factor_interval_contains_the_factor_and_narrows_with_units():
    rng = np.random.default_rng(3)
    widths = []
    for units in (5, 40):
        wc = rng.normal(size=(units, 8))
        wi = 2.0 * rng.normal(size=(units, 8))
        out = crn_comparison(_estimate(wc), _estimate(wi))
        for p, f in out["factor"].items():
            lo, hi = out["factor_interval"][p]
            assert lo < f < hi
        widths.append(np.mean([hi / lo for lo, hi in out["factor_interval"].values()]))
    assert widths[1] < widths[0]
