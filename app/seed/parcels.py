"""A device's parcels: returns and inter-office moves, 0 to 3, oldest first.

Only the newest parcel can still be under way (WAITING, SCHEDULED or SHIPPED); older ones
were RECEIVED or FAILED. Dates follow the status: a scheduled pickup lies ahead of the
reference time, a shipped parcel has left, a received one has arrived.
"""

import random
from datetime import datetime

from app.enums import DeviceClientStatus as Dev
from app.enums import ParcelStatus as PStatus
from app.enums import ParcelType as PType
from app.seed.identifiers import tracking
from app.seed.lifecycle import DAY, HOUR, REF, DeviceLife, IdSequence, Row, between_minutes, clamp
from app.seed.rng import between, chance
from app.seed.scenarios import ParcelStory
from app.seed.tenants import TenantPlan


class ParcelRows:
    """Builds parcel rows for one tenant, drawing from the tenant's random stream."""

    def __init__(self, plan: TenantPlan, rng: random.Random, ids: IdSequence) -> None:
        self.plan = plan
        self.rng = rng
        self.ids = ids

    def rows(self, device: DeviceLife, story: ParcelStory) -> list[Row]:
        """One row per step of `story` (oldest first), each in its own slice of time."""
        if not story or device.delivered_at is None:
            return []
        first = device.delivered_at + DAY
        last = device.retired_at if device.scenario.status is Dev.ARCHIVED else REF
        last = max(last or REF, first + DAY)
        _, newest_status = story[-1]
        if newest_status in (PStatus.WAITING, PStatus.SCHEDULED, PStatus.SHIPPED):
            newest_start = max(first, REF - 12 * DAY)
            last = REF
        else:
            newest_start = first + (last - first) * (len(story) - 1) / len(story)
        bounds = [
            first + (newest_start - first) * k / max(1, len(story) - 1) for k in range(len(story))
        ]
        slots = [(bounds[k], bounds[k + 1]) for k in range(len(story) - 1)]
        slots.append((newest_start, last))
        return [
            self._row(device, parcel_type, parcel_status, start, end)
            for (parcel_type, parcel_status), (start, end) in zip(story, slots, strict=True)
        ]

    def _row(
        self,
        device: DeviceLife,
        parcel_type: PType,
        status: PStatus,
        start: datetime,
        end: datetime,
    ) -> Row:
        rng = self.rng
        plan = self.plan
        end = max(end, start + HOUR)
        created_at = between(rng, start, start + (end - start) / 3)
        pickup = shipping = reception = None
        if status is PStatus.SCHEDULED:
            pickup = between(rng, REF + DAY, REF + 7 * DAY)
        elif status is PStatus.SHIPPED:
            pickup = between(rng, created_at + HOUR, max(created_at + HOUR, end - 6 * HOUR))
            shipping = pickup + between_minutes(rng, 15, 300)
        elif status is PStatus.RECEIVED:
            pickup = between(rng, created_at + HOUR, created_at + (end - created_at) / 3)
            shipping = pickup + between_minutes(rng, 15, 300)
            reception = between(rng, min(shipping + DAY, end), end)
            reception = clamp(max(reception, shipping + HOUR))
        elif status is PStatus.FAILED and chance(rng, 0.6):
            pickup = between(rng, created_at + HOUR, end)
            if chance(rng, 0.5):
                shipping = pickup + between_minutes(rng, 15, 300)
        carrier = tracking_number = tracking_url = None
        if status is not PStatus.WAITING or chance(rng, 0.5):
            carrier = self.plan.profile.carriers.pick(rng)
        if carrier is not None and status is not PStatus.WAITING:
            tracking_number, tracking_url = tracking(carrier, rng)
        pickup_address, reception_address = self._addresses(device, parcel_type)
        moments = [created_at, pickup if status is not PStatus.SCHEDULED else None, shipping]
        moments.append(reception)
        updated_at = max(m for m in moments if m is not None)
        if status is PStatus.SCHEDULED:
            updated_at = created_at + between_minutes(rng, 5, 600)
        return {
            "id": self.ids.take(),
            "client_id": plan.client_id,
            "device_id": device.id,
            "type": parcel_type.value,
            "status": status.value,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
            "pickup_address_id": pickup_address,
            "reception_address_id": reception_address,
            "pickup_date": pickup,
            "reception_date": reception,
            "shipping_date": shipping,
            "created_at": created_at,
            "updated_at": clamp(updated_at),
        }

    def _addresses(self, device: DeviceLife, parcel_type: PType) -> tuple[int, int]:
        rng = self.rng
        plan = self.plan
        offices = len(plan.profile.offices)
        home = plan.home_address_id(device.user_index) if device.user_index is not None else None
        if parcel_type is PType.RETURN:
            pickup = home if home is not None else plan.office_address_id(rng.randrange(offices))
            return pickup, plan.warehouse_address_id
        origin = rng.randrange(offices)
        if home is not None and chance(rng, 0.4):
            return plan.office_address_id(origin), home
        target = (origin + rng.randrange(1, offices)) % offices
        return plan.office_address_id(origin), plan.office_address_id(target)
