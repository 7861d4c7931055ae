"""The users the device agent observed on a device (the inventory's `user_devices` junction).

Usually the assignee, sometimes a colleague or someone from IT as well; each with the time the
agent first saw them (`enrolled_at`) and last saw them (`last_seen_at`), in that order.
"""

import random

from app.seed.lifecycle import DAY, DeviceLife, IdSequence, Row
from app.seed.rng import Weighted, between, chance
from app.seed.tenants import MAX_OBSERVED_USERS_PER_DEVICE, TenantPlan

OBSERVED_EXTRA = Weighted([(0, 70), (1, 22), (2, 8)])


class ObservedUserRows:
    """Builds observed-user rows for one tenant, drawing from the tenant's random stream."""

    def __init__(self, plan: TenantPlan, rng: random.Random, ids: IdSequence) -> None:
        self.plan = plan
        self.rng = rng
        self.ids = ids
        self.role_holders = plan.role_holders()

    def rows(self, device: DeviceLife) -> list[Row]:
        """The assignee first (when there is one), then up to two other users."""
        rng = self.rng
        plan = self.plan
        assert device.delivered_at is not None
        start, until = device.delivered_at, device.active_until
        users: list[int] = [] if device.user_index is None else [device.user_index]
        extra = OBSERVED_EXTRA.pick(rng)
        if device.user_index is None:
            extra = max(extra, 1 if chance(rng, 0.6) else 0)
        for _ in range(extra):
            # Someone from IT now and then, otherwise a colleague.
            if chance(rng, 0.3):
                candidate = rng.randrange(self.role_holders)
            else:
                candidate = rng.randrange(plan.users)
            if candidate not in users:
                users.append(candidate)
        rows: list[Row] = []
        for position, user_index in enumerate(users[:MAX_OBSERVED_USERS_PER_DEVICE]):
            if position == 0 and user_index == device.user_index:
                enrolled_at = between(rng, start, min(start + 3 * DAY, until))
                last_seen_at = between(rng, max(enrolled_at, until - 2 * DAY), until)
            else:
                enrolled_at = between(rng, start, until)
                last_seen_at = between(rng, enrolled_at, until)
            rows.append(
                {
                    "id": self.ids.take(),
                    "client_id": plan.client_id,
                    "device_id": device.id,
                    "user_id": plan.user_id(user_index),
                    "enrolled_at": enrolled_at,
                    "last_seen_at": last_seen_at,
                }
            )
        return rows
