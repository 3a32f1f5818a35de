"""The platform: commission, traffic policy, settlement terms."""

from __future__ import annotations

import mesa


class Platform(mesa.Agent):
    """The live-commerce platform. One by default; its policy levers are the
    scenario's ``traffic`` and ``platform`` sections, which events may change
    during a run (``policy`` holds the levers in force)."""

    def __init__(self, model, policy: dict):
        super().__init__(model)
        self.policy = dict(policy)

    @property
    def cash(self) -> float:
        """Commission income received so far, in yuan."""
        return self.model.ledger["platform"] / 100.0
