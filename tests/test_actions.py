"""Device actions over HTTP against the MDM simulator: happy paths, dry runs, the provider's
platform rules, validation, idempotent replay, upstream failures, asynchronous follow-up.

Devices are picked from the simulator's live records by the property a test needs (an
unsupervised iPhone, an Android in kiosk mode ...), never by hard-coded ids.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db import tables
from schema.node import to_global_id
from tests.conftest import UPSTREAM_TEST_SETTINGS, Backend, GraphQLClient, Simulators, gateway

D = tables.Device.__table__
C = tables.Client.__table__
U = tables.User.__table__
E = tables.MdmEnrollment.__table__
RUNS = tables.DeviceActionRun.__table__

RUN_FIELDS = """
  run { id action status refusal finishedAt requestedBy { databaseId }
        targets { status code failure reason device { databaseId } } }
  ineligible { code reason device { databaseId } }
  userErrors { field code message }
  clientMutationId
"""

Record = dict[str, Any]
DETAILS = re.compile(r".*/api/v1/device/\d+")


@dataclass
class Fleet:
    """The tenant's devices as the MDM simulator knows them right now."""

    client: GraphQLClient
    sims: Simulators
    by_mdm: dict[int, int]  # provider id -> gateway id

    async def records(self) -> list[Record]:
        tenant = await self.client.tenant_id()
        async with self.client.backend.engine.connect() as conn:
            query = sa.select(C.c.mdm_partition_id).where(C.c.id == tenant)
            partition = (await conn.execute(query)).scalar_one()
        async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
            response = await http.get(
                f"{self.sims.mdm_url}/api/v1/device",
                params={"dmPartitionId": partition, "rows": 500},
            )
        response.raise_for_status()
        return [r for r in response.json()["result"]["searchResults"] if r["id"] in self.by_mdm]

    async def pick(self, test: Callable[[Record], bool], count: int = 1) -> list[Record]:
        found = [record for record in await self.records() if test(record)]
        if len(found) < count:
            pytest.skip(f"the seed has fewer than {count} such devices")
        return found[:count]

    def gid(self, record: Record) -> str:
        return to_global_id("Device", self.by_mdm[record["id"]])

    def db_id(self, record: Record) -> int:
        return self.by_mdm[record["id"]]

    async def details(self, record: Record) -> Record:
        async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
            response = await http.get(f"{self.sims.mdm_url}/api/v1/device/{record['id']}")
        return response.json()["result"]


def active(record: Record) -> bool:
    return record["registrationState"] == "ACTIVE"


def ios(supervised: bool | None = None) -> Callable[[Record], bool]:
    return lambda r: (
        active(r)
        and r["platformType"] == "IOS"
        and (supervised is None or bool(r["supervised"]) == supervised)
    )


def platform(name: str) -> Callable[[Record], bool]:
    return lambda r: active(r) and r["platformType"] == name


async def _fleet(client: GraphQLClient, sims: Simulators) -> Fleet:
    tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        query = sa.select(D.c.mdm_device_id, D.c.id).where(
            D.c.client_id == tenant, D.c.mdm_device_id.is_not(None)
        )
        rows = (await conn.execute(query)).all()
    return Fleet(client, sims, {row.mdm_device_id: row.id for row in rows})


@pytest.fixture
async def fleet(backend: Backend, simulators: Simulators) -> AsyncIterator[Fleet]:
    """A gateway whose follower looks every 50 ms, over the simulators (reset around the test)."""
    await simulators.reset()
    await simulators.http.put("/mdm/_sim/actions", json={"delay_ms": 100})
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        action_poll_seconds=0.05,
        action_follower=True,
        **UPSTREAM_TEST_SETTINGS,
    ) as client:
        yield await _fleet(client, simulators)
    await simulators.reset()


async def act(
    client: GraphQLClient, mutation: str, input: dict[str, Any], input_type: str | None = None
) -> dict[str, Any]:
    input_type = input_type or mutation[0].upper() + mutation[1:] + "Input"
    query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {RUN_FIELDS} }} }}"
    return (await client.data(query, {"input": input}))[mutation]


async def mdm_requests(sims: Simulators, path: str) -> int:
    stats = (await sims.http.get("/mdm/_sim/stats")).json()
    return sum(n for p, n in stats["by_path"].items() if path in p)


async def requests_but_follow_ups(sims: Simulators) -> int:
    """Requests to the MDM simulator, but for device reads (the follower re-reads devices of
    runs earlier tests left PENDING, whatever this test does)."""
    stats = (await sims.http.get("/mdm/_sim/stats")).json()
    return sum(n for p, n in stats["by_path"].items() if not DETAILS.fullmatch(p))


async def wait_for_run(client: GraphQLClient, run_id: str, seconds: float = 5.0) -> dict[str, Any]:
    query = """query($id: ID!) { node(id: $id) { ... on DeviceActionRun {
        status finishedAt targets { status code failure reason } } } }"""
    for _ in range(int(seconds / 0.05)):
        run = (await client.data(query, {"id": run_id}))["node"]
        if run["status"] != "PENDING":
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} still PENDING after {seconds}s: {run}")


# ---- happy paths --------------------------------------------------------------------------------


async def test_lock_runs_records_and_mirrors_the_enrollment(fleet: Fleet) -> None:
    client = fleet.client
    (device,) = await fleet.pick(active)
    payload = await act(
        client, "lockDevices", {"deviceIds": [fleet.gid(device)], "clientMutationId": "m1"}
    )
    assert (payload["userErrors"], payload["ineligible"]) == ([], [])
    assert payload["clientMutationId"] == "m1"
    run = payload["run"]
    assert (run["action"], run["status"]) == ("LOCK", "SUCCEEDED")
    assert run["finishedAt"]
    assert run["targets"] == [
        {
            "status": "SUCCEEDED",
            "code": None,
            "failure": None,
            "reason": None,
            "device": {"databaseId": fleet.db_id(device)},
        }
    ]
    query = """query($id: ID!) { node(id: $id) { ... on Device {
        mdm { isLocked lockDate } actionRuns(first: 1) { totalCount nodes { id action } } } } }"""
    seen = (await client.data(query, {"id": fleet.gid(device)}))["node"]
    if seen["mdm"] is not None:
        assert seen["mdm"]["isLocked"] is True
        assert seen["mdm"]["lockDate"]
    assert seen["actionRuns"]["nodes"][0] == {"id": run["id"], "action": "LOCK"}


async def test_actions_change_the_provider_state(fleet: Fleet) -> None:
    client = fleet.client
    (phone,) = await fleet.pick(lambda r: ios()(r) and not r.get("lostModeEnabled"))
    payload = await act(
        client,
        "enableLostMode",
        {"deviceIds": [fleet.gid(phone)], "message": "Lost: call us", "footnote": "ACME IT"},
    )
    assert payload["run"]["status"] == "SUCCEEDED", payload
    assert (await fleet.details(phone))["lostModeEnabled"] is True
    payload = await act(client, "disableLostMode", {"deviceIds": [fleet.gid(phone)]})
    assert payload["run"]["status"] == "SUCCEEDED", payload
    assert (await fleet.details(phone))["lostModeEnabled"] is False


async def test_custom_attributes_replace_patch_remove(fleet: Fleet) -> None:
    client = fleet.client
    (device,) = await fleet.pick(active)
    ids = [fleet.gid(device)]
    read = """query($id: ID!) { node(id: $id) { ... on Device {
        customAttributes { key values numeric } } } }"""

    async def attributes() -> list[dict[str, Any]]:
        return (await client.data(read, {"id": ids[0]}))["node"]["customAttributes"]

    payload = await act(
        client,
        "replaceCustomAttributes",
        {
            "deviceIds": ids,
            "attributes": [
                {"key": "cityId", "stringValues": ["SF"]},
                {"key": "floor", "numberValues": [3]},
            ],
        },
    )
    assert payload["run"]["status"] == "SUCCEEDED", payload
    assert await attributes() == [
        {"key": "cityId", "values": ["SF"], "numeric": False},
        {"key": "floor", "values": ["3"], "numeric": True},
    ]
    payload = await act(
        client,
        "patchCustomAttributes",
        {
            "deviceIds": ids,
            "forceOverwrite": False,
            "attributes": [{"key": "cityId", "stringValues": ["NYC"]}],
        },
    )
    assert payload["run"]["status"] == "SUCCEEDED", payload
    assert (await attributes())[0] == {"key": "cityId", "values": ["SF", "NYC"], "numeric": False}
    payload = await act(
        client,
        "removeCustomAttributes",
        {"deviceIds": ids, "keys": [{"key": "floor", "numeric": True}]},
    )
    assert payload["run"]["status"] == "SUCCEEDED", payload
    assert [a["key"] for a in await attributes()] == ["cityId"]


# ---- dry runs and platform rules ----------------------------------------------------------------


async def test_dry_run_answers_ineligible_devices_and_changes_nothing(fleet: Fleet) -> None:
    client = fleet.client
    (good,) = await fleet.pick(ios(supervised=True))
    (unsupervised,) = await fleet.pick(ios(supervised=False))
    (android,) = await fleet.pick(platform("ANDROID"))
    runs_before = len(await client.scalars(sa.select(RUNS.c.id)))
    restarts_before = await mdm_requests(fleet.sims, "/restart")
    payload = await act(
        client,
        "restartDevices",
        {"deviceIds": [fleet.gid(d) for d in (good, unsupervised, android)], "dryRun": True},
    )
    assert (payload["run"], payload["userErrors"]) == (None, [])
    found = {i["device"]["databaseId"]: i["code"] for i in payload["ineligible"]}
    assert found == {
        fleet.db_id(unsupervised): "NOT_SUPERVISED",
        fleet.db_id(android): "PLATFORM_NOT_SUPPORTED",
    }
    assert len(await client.scalars(sa.select(RUNS.c.id))) == runs_before
    assert await mdm_requests(fleet.sims, "/restart") == restarts_before


PLATFORM_RULES = [
    # (mutation, extra input, device the rule refuses, expected code)
    ("restartDevices", {}, ios(supervised=False), "NOT_SUPERVISED"),
    ("restartDevices", {}, platform("ANDROID"), "PLATFORM_NOT_SUPPORTED"),
    ("enableLostMode", {"message": "Lost"}, platform("ANDROID"), "PLATFORM_NOT_SUPPORTED"),
    ("disableLostMode", {}, lambda r: ios()(r) and not r.get("lostModeEnabled"), "WRONG_STATE"),
    ("enterKioskMode", {}, platform("IOS"), "PLATFORM_NOT_SUPPORTED"),
    (
        "exitKioskMode",
        {},
        lambda r: platform("ANDROID")(r) and r["kioskState"] != "ACTIVE",
        "WRONG_STATE",
    ),
    ("relinquishOwnership", {}, platform("IOS"), "PLATFORM_NOT_SUPPORTED"),
    ("cancelRelinquishOwnership", {}, platform("OSX"), "PLATFORM_NOT_SUPPORTED"),
    ("scheduleOsUpdate", {"version": "99.0"}, platform("ANDROID"), "PLATFORM_NOT_SUPPORTED"),
    ("scheduleOsUpdate", {"version": "1.0"}, platform("IOS"), "WRONG_STATE"),
    ("logoutDeviceUsers", {}, platform("OSX"), "PLATFORM_NOT_SUPPORTED"),
    (
        "wipeDevices",
        {"disallowProximitySetup": True},
        platform("ANDROID"),
        "PLATFORM_NOT_SUPPORTED",
    ),
    (
        "wipeDevices",
        {"returnToService": True, "wifiConfigurationId": 1},
        active,
        "MISSING_PREREQUISITE",
    ),
    ("deleteDevices", {}, active, "WRONG_REGISTRATION_STATE"),
    (
        "lockDevices",
        {},
        lambda r: r["registrationState"] in ("RETIRED", "WIPED"),
        "WRONG_REGISTRATION_STATE",
    ),
]


@pytest.mark.parametrize(("mutation", "extra", "refused", "code"), PLATFORM_RULES)
async def test_platform_rules_refuse_in_dry_and_real_runs(
    fleet: Fleet, mutation: str, extra: dict[str, Any], refused: Callable[[Record], bool], code: str
) -> None:
    client = fleet.client
    (device,) = await fleet.pick(refused)
    for dry in (True, False):
        payload = await act(
            client, mutation, {"deviceIds": [fleet.gid(device)], "dryRun": dry, **extra}
        )
        assert payload["userErrors"] == [], payload
        assert [(i["device"]["databaseId"], i["code"]) for i in payload["ineligible"]] == [
            (fleet.db_id(device), code)
        ], payload
        if not dry:
            assert payload["run"]["status"] == "REJECTED"
            assert payload["run"]["targets"][0]["code"] == code


async def test_assign_rejects_unsupervised_and_follows_reassignment(fleet: Fleet) -> None:
    client = fleet.client
    tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        query = sa.select(U.c.id).where(U.c.client_id == tenant, U.c.mdm_account_id.is_not(None))
        user_id = (await conn.execute(query.order_by(U.c.id.desc()).limit(1))).scalar_one()
    (good,) = await fleet.pick(ios(supervised=True))
    (bad,) = await fleet.pick(ios(supervised=False))
    # Long enough for the answer to leave before the follower's first look on a loaded machine.
    await fleet.sims.http.put("/mdm/_sim/actions", json={"delay_ms": 800})
    payload = await act(
        client,
        "assignDevice",
        {"deviceIds": [fleet.gid(good), fleet.gid(bad)], "userId": to_global_id("User", user_id)},
    )
    assert [i["code"] for i in payload["ineligible"]] == ["NOT_SUPERVISED"]
    run = payload["run"]
    assert run["status"] == "PENDING", run
    final = await wait_for_run(client, run["id"])
    assert final["status"] == "SUCCEEDED", final
    assert [t["status"] for t in final["targets"]] == ["SUCCEEDED", "REJECTED"]
    query = "query($id: ID!) { node(id: $id) { ... on Device { assignee { databaseId } } } }"
    seen = (await client.data(query, {"id": fleet.gid(good)}))["node"]
    assert seen["assignee"] == {"databaseId": user_id}


async def test_a_failed_reassignment_fails_the_run_and_keeps_the_assignee(fleet: Fleet) -> None:
    client = fleet.client
    await fleet.sims.http.put("/mdm/_sim/actions", json={"delay_ms": 50, "reassignment": "FAILED"})
    tenant = await client.tenant_id()
    (good,) = await fleet.pick(ios(supervised=True))
    async with client.backend.engine.connect() as conn:
        before = (
            await conn.execute(sa.select(D.c.user_id).where(D.c.id == fleet.db_id(good)))
        ).scalar()
        query = sa.select(U.c.id).where(
            U.c.client_id == tenant, U.c.mdm_account_id.is_not(None), U.c.id != (before or 0)
        )
        user_id = (await conn.execute(query.limit(1))).scalar_one()
    payload = await act(
        client,
        "assignDevice",
        {"deviceIds": [fleet.gid(good)], "userId": to_global_id("User", user_id)},
    )
    final = await wait_for_run(client, payload["run"]["id"])
    assert final["status"] == "FAILED"
    assert final["targets"][0]["failure"] == "PROVIDER_FAILED"
    async with client.backend.engine.connect() as conn:
        after = (
            await conn.execute(sa.select(D.c.user_id).where(D.c.id == fleet.db_id(good)))
        ).scalar()
    assert after == before


async def test_wipe_is_followed_until_the_provider_says_wiped(fleet: Fleet) -> None:
    client = fleet.client
    (device,) = await fleet.pick(active)
    # Long enough for the answer to leave before the follower's first look on a loaded machine.
    await fleet.sims.http.put("/mdm/_sim/actions", json={"delay_ms": 800})
    payload = await act(client, "wipeDevices", {"deviceIds": [fleet.gid(device)]})
    assert payload["run"]["status"] == "PENDING", payload
    final = await wait_for_run(client, payload["run"]["id"])
    assert final["status"] == "SUCCEEDED"
    assert (await fleet.details(device))["registrationState"] == "WIPED"


async def test_a_run_that_never_finishes_times_out(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    await simulators.http.put("/mdm/_sim/actions", json={"delay_ms": 60_000})
    try:
        async with gateway(
            backend,
            mdm_base_url=simulators.mdm_url,
            inventory_base_url=simulators.inventory_url,
            action_poll_seconds=0.05,
            action_follower=True,
            action_timeout_seconds=0.3,
            **UPSTREAM_TEST_SETTINGS,
        ) as client:
            fleet = await _fleet(client, simulators)
            (device,) = await fleet.pick(active)
            payload = await act(client, "retireDevices", {"deviceIds": [fleet.gid(device)]})
            assert payload["run"]["status"] == "PENDING"
            final = await wait_for_run(client, payload["run"]["id"])
            assert final["status"] == "FAILED"
            assert final["targets"][0]["failure"] == "TIMED_OUT"
    finally:
        await simulators.reset()


# ---- validation, idempotency, failures ----------------------------------------------------------


VALIDATION = [
    ("unlockDevices", {"pin": "12ab"}, ["pin"], "INVALID"),
    ("unlockDevices", {"pin": "12ab-567"}, ["pin"], "INVALID"),
    ("enableLostMode", {"message": "  "}, ["message"], "REQUIRED"),
    ("enableLostMode", {"message": "Lost", "footnote": "x" * 16}, ["footnote"], "TOO_LONG"),
    ("enableLostMode", {"message": "Lost", "phoneNumber": "call me"}, ["phoneNumber"], "INVALID"),
    ("scheduleOsUpdate", {"version": "latest"}, ["version"], "INVALID"),
    (
        "sendDeviceMessage",
        {"message": "hi", "sendEmail": True, "emailBody": "Please return it"},
        ["emailSubject"],
        "REQUIRED",
    ),
    ("wipeDevices", {"returnToService": True}, ["wifiConfigurationId"], "REQUIRED"),
    (
        "patchCustomAttributes",
        {"attributes": [{"key": "a_#", "numberValues": [1]}]},
        ["attributes", "0", "key"],
        "INVALID",
    ),
    ("patchCustomAttributes", {"attributes": [{"key": "a"}]}, ["attributes", "0"], "INVALID"),
    ("excludeConfiguration", {"configurationIds": [5, 5]}, ["configurationIds", "1"], "DUPLICATE"),
    ("lockDevices", {"idempotencyKey": "k" * 201}, ["idempotencyKey"], "TOO_LONG"),
]


@pytest.mark.parametrize(("mutation", "extra", "field", "code"), VALIDATION)
async def test_invalid_input_is_a_user_error_and_reaches_no_upstream(
    fleet: Fleet, mutation: str, extra: dict[str, Any], field: list[str], code: str
) -> None:
    (device,) = await fleet.pick(active)
    input_type = "ConfigurationActionInput" if mutation.endswith("Configuration") else None
    before = await requests_but_follow_ups(fleet.sims)
    payload = await act(
        fleet.client, mutation, {"deviceIds": [fleet.gid(device)], **extra}, input_type
    )
    assert payload["run"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)], payload
    assert await requests_but_follow_ups(fleet.sims) == before


async def test_device_ids_are_checked_with_their_index(fleet: Fleet) -> None:
    records = await fleet.pick(active, 2)
    user = to_global_id("User", 1)
    ids = [fleet.gid(records[0]), "not-an-id", user, fleet.gid(records[0])]
    payload = await act(fleet.client, "lockDevices", {"deviceIds": ids})
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["deviceIds", "1"], "INVALID_ID"),
        (["deviceIds", "2"], "INVALID_ID"),
        (["deviceIds", "3"], "DUPLICATE"),
    ]
    too_many = [to_global_id("Device", i) for i in range(1, 102)]
    payload = await act(fleet.client, "lockDevices", {"deviceIds": too_many})
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["deviceIds"], "TOO_MANY")]


async def test_idempotency_key_replays_the_first_run(fleet: Fleet) -> None:
    client = fleet.client
    (device,) = await fleet.pick(active)
    input = {"deviceIds": [fleet.gid(device)], "idempotencyKey": "wipe-once-1"}
    first = await act(client, "wipeDevices", input)
    wipes = await mdm_requests(fleet.sims, "/wipe")
    again = await act(client, "wipeDevices", input)
    assert again["run"]["id"] == first["run"]["id"]
    assert await mdm_requests(fleet.sims, "/wipe") == wipes
    other = await act(client, "wipeDevices", {**input, "message": "something else"})
    assert other["run"] is None
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_an_upstream_failure_mid_batch_fails_only_the_devices_it_hit(fleet: Fleet) -> None:
    client = fleet.client
    devices = await fleet.pick(active, 3)
    second = devices[1]["id"]
    await fleet.sims.fault(
        "mdm", "5xx", times=5, path_prefix=f"/api/v1/device/{second}/customattributes"
    )
    payload = await act(
        client,
        "patchCustomAttributes",
        {
            "deviceIds": [fleet.gid(d) for d in devices],
            "attributes": [{"key": "batch", "stringValues": ["x"]}],
        },
    )
    run = payload["run"]
    assert run["status"] == "FAILED"
    assert [(t["status"], t["failure"]) for t in run["targets"]] == [
        ("SUCCEEDED", None),
        ("FAILED", "UPSTREAM_UNAVAILABLE"),
        ("SUCCEEDED", None),
    ]


async def test_a_failed_bulk_call_fails_every_target_with_a_typed_reason(fleet: Fleet) -> None:
    client = fleet.client
    devices = await fleet.pick(active, 2)
    await fleet.sims.fault("mdm", "5xx", path_prefix="/api/v1/device/forceCheckin")
    payload = await act(
        client, "forceCheckinDevices", {"deviceIds": [fleet.gid(d) for d in devices]}
    )
    run = payload["run"]
    assert run["status"] == "FAILED"
    assert {t["failure"] for t in run["targets"]} == {"UPSTREAM_UNAVAILABLE"}
    assert all(t["reason"] for t in run["targets"])


async def test_a_foreign_device_is_not_found_and_nothing_is_sent(fleet: Fleet) -> None:
    (device,) = await fleet.pick(active)
    async with gateway(
        fleet.client.backend,
        "globex",
        mdm_base_url=fleet.sims.mdm_url,
        inventory_base_url=fleet.sims.inventory_url,
    ) as other:
        before = await mdm_requests(fleet.sims, "/lock")
        payload = await act(other, "lockDevices", {"deviceIds": [fleet.gid(device)]})
        assert [(i["code"], i["device"]) for i in payload["ineligible"]] == [("NOT_FOUND", None)]
        assert payload["run"]["status"] == "REJECTED"
        assert await mdm_requests(fleet.sims, "/lock") == before


# ---- every other action's happy path ----------------------------------------------------------


async def config_of(fleet: Fleet, record: Record, status: str) -> int | None:
    """The provider id of a configuration with `status` on the device, if any."""
    async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
        response = await http.get(f"{fleet.sims.mdm_url}/api/v1/device/{record['id']}/configs")
    configs = response.json()["result"]["searchResults"]
    return next((c["id"] for c in configs if c["status"] == status), None)


async def config_status(fleet: Fleet, record: Record, config_id: int) -> str:
    async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
        response = await http.get(f"{fleet.sims.mdm_url}/api/v1/device/{record['id']}/configs")
    configs = response.json()["result"]["searchResults"]
    return str(next(c["status"] for c in configs if c["id"] == config_id))


async def succeeded(fleet: Fleet, mutation: str, record: Record, **extra: Any) -> dict[str, Any]:
    input_type = "ConfigurationActionInput" if mutation.endswith("Configuration") else None
    payload = await act(
        fleet.client, mutation, {"deviceIds": [fleet.gid(record)], **extra}, input_type
    )
    assert (payload["userErrors"], payload["ineligible"]) == ([], []), payload
    assert payload["run"]["status"] == "SUCCEEDED", payload
    return payload


async def test_unlock_with_a_pin_and_with_the_legacy_code(fleet: Fleet) -> None:
    first, second = await fleet.pick(active, 2)
    await succeeded(fleet, "lockDevices", first)
    payload = await succeeded(fleet, "unlockDevices", first, pin="ab12cd34")
    assert "pin" not in str(await fleet.client.rows(sa.select(RUNS.c.input)))
    assert payload["run"]["targets"][0]["status"] == "SUCCEEDED"
    await succeeded(fleet, "unlockDevices", second, pin="")
    query = "query($id: ID!) { node(id: $id) { ... on Device { mdm { isLocked } } } }"
    seen = (await fleet.client.data(query, {"id": fleet.gid(first)}))["node"]
    if seen["mdm"] is not None:
        assert seen["mdm"]["isLocked"] is False


async def test_delete_a_retired_device(fleet: Fleet) -> None:
    (device,) = await fleet.pick(lambda r: r["registrationState"] == "RETIRED")
    await succeeded(fleet, "deleteDevices", device)
    async with httpx.AsyncClient(auth=("gateway", "gateway-secret")) as http:
        response = await http.get(f"{fleet.sims.mdm_url}/api/v1/device/{device['id']}")
    assert response.status_code == 404


async def test_force_checkin_restart_os_update_logout_message_and_compliance(fleet: Fleet) -> None:
    (device,) = await fleet.pick(active)
    before = device["lastCheckin"] or 0
    await succeeded(fleet, "forceCheckinDevices", device)
    assert (await fleet.details(device))["lastCheckin"] > before
    (iphone,) = await fleet.pick(ios(supervised=True))
    await succeeded(fleet, "restartDevices", iphone)
    await succeeded(fleet, "scheduleOsUpdate", iphone, version="99.1")
    (android,) = await fleet.pick(platform("ANDROID"))
    await succeeded(fleet, "logoutDeviceUsers", android)
    await succeeded(
        fleet,
        "sendDeviceMessage",
        device,
        message="Please return the laptop",
        sendEmail=True,
        emailSubject="Return",
        emailBody="Friday, please.",
    )
    await succeeded(fleet, "syncCompliance", device, vendor="INTUNE")


async def test_kiosk_mode_and_relinquishing(fleet: Fleet) -> None:
    (kiosk,) = await fleet.pick(lambda r: platform("ANDROID")(r) and r["kioskState"] != "ACTIVE")
    await succeeded(fleet, "enterKioskMode", kiosk)
    assert (await fleet.details(kiosk))["kioskState"] == "ACTIVE"
    await succeeded(fleet, "exitKioskMode", kiosk)
    assert (await fleet.details(kiosk))["kioskState"] == "INACTIVE"
    (owned,) = await fleet.pick(
        lambda r: platform("ANDROID")(r) and r["ownershipType"] == "COMPANY"
    )
    # Long enough for the cancellation to arrive first on a loaded machine.
    await fleet.sims.http.put("/mdm/_sim/actions", json={"delay_ms": 800})
    await succeeded(fleet, "relinquishOwnership", owned)
    await succeeded(fleet, "cancelRelinquishOwnership", owned)
    await asyncio.sleep(1.0)  # past the delay: a cancelled relinquish never lands
    assert (await fleet.details(owned))["ownershipType"] == "COMPANY"


async def test_exclude_repush_and_reinstall_a_configuration(fleet: Fleet) -> None:
    for record in await fleet.pick(active, 20):
        config_id = await config_of(fleet, record, "INSTALLED")
        if config_id is not None:
            break
    else:
        pytest.skip("no device with an installed configuration")
    await succeeded(fleet, "excludeConfiguration", record, configurationIds=[config_id])
    assert await config_status(fleet, record, config_id) == "EXCLUDED"
    payload = await act(
        fleet.client,
        "excludeConfiguration",
        {"deviceIds": [fleet.gid(record)], "configurationIds": [config_id]},
        "ConfigurationActionInput",
    )
    assert [i["code"] for i in payload["ineligible"]] == ["WRONG_STATE"]
    await succeeded(fleet, "repushConfiguration", record, configurationIds=[config_id])
    assert await config_status(fleet, record, config_id) in ("PENDING", "INSTALLED")
    await succeeded(fleet, "reinstallConfiguration", record, configurationIds=[config_id])
    payload = await act(
        fleet.client,
        "reinstallConfiguration",
        {"deviceIds": [fleet.gid(record)], "configurationIds": [987_654]},
        "ConfigurationActionInput",
    )
    assert [i["code"] for i in payload["ineligible"]] == ["MISSING_PREREQUISITE"]


async def test_unassign_takes_the_device_away_from_its_assignee(fleet: Fleet) -> None:
    tenant = await fleet.client.tenant_id()
    async with fleet.client.backend.engine.connect() as conn:
        query = sa.select(D.c.id, D.c.user_id).where(
            D.c.client_id == tenant, D.c.user_id.is_not(None)
        )
        device_id, user_id = (await conn.execute(query.limit(1))).one()
    gid = to_global_id("Device", device_id)
    try:
        payload = await act(fleet.client, "unassignDevice", {"deviceIds": [gid]})
        assert payload["run"]["status"] == "SUCCEEDED", payload
        query = "query($id: ID!) { node(id: $id) { ... on Device { assignee { id } } } }"
        assert (await fleet.client.data(query, {"id": gid}))["node"]["assignee"] is None
    finally:
        async with fleet.client.backend.engine.begin() as conn:
            await conn.execute(sa.update(D).where(D.c.id == device_id).values(user_id=user_id))


async def test_two_requests_racing_on_one_key_make_one_run(fleet: Fleet) -> None:
    (device,) = await fleet.pick(active)
    input = {"deviceIds": [fleet.gid(device)], "idempotencyKey": "race-1"}
    first, second = await asyncio.gather(
        act(fleet.client, "lockDevices", input), act(fleet.client, "lockDevices", input)
    )
    assert first["run"]["id"] == second["run"]["id"]
    runs = await fleet.client.scalars(
        sa.select(RUNS.c.id).where(RUNS.c.idempotency_key == "race-1")
    )
    assert len(runs) == 1


async def test_a_dry_run_the_provider_cannot_answer_is_a_typed_error(fleet: Fleet) -> None:
    (device,) = await fleet.pick(active)
    await fleet.sims.fault("mdm", "5xx")
    query = """mutation($id: ID!) {
      lockDevices(input: {deviceIds: [$id], dryRun: true}) { ineligible { code } } }"""
    body = await fleet.client.post(query, {"id": fleet.gid(device)})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UPSTREAM_UNAVAILABLE"]
    assert body["errors"][0]["path"] == ["lockDevices"]


async def test_delete_falls_back_to_the_local_enrollment_when_the_provider_cannot_answer(
    fleet: Fleet,
) -> None:
    """The provider's live state decides a delete; when it cannot be read, the local enrollment's
    status stands in (ENROLLED -> ACTIVE: refused; UNENROLLED -> RETIRED: allowed)."""
    enrollments = tables.MdmEnrollment.__table__
    rows = await fleet.client.rows(
        sa.select(enrollments.c.device_id, enrollments.c.status)
        .where(
            enrollments.c.deleted_at.is_(None),
            enrollments.c.status != "DRAFT",
            enrollments.c.device_id.in_(list(fleet.by_mdm.values())),
        )
        .order_by(enrollments.c.id)
    )
    current = {row.device_id: row.status for row in rows}  # the newest row wins
    by_status = {status: device for device, status in current.items()}
    query = """mutation($ids: [ID!]!) { deleteDevices(input: {deviceIds: $ids, dryRun: true}) {
      ineligible { code device { databaseId } } } }"""
    await fleet.sims.fault("mdm", "5xx", path_prefix="/api/v1/device/")
    ids = [to_global_id("Device", by_status[s]) for s in ("ENROLLED", "UNENROLLED")]
    payload = (await fleet.client.data(query, {"ids": ids}))["deleteDevices"]
    assert [(i["code"], i["device"]["databaseId"]) for i in payload["ineligible"]] == [
        ("WRONG_REGISTRATION_STATE", by_status["ENROLLED"])
    ]
