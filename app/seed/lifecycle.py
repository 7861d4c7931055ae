"""What the row builders share about one device: its life's dates, and id sequences.

A device is created with its order (or import), delivered days later (not yet, before
delivery), and maybe retired (archived or out of service); MDM rows, parcels and observed
users all happen inside that span, and nothing after the reference time.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.seed.catalog import DeviceModel
from app.seed.rng import REFERENCE_TIME
from app.seed.scenarios import DevicePlan

Row = dict[str, Any]

REF = REFERENCE_TIME
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def clamp(moment: datetime) -> datetime:
    """`moment`, or the reference time when it would be later."""
    return min(moment, REF)


def between_minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high))


class IdSequence:
    """Hands out consecutive primary keys from `start`."""

    __slots__ = ("next_id",)

    def __init__(self, start: int) -> None:
        self.next_id = start

    def take(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value


@dataclass(slots=True)
class DeviceLife:
    """One device as its dependent rows need it."""

    id: int
    scenario: DevicePlan
    model: DeviceModel
    os_platform: str | None
    user_index: int | None
    serial: str | None
    created_at: datetime
    # When the device reached its user (None before delivery) and when it left service.
    delivered_at: datetime | None
    retired_at: datetime | None

    @property
    def active_until(self) -> datetime:
        return self.retired_at or REF
