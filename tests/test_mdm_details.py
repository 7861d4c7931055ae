"""`Device.mdmDetails` against the MDM simulator over HTTP: every group of the provider's device
details, the detail call made only when selected, personal fields for tenant admins only (and
never in the logs), enums that survive values the provider adds later, configurations,
compliance and certificates as the provider writes them, and the partition search paging past
the provider's offset window with `searchAfterValues`.

Expectations come from the simulator's own answers (`GET /api/v1/device/{id}` and friends, as
the gateway's credential reads them) and from the database, never from hard-coded ids.
"""

import logging
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import CertificateState, ConfigStatus, Role, known
from app.logs import JsonFormatter
from app.simulators.mdm import enums as sim_enums
from app.simulators.mdm import search as sim_search
from schema.types.mdm_details import dep_profile_of
from schema.types.upstream import Certificate, Config
from tests.conftest import UPSTREAM_TEST_SETTINGS, Backend, GraphQLClient, Simulators, gateway

D = tables.Device.__table__
C = tables.Client.__table__
Client = tuple[GraphQLClient, Simulators]

DETAILS = """
query MdmDetails($first: Int!, $after: String) {
  devices(first: $first, after: $after, orderBy: {field: SERIAL_NUMBER}) {
    pageInfo { hasNextPage endCursor }
    nodes {
      databaseId
      mdmDetails {
        providerId multiUser
        identity {
          imei imei2 meid udid wifiMacAddress
          serviceSubscriptions { slot imei iccid isDataPreferred isVoicePreferred }
        }
        security {
          jailbroken quarantined passcodeCompliant passcodeCompliantWithProfiles
          activationLockEnabled bypassCode osxFdeEnabled androidSecurityPatchLevel
          availableOsUpdates availableMacOsUpdates
        }
        location { latitude longitude status capturedAt }
        groups { providerId name systemName type definition memberCount createdAt }
        network { ipAddress roaming cellularTechnology currentCarrierNetwork }
        privacyPolicy { providerId name locateStatus wipeDisabled appInventoryCollectAllEnabled }
        termsOfService { providerId title body acceptedAt }
        dep {
          enrolled eligible
          profile { providerId uuid name isDefault multiUser skipSetupItems deviceCount }
        }
      }
    }
  }
}
"""

SEARCH_ONLY = """
query SearchOnly($first: Int!) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      databaseId
      mdmDetails {
        providerId
        identity { imei udid wifiMacAddress }
        security { jailbroken quarantined passcodeCompliant }
        network { roaming cellularTechnology }
        dep { enrolled eligible }
      }
    }
  }
}
"""

PERSONAL = """
query Personal($first: Int!) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      databaseId
      mdmDetails {
        providerId
        security { jailbroken bypassCode }
        network { roaming ipAddress }
        location { latitude longitude status }
      }
    }
  }
}
"""


@pytest.fixture
async def upstream_client(
    backend: Backend, simulators: Simulators
) -> AsyncIterator[tuple[GraphQLClient, Simulators]]:
    """A gateway over the simulators (empty cache) with room for one details call per device of
    a page even on a loaded machine: these tests are about data, not deadlines."""
    await simulators.reset()
    settings = {
        **UPSTREAM_TEST_SETTINGS,
        "upstream_timeout_seconds": 5.0,
        "upstream_deadline_seconds": 20.0,
        "breaker_failures": 1000,
    }
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        **settings,
    ) as client:
        yield client, simulators
    await simulators.reset()


@pytest.fixture
async def provider(simulators: Simulators) -> AsyncIterator[httpx.AsyncClient]:
    """The MDM simulator, read with the gateway's own credential (the expectations' source)."""
    async with httpx.AsyncClient(
        base_url=simulators.mdm_url, auth=("gateway", "gateway-secret")
    ) as http:
        yield http


async def result(provider: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await provider.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def ms(value: int | None) -> str | None:
    """A provider instant as the gateway writes it."""
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC).isoformat()


async def mdm_ids(client: GraphQLClient) -> dict[int, int | None]:
    """The tenant's devices and their provider ids (SQL, scoped to the client's tenant)."""
    return {
        row.id: row.mdm_device_id for row in await client.rows(sa.select(D.c.id, D.c.mdm_device_id))
    }


async def partition_of(client: GraphQLClient) -> int:
    tenant = await client.tenant_id()
    async with client.backend.engine.connect() as conn:
        query = sa.select(C.c.mdm_partition_id).where(C.c.id == tenant)
        return (await conn.execute(query)).scalar_one()


async def requests_by_path(simulators: Simulators) -> dict[str, int]:
    return (await simulators.http.get("/mdm/_sim/stats")).json()["by_path"]


async def test_every_group_of_the_device_details_matches_the_provider(
    upstream_client: Client, provider: httpx.AsyncClient
) -> None:
    client, _ = upstream_client
    body = await client.post(DETAILS, {"first": 60})
    assert "errors" not in body, body["errors"]
    ids = await mdm_ids(client)
    nodes = [n for n in body["data"]["devices"]["nodes"] if n["mdmDetails"] is not None]
    assert len(nodes) > 20
    seen: dict[str, set[Any]] = {"bypass": set(), "groups": set(), "subscriptions": set()}
    for node in nodes:
        details = node["mdmDetails"]
        assert details["providerId"] == ids[node["databaseId"]]
        record = await result(provider, f"/api/v1/device/{details['providerId']}")
        identity, security = details["identity"], details["security"]
        assert identity["imei"] == record["imei"]
        assert identity["udid"] == record["udid"]
        assert identity["wifiMacAddress"] == record["wifiMacAddress"]
        subscriptions = record["serviceSubscriptions"]
        if subscriptions is None:
            assert identity["serviceSubscriptions"] is None
        else:
            assert [s["slot"] for s in identity["serviceSubscriptions"]] == [
                s["slot"] for s in subscriptions
            ]
            assert [s["imei"] for s in identity["serviceSubscriptions"]] == [
                s["imei"] for s in subscriptions
            ]
            seen["subscriptions"].add(bool(subscriptions))
        assert security["jailbroken"] == record["jailbroken"]
        assert security["quarantined"] == record["quarantined"]
        assert security["passcodeCompliant"] == record["passcodeCompliant"]
        assert security["activationLockEnabled"] == record["activationLockEnabled"]
        assert security["bypassCode"] == record["bypassCode"]
        assert security["osxFdeEnabled"] == record["osxFdeEnabled"]
        assert security["androidSecurityPatchLevel"] == record["androidSecurityPatchLevel"]
        assert security["availableOsUpdates"] == record["availableOSUpdates"]
        assert security["availableMacOsUpdates"] == record["availableMacOSUpdates"]
        seen["bypass"].add(record["bypassCode"] is not None)
        if record["latitude"] is None:
            assert details["location"] is None
        else:
            location = details["location"]
            assert (location["latitude"], location["longitude"]) == (
                record["latitude"],
                record["longitude"],
            )
            assert location["status"] == record["locationStatusDetail"]["locationStatus"]
            assert location["capturedAt"] == ms(record["locationLastCapturedAt"])
        assert [g["providerId"] for g in details["groups"]] == [g["id"] for g in record["groups"]]
        for group, expected in zip(details["groups"], record["groups"], strict=True):
            assert (group["name"], group["systemName"], group["definition"]) == (
                expected["name"],
                expected["systemName"],
                expected["definition"],
            )
            assert group["memberCount"] == expected["memberCount"]
            assert group["createdAt"] == ms(expected["createdAt"])
        seen["groups"].add(len(record["groups"]))
        assert details["network"]["ipAddress"] == record["ipAddress"]
        assert details["network"]["roaming"] == record["roaming"]
        policy = record["privacyPolicy"]
        assert details["privacyPolicy"] == {
            "providerId": policy["policyId"],
            "name": policy["policyName"],
            "locateStatus": policy["locateStatus"],
            "wipeDisabled": policy["wipeDisabled"],
            "appInventoryCollectAllEnabled": policy["appInventoryCollectAllEnabled"],
        }
        assert details["termsOfService"] == {
            "providerId": record["tosId"],
            "title": record["tos"]["title"],
            "body": record["tos"]["body"],
            "acceptedAt": ms(record["tosAcceptedTime"]),
        }
        assert details["dep"]["enrolled"] == record["depEnrolled"]
        assert details["dep"]["eligible"] == record["depEligible"]
    assert seen["bypass"] == {True, False}, "the page shows devices with and without a code"
    assert len(seen["groups"]) > 1
    assert seen["subscriptions"]


async def test_the_dep_profile_is_the_tenants_profile_of_the_devices_kind(
    upstream_client: Client, provider: httpx.AsyncClient
) -> None:
    client, _ = upstream_client
    partition = await partition_of(client)
    servers = await result(provider, "/api/v1/depServer")
    profiles = {
        profile["id"]: profile
        for server in servers["searchResults"]
        if server["dmPartitionId"] == partition
        for profile in await result(provider, f"/api/v1/depServer/{server['id']}/profiles")
    }
    assert profiles
    enrolled, after = 0, None
    while True:
        page = (await client.data(DETAILS, {"first": 100, "after": after}))["devices"]
        for node in page["nodes"]:
            details = node["mdmDetails"]
            if details is None:
                continue
            dep = details["dep"]
            if not dep["enrolled"]:
                assert dep["profile"] is None
                continue
            enrolled += 1
            profile = dep["profile"]
            expected = profiles[profile["providerId"]]
            assert profile["name"] == expected["profileName"]
            assert profile["skipSetupItems"] == expected["skipSetupItems"]
            assert profile["multiUser"] is (details["multiUser"] is True), "a Shared iPad's"
            if not details["multiUser"]:
                assert profile["isDefault"], "the server's default profile"
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert enrolled


async def test_a_shared_ipad_gets_the_multi_user_profile(provider: httpx.AsyncClient) -> None:
    """The seed's small test fleet has no DEP-enrolled Shared iPad: the choice, on the
    provider's own profiles."""
    server = (await result(provider, "/api/v1/depServer"))["searchResults"][0]
    profiles = await result(provider, f"/api/v1/depServer/{server['id']}/profiles")
    assert {profile["multiUser"] for profile in profiles} == {True, False}
    shared = dep_profile_of({"id": 1, "multiUser": True}, profiles)
    assert shared is not None
    assert shared["multiUser"] is True
    assert shared["maximumResidentUsers"] > 0
    single = dep_profile_of({"id": 1, "multiUser": False}, profiles)
    assert single is not None
    assert (single["multiUser"], single["default"]) == (False, True)
    only_single = [profile for profile in profiles if not profile["multiUser"]]
    assert dep_profile_of({"id": 1, "multiUser": True}, only_single) == single, "the default"
    assert dep_profile_of({"id": 1}, []) is None


async def test_the_details_call_is_made_only_when_selected(upstream_client: Client) -> None:
    client, simulators = upstream_client
    cheap = await client.post(SEARCH_ONLY, {"first": 30}, stats=True)
    assert "errors" not in cheap, cheap["errors"]
    assert cheap["extensions"]["stats"]["upstreamCalls"] == 1, "the tenant's partition search"
    with_details = [n for n in cheap["data"]["devices"]["nodes"] if n["mdmDetails"]]
    assert with_details

    query = SEARCH_ONLY.replace("dep { enrolled eligible }", "groups { name }")
    body = await client.post(query, {"first": 30}, stats=True)
    assert "errors" not in body, body["errors"]
    calls = body["extensions"]["stats"]["upstreamCalls"]
    assert calls == len(with_details), "one details call per device (the search is cached)"
    paths = await requests_by_path(simulators)
    for node in with_details:
        assert paths.get(f"/api/v1/device/{node['mdmDetails']['providerId']}") == 1

    again = await client.post(query, {"first": 30}, stats=True)
    assert again["extensions"]["stats"]["upstreamCalls"] == 0, "cached per tenant"


async def test_detail_fields_weigh_like_other_upstream_fields(upstream_client: Client) -> None:
    client, _ = upstream_client
    cheap = await client.post(SEARCH_ONLY, {"first": 20})
    query = SEARCH_ONLY.replace("dep { enrolled eligible }", "groups { name }")
    dear = await client.post(query, {"first": 20})
    added = dear["extensions"]["rateLimit"]["cost"] - cheap["extensions"]["rateLimit"]["cost"]
    assert added >= 20 * 10, "a per-device upstream read weighs ten objects per device"


async def test_a_failing_details_call_nulls_only_what_needs_it(upstream_client: Client) -> None:
    client, simulators = upstream_client
    query = SEARCH_ONLY.replace("dep { enrolled eligible }", "groups { name }")
    await simulators.fault("mdm", "5xx", path_prefix="/api/v1/device/")
    body = await client.post(query, {"first": 20})
    nodes = [n for n in body["data"]["devices"]["nodes"] if n["mdmDetails"] is not None]
    assert nodes, "the partition search still answers"
    errors = body["errors"]
    assert {tuple(e["path"][-2:]) for e in errors} == {("mdmDetails", "groups")}
    assert {e["extensions"]["code"] for e in errors} == {"UPSTREAM_UNAVAILABLE"}
    assert len(errors) == len(nodes), "one error per device"
    for node in nodes:
        assert node["mdmDetails"]["groups"] is None
        assert node["mdmDetails"]["identity"]["wifiMacAddress"], "search fields stay"


def forbidden_paths(errors: list[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for error in errors:
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["path"][-1] in {"bypassCode", "ipAddress", "location"}
        found[error["path"][-1]] = found.get(error["path"][-1], 0) + 1
    return found


@pytest.mark.parametrize("role", [Role.DEVICE_MANAGEMENT, Role.READ_ONLY])
async def test_personal_fields_are_forbidden_below_tenant_admin(
    upstream_client: Client, role: Role
) -> None:
    client, simulators = upstream_client
    client.token = await client.backend.token(client.tenant, role)
    body = await client.post(PERSONAL, {"first": 20})
    nodes = [n for n in body["data"]["devices"]["nodes"] if n["mdmDetails"] is not None]
    assert nodes
    for node in nodes:
        details = node["mdmDetails"]
        assert details["security"]["bypassCode"] is None
        assert details["network"]["ipAddress"] is None
        assert details["location"] is None
        assert details["security"]["jailbroken"] is not None, "the rest of the group stays"
        assert details["network"]["roaming"] is not None
    counts = forbidden_paths(body["errors"])
    assert counts == {"bypassCode": len(nodes), "ipAddress": len(nodes), "location": len(nodes)}
    paths = await requests_by_path(simulators)
    assert not any(path.startswith("/api/v1/device/") for path in paths), "nothing read for it"


async def test_personal_fields_resolve_for_tenant_admins_and_stay_out_of_the_logs(
    upstream_client: Client, provider: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = upstream_client
    caplog.set_level(logging.DEBUG)
    body = await client.post(PERSONAL, {"first": 60})
    assert "errors" not in body, body["errors"]
    secrets: set[str] = set()
    for node in body["data"]["devices"]["nodes"]:
        details = node["mdmDetails"]
        if details is None:
            continue
        record = await result(provider, f"/api/v1/device/{details['providerId']}")
        assert details["security"]["bypassCode"] == record["bypassCode"]
        assert details["network"]["ipAddress"] == record["ipAddress"]
        secrets.update(
            str(value)
            for value in (record["bypassCode"], record["ipAddress"], record["latitude"])
            if value is not None
        )
    assert secrets
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert caplog.records, "the request was logged"
    assert not [secret for secret in secrets if secret in logged]


async def test_configs_compliance_and_certificates_as_the_provider_writes_them(
    upstream_client: Client, provider: httpx.AsyncClient
) -> None:
    client, _ = upstream_client
    query = """
    query($first: Int!) { devices(first: $first, orderBy: {field: SERIAL_NUMBER}) { nodes {
      mdmDetails { providerId }
      configs(first: 100) { nodes {
        providerId systemName status totalDeviceCount installedDeviceCount
        violationDeviceCount modifiedAt ruleType
      } }
      compliance { providerId ruleType compliant totalDeviceCount violationDeviceCount }
      certificates { subject issuer caName state validFrom validTo serialNumber }
    } } }
    """
    nodes = (await client.data(query, {"first": 25}))["devices"]["nodes"]
    states: set[str] = set()
    statuses: set[str] = set()
    for node in nodes:
        if node["mdmDetails"] is None:
            continue
        device_id = node["mdmDetails"]["providerId"]
        configs = (await result(provider, f"/api/v1/device/{device_id}/configs"))["searchResults"]
        assert node["configs"]["nodes"] == [
            {
                "providerId": c["id"],
                "systemName": c["systemName"],
                "status": c["status"],
                "totalDeviceCount": c["totalDeviceCount"],
                "installedDeviceCount": c["installedDeviceCount"],
                "violationDeviceCount": c["violationDeviceCount"],
                "modifiedAt": ms(c["modifiedAt"]),
                "ruleType": c["policyRuleType"],
            }
            for c in configs
        ]
        statuses.update(c["status"] for c in configs)
        policies = await result(provider, f"/api/v1/device/{device_id}/policies")
        assert [(p["providerId"], p["ruleType"]) for p in node["compliance"]] == [
            (p["id"], p["policyRuleType"]) for p in policies["searchResults"]
        ]
        owner = (await result(provider, f"/api/v1/device/{device_id}"))["ownerId"]
        certificates = await result(
            provider, f"/api/v1/device/{device_id}/certs/search", accountId=owner
        )
        assert node["certificates"] == [
            {
                "subject": c["subject"],
                "issuer": c["issuer"],
                "caName": c["caName"],
                "state": c["certState"].upper(),
                "validFrom": ms(c["notBefore"]),
                "validTo": ms(c["notAfter"]),
                "serialNumber": str(c["certSerialNumber"]),
            }
            for c in certificates["searchResults"]
        ]
        states.update(c["certState"] for c in certificates["searchResults"])
    assert states
    assert statuses


def test_every_documented_state_is_an_enum_value_and_a_new_one_is_unknown() -> None:
    for value in sim_enums.CONFIG_STATUSES:
        assert known(ConfigStatus, value) is not ConfigStatus.UNKNOWN, value
    for value in sim_enums.CERT_STATES:
        assert known(CertificateState, value) is not CertificateState.UNKNOWN, value
    assert Config.from_record({"id": 1, "status": "QUARANTINED"}).status is ConfigStatus.UNKNOWN
    certificate = Certificate.from_record({"certState": "Suspended"})
    assert certificate.state is CertificateState.UNKNOWN


async def test_the_partition_search_pages_past_the_providers_window(
    upstream_client: Client, provider: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet larger than the provider's offset window, in miniature: pages of 5 rows and a
    window of 20 results (the provider's are 500 and 10,000)."""
    client, simulators = upstream_client
    rows, window = 5, 20
    partition = await partition_of(client)
    everything = await result(provider, "/api/v1/device", dmPartitionId=partition, rows=500)
    total = everything["totalCount"]
    assert total > 2 * window
    expected = {record["id"] for record in everything["searchResults"]}
    monkeypatch.setattr(sim_search, "RESULT_WINDOW", window)
    adapter = client.backend.app.state.upstreams.mdm
    monkeypatch.setattr(adapter, "search_rows", rows)
    monkeypatch.setattr(adapter, "search_window", window)
    beyond = await provider.get(
        "/api/v1/device", params={"dmPartitionId": partition, "rows": rows, "start": window}
    )
    assert beyond.status_code == 400, "offsets stop at the window"

    await simulators.reset()
    ids = await mdm_ids(client)
    found: set[int] = set()
    after = None
    query = """query($after: String) { devices(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor } nodes { databaseId mdmDetails { providerId } } } }"""
    while True:
        page = (await client.data(query, {"after": after}))["devices"]
        for node in page["nodes"]:
            if node["mdmDetails"] is not None:
                assert node["mdmDetails"]["providerId"] == ids[node["databaseId"]]
                found.add(node["mdmDetails"]["providerId"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    known_ids = {mdm_id for mdm_id in ids.values() if mdm_id is not None}
    assert found == expected & known_ids
    assert max(found) > max(sorted(expected)[:window]), "devices past the window are there"
    searches = (await requests_by_path(simulators)).get("/api/v1/device")
    assert searches == math.ceil(total / rows), "one call per page, once (then cached)"
