"""The MDM provider simulator, driven over HTTP as the gateway drives it.

Checks the document's contract (paths, envelope, fields, enum values, paging limits, `fq`
filters, facets, error bodies and statuses), Basic auth and roles, that the devices are the
gateway's seed (same ids, GUIDs and serial numbers), that custom attributes keep their changes
until `/_sim/reset`, and every fault the simulator can be told to inject.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from app.seed import DEFAULT_DEVICES, generate
from app.simulators.faults import FaultState
from app.simulators.mdm import DEFAULT_PASSWORD, DEFAULT_USERNAME, MdmStore, create_app, enums
from app.simulators.mdm.draw import REF_MS
from app.simulators.mdm.fields import (
    CERTIFICATE_FIELDS,
    CONFIG_FIELDS,
    DETAIL_FIELDS,
    POLICY_FIELDS,
    SEARCH_FIELDS,
)
from app.simulators.mdm.store import ActionSettings

DEVICES = 240
ACME, GLOBEX = 23504, 23511
AUTH = httpx.BasicAuth(DEFAULT_USERNAME, DEFAULT_PASSWORD)
UNKNOWN_GUID = "00000000-0000-4000-8000-000000000000"
PLATFORMS = {"iOS": "IOS", "Android": "ANDROID", "macOS": "OSX"}
# A few fields of the document's "Get Device Details" example, as it spells them.
DOCUMENTED_DETAILS = (
    "mdmChannelId",
    "registrationState",
    "passcodeCompliantWithProfiles",
    "kioskState",
    "depEnrolled",
    "groups",
    "privacyPolicy",
    "tos",
    "serviceSubscriptions",
    "osxFdeEnabled",
    "androidWorkDeviceOwnerWithWorkProfileEnabled",
    "winServiceSubscriptions",
)


@cache
def seed_devices() -> dict[int, dict[int, tuple[str, str]]]:
    """Per partition: MDM id -> (GUID, serial number) of the seed's devices this MDM enrolls."""
    expected: dict[int, dict[int, tuple[str, str]]] = {}
    for tenant in generate(DEVICES).tenants:
        devices = expected[tenant.client()["mdm_partition_id"]] = {}
        for batch in tenant.batches():
            platforms = {r["device_id"]: r["os_platform"] for r in batch.device_characteristics}
            for row in batch.devices:
                if row["mdm_device_id"] and platforms[row["id"]] in PLATFORMS:
                    devices[row["mdm_device_id"]] = (row["mdm_guid"], row["serial_number"])
    return expected


@dataclass
class Sim:
    app: Starlette
    http: httpx.AsyncClient

    @property
    def store(self) -> MdmStore:
        store: MdmStore = self.app.state.store
        return store

    async def ok(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"errors", "result"}
        assert body["errors"] is None
        return body["result"]

    async def search(self, partition: int = ACME, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.ok("/api/v1/device", dmPartitionId=partition, **params)
        return result

    async def all_devices(self, partition: int = ACME, **params: Any) -> list[dict[str, Any]]:
        result = await self.search(partition, rows=500, **params)
        assert result["totalCount"] <= 500
        devices: list[dict[str, Any]] = result["searchResults"]
        return devices

    async def set_faults(self, **body: Any) -> None:
        response = await self.http.put("/_sim/faults", json=body)
        assert response.status_code == 200, response.text


SimT = TypeVar("SimT", bound=Sim)


@asynccontextmanager
async def simulator(kind: type[SimT]) -> AsyncIterator[SimT]:
    """A fresh simulator over the test data set, with no faults and the default action delays
    whatever the environment says, driven in process."""
    app = create_app(DEVICES, faults=FaultState(), actions=ActionSettings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mdm", auth=AUTH) as http:
        yield kind(app, http)


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    async with simulator(Sim) as opened:
        yield opened


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The provider's error envelope; returns `errors`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors", "result"}
    assert body["result"] is None
    errors: dict[str, Any] = body["errors"]
    assert set(errors) == {"globalErrors", "fieldErrors"}
    if code is not None:
        assert errors["globalErrors"][0]["code"] == code
    return errors


def assert_field_error(response: httpx.Response, field: str) -> dict[str, str]:
    errors = assert_error(response, 400)
    assert errors["globalErrors"] is None
    [error] = errors["fieldErrors"]
    assert set(error) == {"code", "message", "field"}
    assert error["field"] == field
    return dict(error)


async def some_device(sim: Sim, **wanted: Any) -> dict[str, Any]:
    """The first registered device of Acme's search whose record has the `wanted` values."""
    for device in await sim.all_devices():
        if device["lastCheckin"] is None:
            continue  # not registered yet (DEP-assigned or invited)
        if all(device.get(key) == value for key, value in wanted.items()):
            return device
    raise AssertionError(f"no device with {wanted}")


# --- authentication and roles ----------------------------------------------------------------


@pytest.mark.parametrize("auth", [None, (DEFAULT_USERNAME, "wrong"), ("nobody", "x")])
async def test_missing_or_wrong_credentials_are_401(sim: Sim, auth: tuple[str, str] | None) -> None:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mdm", auth=auth) as http:
        response = await http.get("/api/v1/device", params={"dmPartitionId": ACME})
    assert_error(response, 401, "Unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_bearer_or_garbage_authorization_is_401(sim: Sim) -> None:
    for header in ("Bearer abc", "Basic !!!", "Basic " + "dXNlcg=="):
        headers = {"Authorization": header}
        response = await sim.http.get("/api/v1/device/1", headers=headers, auth=None)
        assert_error(response, 401)


async def test_control_routes_need_no_credentials(sim: Sim) -> None:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mdm") as anonymous:
        assert (await anonymous.get("/_sim/stats")).status_code == 200


async def test_roles_follow_the_document(sim: Sim) -> None:
    device = await some_device(sim)
    path = f"/api/v1/device/{device['id']}"
    read_only = httpx.BasicAuth(f"{DEFAULT_USERNAME}-readonly", DEFAULT_PASSWORD)
    management = httpx.BasicAuth(f"{DEFAULT_USERNAME}-management", DEFAULT_PASSWORD)
    # Custom attributes and certificates: Device Management or Device Read Only.
    assert (await sim.http.get(f"{path}/customattributes", auth=read_only)).status_code == 200
    body = {"attrs": {"a": ["1"]}}
    denied = await sim.http.post(f"{path}/customattributes", json=body, auth=read_only)
    assert_error(denied, 403, "AccessDenied")
    allowed = await sim.http.post(f"{path}/customattributes", json=body, auth=management)
    assert allowed.status_code == 200
    # Details: tenant admin credentials.
    assert_error(await sim.http.get(path, auth=read_only), 403)


async def test_partition_scoped_credential_sees_only_its_partition(sim: Sim) -> None:
    scoped = httpx.BasicAuth(f"{DEFAULT_USERNAME}-{ACME}", DEFAULT_PASSWORD)
    acme = await some_device(sim)
    globex = (await sim.all_devices(GLOBEX))[0]
    assert (await sim.http.get(f"/api/v1/device/{acme['id']}", auth=scoped)).status_code == 200
    assert_error(await sim.http.get(f"/api/v1/device/{globex['id']}", auth=scoped), 404)
    params = {"dmPartitionId": GLOBEX}
    assert_error(await sim.http.get("/api/v1/device", params=params, auth=scoped), 404)


# --- the seed's devices ------------------------------------------------------------------------


@pytest.mark.parametrize("partition", [ACME, GLOBEX])
async def test_devices_are_the_seeds(sim: Sim, partition: int) -> None:
    devices = await sim.all_devices(partition)
    found = {d["id"]: (d["guid"], d["serialNumber"]) for d in devices}
    assert found == seed_devices()[partition]
    assert {d["dmPartitionId"] for d in devices} == {partition}
    assert {d["platformType"] for d in devices} <= set(PLATFORMS.values())


async def test_details_by_id_and_by_guid(sim: Sim) -> None:
    listed = await some_device(sim, registrationState="ACTIVE")
    by_id = await sim.ok(f"/api/v1/device/{listed['id']}")
    by_guid = await sim.ok(f"/api/v1/device/{listed['guid']}")
    assert by_id == by_guid
    assert by_guid == await sim.ok(f"/api/v1/device/{listed['guid'].upper()}")
    assert list(by_id) == list(DETAIL_FIELDS)
    assert set(DOCUMENTED_DETAILS) <= set(by_id)
    assert {key: by_id[key] for key in SEARCH_FIELDS} == listed
    assert list(listed) == list(SEARCH_FIELDS)
    assert by_id["serialNumber"] == seed_devices()[ACME][by_id["id"]][1]
    assert by_id["registrationState"] in enums.REGISTRATION_STATES
    assert by_id["kioskState"] in enums.KIOSK_STATES
    assert by_id["ownershipType"] in enums.OWNERSHIP_TYPES
    assert isinstance(by_id["lastRegistrationTime"], int)
    assert by_id["groups"][0]["systemName"] == "ALL_DEVICES"
    assert set(by_id["privacyPolicy"]) == {
        "policyId",
        "policyName",
        "locateStatus",
        "wipeDisabled",
        "appInventoryCollectAllEnabled",
    }


async def test_owner_fields_come_from_the_seeds_users(sim: Sim) -> None:
    users = {
        user["mdm_account_id"]: user
        for tenant in generate(DEVICES).tenants
        for user in tenant.users()
        if user["mdm_account_id"]
    }
    for device in await sim.all_devices():
        user = users.get(device["ownerId"])
        if user is not None:
            assert device["emailAddress"] == device["uid"] == user["email"]
            assert device["displayName"] == user["name"]


@pytest.mark.parametrize("key", ["1", "19999999", UNKNOWN_GUID, "not-a-device"])
async def test_unknown_device_is_404(sim: Sim, key: str) -> None:
    for suffix in ("", "/configs", "/policies", "/customattributes"):
        assert_error(await sim.http.get(f"/api/v1/device/{key}{suffix}"), 404, "NotFound")


async def test_device_of_another_partition_is_404(sim: Sim) -> None:
    device = await some_device(sim)
    path = f"/api/v1/device/{device['id']}"
    assert (await sim.http.get(path, params={"dmPartitionId": ACME})).status_code == 200
    assert_error(await sim.http.get(path, params={"dmPartitionId": GLOBEX}), 404)


async def test_unknown_path_and_method_use_the_error_shape(sim: Sim) -> None:
    assert_error(await sim.http.get("/api/v2/devices"), 404)
    assert_error(await sim.http.put("/api/v1/device/1/configs"), 405)


# --- search: paging, limits, facets ---------------------------------------------------------


async def test_search_pages_with_rows_and_start(sim: Sim) -> None:
    first = await sim.search(rows=7, start=0)
    second = await sim.search(rows=7, start=7)
    everything = await sim.all_devices()
    assert first["totalCount"] == second["totalCount"] == len(everything)
    assert (first["offset"], first["limit"], second["offset"]) == (0, 7, 7)
    ids = [d["id"] for d in first["searchResults"] + second["searchResults"]]
    assert ids == [d["id"] for d in everything[:14]]
    assert ids == sorted(ids)
    assert first["totalUnfilteredResultCount"] == len(everything)
    past = await sim.search(rows=5, start=len(everything))
    assert past["searchResults"] == []
    assert past["totalCount"] == len(everything)


async def test_rows_above_500_is_the_documented_400(sim: Sim) -> None:
    response = await sim.http.get("/api/v1/device", params={"dmPartitionId": ACME, "rows": 501})
    assert response.json() == {
        "errors": {
            "globalErrors": None,
            "fieldErrors": [
                {"code": "Range", "message": "must be between 1 and 500", "field": "rows"}
            ],
        },
        "result": None,
    }
    assert response.status_code == 400
    assert (await sim.search(rows=500))["limit"] == 500


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rows": 0}, "rows"),
        ({"rows": "many"}, "rows"),
        ({"start": -1}, "start"),
        ({"start": 9_600, "rows": 500}, "start"),
        ({"fq": "nonsense"}, "fq"),
        ({"fq": "noSuchField=1"}, "fq"),
        ({"fq": "lastCheckin<'x'"}, "fq"),
        ({"searchAfterValues": "abc"}, "searchAfterValues"),
        ({"searchAfterValues": "20000", "start": 5}, "start"),
    ],
)
async def test_bad_search_parameters_are_400(sim: Sim, params: dict[str, Any], field: str) -> None:
    response = await sim.http.get("/api/v1/device", params={"dmPartitionId": ACME, **params})
    assert_field_error(response, field)


async def test_search_needs_a_known_partition(sim: Sim) -> None:
    assert_field_error(await sim.http.get("/api/v1/device"), "dmPartitionId")
    assert_error(await sim.http.get("/api/v1/device", params={"dmPartitionId": 1}), 404)


async def test_search_after_values_walks_every_device_once(sim: Sim) -> None:
    everything = [d["id"] for d in await sim.all_devices()]
    walked: list[int] = []
    after: list[int] | None = None
    for _ in range(100):
        params = {"rows": 9} | ({"searchAfterValues": after[0]} if after else {})
        page = await sim.search(**params)
        assert page["totalCount"] == len(everything)
        walked.extend(d["id"] for d in page["searchResults"])
        after = page["searchAfterValues"]
        if after is None:
            break
    assert walked == everything


FACETS_OF_EVERY_DEVICE = (
    "REGISTRATIONSTATE",
    "PLATFORMTYPE",
    "KIOSKSTATE",
    "OWNERSHIPTYPE",
    "COMPLIANCESTATE",
    "SUPERVISED",
    "ROAMING",
    "JAILBROKEN",
    "LOSTMODEENABLED",
    "MULTIUSER",
    "DEVICESOURCE",
)


@pytest.mark.parametrize("fq", [None, "PLATFORMTYPE EQ 'IOS'", "registrationState=ACTIVE"])
async def test_facets_add_up(sim: Sim, fq: str | None) -> None:
    result = await sim.search(rows=1, **({"fq": fq} if fq else {}))
    facets = result["facetedResults"]
    assert list(facets) == list(enums.FACETS)
    for facet in FACETS_OF_EVERY_DEVICE:
        assert sum(facets[facet].values()) == result["totalCount"], facet
    assert list(facets["REGISTRATIONSTATE"]) == list(enums.REGISTRATION_STATES)
    assert facets["PLATFORMTYPE"]["WINDOWS_PHONE"] == 0
    assert sum(facets["ACCOUNTGROUP"].values()) >= result["totalCount"]
    if fq is not None:
        assert result["totalCount"] < result["totalUnfilteredResultCount"]


# --- search: fq ----------------------------------------------------------------------------


async def test_fq_email_and_uid_with_plus_separators(sim: Sim) -> None:
    device = await some_device(sim)
    email = device["emailAddress"]
    for field in ("EMAILADDRESS", "UID"):
        # As the document writes it: `fq=EMAILADDRESS+EQ+address` (`+` is a space in a query).
        response = await sim.http.get(
            f"/api/v1/device?q=&dmPartitionId={ACME}&fq={field}+EQ+{email.upper()}"
        )
        assert response.status_code == 200, response.text
        found = response.json()["result"]["searchResults"]
        assert device["id"] in {d["id"] for d in found}
        assert {d["emailAddress"] for d in found} == {email}


async def test_fq_attribute_equals(sim: Sim) -> None:
    device = await some_device(sim)
    for field in ("guid", "serialNumber", "id"):
        result = await sim.search(fq=f"{field}={device[field]}")
        assert [d["id"] for d in result["searchResults"]] == [device["id"]]
    ios = await sim.search(rows=500, fq="platformType=IOS")
    assert ios["totalCount"] > 0
    assert {d["platformType"] for d in ios["searchResults"]} == {"IOS"}
    not_ios = await sim.search(fq="PLATFORMTYPE NE IOS AND registrationState=ACTIVE", rows=500)
    assert all(d["platformType"] != "IOS" for d in not_ios["searchResults"])
    assert {d["registrationState"] for d in not_ios["searchResults"]} == {"ACTIVE"}


async def test_fq_custom_device_attributes(sim: Sim) -> None:
    tagged = [d for d in await sim.all_devices() if d["customAttributes"]]
    device = next(d for d in tagged if "assetTag" in d["customAttributes"]["attrs"])
    tag = device["customAttributes"]["attrs"]["assetTag"][0]
    # The document URL-encodes the brackets; the name compares case-insensitively.
    response = await sim.http.get(
        f"/api/v1/device?fq=CFDEVICE%5BASSETTAG%5D={tag}&dmPartitionId={ACME}"
    )
    assert [d["id"] for d in response.json()["result"]["searchResults"]] == [device["id"]]
    leased = await sim.search(rows=500, fq="CFDEVICE[leaseMonths_#]=36")
    assert leased["totalCount"] > 0
    for found in leased["searchResults"]:
        assert found["customAttributes"]["attrs"]["leaseMonths_#"] == ["36"]


async def test_fq_ldap_attributes_of_the_owner(sim: Sim) -> None:
    result = await sim.search(rows=500, fq="CFLDAP[department]=Engineering")
    assert result["totalCount"] > 0
    assert all(d["id"] for d in result["searchResults"])
    assert result["facetedResults"]["ACCOUNTGROUP"]["Engineering"] == result["totalCount"]


@pytest.mark.parametrize(
    ("field", "span", "ms"),
    [
        ("lastCheckin", "'12:00:00'", 12 * 3_600_000),
        ("lastCheckin", "'2:00:00:00'", 2 * 86_400_000),
        ("lastRegistrationTime", "'30:0:00:00'", 30 * 86_400_000),
    ],
)
async def test_fq_within_the_last_span(sim: Sim, field: str, span: str, ms: int) -> None:
    everything = await sim.all_devices()
    # The simulator's clock starts at the seed's reference time: allow it a few seconds.
    surely = {d["id"] for d in everything if (d[field] or 0) >= REF_MS - ms + 5_000}
    maybe = {d["id"] for d in everything if (d[field] or 0) >= REF_MS - ms}
    found = await sim.search(rows=500, fq=f"{field}<{span}")
    ids = {d["id"] for d in found["searchResults"]}
    assert surely <= ids <= maybe
    assert 0 < len(ids) < len(everything)
    older = await sim.search(rows=500, fq=f"{field}>{span}")
    assert ids.isdisjoint(d["id"] for d in older["searchResults"])


async def test_q_searches_names_and_serial_numbers(sim: Sim) -> None:
    device = await some_device(sim)
    result = await sim.search(q=device["serialNumber"].lower())
    assert [d["id"] for d in result["searchResults"]] == [device["id"]]


# --- configurations, compliance policies, certificates ----------------------------------------


async def test_configs_shape(sim: Sim) -> None:
    device = await some_device(sim, registrationState="ACTIVE", platformType="IOS")
    result = await sim.ok(f"/api/v1/device/{device['id']}/configs")
    configs = result["searchResults"]
    assert result["totalCount"] == result["limit"] == len(configs) > 0
    assert result["offset"] == 0
    for config in configs:
        assert list(config) == list(CONFIG_FIELDS)
        assert config["policyType"] in enums.CONFIG_POLICY_TYPES
        assert config["policyRuleType"] == "NONE"
        assert config["status"] in enums.CONFIG_STATUSES
        assert config["totalDeviceCount"] >= config["installedDeviceCount"]
        assert isinstance(config["enabled"], bool)
    assert await sim.ok(f"/api/v1/device/{device['guid']}/configs") == result


async def test_retired_devices_keep_no_configuration(sim: Sim) -> None:
    device = await some_device(sim, registrationState="RETIRED")
    assert (await sim.ok(f"/api/v1/device/{device['id']}/configs"))["searchResults"] == []


async def test_compliance_policies_match_the_device(sim: Sim) -> None:
    checked = 0
    for device in await sim.all_devices():
        if device["registrationState"] != "ACTIVE" or device["lastRegistrationTime"] is None:
            continue
        result = await sim.ok(f"/api/v1/device/{device['id']}/policies")
        policies = result["searchResults"]
        assert {p["policyRuleType"] for p in policies} == set(enums.COMPLIANCE_RULE_TYPES)
        for policy in policies:
            assert list(policy) == list(POLICY_FIELDS)
            assert policy["policyType"] == "POLICY"
        failing = [p["id"] for p in policies if not p["compliant"]]
        assert device["complianceState"] == (not failing)
        assert device["policyViolationCount"] == len(failing)
        assert device["violatedPolicies"] == failing
        checked += 1
        if checked == 15:
            break
    assert checked == 15


async def test_certificates_of_the_owner(sim: Sim) -> None:
    device = await some_device(sim, registrationState="ACTIVE", platformType="IOS")
    path = f"/api/v1/device/{device['id']}/certs/search"
    result = await sim.ok(path, accountId=device["ownerId"])
    certificates = result["searchResults"]
    assert result["totalCount"] == len(certificates) > 0
    for cert in certificates:
        assert list(cert) == list(CERTIFICATE_FIELDS)
        assert cert["certState"] in enums.CERT_STATES
        assert cert["deviceId"] == device["id"]
        assert cert["ownerId"] == device["ownerId"]
        assert cert["serialNumber"] == device["serialNumber"]
        assert cert["notBefore"] < cert["notAfter"]
        assert cert["certSerialNumberString"] == str(cert["certSerialNumber"])
    states = result["facetedResults"]["CERTSTORESTATE"]
    assert list(states) == list(enums.CERT_STATES)
    assert sum(states.values()) == result["totalCount"]


async def test_certificates_need_the_owners_account(sim: Sim) -> None:
    device = await some_device(sim, registrationState="ACTIVE")
    path = f"/api/v1/device/{device['id']}/certs/search"
    assert_field_error(await sim.http.get(path), "accountId")
    other = {"accountId": device["ownerId"] + 1}
    assert_field_error(await sim.http.get(path, params=other), "accountId")


# --- custom attributes ---------------------------------------------------------------------


async def attrs_of(sim: Sim, key: str | int) -> dict[str, list[str]]:
    result = await sim.ok(f"/api/v1/device/{key}/customattributes")
    attrs: dict[str, list[str]] = result["attrs"]
    return attrs


async def test_custom_attributes_replace_patch_delete_and_reset(sim: Sim) -> None:
    device = await some_device(sim, registrationState="ACTIVE")
    key, guid = device["id"], device["guid"]
    path = f"/api/v1/device/{key}/customattributes"
    original = await attrs_of(sim, key)
    assert (await sim.ok(path)) == {"deviceId": key, "guid": guid, "attrs": original}

    # POST replaces everything.
    replaced = {"attrs": {"cityid": ["SF"], "floor_#": ["3"], "b": ["valueb"]}}
    response = await sim.http.post(path, json=replaced)
    assert response.json() == {"errors": None, "result": 1}
    assert await attrs_of(sim, guid) == replaced["attrs"]

    # PATCH with forceOverwrite: update (name case-insensitively), add, keep the rest.
    patch = {"attrs": {"CityId": ["LA"], "c": ["value_c_added"]}, "forceOverwrite": True}
    assert (await sim.http.patch(f"/api/v1/device/{guid}/customattributes", json=patch)).json()[
        "result"
    ] == 1
    expected = {"cityid": ["LA"], "floor_#": ["3"], "b": ["valueb"], "c": ["value_c_added"]}
    assert await attrs_of(sim, key) == expected

    # PATCH without it: append.
    append = {"attrs": {"cityid": ["NY"], "floor_#": [4]}, "forceOverwrite": False}
    assert (await sim.http.patch(path, json=append)).status_code == 200
    expected |= {"cityid": ["LA", "NY"], "floor_#": ["3", "4"]}
    assert await attrs_of(sim, key) == expected

    # DELETE per device (method 2), then for several devices (method 1).
    removed = await sim.http.request("DELETE", path, json={"attrs": {"b": ["valueb"]}})
    assert removed.json() == {"errors": None, "result": 1}
    bulk = {"ids": [str(key)], "attrKeys": ["C", "nothing"]}
    response = await sim.http.request("DELETE", "/api/v1/device/customattributes", json=bulk)
    assert response.json() == {"errors": None, "result": 1}
    expected = {"cityid": ["LA", "NY"], "floor_#": ["3", "4"]}
    assert await attrs_of(sim, key) == expected

    # The change shows everywhere, and stays until the simulator is reset.
    details = await sim.ok(f"/api/v1/device/{key}")
    assert details["customAttributes"] == {"attrs": expected}
    found = await sim.search(fq="CFDEVICE[floor_#]=4")
    assert [d["id"] for d in found["searchResults"]] == [key]
    assert await attrs_of(sim, key) == expected
    assert (await sim.http.post("/_sim/reset")).json() == {"reset": True}
    assert await attrs_of(sim, key) == original


async def test_custom_attributes_payload_errors(sim: Sim) -> None:
    device = await some_device(sim)
    path = f"/api/v1/device/{device['id']}/customattributes"
    assert_field_error(await sim.http.post(path, json={"attrs": ["x"]}), "attrs")
    numeric = await sim.http.patch(path, json={"attrs": {"floor_#": ["three"]}})
    assert assert_field_error(numeric, "attrs[floor_#]")["code"] == "NumberFormat"
    flag = {"attrs": {"a": ["1"]}, "forceOverwrite": "maybe"}
    assert_field_error(await sim.http.patch(path, json=flag), "forceOverwrite")
    malformed = await sim.http.post(
        path, content=b"{not json", headers={"Content-Type": "text/plain"}
    )
    assert_error(malformed, 400, "BadRequest")
    bulk = await sim.http.request("DELETE", "/api/v1/device/customattributes", json={"ids": []})
    assert_field_error(bulk, "ids")
    unknown = {"ids": ["1"], "attrKeys": ["a"]}
    response = await sim.http.request("DELETE", "/api/v1/device/customattributes", json=unknown)
    assert_error(response, 404)


# --- DEP -----------------------------------------------------------------------------------


async def test_dep_servers_and_profiles(sim: Sim) -> None:
    servers = (await sim.ok("/api/v1/depServer"))["searchResults"]
    assert {server["dmPartitionId"] for server in servers} == {ACME, GLOBEX}
    skipped: set[str] = set()
    for server in servers:
        profiles = await sim.ok(f"/api/v1/depServer/{server['id']}/profiles")
        assert profiles == await sim.ok(f"/api/v1/depServer{server['id']}/profiles")
        assert sum(profile["default"] for profile in profiles) == 1
        for profile in profiles:
            assert profile["virtualServerId"] == server["id"]
            assert profile["status"] in enums.DEP_PROFILE_STATUSES
            skipped.update(profile["skipSetupItems"])
    assert skipped == set(enums.SKIP_SETUP_ITEMS)
    assert_error(await sim.http.get("/api/v1/depServer/1/profiles"), 404)


# --- the data set --------------------------------------------------------------------------


def test_every_documented_value_appears_in_the_default_data_set() -> None:
    started = time.perf_counter()
    store = MdmStore(DEFAULT_DEVICES)
    partitions = list(store.partitions())
    assert time.perf_counter() - started < 1.0
    for partition in partitions:
        devices = partition.live_devices()
        seen: dict[str, set[Any]] = {
            "registration": {d.registration_state for d in devices},
            "kiosk": {d.kiosk_state for d in devices},
            "ownership": {d.ownership_type for d in devices},
            "platform": {d.platform_type for d in devices},
            "config": {c.status for d in devices for c in d.configs},
            "cert": {c.state for d in devices for c in d.certificates},
            "threat": {d.extras["mobileThreatDefenseGeneralStatus"] for d in devices},
            "locate": {d.extras["privacyPolicy"]["locateStatus"] for d in devices},
            "cellular": {d.extras["cellularTechnology"] for d in devices},
        }
        assert seen["registration"] == set(enums.REGISTRATION_STATES)
        assert seen["kiosk"] == set(enums.KIOSK_STATES)
        assert seen["ownership"] == set(enums.OWNERSHIP_TYPES)
        assert seen["platform"] == set(enums.PLATFORM_TYPES) - {"WINDOWS_PHONE"}
        assert seen["config"] == set(enums.CONFIG_STATUSES)
        assert seen["cert"] == set(enums.CERT_STATES)
        assert seen["threat"] == set(enums.THREAT_STATUSES)
        assert seen["locate"] == set(enums.LOCATE_STATUSES)
        assert seen["cellular"] == set(enums.CELLULAR_TECHNOLOGIES)
        for flag in ("supervised", "lost_mode_enabled", "jailbroken", "roaming", "dep_enrolled"):
            assert {getattr(d, flag) for d in devices} >= {True, False}, flag
        assert {d.compliant for d in devices} == {True, False}
        assert {p.compliant for d in devices for p in d.policies} == {True, False}
        numeric = [k for d in devices for k in d.custom_attributes if k.endswith("_#")]
        assert numeric
        assert any(d.locked for d in devices)


def test_data_is_deterministic() -> None:
    first, second = MdmStore(DEVICES), MdmStore(DEVICES)
    for a, b in zip(first.partitions(), second.partitions(), strict=True):
        assert a.devices == b.devices
    first.reset()
    assert next(first.partitions()).devices == next(second.partitions()).devices


# --- faults --------------------------------------------------------------------------------


async def test_fault_5xx(sim: Sim) -> None:
    await sim.set_faults(mode="5xx")
    response = await sim.http.get("/api/v1/device", params={"dmPartitionId": ACME})
    assert_error(response, 503, "ServiceUnavailable")


async def test_fault_429_with_retry_after(sim: Sim) -> None:
    await sim.set_faults(mode="429", retry_after_seconds=7)
    response = await sim.http.get("/api/v1/device/1")
    assert_error(response, 429, "TooManyRequests")
    assert response.headers["Retry-After"] == "7"


async def test_fault_malformed_json(sim: Sim) -> None:
    await sim.set_faults(mode="malformed")
    response = await sim.http.get("/api/v1/device", params={"dmPartitionId": ACME})
    assert response.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


async def test_fault_times_limit(sim: Sim) -> None:
    await sim.set_faults(mode="5xx", times=2)
    path = "/api/v1/device"
    statuses = [
        (await sim.http.get(path, params={"dmPartitionId": ACME})).status_code for _ in range(4)
    ]
    assert statuses == [503, 503, 200, 200]


async def test_fault_path_prefix(sim: Sim) -> None:
    device = await some_device(sim)
    await sim.set_faults(mode="5xx", path_prefix=f"/api/v1/device/{device['id']}/configs")
    assert (await sim.http.get(f"/api/v1/device/{device['id']}")).status_code == 200
    assert (await sim.http.get(f"/api/v1/device/{device['id']}/configs")).status_code == 503


async def test_fault_latency(sim: Sim) -> None:
    await sim.set_faults(mode="none", latency_ms=50)
    started = time.perf_counter()
    assert (await sim.http.get("/api/v1/device/1")).status_code == 404
    assert time.perf_counter() - started >= 0.05


async def test_fault_timeout_never_answers(sim: Sim) -> None:
    await sim.set_faults(mode="timeout")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(sim.http.get("/api/v1/device/1"), timeout=0.2)


async def test_faults_spare_control_routes(sim: Sim) -> None:
    await sim.set_faults(mode="5xx")
    assert (await sim.http.get("/_sim/stats")).status_code == 200


async def test_faults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDM_SIM_FAULT", "429")
    monkeypatch.setenv("MDM_SIM_LATENCY_MS", "20")
    app = create_app(DEVICES)
    assert app.state.faults.latency_ms == 20
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mdm", auth=AUTH) as http:
        response = await http.get("/api/v1/device", params={"dmPartitionId": ACME})
        assert_error(response, 429)
        assert "Retry-After" in response.headers


async def test_stats_and_reset(sim: Sim) -> None:
    await sim.set_faults(mode="5xx", times=1)
    for _ in range(3):
        await sim.http.get("/api/v1/device/1")
    stats = (await sim.http.get("/_sim/stats")).json()
    assert stats == {"requests": 3, "by_path": {"/api/v1/device/1": 3}, "faulted": 1}
    await sim.set_faults(mode="5xx", latency_ms=10)
    assert (await sim.http.post("/_sim/reset")).status_code == 200
    assert sim.app.state.faults.latency_ms == 0
    assert (await sim.http.get("/_sim/stats")).json()["requests"] == 0
    assert_error(await sim.http.get("/api/v1/device/1"), 404)


async def test_works_mounted_under_a_prefix() -> None:
    app = Starlette(routes=[Mount("/mdm", create_app(DEVICES, faults=FaultState()))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://simulators") as http:
        path, params = "/mdm/api/v1/device", {"dmPartitionId": ACME, "rows": 1}
        assert (await http.get(path, params=params, auth=AUTH)).status_code == 200
        assert (await http.get(path, params=params)).status_code == 401
        assert (await http.put("/mdm/_sim/faults", json={"mode": "5xx"})).status_code == 200
        assert (await http.get(path, params=params, auth=AUTH)).status_code == 503
        stats = (await http.get("/mdm/_sim/stats")).json()
        assert stats["by_path"] == {"/api/v1/device": 3}
        assert (await http.post("/mdm/_sim/reset")).status_code == 200
        assert (await http.get(path, params=params, auth=AUTH)).status_code == 200
