"""Product feedback (MODEL.md 4.8, step 7 of the day): buyers help suppliers improve what they make.

A buyer gives feedback with probability ``feedback.feedback_probability`` when
a kept order is delivered and ``return_feedback_probability`` when an order
is returned. Each supplier listens to a degree (``suppliers.listening``, a
column drawn from the ``feedback`` stream, beta with mean ``listening_mean``).
With ``n`` feedback items today, a supplier's true quality rises by

    improvement_rate x listening x n / (n + half_saturation) x (ceiling - true quality),

so improvement saturates in the day's feedback (a large brand hears more
than it can act on) and in quality. Advertised quality does not move, so the
gap between advertised and true quality that the return rule reads
(:meth:`sim.market.purchase.Purchase.draw_outcomes`) narrows: fewer returns
for mismatch, hence fewer not-as-described complaints. Switched off
(``feedback.enabled = false``) the model builds :class:`NoFeedback`: no
column, no draw.
"""

from __future__ import annotations

import numpy as np


class FeedbackTally:
    """What feedback did today."""

    def __init__(self):
        self.items = 0            # feedback items given today
        self.improved = 0.0       # sum over suppliers of today's rise of true quality


class Feedback:
    """Receives the scenario, the supplier table and the ``feedback`` stream; draws
    the suppliers' listening column."""

    enabled = True

    def __init__(self, params, suppliers, rng: np.random.Generator):
        self.params, self.suppliers, self.rng = params, suppliers, rng
        f = params.feedback
        m, k = f.listening_mean, f.listening_concentration
        suppliers.listening = rng.beta(m * k, (1 - m) * k, suppliers.n)
        self.today = FeedbackTally()

    def start_day(self) -> None:
        self.today = FeedbackTally()

    def after_delivery(self, d: int, delivered: dict, returned: dict) -> None:
        """Feedback of today's kept deliveries and returns; quality rises."""
        f, sp, rng = self.params.feedback, self.suppliers, self.rng
        kept_sup = delivered["supplier"][delivered["kept"]]
        ret_sup = returned["supplier"]
        fb = np.concatenate([kept_sup[rng.random(kept_sup.size) < f.feedback_probability],
                             ret_sup[rng.random(ret_sup.size) < f.return_feedback_probability]])
        self.today.items = int(fb.size)
        if fb.size == 0:
            return
        n = np.bincount(fb, minlength=sp.n).astype(np.float64)
        room = np.maximum(f.ceiling - sp.true_quality, 0.0)
        rise = f.improvement_rate * sp.listening * n / (n + f.half_saturation) * room
        sp.true_quality = sp.true_quality + rise
        self.today.improved = float(rise.sum())


class NoFeedback:
    """Feedback switched off: quality stays as drawn, no draw."""

    enabled = False
    today = FeedbackTally()

    def start_day(self) -> None:
        pass

    def after_delivery(self, d: int, delivered: dict, returned: dict) -> None:
        pass


def quality_rows(suppliers) -> dict[str, float]:
    """Mean true quality and mean advertised-minus-true gap of the suppliers still in business."""
    alive = suppliers.alive
    if not alive.any():
        return {"mean_true_quality": 0.0, "mean_quality_gap": 0.0}
    tq = suppliers.true_quality[alive]
    gap = np.maximum(suppliers.advertised_quality[alive] - tq, 0.0)
    return {"mean_true_quality": float(tq.mean()), "mean_quality_gap": float(gap.mean())}


FEEDBACK_DAILY: dict[str, str] = {
    "feedback_items": "product feedback items buyers gave today (kept deliveries and returns)",
    "mean_true_quality": "mean true quality of the suppliers in business at the end of the day",
    "mean_quality_gap": "mean gap max(advertised - true quality, 0) of the suppliers in business at the end of the day",
}

FEEDBACK_SUMMARY: dict[str, str] = {
    "mean_true_quality_start": "mean true quality of suppliers at the end of the first day",
    "mean_true_quality_end": "mean true quality of suppliers on the last day",
    "mean_quality_gap_start": "mean advertised-minus-true quality gap at the end of the first day",
    "mean_quality_gap_end": "mean advertised-minus-true quality gap on the last day",
}


def daily_rows(model) -> dict[str, float]:
    """The feedback columns of the day's measures."""
    return {"feedback_items": float(model.feedback.today.items), **quality_rows(model.suppliers)}


def summary_rows(daily) -> dict[str, float]:
    if not len(daily):
        return {k: 0.0 for k in FEEDBACK_SUMMARY}
    q, g = daily["mean_true_quality"], daily["mean_quality_gap"]
    return {"mean_true_quality_start": float(q.iloc[0]), "mean_true_quality_end": float(q.iloc[-1]),
            "mean_quality_gap_start": float(g.iloc[0]), "mean_quality_gap_end": float(g.iloc[-1])}
