"""`createDevices` and `updateDevice`: the rental platform's own device records, written through
GraphQL and read back through `node` and `devices`.

Every device a test creates has a name (and serial) starting with the test's own tag, and the
`tag` fixture deletes them afterwards, so the seeded fleet other tests count stays as it was.
"""

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import Role
from schema.node import to_global_id
from tests.conftest import GraphQLClient

D = tables.Device.__table__
C = tables.DeviceCharacteristics.__table__
U = tables.User.__table__
CLIENTS = tables.Client.__table__

CHARACTERISTICS = """
screenSize graphic processor ram storage modelYear connectivity keyboardLayout resolution
hasMicrophone hasWebcam noiseCancellation compliance connectionType hasStool hasVideoPackage
hasScreen hasPremiumTablet color seatsNumber assembly osPlatform
"""

DEVICE = f"""
fragment DeviceFields on Device {{
  id databaseId name type category source clientStatus comment brand addedVia serialNumber
  isRented clientPurchasePrice {{ amount currency }} clientPurchaseDate clientWarrantyEndDate
  clientRentalPrice {{ amount currency }} clientRentalStartDate clientRentalEndDate
  clientContractNumber clientInvoiceNumber trackingNumber rent {{ amount }} createdAt updatedAt
  assignee {{ id }} mdm {{ id }}
  characteristics {{ {CHARACTERISTICS} }}
}}
"""

CREATE = (
    """
mutation($input: CreateDevicesInput!) {
  createDevices(input: $input) {
    devices { ...DeviceFields }
    userErrors { field code message }
    clientMutationId
  }
}
"""
    + DEVICE
)

UPDATE = (
    """
mutation($input: UpdateDeviceInput!) {
  updateDevice(input: $input) {
    device { ...DeviceFields }
    userErrors { field code message }
    clientMutationId
  }
}
"""
    + DEVICE
)

NODE = "query($id: ID!) { node(id: $id) { ...DeviceFields } }" + DEVICE
SEARCH = (
    "query($q: String!) { devices(first: 100, filter: {search: $q}) "
    "{ totalCount nodes { ...DeviceFields } } }" + DEVICE
)


@pytest.fixture
async def tag(client: GraphQLClient) -> AsyncIterator[str]:
    """A prefix unique to the test; every device named or numbered with it is deleted after."""
    prefix = f"zz-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        mine = sa.select(D.c.id).where(
            sa.or_(
                D.c.name.startswith(prefix, autoescape=True),
                sa.func.upper(D.c.serial_number).startswith(prefix.upper(), autoescape=True),
            )
        )
        async with client.backend.engine.begin() as conn:
            await conn.execute(sa.delete(C).where(C.c.device_id.in_(mine)))
            await conn.execute(sa.delete(D).where(D.c.id.in_(mine)))


async def as_role(client: GraphQLClient, role: Role, slug: str = "acme") -> GraphQLClient:
    return GraphQLClient(client.http, client.backend, await client.backend.token(slug, role), slug)


async def create(
    client: GraphQLClient, devices: list[dict[str, Any]], **options: Any
) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": {"devices": devices, **options}})
    return data["createDevices"]


async def update(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    return (await client.data(UPDATE, {"input": fields}))["updateDevice"]


def errors(payload: dict[str, Any]) -> set[tuple[tuple[str, ...] | None, str]]:
    return {
        (None if e["field"] is None else tuple(e["field"]), e["code"])
        for e in payload["userErrors"]
    }


async def scalar(client: GraphQLClient, query: sa.Select[Any]) -> Any:
    async with client.backend.engine.connect() as conn:
        return (await conn.execute(query)).scalar()


async def count_tagged(client: GraphQLClient, tag: str) -> int:
    query = sa.select(sa.func.count()).where(D.c.name.startswith(tag, autoescape=True))
    return int(await scalar(client, query))


async def first_user(client: GraphQLClient, slug: str) -> int:
    tenant = await client.backend.tenant_id(slug)
    return int(await scalar(client, sa.select(sa.func.min(U.c.id)).where(U.c.client_id == tenant)))


def full_device(tag: str, user_id: int) -> dict[str, Any]:
    return {
        "name": f"{tag} MacBook Pro 14",
        "type": "LAPTOP",
        "category": "COMPUTER",
        "userId": to_global_id("User", user_id),
        "addedVia": "BULK_IMPORT",
        "brand": "Apple",
        "serialNumber": f"{tag}-SN-FULL",
        "isRented": True,
        "clientPurchasePrice": "1299.9",
        "clientPurchaseDate": "2025-01-15",
        "clientWarrantyEndDate": "2027-01-15",
        "clientRentalPrice": "49.90",
        "clientRentalStartDate": "2025-02-01",
        "clientRentalEndDate": "2028-01-31",
        "clientContractNumber": "LEASE-2025-0042",
        "clientInvoiceNumber": "INV-2025-0042",
        "comment": "  Bought for the design team  ",
        "screenSize": "14 inches",
        "graphic": "Apple M4 Pro 20-core GPU",
        "processor": "Apple M4 Pro",
        "ram": "24 GB",
        "storage": "1 TB SSD",
        "modelYear": "2024",
        "connectivity": "Wi-Fi 6E",
        "keyboardLayout": "FRENCH_AZERTY",
        "resolution": "3024x1964",
        "hasMicrophone": True,
        "hasWebcam": True,
        "noiseCancellation": False,
        "compliance": ["CE", "RoHS"],
        "connectionType": ["USB-C", "HDMI"],
        "hasStool": False,
        "hasVideoPackage": False,
        "hasScreen": True,
        "hasPremiumTablet": False,
        "color": "Space Black",
        "seatsNumber": "1",
        "assembly": "None",
        "osPlatform": "macOS",
    }


def minimal(tag: str, n: int, **fields: Any) -> dict[str, Any]:
    return {"name": f"{tag} device {n}", "type": "SCREEN", "category": "DISPLAY", **fields}


# --- createDevices ------------------------------------------------------------------------------


async def test_create_devices_stores_every_field_and_reads_back(
    client: GraphQLClient, tag: str
) -> None:
    user_id = await first_user(client, "acme")
    tenant = await client.tenant_id()
    currency = await scalar(client, sa.select(CLIENTS.c.currency).where(CLIENTS.c.id == tenant))
    payload = await create(
        client,
        [full_device(tag, user_id), minimal(tag, 2)],
        clientMutationId="batch-1",
    )
    assert payload["userErrors"] == []
    assert payload["clientMutationId"] == "batch-1"
    full, bare = payload["devices"]

    assert full["name"] == f"{tag} MacBook Pro 14"
    assert (full["type"], full["category"], full["brand"]) == ("LAPTOP", "COMPUTER", "Apple")
    assert full["assignee"] == {"id": to_global_id("User", user_id)}
    assert full["addedVia"] == "BULK_IMPORT"
    assert full["serialNumber"] == f"{tag}-SN-FULL"
    assert full["isRented"] is True
    assert full["source"] == "EXTERNAL_RENTAL"
    assert full["clientStatus"] == "IN_SERVICE"
    assert full["clientPurchasePrice"] == {"amount": "1299.90", "currency": currency}
    assert full["clientRentalPrice"] == {"amount": "49.90", "currency": currency}
    assert full["clientPurchaseDate"] == "2025-01-15"
    assert full["clientWarrantyEndDate"] == "2027-01-15"
    assert full["clientRentalStartDate"] == "2025-02-01"
    assert full["clientRentalEndDate"] == "2028-01-31"
    assert full["clientContractNumber"] == "LEASE-2025-0042"
    assert full["clientInvoiceNumber"] == "INV-2025-0042"
    assert full["comment"] == "Bought for the design team", "texts are trimmed"
    assert (full["trackingNumber"], full["rent"], full["mdm"]) == (None, None, None)
    assert full["createdAt"] == full["updatedAt"]
    expected = {
        key: value
        for key, value in full_device(tag, user_id).items()
        if key in CHARACTERISTICS.split()
    }
    assert full["characteristics"] == expected

    # A device with only the required fields: the defaults the gateway chooses.
    assert bare["addedVia"] == "SINGLE_IMPORT"
    assert bare["source"] == "CLIENT_OWNED"
    assert bare["clientStatus"] == "AVAILABLE"
    assert bare["isRented"] is None
    assert bare["assignee"] is None
    assert bare["clientPurchasePrice"] is None
    assert bare["characteristics"] == dict.fromkeys(CHARACTERISTICS.split())

    # What the payload says is what `node` and `devices` read afterwards.
    for created in (full, bare):
        assert (await client.data(NODE, {"id": created["id"]}))["node"] == created
    found = (await client.data(SEARCH, {"q": tag}))["devices"]
    assert found["totalCount"] == 2
    assert sorted(found["nodes"], key=lambda d: d["databaseId"]) == [full, bare]

    # Stored in minor units, beside the tenant's currency, in the viewer's tenant.
    async with client.backend.engine.connect() as conn:
        row = (await conn.execute(sa.select(D).where(D.c.id == full["databaseId"]))).one()
        characteristics = (
            await conn.execute(
                sa.select(C).where(C.c.device_id.in_([full["databaseId"], bare["databaseId"]]))
            )
        ).all()
    assert (row.client_purchase_price_minor, row.client_rental_price_minor) == (129990, 4990)
    assert (row.rent_currency, row.client_id) == (currency, tenant)
    assert row.client_purchase_date == date(2025, 1, 15)
    assert {c.client_id for c in characteristics} == {tenant}
    assert len(characteristics) == 2, "a characteristics row for each device"


async def test_compliance_and_connection_type_take_a_string_or_a_list(
    client: GraphQLClient, tag: str
) -> None:
    # A single string written in the document itself, coerced by GraphQL to a list of one.
    literal = await client.data(
        f"""mutation {{ createDevices(input: {{ devices: [
              {{ name: "{tag} literal", type: "HEADSET", category: "AUDIO",
                 connectionType: "USB-C", compliance: "CE" }}
            ] }}) {{ devices {{ characteristics {{ connectionType compliance }} }}
                     userErrors {{ code }} }} }}"""
    )
    assert literal["createDevices"] == {
        "devices": [{"characteristics": {"connectionType": ["USB-C"], "compliance": ["CE"]}}],
        "userErrors": [],
    }
    # The same through variables, and the list form.
    payload = await create(
        client,
        [
            minimal(tag, 1, connectionType="Bluetooth", compliance="FCC"),
            minimal(tag, 2, connectionType=["USB-C", "Bluetooth"], compliance=["CE", "FCC"]),
        ],
    )
    assert payload["userErrors"] == []
    assert [d["characteristics"]["connectionType"] for d in payload["devices"]] == [
        ["Bluetooth"],
        ["USB-C", "Bluetooth"],
    ]
    assert [d["characteristics"]["compliance"] for d in payload["devices"]] == [
        ["FCC"],
        ["CE", "FCC"],
    ]
    async with client.backend.engine.connect() as conn:
        stored = (
            await conn.execute(
                sa.select(C.c.connection_type).where(
                    C.c.device_id == payload["devices"][0]["databaseId"]
                )
            )
        ).scalar_one()
    assert stored == ["Bluetooth"], "stored as a list"


async def test_every_invalid_item_is_reported_at_its_path(client: GraphQLClient, tag: str) -> None:
    tenant = await client.tenant_id()
    existing = await scalar(
        client,
        sa.select(D.c.serial_number)
        .where(D.c.client_id == tenant, D.c.serial_number.is_not(None))
        .limit(1),
    )
    devices = [
        minimal(tag, 0, serialNumber=f"{tag}-dup"),
        minimal(tag, 1, name="   ", type="T" * 41),
        minimal(
            tag,
            2,
            clientPurchasePrice="12,50",
            clientRentalPrice="-3.00",
            clientRentalStartDate="2025-06-01",
            clientRentalEndDate="2025-05-31",
        ),
        minimal(tag, 3, serialNumber=f" {tag}-DUP "),
        minimal(tag, 4, serialNumber=existing.lower()),
        minimal(tag, 5, compliance=["CE", " "], screenSize="x" * 41, brand=""),
        minimal(tag, 6, userId="not-an-id"),
        minimal(
            tag,
            7,
            clientPurchasePrice="1.999",
            clientRentalPrice="1e3",
            clientPurchaseDate="2025-03-01",
            clientWarrantyEndDate="2024-03-01",
        ),
        minimal(tag, 8, userId=to_global_id("Device", 1), connectionType=["x" * 61]),
        minimal(tag, 9, comment="   ", clientContractNumber="C" * 65),
    ]
    payload = await create(client, devices, clientMutationId="checked")
    assert errors(payload) == {
        (("devices", "1", "name"), "REQUIRED"),
        (("devices", "1", "type"), "TOO_LONG"),
        (("devices", "2", "clientPurchasePrice"), "INVALID"),
        (("devices", "2", "clientRentalPrice"), "INVALID"),
        (("devices", "2", "clientRentalEndDate"), "INVALID"),
        (("devices", "3", "serialNumber"), "DUPLICATE"),
        (("devices", "4", "serialNumber"), "DUPLICATE"),
        (("devices", "5", "compliance", "1"), "INVALID"),
        (("devices", "5", "screenSize"), "TOO_LONG"),
        (("devices", "5", "brand"), "INVALID"),
        (("devices", "6", "userId"), "INVALID_ID"),
        (("devices", "7", "clientPurchasePrice"), "INVALID"),
        (("devices", "7", "clientRentalPrice"), "INVALID"),
        (("devices", "7", "clientWarrantyEndDate"), "INVALID"),
        (("devices", "8", "userId"), "INVALID_ID"),
        (("devices", "8", "connectionType", "0"), "TOO_LONG"),
        (("devices", "9", "comment"), "INVALID"),
        (("devices", "9", "clientContractNumber"), "TOO_LONG"),
    }
    messages = {tuple(e["field"]): e["message"] for e in payload["userErrors"]}
    assert "at most 40" in messages[("devices", "1", "type")]
    assert "at most 64" in messages[("devices", "9", "clientContractNumber")]
    assert "negative" in messages[("devices", "2", "clientRentalPrice")]
    assert "devices[0]" in messages[("devices", "3", "serialNumber")]
    # Errors come item by item, in input order.
    indexes = [int(e["field"][1]) for e in payload["userErrors"]]
    assert indexes == sorted(indexes)
    # The one valid item is created; the others are not.
    assert [d["name"] for d in payload["devices"]] == [f"{tag} device 0"]
    assert payload["clientMutationId"] == "checked"
    assert await count_tagged(client, tag) == 1


async def test_atomic_creates_nothing_when_one_item_is_invalid(
    client: GraphQLClient, tag: str
) -> None:
    devices = [minimal(tag, 0), minimal(tag, 1, clientPurchasePrice="free")]
    refused = await create(client, devices, atomic=True, clientMutationId="all-or-nothing")
    assert refused["devices"] == []
    assert errors(refused) == {(("devices", "1", "clientPurchasePrice"), "INVALID")}
    assert refused["clientMutationId"] == "all-or-nothing"
    assert await count_tagged(client, tag) == 0

    partial = await create(client, devices, atomic=False)
    assert [d["name"] for d in partial["devices"]] == [f"{tag} device 0"]
    assert errors(partial) == {(("devices", "1", "clientPurchasePrice"), "INVALID")}
    assert await count_tagged(client, tag) == 1

    valid = await create(client, [minimal(tag, 2), minimal(tag, 3)], atomic=True)
    assert (len(valid["devices"]), valid["userErrors"]) == (2, [])


async def test_batch_size_is_bounded(client: GraphQLClient, tag: str) -> None:
    cap = client.backend.app.state.settings.action_max_devices
    too_many = await create(client, [minimal(tag, n) for n in range(cap + 1)])
    assert too_many["devices"] == []
    assert errors(too_many) == {(("devices",), "TOO_MANY")}
    assert str(cap) in too_many["userErrors"][0]["message"]
    empty = await create(client, [])
    assert errors(empty) == {(("devices",), "REQUIRED")}
    assert await count_tagged(client, tag) == 0


async def test_a_foreign_or_missing_user_is_not_found(client: GraphQLClient, tag: str) -> None:
    foreign = to_global_id("User", await first_user(client, "globex"))
    missing = to_global_id("User", 10**9)
    own = to_global_id("User", await first_user(client, "acme"))
    payload = await create(
        client,
        [
            minimal(tag, 0, userId=foreign),
            minimal(tag, 1, userId=missing),
            minimal(tag, 2, userId=own),
        ],
    )
    assert errors(payload) == {
        (("devices", "0", "userId"), "NOT_FOUND"),
        (("devices", "1", "userId"), "NOT_FOUND"),
    }
    # The two refusals read the same: nothing tells a foreign user from a missing one.
    assert payload["userErrors"][0]["message"] == payload["userErrors"][1]["message"]
    assert [d["assignee"] for d in payload["devices"]] == [{"id": own}]


async def test_serial_numbers_are_unique_per_tenant_only(client: GraphQLClient, tag: str) -> None:
    globex = await client.backend.tenant_id("globex")
    theirs = await scalar(
        client,
        sa.select(D.c.serial_number)
        .where(D.c.client_id == globex, D.c.serial_number.is_not(None))
        .limit(1),
    )
    payload = await create(client, [minimal(tag, 0, serialNumber=theirs)])
    assert payload["userErrors"] == []
    assert payload["devices"][0]["serialNumber"] == theirs


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.DEVICE_ACTIONS])
async def test_roles_below_device_management_are_forbidden(
    client: GraphQLClient, tag: str, role: Role, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = await as_role(client, role)
    device_id = await scalar(
        client, sa.select(sa.func.min(D.c.id)).where(D.c.client_id == await client.tenant_id())
    )
    before = await scalar(client, sa.select(D.c.updated_at).where(D.c.id == device_id))
    with caplog.at_level(logging.WARNING, logger="gateway.security"):
        created = await create(viewer, [minimal(tag, 0)], clientMutationId="c-1")
        updated = await update(
            viewer, id=to_global_id("Device", device_id), name=f"{tag} x", clientMutationId="u-1"
        )
    for payload, echo in ((created, "c-1"), (updated, "u-1")):
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(None, "FORBIDDEN")]
        assert payload["clientMutationId"] == echo
    assert created["devices"] == []
    assert updated["device"] is None
    assert await count_tagged(client, tag) == 0
    assert await scalar(client, sa.select(D.c.updated_at).where(D.c.id == device_id)) == before

    lines = [r for r in caplog.records if r.name == "gateway.security"]
    assert [r.__dict__["mutation"] for r in lines] == ["createDevices", "updateDevice"]
    claims_user = await first_user_with_role(client, role)
    for line in lines:
        assert line.levelno == logging.WARNING
        assert line.__dict__["tenant_id"] == await client.tenant_id()
        assert line.__dict__["user_id"] == claims_user


async def first_user_with_role(client: GraphQLClient, role: Role) -> int:
    tenant = await client.tenant_id()
    query = sa.select(sa.func.min(U.c.id)).where(U.c.client_id == tenant, U.c.role == role.value)
    return int(await scalar(client, query))


async def test_device_management_may_create_and_update(client: GraphQLClient, tag: str) -> None:
    manager = await as_role(client, Role.DEVICE_MANAGEMENT)
    created = await create(manager, [minimal(tag, 0)])
    assert created["userErrors"] == []
    updated = await update(manager, id=created["devices"][0]["id"], name=f"{tag} renamed")
    assert updated["userErrors"] == []
    assert updated["device"]["name"] == f"{tag} renamed"


# --- updateDevice -------------------------------------------------------------------------------


async def created_device(client: GraphQLClient, tag: str) -> dict[str, Any]:
    payload = await create(client, [full_device(tag, await first_user(client, "acme"))])
    assert payload["userErrors"] == []
    return payload["devices"][0]


async def test_update_changes_only_the_fields_given(client: GraphQLClient, tag: str) -> None:
    device = await created_device(client, tag)

    renamed = await update(client, id=device["id"], name=f"  {tag} renamed ", clientMutationId="r")
    assert renamed["userErrors"] == []
    assert renamed["clientMutationId"] == "r"
    after = renamed["device"]
    assert after["name"] == f"{tag} renamed"
    assert after["updatedAt"] > device["updatedAt"]
    unchanged = {k: v for k, v in after.items() if k not in ("name", "updatedAt")}
    assert unchanged == {k: v for k, v in device.items() if k not in ("name", "updatedAt")}

    # An explicit null clears the comment; the absent name stays.
    cleared = (await update(client, id=device["id"], comment=None))["device"]
    assert (cleared["comment"], cleared["name"]) == (None, f"{tag} renamed")

    # Characteristics: the given ones change (null clears one), the others stay.
    changed = await update(
        client,
        id=device["id"],
        characteristics={"ram": "32 GB", "color": None, "connectionType": "Thunderbolt 4"},
    )
    assert changed["userErrors"] == []
    expected = {
        **device["characteristics"],
        "ram": "32 GB",
        "color": None,
        "connectionType": ["Thunderbolt 4"],
    }
    assert changed["device"]["characteristics"] == expected
    assert changed["device"]["comment"] is None
    node = (await client.data(NODE, {"id": device["id"]}))["node"]
    assert node == changed["device"]


async def test_update_refuses_a_null_or_blank_name(client: GraphQLClient, tag: str) -> None:
    device = await created_device(client, tag)
    for name in ("   ", None):
        refused = await update(client, id=device["id"], name=name, comment="kept?")
        assert errors(refused) == {(("name",), "REQUIRED")}
        assert refused["device"] is None
    too_long = await update(
        client,
        id=device["id"],
        name="n" * 201,
        characteristics={"ram": "r" * 41, "compliance": [""]},
    )
    assert errors(too_long) == {
        (("name",), "TOO_LONG"),
        (("characteristics", "ram"), "TOO_LONG"),
        (("characteristics", "compliance", "0"), "INVALID"),
    }
    null_characteristics = await update(client, id=device["id"], characteristics=None)
    assert errors(null_characteristics) == {(("characteristics",), "INVALID")}
    # Nothing changed.
    assert (await client.data(NODE, {"id": device["id"]}))["node"] == device


async def test_update_of_a_foreign_or_missing_device_is_not_found(
    client: GraphQLClient, tag: str
) -> None:
    globex = await client.backend.tenant_id("globex")
    foreign_id = await scalar(client, sa.select(sa.func.min(D.c.id)).where(D.c.client_id == globex))
    before = await scalar(client, sa.select(D.c.name, D.c.updated_at).where(D.c.id == foreign_id))
    for raw in (to_global_id("Device", foreign_id), to_global_id("Device", 10**9)):
        payload = await update(client, id=raw, name=f"{tag} stolen", clientMutationId="nf")
        assert errors(payload) == {(("id",), "NOT_FOUND")}
        assert (payload["device"], payload["clientMutationId"]) == (None, "nf")
    after = await scalar(client, sa.select(D.c.name, D.c.updated_at).where(D.c.id == foreign_id))
    assert after == before
    malformed = await update(client, id="garbage!", name=f"{tag} x")
    wrong_type = await update(client, id=to_global_id("User", 1), name=f"{tag} x")
    assert errors(malformed) == errors(wrong_type) == {(("id",), "INVALID_ID")}


async def test_update_creates_missing_characteristics_and_reads_fresh(
    client: GraphQLClient, tag: str
) -> None:
    device = await created_device(client, tag)
    async with client.backend.engine.begin() as conn:
        await conn.execute(sa.delete(C).where(C.c.device_id == device["databaseId"]))
    # Two updates of one device in one request: each payload reads the device as it then is.
    data = await client.data(
        """mutation($id: ID!, $name: String) {
          first: updateDevice(input: {id: $id, characteristics: {ram: "8 GB"}}) {
            device { characteristics { ram processor } } userErrors { code } }
          second: updateDevice(input: {id: $id, name: $name, characteristics: {ram: "64 GB"}}) {
            device { name characteristics { ram } } userErrors { code } }
        }""",
        {"id": device["id"], "name": f"{tag} second"},
    )
    assert data["first"] == {
        "device": {"characteristics": {"ram": "8 GB", "processor": None}},
        "userErrors": [],
    }
    assert data["second"] == {
        "device": {"name": f"{tag} second", "characteristics": {"ram": "64 GB"}},
        "userErrors": [],
    }
