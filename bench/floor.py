"""The floor: the nested device view's rows, fetched with plain SQL and encoded with orjson.

One SQLAlchemy Core statement per table, on the gateway's own engine (same driver, same pool,
same statement counter), all on one connection, each selecting only the columns the view
shows (labelled with their GraphQL names) plus the keys that join them:

    COUNT(devices); devices page (LIMIT n + 1); characteristics, orders, current MDM enrollments,
    parcels (top 3 per device, with their count, by window functions) by the page's device ids;
    then users (assignees) and addresses by the ids found.

The rows become nested dicts, encoded with `orjson.dumps`. What the floor leaves out on purpose:
global IDs and cursors (it carries database ids), money formatting (minor units and currency)
and enum checks (stored strings): per-object work the gateway must do, which the floor does not.
`view_of_floor` and `view_of_gateway` reduce both payloads to the same ids and counts, so a run
can check that the floor fetched the same rows as the gateway.
"""

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import stats
from app.enums import MdmEnrollmentStatus
from bench.timing import Latency
from resolvers.loaders import (
    ADDRESSES,
    CHARACTERISTICS,
    DEVICES,
    MDM,
    ORDERS,
    PARCELS,
    USERS,
)
from schema.node import from_global_id

NESTED_PAGE = 3  # parcels(first: 3)


def _ids(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


def _labelled(table: sa.Table, columns: dict[str, str]) -> list[sa.Label[Any]]:
    """`table.column AS graphqlName` for each (GraphQL name, column name)."""
    return [table.c[column].label(name) for name, column in columns.items()]


_DEVICE_COLUMNS = {
    "databaseId": "id",
    "name": "name",
    "serialNumber": "serial_number",
    "clientStatus": "client_status",
    "type": "type",
    "category": "category",
    "source": "source",
    "comment": "comment",
    "trackingNumber": "tracking_number",
    "trackingUrl": "tracking_url",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "rentMinor": "rent_minor",
    "rentCurrency": "rent_currency",
    "user_id": "user_id",
    "order_id": "order_id",
}
_CHARACTERISTICS_COLUMNS = {
    "device_id": "device_id",
    "screenSize": "screen_size",
    "graphic": "graphic",
    "processor": "processor",
    "ram": "ram",
    "storage": "storage",
    "modelYear": "model_year",
    "connectivity": "connectivity",
    "keyboardLayout": "keyboard_layout",
    "resolution": "resolution",
    "hasMicrophone": "has_microphone",
    "hasWebcam": "has_webcam",
    "noiseCancellation": "noise_cancellation",
    "compliance": "compliance",
    "connectionType": "connection_type",
    "hasStool": "has_stool",
    "hasVideoPackage": "has_video_package",
    "hasScreen": "has_screen",
    "hasPremiumTablet": "has_premium_tablet",
    "color": "color",
    "seatsNumber": "seats_number",
    "assembly": "assembly",
    "osPlatform": "os_platform",
}
_ORDER_COLUMNS = {
    "id": "id",
    "orderNumber": "order_number",
    "contractNumber": "contract_number",
    "clientStatus": "client_status",
    "orderDate": "order_date",
    "numDevices": "num_devices",
    "deviceNames": "device_names",
    "currency": "currency",
    "rentMinor": "rent_minor",
}
_MDM_COLUMNS = {
    "id": "id",
    "device_id": "device_id",
    "status": "status",
    "localName": "local_name",
    "isLocked": "is_locked",
    "lockDate": "lock_date",
    "firewallEnabled": "firewall_enabled",
    "osUpdatesEnabled": "os_updates_enabled",
    "isEncrypted": "is_encrypted",
    "screenlockEnabled": "screenlock_enabled",
    "isCompromised": "is_compromised",
    "osUpdatesAvailable": "os_updates_available",
    "diskEncryptionProfileInstalled": "disk_encryption_profile_installed",
    "enrollmentDate": "enrollment_date",
    "unenrollmentDate": "unenrollment_date",
    "downloadDate": "download_date",
    "lastSeenDate": "last_seen_date",
    "lastSyncDate": "last_sync_date",
}
_PARCEL_COLUMNS = {
    "id": "id",
    "device_id": "device_id",
    "type": "type",
    "status": "status",
    "carrier": "carrier",
    "trackingNumber": "tracking_number",
    "trackingUrl": "tracking_url",
    "pickupDate": "pickup_date",
    "receptionDate": "reception_date",
    "shippingDate": "shipping_date",
    "createdAt": "created_at",
    "pickup_address_id": "pickup_address_id",
    "reception_address_id": "reception_address_id",
}
_USER_COLUMNS = {"id": "id", "name": "name", "email": "email", "team": "team"}
_ADDRESS_COLUMNS = {
    "id": "id",
    "label": "label",
    "street": "street",
    "postalCode": "postal_code",
    "city": "city",
    "country": "country",
}


def _top_per_device(
    table: sa.Table, columns: dict[str, str], order_by: list[sa.ColumnElement[Any]]
) -> sa.Select[Any]:
    """The first `NESTED_PAGE` rows of each device (in `order_by`), with each device's count."""
    ranked = (
        sa.select(
            *_labelled(table, columns),
            sa.func.row_number()
            .over(partition_by=table.c.device_id, order_by=order_by)
            .label("page_rank"),
            sa.func.count().over(partition_by=table.c.device_id).label("total"),
        )
        .where(table.c.device_id.in_(_ids("device_ids")))
        .subquery()
    )
    keep = [ranked.c[name] for name in (*columns, "total")]
    return (
        sa.select(*keep)
        .where(ranked.c.page_rank <= NESTED_PAGE)
        .order_by(ranked.c.device_id, ranked.c.page_rank)
    )


# Built once: the floor pays for executing statements, not for building them.
COUNT_DEVICES = (
    sa.select(sa.func.count())
    .select_from(DEVICES)
    .where(DEVICES.c.client_id == sa.bindparam("tenant"))
)
DEVICE_PAGE = (
    sa.select(*_labelled(DEVICES, _DEVICE_COLUMNS))
    .where(DEVICES.c.client_id == sa.bindparam("tenant"))
    .order_by(DEVICES.c.name.asc().nulls_last(), DEVICES.c.id.asc())
    .limit(sa.bindparam("limit"))
)
CHARACTERISTICS_OF = sa.select(*_labelled(CHARACTERISTICS, _CHARACTERISTICS_COLUMNS)).where(
    CHARACTERISTICS.c.device_id.in_(_ids("device_ids"))
)
ORDERS_OF = sa.select(*_labelled(ORDERS, _ORDER_COLUMNS)).where(ORDERS.c.id.in_(_ids("ids")))
CURRENT_MDM_OF = sa.select(*_labelled(MDM, _MDM_COLUMNS)).where(
    MDM.c.id.in_(
        sa.select(sa.func.max(MDM.c.id))
        .where(
            MDM.c.device_id.in_(_ids("device_ids")),
            MDM.c.status != MdmEnrollmentStatus.DRAFT.value,
            MDM.c.deleted_at.is_(None),
        )
        .group_by(MDM.c.device_id)
    )
)
PARCELS_OF = _top_per_device(
    PARCELS, _PARCEL_COLUMNS, [PARCELS.c.created_at.desc(), PARCELS.c.id.desc()]
)
USERS_OF = sa.select(*_labelled(USERS, _USER_COLUMNS)).where(USERS.c.id.in_(_ids("ids")))
ADDRESSES_OF = sa.select(*_labelled(ADDRESSES, _ADDRESS_COLUMNS)).where(
    ADDRESSES.c.id.in_(_ids("ids"))
)


async def _dicts(
    conn: AsyncConnection, stmt: sa.Select[Any], **params: Any
) -> list[dict[str, Any]]:
    result = await conn.execute(stmt, params)
    # Plain `str` keys: SQLAlchemy's `quoted_name` labels are a `str` subclass orjson refuses.
    keys = list(map(str, result.keys()))
    return [dict(zip(keys, row, strict=True)) for row in result]


def _present(values: Iterable[int | None]) -> list[int]:
    return list({value for value in values if value is not None})


async def fetch_page(conn: AsyncConnection, first: int, tenant: int) -> dict[str, Any]:
    """The nested device view's first page of `first` devices of `tenant`, as nested dicts."""
    total = (await conn.execute(COUNT_DEVICES, {"tenant": tenant})).scalar_one()
    devices = await _dicts(conn, DEVICE_PAGE, limit=first + 1, tenant=tenant)
    has_next = len(devices) > first
    devices = devices[:first]
    device_ids = [device["databaseId"] for device in devices]

    characteristics = {
        row.pop("device_id"): row
        for row in await _dicts(conn, CHARACTERISTICS_OF, device_ids=device_ids)
    }
    orders = {
        row["id"]: row
        for row in await _dicts(
            conn, ORDERS_OF, ids=_present(device["order_id"] for device in devices)
        )
    }
    enrollments = {
        row.pop("device_id"): row
        for row in await _dicts(conn, CURRENT_MDM_OF, device_ids=device_ids)
    }
    parcels = await _dicts(conn, PARCELS_OF, device_ids=device_ids)
    user_ids = _present(device["user_id"] for device in devices)
    users = {row["id"]: row for row in await _dicts(conn, USERS_OF, ids=user_ids)}
    address_ids = _present(
        [
            *(row["pickup_address_id"] for row in parcels),
            *(row["reception_address_id"] for row in parcels),
        ]
    )
    addresses = {row["id"]: row for row in await _dicts(conn, ADDRESSES_OF, ids=address_ids)}

    parcels_of: dict[int, dict[str, Any]] = {}
    for parcel in parcels:
        device_id = parcel.pop("device_id")
        connection = parcels_of.setdefault(device_id, {"totalCount": parcel["total"], "nodes": []})
        del parcel["total"]
        parcel["pickupAddress"] = addresses.get(parcel.pop("pickup_address_id"))
        parcel["receptionAddress"] = addresses.get(parcel.pop("reception_address_id"))
        connection["nodes"].append(parcel)
    no_parcels = {"totalCount": 0, "nodes": []}
    for device in devices:
        device_id = device["databaseId"]
        user_id, order_id = device.pop("user_id"), device.pop("order_id")
        device["characteristics"] = characteristics.get(device_id)
        device["assignee"] = None if user_id is None else users.get(user_id)
        device["order"] = None if order_id is None else orders.get(order_id)
        device["mdm"] = enrollments.get(device_id)
        device["parcels"] = parcels_of.get(device_id, no_parcels)
    return {"devices": {"totalCount": total, "hasNextPage": has_next, "nodes": devices}}


@dataclass(frozen=True, slots=True)
class FloorSample:
    elapsed_ns: int
    statements: int
    body_bytes: int
    payload: dict[str, Any]


async def floor_once(engine: AsyncEngine, first: int, tenant: int) -> FloorSample:
    """One timed floor fetch: connection checkout, queries, assembly and orjson encoding."""
    figures = stats.begin_request()
    started = time.perf_counter_ns()
    async with engine.connect() as conn:
        payload = await fetch_page(conn, first, tenant)
    body = orjson.dumps(payload)
    elapsed = time.perf_counter_ns() - started
    return FloorSample(elapsed, figures.sql_statements, len(body), payload)


@dataclass(frozen=True, slots=True)
class FloorRun:
    page_size: int
    latency: Latency
    statements: int
    body_bytes: int
    payload: dict[str, Any]

    @classmethod
    def of(cls, page_size: int, samples: Sequence[FloorSample]) -> "FloorRun":
        last = samples[-1]
        return cls(
            page_size,
            Latency.of([sample.elapsed_ns for sample in samples]),
            max(sample.statements for sample in samples),
            last.body_bytes,
            last.payload,
        )


# The ids and counts both payloads must agree on, device by device.
View = dict[str, Any]


def view_of_floor(payload: dict[str, Any]) -> View:
    devices = payload["devices"]
    return {
        "totalCount": devices["totalCount"],
        "hasNextPage": devices["hasNextPage"],
        "devices": [
            (
                node["databaseId"],
                node["characteristics"] is not None,
                _id(node["assignee"]),
                _id(node["order"]),
                _id(node["mdm"]),
                node["parcels"]["totalCount"],
                [
                    (p["id"], _id(p["pickupAddress"]), _id(p["receptionAddress"]))
                    for p in node["parcels"]["nodes"]
                ],
            )
            for node in devices["nodes"]
        ],
    }


def view_of_gateway(data: dict[str, Any]) -> View:
    devices = data["devices"]
    return {
        "totalCount": devices["totalCount"],
        "hasNextPage": devices["pageInfo"]["hasNextPage"],
        "devices": [
            (
                node["databaseId"],
                node["characteristics"] is not None,
                _global(node["assignee"]),
                _global(node["order"]),
                _global(node["mdm"]),
                node["parcels"]["totalCount"],
                [
                    (
                        _global(p["node"]),
                        _global(p["node"]["pickupAddress"]),
                        _global(p["node"]["receptionAddress"]),
                    )
                    for p in node["parcels"]["edges"]
                ],
            )
            for node in (edge["node"] for edge in devices["edges"])
        ],
    }


def _id(obj: dict[str, Any] | None) -> int | None:
    return None if obj is None else obj["id"]


def _global(obj: dict[str, Any] | None) -> int | None:
    return None if obj is None else from_global_id(obj["id"])[1]


def compare(gateway: View, floor: View) -> str | None:
    """None when both views agree, else a short description of the first difference."""
    for key in ("totalCount", "hasNextPage"):
        if gateway[key] != floor[key]:
            return f"{key}: gateway {gateway[key]!r}, floor {floor[key]!r}"
    if len(gateway["devices"]) != len(floor["devices"]):
        return f"devices: gateway {len(gateway['devices'])}, floor {len(floor['devices'])}"
    for ours, theirs in zip(gateway["devices"], floor["devices"], strict=True):
        if ours != theirs:
            return f"device {ours[0]}: gateway {ours!r}, floor {theirs!r}"
    return None
