"""Trust crises and fraud (MODEL.md 4.4; issue #5).

The sub-models the daily schedule calls into:

* **experience** (:meth:`TrustSystem.after_delivery`): deliveries and returns
  update personal and institutional trust; a share of dishonest suppliers'
  orders are fake goods; returns, spoilage and fake goods turn into
  complaints by cause; the platform's instruments (compensation guarantee,
  fast refunds) shrink the institutional loss of a bad experience and the
  compensation guarantee puts a floor under institutional trust;
* **fraud** (:meth:`TrustSystem.fraud_step`): anchors and suppliers whose
  honesty is below a threshold buy fake viewers and fake orders, inflating
  the performance the ranking reads (their reported sales); the platform
  detects some each day: a detected fraudster's ranking score is cut for a
  while, it pays a fine to the platform, its recent buyers and followers
  complain ("fake orders or faked data") and lose trust;
* **persona collapse** (:meth:`TrustSystem.persona_collapse`), an event: the
  anchor of a given GMV rank is suspended, its followers' personal trust
  collapses, some unfollow, and institutional trust falls through a
  spill-over (followers, then everyone through the news) that guarantees and
  traceability shrink;
* **word of mouth** (:class:`SocialGraph`): every consumer has a fixed number
  of random ties; a bad or good experience is passed to each tie with a
  probability and moves the tie's trust by a fraction of its own effect.

Complaint causes are counted in :data:`CAUSES` order. All randomness comes
from the ``fraud`` and ``social`` streams (:mod:`sim.streams`), so switching
these mechanisms on or off leaves every other stream's numbers unchanged.
"""

from __future__ import annotations

import math

import numpy as np

from sim.finance.ledger import to_cents

CAUSES = ("not_as_described", "fake_orders", "fake_goods", "other")
NAD, FAKE_ORDERS, FAKE_GOODS, OTHER = range(4)


class TrustTally:
    """What the trust sub-models did today."""

    def __init__(self):
        self.complaints = np.zeros(len(CAUSES), dtype=np.int64)
        self.fraud_detected = 0
        self.fraudsters = 0
        self.fake_gmv = 0.0
        self.fines = 0             # cents
        self.counterfeits = 0
        self.wom_experiences = 0   # experiences passed on to at least one tie
        self.wom_messages = 0      # (tie, experience) pairs that moved trust
        self.wom_reached = 0       # distinct consumers whose trust moved by word of mouth


class SocialGraph:
    """A sparse random social graph: ``ties[i]`` holds ``k`` consumer indices."""

    def __init__(self, n: int, k: int, rng: np.random.Generator):
        self.k = k
        if k == 0 or n < 2:
            self.ties = np.zeros((n, 0), dtype=np.int32)
            return
        # a random other consumer per slot (self-ties shifted by one)
        t = rng.integers(0, n - 1, size=(n, k), dtype=np.int64)
        t = t + (t >= np.arange(n)[:, None])
        self.ties = t.astype(np.int32)

    def spread(self, senders: np.ndarray, p: np.ndarray, rng: np.random.Generator):
        """Each sender passes its experience to each of its ties with probability
        ``p`` (per sender). Returns (index of the experience, receiver)."""
        if senders.size == 0 or self.k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        hit = rng.random((senders.size, self.k)) < p[:, None]
        e, j = np.nonzero(hit)
        return e, self.ties[senders[e], j].astype(np.int64)


class TrustSystem:
    """Fraud state and the trust sub-models of one model run."""

    def __init__(self, params, anchors, suppliers, consumers, ledger, book, totals, streams):
        """Receives the scenario, the anchor, supplier and consumer tables, the ledger
        (fines), the order book (who bought from a detected fraudster), the run totals
        (GMV ranks for a persona collapse) and the ``fraud``, ``social`` and ``events`` streams."""
        self.params, self.anchors, self.suppliers, self.consumers = params, anchors, suppliers, consumers
        self.ledger, self.book, self.totals = ledger, book, totals
        self.rng, self.social_rng, self.events_rng = streams["fraud"], streams["social"], streams["events"]
        sc = params
        fr = sc.fraud
        rng = self.rng
        an, sp = anchors, suppliers
        # ---- fraud state, per agent (columns of the tables, declared there: the credit model reads them)
        a, b = fr.honesty_mean * fr.honesty_concentration, (1 - fr.honesty_mean) * fr.honesty_concentration
        for table in (an, sp):
            table.honesty = rng.beta(max(a, 1e-9), max(b, 1e-9), table.n)
            thr = max(fr.honesty_threshold, 1e-9)
            depth = np.clip((fr.honesty_threshold - table.honesty) / thr, 0.0, 1.0)
            table.fraudster = (depth > 0) & fr.enabled          # currently faking
            # fake orders (and fake viewers) bought, as a share of real GMV
            table.fake_order_share = np.where(table.fraudster, fr.fake_order_share * depth, 0.0)
        # dishonest suppliers sell some fake goods whether or not they buy fake orders
        sp.sells_fakes = (sp.honesty < fr.counterfeit_honesty) & fr.enabled
        self.graph = SocialGraph(consumers.n, sc.word_of_mouth.ties if sc.word_of_mouth.enabled else 0,
                                 self.social_rng)
        g = sc.guarantees
        self.bad_loss_scale = 1.0 - (g.compensation_loss_cut if g.compensation else 0.0)
        self.mismatch_loss_scale = self.bad_loss_scale * (1.0 - (g.fast_refund_loss_cut if g.fast_refunds else 0.0))
        self.floor = max(sc.trust.institutional_floor, g.compensation_floor if g.compensation else 0.0)
        # a guarantee takes away part of the risk consumers perceive in buying here
        cover = 1.0 - (1.0 - (g.compensation_risk_cover if g.compensation else 0.0)) * \
            (1.0 - (g.fast_refund_risk_cover if g.fast_refunds else 0.0))
        if cover > 0:
            cons = consumers
            cons.institutional_trust = 1.0 - (1.0 - cons.institutional_trust) * (1.0 - cover)
        n_inst = int(g.compensation) + int(g.traceability)
        self.spill_scale = (1.0 - g.spill_over_cut) ** n_inst
        self.counterfeit_rate = sc.fraud.counterfeit_rate * (1.0 - (g.traceability_fake_cut if g.traceability else 0.0))
        self.events: list[dict] = []   # persona collapses that happened: day, anchor, followers hit
        self.scare = None              # institutional trust a scandal took away that is still to fade
        self.scare_keep = 1.0          # share of the scare that remains after a day
        self.cum_complaints = np.zeros(len(CAUSES), dtype=np.int64)
        self.cum = {"wom_experiences": 0, "wom_messages": 0, "experiences": 0, "fraud_detected": 0,
                    "fake_gmv": 0.0, "fines": 0, "counterfeits": 0}
        self.today = TrustTally()

    def draw_honesty(self, table, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Entrants' fraud state (``rows`` of an anchor or supplier table), drawn from
        ``rng`` by the same law as the initial population's (sim/market/entry.py)."""
        fr = self.params.fraud
        a, b = fr.honesty_mean * fr.honesty_concentration, (1 - fr.honesty_mean) * fr.honesty_concentration
        h = rng.beta(max(a, 1e-9), max(b, 1e-9), rows.size)
        table.honesty[rows] = h
        thr = max(fr.honesty_threshold, 1e-9)
        depth = np.clip((fr.honesty_threshold - h) / thr, 0.0, 1.0)
        table.fraudster[rows] = (depth > 0) & fr.enabled
        table.fake_order_share[rows] = np.where(table.fraudster[rows], fr.fake_order_share * depth, 0.0)
        if table is self.suppliers:
            table.sells_fakes[rows] = (h < fr.counterfeit_honesty) & fr.enabled

    # ------------------------------------------------------------- schedule hooks
    def start_day(self) -> TrustTally:
        self.today = TrustTally()
        if self.scare is not None:   # the scandal's spill-over fades as the news fades
            cons = self.consumers
            back = self.scare * (1.0 - self.scare_keep)
            cons.institutional_trust = np.minimum(cons.institutional_trust + back, 1.0)
            self.scare -= back
        return self.today

    def end_day(self) -> None:
        """Add the day's complaints to the run's totals."""
        self.cum_complaints += self.today.complaints

    def may_broadcast(self, d: int) -> np.ndarray:
        """1 for anchors allowed to broadcast today, 0 for suspended ones."""
        return (self.anchors.suspended_until <= d).astype(np.float64)

    def score_multiplier(self, b: dict, d: int) -> np.ndarray:
        """What the ranking reads on top of real performance, per broadcast:
        fake orders inflate it, a detection demotes it."""
        an, sp, fr = self.anchors, self.suppliers, self.params.fraud
        is_a = b.anchor >= 0
        ia, isp = np.maximum(b.anchor, 0), np.maximum(b.store, 0)
        fake = np.where(is_a, an.fake_order_share[ia], sp.fake_order_share[isp])
        demoted = np.where(is_a, an.demoted_until[ia], sp.demoted_until[isp]) > d
        return (1.0 + fake) * np.where(demoted, fr.demotion_factor, 1.0)

    # ------------------------------------------------------------ experience
    def after_delivery(self, d: int, delivered: dict, returned: dict) -> None:
        """Trust and complaints from today's deliveries and returns.

        ``delivered``: consumer, anchor, supplier, mismatch (will be returned
        as not as described), spoiled; ``returned``: mismatch flag of each
        return today."""
        sc, t = self.params, self.today
        rng = self.rng
        cp = sc.complaints
        c, a, s = delivered["consumer"], delivered["anchor"], delivered["supplier"]
        mism, spoiled = delivered["mismatch"], delivered["spoiled"]
        # fake goods: a share of dishonest suppliers' intact deliveries
        fake = self.suppliers.sells_fakes[s] & ~spoiled & (rng.random(s.size) < self.counterfeit_rate)
        t.counterfeits = int(fake.sum())
        # complaints by cause
        rm = returned["mismatch"]
        t.complaints[NAD] += rng.binomial(int(rm.sum()), cp.not_as_described)
        t.complaints[OTHER] += rng.binomial(int((~rm).sum()), cp.other_return)
        t.complaints[OTHER] += rng.binomial(int(spoiled.sum()), cp.other_spoiled)
        t.complaints[FAKE_GOODS] += rng.binomial(t.counterfeits, cp.fake_goods)
        # trust from experience: a good purchase raises it, mismatch or a fake lowers it
        good = ~mism & ~spoiled & ~fake
        loss = np.where(mism & ~fake, self.mismatch_loss_scale, self.bad_loss_scale)
        if self.mismatch_loss_scale == self.bad_loss_scale:
            loss = self.bad_loss_scale   # one scale for all: the update takes the exact scalar path
        self.consumers.update_trust(c, a, good, sc, loss_scale=loss, floor=self.floor)
        self.cum["experiences"] += int(c.size)
        self._word_of_mouth(c, a, good, np.broadcast_to(np.asarray(loss, dtype=np.float64), c.shape))

    def _word_of_mouth(self, c: np.ndarray, a: np.ndarray, good: np.ndarray, loss: np.ndarray) -> None:
        wm = self.params.word_of_mouth
        if not wm.enabled or wm.ties == 0 or c.size == 0:
            return
        rng = self.social_rng
        p = np.where(good, wm.share_good, wm.share_bad)
        e, recv = self.graph.spread(c, p, rng)
        t = self.today
        n_exp = int(np.count_nonzero(np.diff(e))) + 1 if e.size else 0   # distinct experiences (e is sorted)
        t.wom_experiences += n_exp
        t.wom_messages += int(e.size)
        t.wom_reached += int(np.unique(recv).size)
        self.cum["wom_experiences"] += n_exp
        self.cum["wom_messages"] += int(e.size)
        if e.size:
            ls = loss[e] if np.ptp(loss) > 0 else float(loss[0])
            self.consumers.update_trust(recv, a[e], good[e], self.params, loss_scale=ls,
                                          floor=self.floor, weight=wm.weight)

    # ----------------------------------------------------------------- fraud
    def fraud_step(self, d: int, orders, mode=None) -> None:
        """Fake orders inflate reported sales; the platform detects some
        fraudsters today: demotion, fine, complaints, lost trust. ``orders``: the
        day's orders (their GMV per room and per supplier); ``mode``: the coalition
        mode (the platform fines only agents on the platform; ``None``: all are)."""
        fr = self.params.fraud
        an, sp, t = self.anchors, self.suppliers, self.today
        real_a = orders.room_gmv[:an.n]
        real_s = orders.supplier_gmv
        for table, real in ((an, real_a), (sp, real_s)):
            fake = real * table.fake_order_share
            table.real_sales += real
            table.reported_sales += real + fake
            table.gmv_ema = 0.9 * table.gmv_ema + 0.1 * real
            t.fake_gmv += float(fake.sum())
        t.fraudsters = int(an.fraudster.sum() + sp.fraudster.sum())
        if not fr.enabled:
            return
        rng = self.rng
        det_a = np.flatnonzero(an.fraudster & (rng.random(an.n) < fr.detection_probability))
        det_s = np.flatnonzero(sp.fraudster & (rng.random(sp.n) < fr.detection_probability))
        t.fraud_detected = int(det_a.size + det_s.size)
        self.cum["fraud_detected"] += t.fraud_detected
        self.cum["fake_gmv"] += t.fake_gmv
        if t.fraud_detected == 0:
            return
        led = self.ledger
        for kind, table, det, accts, bal, flow in (
                ("anchor", an, det_a, led.anchor_accts, led.anchor_balance, "fine_anchor"),
                ("supplier", sp, det_s, led.supplier_accts, led.supplier_balance, "fine_supplier")):
            if det.size == 0:
                continue
            table.demoted_until[det] = d + 1 + fr.demotion_days
            table.times_detected[det] += 1
            fine = np.minimum(to_cents(fr.fine_days_gmv * table.gmv_ema[det]), np.maximum(bal[det], 0))
            on = None if mode is None else mode.on_platform(kind)   # None: everyone is on the platform
            if on is not None:   # an agent off the platform pays the platform no fine
                fine = np.where(on[det], fine, 0)
            t.fines += led.transfer(accts(det), led.acct("platform"), fine, flow)
            reform = rng.random(det.size) < fr.reform_probability
            table.fraudster[det[reform]] = False
            table.fake_order_share[det[reform]] = 0.0
        self.cum["fines"] += t.fines
        # those who bought from a detected fraudster recently (orders not yet settled) ...
        buyers, anchors = [], []
        # detected anchors and suppliers as look-up tables (the last entry: no anchor, an empty slot)
        is_det_a = np.zeros(an.n + 1, dtype=bool)
        is_det_a[det_a] = True
        is_det_s = np.zeros(sp.n, dtype=bool)
        is_det_s[det_s] = True
        for ch in self.book:
            hit = is_det_a[ch.anchor] | is_det_s[ch.supplier]
            if hit.any():
                buyers.append(ch.consumer[hit])
                anchors.append(ch.anchor[hit])
        # ... and the detected anchors' followers
        cons = self.consumers
        if det_a.size:
            rows, slots = np.divmod(np.flatnonzero(is_det_a[cons.follows]), cons.follows.shape[1])
            cons.personal_trust[rows, slots] *= (1.0 - fr.trust_loss)
            buyers.append(rows.astype(np.int64))
            anchors.append(cons.follows[rows, slots].astype(np.int64))
        if not buyers:
            return
        who, first = np.unique(np.concatenate(buyers), return_index=True)
        anc = np.concatenate(anchors)[first]
        t.complaints[FAKE_ORDERS] += rng.binomial(who.size, self.params.complaints.fake_orders)
        it = cons.institutional_trust[who] * (1.0 - fr.institutional_loss * self.bad_loss_scale)
        cons.institutional_trust[who] = np.maximum(it, np.minimum(self.floor, cons.institutional_trust[who]))
        bad = np.zeros(who.size, dtype=bool)
        self._word_of_mouth(who, anc, bad, np.full(who.size, self.bad_loss_scale))

    # ------------------------------------------------------- persona collapse
    def persona_collapse(self, ev, d: int) -> None:
        """The anchor of rank ``ev.anchor_rank`` by GMV so far falls (a scandal)."""
        an, cons = self.anchors, self.consumers
        gmv = self.totals.room_gmv[:an.n]
        # by GMV so far; before any sale, by recent performance, then followers
        order = np.lexsort((-an.followers, -an.performance, -gmv))
        target = int(order[ev.anchor_rank - 1])
        an.suspended_until[target] = d + ev.suspension_days
        rows, slots = np.nonzero(cons.follows == target)
        cons.personal_trust[rows, slots] *= (1.0 - ev.trust_drop)
        rng = self.events_rng
        leave = rng.random(rows.size) < ev.unfollow_share
        cons.unfollow(rows[leave], slots[leave])
        # spill-over onto the platform: strong among followers, weaker for everyone through the news
        spill = np.full(cons.n, ev.public_spill_over * self.spill_scale)
        spill[rows] = ev.spill_over * self.spill_scale
        it = cons.institutional_trust
        new = np.maximum(it * (1.0 - spill), np.minimum(self.floor, it))
        self.scare = (it - new) if self.scare is None else self.scare + (it - new)
        self.scare_keep = 0.5 ** (1.0 / ev.scare_half_life) if ev.scare_half_life > 0 else 1.0
        cons.institutional_trust = new
        self.events.append({"day": d, "anchor": target, "followers": int(rows.size),
                            "unfollowed": int(leave.sum())})
        # the followers talk: the scandal spreads by word of mouth
        self._word_of_mouth(rows.astype(np.int64), np.full(rows.size, target, dtype=np.int64),
                            np.zeros(rows.size, dtype=bool), np.full(rows.size, self.bad_loss_scale))


# ------------------------------------------------------------------ measures

def daily_rows(model) -> dict[str, float]:
    """The trust and fraud columns of the day's measures (a pure function of the
    trust sub-model's record of the day)."""
    t = model.trust.today
    total = int(t.complaints.sum())
    row = {f"complaints_{c}": float(t.complaints[i]) for i, c in enumerate(CAUSES)}
    row.update({
        "complaints": float(total),
        "fraud_detected": float(t.fraud_detected),
        "fraudsters": float(t.fraudsters),
        "fake_gmv": t.fake_gmv,
        "fines": t.fines / 100.0,
        "counterfeits": float(t.counterfeits),
        "wom_reached": float(t.wom_reached),
        "wom_messages": float(t.wom_messages),
    })
    return row


def summary_rows(model, daily) -> dict[str, float]:
    """The trust and fraud fields of the run summary."""
    tr = model.trust
    cc = tr.cum_complaints
    total = int(cc.sum())
    out = {f"complaint_share_{c}": (float(cc[i]) / total if total else 0.0) for i, c in enumerate(CAUSES)}
    out.update({
        "complaints": float(total),
        "complaints_fake_goods": float(cc[FAKE_GOODS]),
        "perceived_risk": 1.0 - float(daily["mean_institutional_trust"].mean()),
        "fraud_detected": float(tr.cum["fraud_detected"]),
        "fake_gmv": float(tr.cum["fake_gmv"]),
        "wom_reach_per_day": float(daily["wom_reached"].mean()) if len(daily) else 0.0,
        "wom_reach_per_experience": (tr.cum["wom_messages"] / tr.cum["experiences"]
                                     if tr.cum["experiences"] else 0.0),
    })
    out.update(shock_falls(daily, tr.events))
    return out


def shock_falls(daily, events: list[dict], before: int = 7, after: int = 14) -> dict[str, float]:
    """Fall of institutional trust and GMV after the first persona collapse:
    ``1 - mean(after the event) / mean(before it)`` over ``after`` and
    ``before`` days (0 when the run had no collapse)."""
    if not events:
        return {"shock_trust_fall": 0.0, "shock_gmv_fall": 0.0}
    d = events[0]["day"]
    out = {}
    for col, key in (("mean_institutional_trust", "shock_trust_fall"), ("gmv", "shock_gmv_fall")):
        x = daily[col].to_numpy(dtype=float)
        pre = x[max(0, d - before):d]
        post = x[d:d + after]
        out[key] = float(1.0 - post.mean() / pre.mean()) if pre.size and post.size and pre.mean() > 0 else 0.0
    return out


def recovery_half_life(shocked, baseline, event_day: int) -> float:
    """Days from the event until the deficit ``baseline - shocked`` first falls
    to half of its largest value (reached on or after the event day); NaN when
    it never does within the series (censored) or there was no deficit.
    ``baseline`` may also be one number (the level before the event).

    ``shocked`` and ``baseline`` are the daily series of the same seed with
    and without the event (common random numbers), so the deficit is the
    event's effect, not the day-to-day drift."""
    after = np.asarray(shocked, dtype=float)[event_day:]
    x = (float(baseline) if np.ndim(baseline) == 0 else np.asarray(baseline, dtype=float)[event_day:]) - after
    if x.size == 0:
        return math.nan
    peak_at = int(np.argmax(x))
    peak = x[peak_at]
    if not peak > 0:
        return math.nan
    below = np.flatnonzero(x[peak_at:] <= 0.5 * peak + 1e-12)
    return float(peak_at + below[0]) if below.size else math.nan
