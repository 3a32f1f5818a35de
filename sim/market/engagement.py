"""Engagement (MODEL.md 4.8, step 4 of the day): followers' engagement with the anchors they follow.

Each follow slot (a row and column of ``consumers.follows``) carries an
engagement score in [0, 1] (``consumers.engagement``, float32, the same shape
as the follow table; a slot followed anew or unfollowed starts again at 0).
Every day every slot's engagement decays by ``engagement.decay``; a follower
who enters the anchor's room today gains ``watch_gain`` of the distance to 1,
and one who interacts in the room (comments, likes, a question answered:
with probability ``interaction_probability`` times the anchor's interaction
skill, an anchor column drawn from the ``engagement`` stream) gains
``interaction_gain`` more. A follower whose engagement is at least
``fan_threshold`` is a member of the anchor's fan group.

Engagement acts twice: in the purchase rule (a term ``conversion_lift x
engagement + fan_conversion_lift x fan`` of :func:`sim.consumers.purchase_logit`
for a follower in the anchor's room) and in return visits (the probability
that a follower watches the anchor when live,
``watch_followed + (1 - watch_followed) x return_lift x engagement``, read by
``Viewing.following``). Switched off (``engagement.enabled = false``) the model
builds :class:`NoEngagement`: no column, no draw, no term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.viewing import Arrival


@dataclass
class EntryEngagement:
    """Today's room entries as the engagement sub-model sees them (one value per entry)."""

    follower: np.ndarray      # the viewer follows the room's anchor
    engagement: np.ndarray    # the viewer's engagement with the room's anchor (0 for strangers), after today's visit
    fan: np.ndarray           # the viewer is in the anchor's fan group


class EngagementTally:
    """What engagement did today."""

    def __init__(self):
        self.watched = 0          # entries of followers into the followed anchor's room today
        self.interacted = 0       # of them, entries in which the follower interacted


class Engagement:
    """Receives the scenario, the consumer and anchor tables and the ``engagement`` stream.

    Draws the anchors' interaction skill (column ``anchors.interaction_skill``,
    log-normal with mean 1) and makes the consumers' engagement column."""

    enabled = True

    def __init__(self, params, consumers, anchors, rng: np.random.Generator):
        self.params, self.consumers, self.anchors, self.rng = params, consumers, anchors, rng
        e = params.engagement
        s = e.interaction_skill_sigma
        anchors.interaction_skill = np.exp(rng.normal(-0.5 * s * s, s, anchors.n))
        consumers.engagement = np.zeros(consumers.follows.shape, dtype=np.float32)
        self.today = EngagementTally()

    # ------------------------------------------------------------ return visits
    def watch_probability(self, consumers: np.ndarray, slots: np.ndarray, base: float) -> np.ndarray:
        """Probability that each consumer watches the anchor of the paired follow slot
        when it is live: engaged followers come back more."""
        lift = self.params.engagement.return_lift
        eng = self.consumers.engagement
        e = eng.reshape(-1)[consumers * eng.shape[1] + slots].astype(np.float64)
        return base + (1.0 - base) * lift * e

    # ------------------------------------------------------------ the day's visits
    def after_viewing(self, b, views, following_slots: np.ndarray | None = None) -> EntryEngagement:
        """Decay, then today's watching and interaction; returns each entry's engagement.

        ``following_slots``: the follow slot of each entry of the following path (the
        first entries of ``views``, as ``Viewing.following`` found them); without it
        the slots are looked up."""
        e, cons, rng = self.params.engagement, self.consumers, self.rng
        eng = cons.engagement
        eng *= np.float32(1.0 - e.decay)
        self.today = t = EngagementTally()
        n = views.bcast.size
        anchor = b.anchor[views.bcast] if n else np.zeros(0, dtype=np.int64)
        # entries by followers: the public feed deals only strangers, the other paths may bring followers
        n_fol = 0 if following_slots is None else following_slots.size
        maybe = n_fol + np.flatnonzero((anchor[n_fol:] >= 0) & (views.source[n_fol:] != int(Arrival.PUBLIC)))
        slot = cons.follow_slot(views.consumer[maybe], anchor[maybe])
        has = slot >= 0
        idx = np.concatenate([np.arange(n_fol), maybe[has]])
        slot = np.concatenate([np.zeros(0, np.int64) if following_slots is None else following_slots, slot[has]])
        width = eng.shape[1]
        flat_all = views.consumer[idx] * width + slot
        p_int = np.minimum(e.interaction_probability * self.anchors.interaction_skill[anchor[idx]], 1.0)
        interact = rng.random(idx.size) < p_int
        # gains: a slot entered twice today gains once (repeated indices of a fancy
        # assignment all read the old value and write the same new one)
        flat = eng.reshape(-1)
        flat[flat_all] += np.float32(e.watch_gain) * (np.float32(1.0) - flat[flat_all])
        inter = flat_all[interact]
        flat[inter] += np.float32(e.interaction_gain) * (np.float32(1.0) - flat[inter])
        t.watched, t.interacted = int(idx.size), int(inter.size)
        follower = np.zeros(n, dtype=bool)
        follower[idx] = True
        value = np.zeros(n)
        value[idx] = flat[flat_all]
        return EntryEngagement(follower=follower, engagement=value, fan=follower & (value >= e.fan_threshold))

    # ------------------------------------------------------------ measures
    def state_rows(self) -> dict[str, float]:
        """Mean engagement and fan share of the follow slots in use (an empty slot's
        engagement is 0: following or unfollowing resets it)."""
        cons, e = self.consumers, self.params.engagement
        n_fol = int(np.count_nonzero(cons.follows >= 0))
        if n_fol == 0:
            return {"mean_engagement": 0.0, "fan_share": 0.0}
        eng = cons.engagement
        fans = n_fol if e.fan_threshold <= 0 else int(np.count_nonzero(eng >= e.fan_threshold))
        # (a float32 sum is pairwise: accurate to about 1e-6 here, and a third of the cost of a float64 one)
        return {"mean_engagement": float(eng.sum()) / n_fol, "fan_share": fans / n_fol}


class NoEngagement:
    """Engagement switched off: no column, no draws, no term."""

    enabled = False
    today = EngagementTally()

    def watch_probability(self, consumers, slots, base):
        return base

    def after_viewing(self, b, views, following_slots=None):
        return None

    def state_rows(self) -> dict[str, float]:
        return {"mean_engagement": 0.0, "fan_share": 0.0}


# ------------------------------------------------------------------ measures

ENGAGEMENT_DAILY: dict[str, str] = {
    "mean_engagement": "mean engagement (0 to 1) of all follow slots in use at the end of the day",
    "fan_share": "share of follow slots in use whose engagement is at least engagement.fan_threshold (fan-group members)",
    "fan_entries": "room entries today by fan-group members of the room's anchor",
    "follower_entries_other": "room entries today by followers of the room's anchor who are not in its fan group",
    "orders_fan": "live-room orders today from entries of fan-group members",
    "orders_follower_other": "live-room orders today from entries of the other followers",
}

ENGAGEMENT_SUMMARY: dict[str, str] = {
    "mean_engagement_run": "mean engagement of follow slots, averaged over the days of the run",
    "fan_share_end": "share of follow slots in fan groups on the last day",
    "conversion_fan": "orders / room entries of fan-group members in their anchor's room over the run",
    "conversion_follower_other": "orders / room entries of the other followers in the followed anchor's room over the run",
}


def daily_rows(model, day) -> dict[str, float]:
    """The engagement columns of the day's measures."""
    row = model.engagement.state_rows()
    eng = day.engaged
    if eng is None:
        row.update({k: 0.0 for k in ("fan_entries", "follower_entries_other", "orders_fan", "orders_follower_other")})
        return row
    entry = day.orders.entry
    entry = entry[entry >= 0]
    other = eng.follower & ~eng.fan
    row.update({"fan_entries": float(eng.fan.sum()), "follower_entries_other": float(other.sum()),
                "orders_fan": float(eng.fan[entry].sum()), "orders_follower_other": float(other[entry].sum())})
    return row


def summary_rows(daily) -> dict[str, float]:
    def ratio(a, b):
        s = float(daily[b].sum())
        return float(daily[a].sum()) / s if s > 0 else 0.0
    return {"mean_engagement_run": float(daily["mean_engagement"].mean()) if len(daily) else 0.0,
            "fan_share_end": float(daily["fan_share"].iloc[-1]) if len(daily) else 0.0,
            "conversion_fan": ratio("orders_fan", "fan_entries"),
            "conversion_follower_other": ratio("orders_follower_other", "follower_entries_other")}
