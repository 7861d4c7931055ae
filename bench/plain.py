"""The plain endpoint the HTTP targets compare the gateway with: the nested view's rows straight
from PostgreSQL with asyncpg and orjson, no GraphQL, no SQLAlchemy.

`uvicorn bench.plain:create_app --factory` serves `POST /view` (body `{"first": n}`) for the
tenant `PLAIN_TENANT` of `PLAIN_DATABASE_URL` (a `postgresql://` DSN): the same eight statements
as the floor (`bench/floor.py`), each selecting only the view's columns, on one pooled
connection, nested as dicts and encoded once. It is what a hand-written REST endpoint for this
page would be, and the bench serves it with the same uvicorn, uvloop and httptools as the gateway.
"""

import os
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson

from app.enums import MdmEnrollmentStatus
from bench.floor import (
    _ADDRESS_COLUMNS,
    _CHARACTERISTICS_COLUMNS,
    _DEVICE_COLUMNS,
    _MDM_COLUMNS,
    _ORDER_COLUMNS,
    _PARCEL_COLUMNS,
    _USER_COLUMNS,
    NESTED_PAGE,
)
from resolvers.loaders import ADDRESSES, CHARACTERISTICS, DEVICES, MDM, ORDERS, PARCELS, USERS

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _columns(columns: dict[str, str], prefix: str = "") -> str:
    return ", ".join(f'{prefix}{column} AS "{label}"' for label, column in columns.items())


COUNT = f"SELECT count(*) FROM {DEVICES.name} WHERE client_id = $1"
PAGE = (
    f"SELECT {_columns(_DEVICE_COLUMNS)} FROM {DEVICES.name} WHERE client_id = $1 "
    "ORDER BY name ASC NULLS LAST, id ASC LIMIT $2"
)
CHARACTERISTICS_OF = (
    f"SELECT {_columns(_CHARACTERISTICS_COLUMNS)} FROM {CHARACTERISTICS.name} "
    "WHERE device_id = ANY($1::int[])"
)
ORDERS_OF = f"SELECT {_columns(_ORDER_COLUMNS)} FROM {ORDERS.name} WHERE id = ANY($1::int[])"
MDM_OF = (
    f"SELECT {_columns(_MDM_COLUMNS)} FROM {MDM.name} WHERE id IN (SELECT max(id) FROM {MDM.name} "
    f"WHERE device_id = ANY($1::int[]) AND status <> '{MdmEnrollmentStatus.DRAFT.value}' "
    "AND deleted_at IS NULL GROUP BY device_id)"
)
_PARCEL_NAMES = ", ".join(f'"{label}"' for label in _PARCEL_COLUMNS)
PARCELS_OF = (
    f"SELECT {_PARCEL_NAMES}, total FROM (SELECT {_columns(_PARCEL_COLUMNS)}, "
    "row_number() OVER (PARTITION BY device_id ORDER BY created_at DESC, id DESC) AS page_rank, "
    f"count(*) OVER (PARTITION BY device_id) AS total FROM {PARCELS.name} "
    f"WHERE device_id = ANY($1::int[])) ranked WHERE page_rank <= {NESTED_PAGE} "
    """ORDER BY "device_id", page_rank"""
)
USERS_OF = f"SELECT {_columns(_USER_COLUMNS)} FROM {USERS.name} WHERE id = ANY($1::int[])"
ADDRESSES_OF = (
    f"SELECT {_columns(_ADDRESS_COLUMNS)} FROM {ADDRESSES.name} WHERE id = ANY($1::int[])"
)


async def view(conn: asyncpg.Connection, tenant: int, first: int) -> dict[str, Any]:
    """The page as nested dicts (the floor's shape)."""
    total = await conn.fetchval(COUNT, tenant)
    devices = [dict(row) for row in await conn.fetch(PAGE, tenant, first + 1)]
    has_next = len(devices) > first
    devices = devices[:first]
    ids = [device["databaseId"] for device in devices]
    characteristics = {
        row.pop("device_id"): row for row in map(dict, await conn.fetch(CHARACTERISTICS_OF, ids))
    }
    order_ids = list({d["order_id"] for d in devices if d["order_id"] is not None})
    orders = {row["id"]: row for row in map(dict, await conn.fetch(ORDERS_OF, order_ids))}
    enrollments = {row.pop("device_id"): row for row in map(dict, await conn.fetch(MDM_OF, ids))}
    parcels = [dict(row) for row in await conn.fetch(PARCELS_OF, ids)]
    user_ids = list({d["user_id"] for d in devices if d["user_id"] is not None})
    users = {row["id"]: row for row in map(dict, await conn.fetch(USERS_OF, user_ids))}
    address_ids = list(
        {p[k] for p in parcels for k in ("pickup_address_id", "reception_address_id")} - {None}
    )
    addresses = {row["id"]: row for row in map(dict, await conn.fetch(ADDRESSES_OF, address_ids))}
    parcels_of: dict[int, dict[str, Any]] = {}
    for parcel in parcels:
        connection = parcels_of.setdefault(
            parcel.pop("device_id"), {"totalCount": parcel.pop("total"), "nodes": []}
        )
        parcel.pop("total", None)
        parcel["pickupAddress"] = addresses.get(parcel.pop("pickup_address_id"))
        parcel["receptionAddress"] = addresses.get(parcel.pop("reception_address_id"))
        connection["nodes"].append(parcel)
    for device in devices:
        device_id = device["databaseId"]
        user_id, order_id = device.pop("user_id"), device.pop("order_id")
        device["characteristics"] = characteristics.get(device_id)
        device["assignee"] = None if user_id is None else users.get(user_id)
        device["order"] = None if order_id is None else orders.get(order_id)
        device["mdm"] = enrollments.get(device_id)
        device["parcels"] = parcels_of.get(device_id, {"totalCount": 0, "nodes": []})
    return {"devices": {"totalCount": total, "hasNextPage": has_next, "nodes": devices}}


def create_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """A bare ASGI app (no framework): `POST /view` and `GET /readyz`."""
    dsn = os.environ["PLAIN_DATABASE_URL"]
    tenant = int(os.environ["PLAIN_TENANT"])
    pool: asyncpg.Pool | None = None

    async def respond(send: Send, status: int, body: bytes) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal pool
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if pool is not None:
                        await pool.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["path"] == "/readyz":
            await respond(send, 200, b'{"status":"ready"}')
            return
        first = int(orjson.loads(body or b"{}").get("first", 100))
        assert pool is not None
        async with pool.acquire() as conn:
            payload = await view(conn, tenant, first)
        await respond(send, 200, orjson.dumps({"data": payload}))

    return app
