"""What happens to each device, before any row is written: groups, statuses, MDM and parcel stories.

A tenant's devices come in groups: a rental order (source RENTAL, added via ORDER) or an
import of the client's own devices (single, bulk, or discovered through the MDM). Each
tenant starts with a fixed showcase of 14 orders and 15 devices that holds every value of
every enum (order, device, MDM and parcel statuses, parcel types, keyboard layouts through
the first keyboards), with consistent stories; random groups drawn from the weights below
follow.
"""

import random
from dataclasses import dataclass, replace
from datetime import datetime

from app.enums import (
    DeviceClientStatus,
    MdmEnrollmentStatus,
    OrderClientStatus,
    ParcelStatus,
    ParcelType,
)
from app.seed.catalog import AddedVia, DeviceSource, DeviceType
from app.seed.rng import REFERENCE_TIME, Weighted, chance, days_before

Dev = DeviceClientStatus
Mdm = MdmEnrollmentStatus
Ord = OrderClientStatus
PType = ParcelType
PStatus = ParcelStatus

ParcelStory = tuple[tuple[ParcelType, ParcelStatus], ...]  # oldest first


@dataclass(frozen=True, slots=True)
class MdmPlan:
    """The device's MDM rows: the current status (None: no row at all), plus optional extras."""

    status: MdmEnrollmentStatus | None
    deleted_before: bool = False  # an older, soft-deleted enrollment
    draft_after: bool = False  # a newer DRAFT row, which must not hide the current one
    locked: bool = False


NO_MDM = MdmPlan(None)


@dataclass(frozen=True, slots=True)
class DevicePlan:
    """One device's story; None fields are drawn at random from the status."""

    status: DeviceClientStatus
    device_type: DeviceType | None = None
    mdm: MdmPlan | None = None
    parcels: ParcelStory | None = None
    assigned: bool | None = None
    null_name: bool = False
    null_serial: bool = False
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """Devices that arrived together: one order (`order_status` set) or one import."""

    order_status: OrderClientStatus | None
    source: DeviceSource
    added_via: AddedVia
    devices: tuple[DevicePlan, ...]


def _order(status: Ord, *devices: DevicePlan) -> GroupPlan:
    return GroupPlan(status, DeviceSource.RENTAL, AddedVia.ORDER, devices)


LAPTOP, DESKTOP, PHONE = DeviceType.LAPTOP, DeviceType.DESKTOP, DeviceType.SMARTPHONE
TABLET, SCREEN = DeviceType.TABLET, DeviceType.SCREEN

# Eleven of these fifteen devices have keyboards, and a tenant's first eleven keyboards take
# the eleven layouts in turn, so the showcase covers `KeyboardLayout` too.
SHOWCASE: tuple[GroupPlan, ...] = (
    _order(Ord.RECEIVED, DevicePlan(Dev.PENDING_VALIDATION, LAPTOP, MdmPlan(Mdm.DRAFT))),
    _order(
        Ord.BEING_PROCESSED,
        DevicePlan(Dev.PENDING_VALIDATION, PHONE, NO_MDM, null_serial=True),
    ),
    _order(Ord.FINANCING_REQUEST, DevicePlan(Dev.PENDING_VALIDATION, LAPTOP, NO_MDM)),
    _order(
        Ord.DOC_REQUIRED,
        DevicePlan(Dev.PENDING_VALIDATION, SCREEN, NO_MDM, assigned=False, null_name=True),
    ),
    _order(Ord.SIGNING, DevicePlan(Dev.PENDING_VALIDATION, LAPTOP, MdmPlan(Mdm.DRAFT))),
    _order(
        Ord.PENDING_DECISION,
        DevicePlan(Dev.PENDING_VALIDATION, DESKTOP, NO_MDM, null_serial=True),
    ),
    _order(Ord.PROCESSING, DevicePlan(Dev.IN_PREPARATION, LAPTOP, MdmPlan(Mdm.SUBSCRIBED))),
    _order(Ord.EQUIPMENT_TO_SEND, DevicePlan(Dev.IN_PREPARATION, TABLET, MdmPlan(Mdm.DRAFT))),
    _order(Ord.SHIPPED, DevicePlan(Dev.SHIPPED, LAPTOP, MdmPlan(Mdm.DOWNLOADED), assigned=True)),
    _order(
        Ord.RECEPTION_TO_CONFIRM,
        DevicePlan(Dev.DELIVERED, LAPTOP, MdmPlan(Mdm.IDENTIFIED, draft_after=True), assigned=True),
    ),
    _order(
        Ord.ONGOING_ORDER,
        DevicePlan(
            Dev.IN_SERVICE,
            LAPTOP,
            MdmPlan(Mdm.ENROLLED, deleted_before=True, locked=True),
            parcels=(
                (PType.INTER_OFFICE_DELIVERY, PStatus.RECEIVED),
                (PType.RETURN, PStatus.FAILED),
                (PType.INTER_OFFICE_DELIVERY, PStatus.SCHEDULED),
            ),
            assigned=True,
            comment="Locked remotely after being left on a train, found the next day",
        ),
        DevicePlan(
            Dev.AVAILABLE,
            LAPTOP,
            MdmPlan(Mdm.UNENROLLED),
            parcels=((PType.RETURN, PStatus.WAITING),),
            assigned=False,
        ),
    ),
    _order(
        Ord.ARCHIVED,
        DevicePlan(
            Dev.ARCHIVED,
            LAPTOP,
            MdmPlan(Mdm.UNENROLLED),
            parcels=(
                (PType.INTER_OFFICE_DELIVERY, PStatus.FAILED),
                (PType.RETURN, PStatus.RECEIVED),
            ),
            assigned=False,
        ),
    ),
    _order(
        Ord.FAILED,
        DevicePlan(
            Dev.OUT_OF_SERVICE,
            PHONE,
            MdmPlan(Mdm.DEVICE_WIPE_PENDING, locked=True),
            parcels=((PType.RETURN, PStatus.SHIPPED),),
            assigned=True,
            comment="Reported stolen, police report filed",
        ),
    ),
    _order(
        Ord.UNKNOWN,
        DevicePlan(
            Dev.IN_MAINTENANCE,
            LAPTOP,
            MdmPlan(Mdm.ENROLLMENT_IN_PROGRESS),
            parcels=((PType.RETURN, PStatus.RECEIVED),),
            assigned=True,
            comment="Battery swelling, sent for repair",
        ),
    ),
)

SHOWCASE_DEVICES = sum(len(group.devices) for group in SHOWCASE)

# --- Orders ---------------------------------------------------------------------------------

ORDER_STATUSES = Weighted(
    [
        (Ord.ONGOING_ORDER, 55),
        (Ord.ARCHIVED, 8),
        (Ord.SHIPPED, 3),
        (Ord.RECEPTION_TO_CONFIRM, 4),
        (Ord.PROCESSING, 4),
        (Ord.EQUIPMENT_TO_SEND, 3),
        (Ord.BEING_PROCESSED, 3),
        (Ord.RECEIVED, 3),
        (Ord.SIGNING, 2),
        (Ord.DOC_REQUIRED, 2),
        (Ord.FINANCING_REQUEST, 2),
        (Ord.PENDING_DECISION, 2),
        (Ord.FAILED, 2),
        (Ord.UNKNOWN, 3),
    ]
)

# How long ago (in days) an order in each status was placed.
ORDER_AGE_DAYS: dict[OrderClientStatus, tuple[float, float]] = {
    Ord.RECEIVED: (0.5, 6),
    Ord.BEING_PROCESSED: (1, 10),
    Ord.FINANCING_REQUEST: (2, 15),
    Ord.DOC_REQUIRED: (2, 20),
    Ord.SIGNING: (3, 20),
    Ord.PENDING_DECISION: (3, 30),
    Ord.PROCESSING: (5, 25),
    Ord.EQUIPMENT_TO_SEND: (5, 25),
    Ord.SHIPPED: (6, 14),
    Ord.RECEPTION_TO_CONFIRM: (10, 30),
    Ord.ONGOING_ORDER: (45, 700),
    Ord.ARCHIVED: (420, 725),
    Ord.FAILED: (40, 500),
    Ord.UNKNOWN: (60, 700),
}

# Contracts are numbered once signed.
UNSIGNED = frozenset(
    {
        Ord.RECEIVED,
        Ord.BEING_PROCESSED,
        Ord.FINANCING_REQUEST,
        Ord.DOC_REQUIRED,
        Ord.SIGNING,
        Ord.PENDING_DECISION,
    }
)

IN_USE = Weighted(
    [
        (Dev.IN_SERVICE, 80),
        (Dev.AVAILABLE, 7),
        (Dev.IN_MAINTENANCE, 4),
        (Dev.OUT_OF_SERVICE, 3),
        (Dev.ARCHIVED, 5),
    ]
)

DEVICE_STATUS_BY_ORDER: dict[OrderClientStatus, Weighted[DeviceClientStatus]] = {
    **{status: Weighted([(Dev.PENDING_VALIDATION, 1)]) for status in UNSIGNED},
    Ord.PROCESSING: Weighted([(Dev.IN_PREPARATION, 1)]),
    Ord.EQUIPMENT_TO_SEND: Weighted([(Dev.IN_PREPARATION, 1)]),
    Ord.SHIPPED: Weighted([(Dev.SHIPPED, 1)]),
    Ord.RECEPTION_TO_CONFIRM: Weighted([(Dev.DELIVERED, 1)]),
    Ord.ONGOING_ORDER: IN_USE,
    Ord.UNKNOWN: IN_USE,
    Ord.ARCHIVED: Weighted([(Dev.ARCHIVED, 1)]),
    # A failed order: cancelled (archived), or its devices lost or broken on the way.
    Ord.FAILED: Weighted([(Dev.ARCHIVED, 7), (Dev.OUT_OF_SERVICE, 3)]),
}

PRE_DELIVERY = frozenset({Dev.PENDING_VALIDATION, Dev.IN_PREPARATION, Dev.SHIPPED})
RETIRED = frozenset({Dev.ARCHIVED, Dev.OUT_OF_SERVICE})


def order_date(status: OrderClientStatus, rng: random.Random) -> datetime | None:
    """When an order in `status` was placed (legacy UNKNOWN orders sometimes have no date)."""
    if status is Ord.UNKNOWN and chance(rng, 0.5):
        return None
    low, high = ORDER_AGE_DAYS[status]
    return days_before(rng, low, high, end=REFERENCE_TIME)


# --- Groups ---------------------------------------------------------------------------------

GROUP_KINDS = Weighted([("order", 80), ("single", 13), ("bulk", 4), ("mdm_sync", 3)])
ORDER_SIZES = Weighted([("1", 45), ("2", 20), ("3", 10), ("medium", 20), ("large", 5)])


def _order_size(rng: random.Random) -> int:
    size = ORDER_SIZES.pick(rng)
    if size == "medium":
        return rng.randint(4, 10)
    if size == "large":
        return rng.randint(11, 25)
    return int(size)


def draw_group(rng: random.Random, remaining: int) -> GroupPlan:
    """A random group of at most `remaining` devices."""
    kind = GROUP_KINDS.pick(rng)
    if kind == "order":
        status = ORDER_STATUSES.pick(rng)
        size = min(remaining, _order_size(rng))
        statuses = DEVICE_STATUS_BY_ORDER[status]
        devices = tuple(DevicePlan(statuses.pick(rng)) for _ in range(size))
        return _order(status, *devices)
    if kind == "mdm_sync":
        size = min(remaining, rng.randint(1, 3))
        devices = tuple(
            DevicePlan(Dev.IN_SERVICE, PHONE, MdmPlan(Mdm.ENROLLED))
            if chance(rng, 0.9)
            else DevicePlan(Dev.ARCHIVED, PHONE, MdmPlan(Mdm.UNENROLLED), assigned=False)
            for _ in range(size)
        )
        return GroupPlan(None, DeviceSource.BYOD, AddedVia.MDM_SYNC, devices)
    bulk = kind == "bulk"
    size = min(remaining, rng.randint(5, 20) if bulk else 1)
    source = (
        DeviceSource.EXTERNAL_RENTAL
        if chance(rng, 0.25 if bulk else 0.1)
        else DeviceSource.CLIENT_OWNED
    )
    devices = tuple(DevicePlan(IN_USE.pick(rng), null_name=chance(rng, 0.02)) for _ in range(size))
    return GroupPlan(
        None, source, AddedVia.BULK_IMPORT if bulk else AddedVia.SINGLE_IMPORT, devices
    )


def showcase(devices: int) -> tuple[GroupPlan, ...]:
    """The showcase groups, cut to the first `devices` devices when the tenant is smaller."""
    groups: list[GroupPlan] = []
    left = devices
    for group in SHOWCASE:
        if left <= 0:
            break
        kept = group.devices[:left]
        groups.append(replace(group, devices=kept))
        left -= len(kept)
    return tuple(groups)


# --- Per-device stories ---------------------------------------------------------------------

ASSIGNED_PROBABILITY: dict[DeviceClientStatus, float] = {
    Dev.PENDING_VALIDATION: 0.6,
    Dev.IN_PREPARATION: 0.7,
    Dev.SHIPPED: 0.95,
    Dev.DELIVERED: 0.95,
    Dev.IN_SERVICE: 0.97,
    Dev.AVAILABLE: 0.0,
    Dev.IN_MAINTENANCE: 0.7,
    Dev.OUT_OF_SERVICE: 0.4,
    Dev.ARCHIVED: 0.05,
}

MDM_BY_STATUS: dict[DeviceClientStatus, Weighted[MdmEnrollmentStatus | None]] = {
    Dev.PENDING_VALIDATION: Weighted([(None, 85), (Mdm.DRAFT, 15)]),
    Dev.IN_PREPARATION: Weighted([(None, 40), (Mdm.DRAFT, 30), (Mdm.SUBSCRIBED, 30)]),
    Dev.SHIPPED: Weighted([(Mdm.SUBSCRIBED, 50), (Mdm.DOWNLOADED, 40), (None, 10)]),
    Dev.DELIVERED: Weighted(
        [(Mdm.DOWNLOADED, 30), (Mdm.IDENTIFIED, 30), (Mdm.ENROLLMENT_IN_PROGRESS, 30), (None, 10)]
    ),
    Dev.IN_SERVICE: Weighted(
        [
            (Mdm.ENROLLED, 88),
            (Mdm.ENROLLMENT_IN_PROGRESS, 2),
            (Mdm.IDENTIFIED, 1),
            (Mdm.UNENROLLED, 1),
            (Mdm.DRAFT, 2),
            (None, 6),
        ]
    ),
    Dev.AVAILABLE: Weighted([(Mdm.ENROLLED, 50), (Mdm.UNENROLLED, 35), (None, 15)]),
    Dev.IN_MAINTENANCE: Weighted(
        [
            (Mdm.ENROLLED, 40),
            (Mdm.DEVICE_WIPE_PENDING, 25),
            (Mdm.UNENROLLED, 25),
            (Mdm.ENROLLMENT_IN_PROGRESS, 10),
        ]
    ),
    Dev.OUT_OF_SERVICE: Weighted(
        [(Mdm.DEVICE_WIPE_PENDING, 40), (Mdm.UNENROLLED, 30), (Mdm.ENROLLED, 20), (None, 10)]
    ),
    Dev.ARCHIVED: Weighted([(Mdm.UNENROLLED, 70), (Mdm.DEVICE_WIPE_PENDING, 5), (None, 25)]),
}

LOCK_PROBABILITY: dict[DeviceClientStatus, float] = {
    Dev.IN_SERVICE: 0.02,
    Dev.IN_MAINTENANCE: 0.1,
    Dev.OUT_OF_SERVICE: 0.7,
}
ENROLLED_LIKE = frozenset({Mdm.ENROLLED, Mdm.UNENROLLED, Mdm.DEVICE_WIPE_PENDING})


def draw_mdm(status: DeviceClientStatus, rng: random.Random) -> MdmPlan:
    current = MDM_BY_STATUS[status].pick(rng)
    if current is None or current is Mdm.DRAFT:
        return MdmPlan(current)
    lockable = current in (Mdm.ENROLLED, Mdm.DEVICE_WIPE_PENDING)
    return MdmPlan(
        current,
        deleted_before=status not in PRE_DELIVERY and chance(rng, 0.04),
        draft_after=chance(rng, 0.02),
        locked=lockable and chance(rng, LOCK_PROBABILITY.get(status, 0.0)),
    )


_OLDER_PARCELS = Weighted(
    [
        ((PType.INTER_OFFICE_DELIVERY, PStatus.RECEIVED), 70),
        ((PType.INTER_OFFICE_DELIVERY, PStatus.FAILED), 10),
        ((PType.RETURN, PStatus.RECEIVED), 10),
        ((PType.RETURN, PStatus.FAILED), 10),
    ]
)
_LATEST_PARCEL: dict[DeviceClientStatus, Weighted[tuple[ParcelType, ParcelStatus] | None]] = {
    Dev.DELIVERED: Weighted([(None, 1)]),
    Dev.IN_SERVICE: Weighted(
        [
            (None, 80),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.RECEIVED), 12),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.SHIPPED), 2),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.SCHEDULED), 1.5),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.WAITING), 1.5),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.FAILED), 1),
            ((PType.RETURN, PStatus.FAILED), 2),
        ]
    ),
    Dev.AVAILABLE: Weighted(
        [
            (None, 45),
            ((PType.INTER_OFFICE_DELIVERY, PStatus.RECEIVED), 25),
            ((PType.RETURN, PStatus.WAITING), 15),
            ((PType.RETURN, PStatus.SCHEDULED), 15),
        ]
    ),
    Dev.IN_MAINTENANCE: Weighted(
        [
            (None, 20),
            ((PType.RETURN, PStatus.SHIPPED), 30),
            ((PType.RETURN, PStatus.RECEIVED), 50),
        ]
    ),
    Dev.OUT_OF_SERVICE: Weighted(
        [
            (None, 30),
            ((PType.RETURN, PStatus.WAITING), 20),
            ((PType.RETURN, PStatus.SCHEDULED), 20),
            ((PType.RETURN, PStatus.SHIPPED), 20),
            ((PType.RETURN, PStatus.FAILED), 10),
        ]
    ),
    Dev.ARCHIVED: Weighted([(None, 15), ((PType.RETURN, PStatus.RECEIVED), 85)]),
}


def draw_parcels(status: DeviceClientStatus, rng: random.Random) -> ParcelStory:
    """0 to 3 parcels, oldest first; only the newest may still be on its way."""
    latest = _LATEST_PARCEL.get(status)
    if latest is None:
        return ()
    newest = latest.pick(rng)
    if newest is None:
        return ()
    older = rng.choices((0, 1, 2), weights=(75, 20, 5))[0]
    return (*(_OLDER_PARCELS.pick(rng) for _ in range(older)), newest)


COMMENTS: dict[DeviceClientStatus, tuple[str, ...]] = {
    Dev.IN_MAINTENANCE: (
        "Battery swelling, sent for repair",
        "Cracked screen, repair in progress",
        "Keyboard keys sticking, under warranty repair",
    ),
    Dev.OUT_OF_SERVICE: (
        "Reported stolen, police report filed",
        "Lost while travelling",
        "Liquid damage, awaiting the insurer's decision",
    ),
    Dev.AVAILABLE: (
        "In stock at the office, ready for a new hire",
        "Spare device for the support team",
    ),
    Dev.ARCHIVED: ("Returned at the end of the contract", "Replaced by a newer model"),
}
GENERAL_COMMENTS = (
    "Spare charger included",
    "Asset tag engraved on the bottom case",
    "Shared by the interns",
    "Replacement for a stolen device",
    "Extended warranty until 2028",
    "Loaner for VIP support",
    "Privacy filter fitted",
)


def draw_comment(status: DeviceClientStatus, rng: random.Random) -> str | None:
    specific = COMMENTS.get(status)
    if specific and chance(rng, 0.35):
        return rng.choice(specific)
    if chance(rng, 0.06):
        return rng.choice(GENERAL_COMMENTS)
    return None
