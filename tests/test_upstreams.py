"""Upstream-backed fields over real HTTP to the simulators: data, batching, caching and faults.

Every fault mode of each simulator is driven over HTTP; the response must keep every
database-backed field, null the failed upstream's fields with one typed error per path, leak
nothing of the upstream's body, make a bounded number of calls and honour the deadline.
"""

from typing import Any

import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import AgentStatus, PlatformType, RegistrationState
from schema.node import to_global_id
from schema.types.upstream import CustomAttribute, InventoryDevice, MdmDeviceDetails
from tests.conftest import UPSTREAM_TEST_SETTINGS, Backend, GraphQLClient, Simulators, gateway

D = tables.Device.__table__

UPSTREAM_VIEW = """
query UpstreamView($first: Int!) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      databaseId name serialNumber clientStatus
      mdmDetails { providerId serialNumber platformType registrationState lastCheckinAt kioskState }
      inventory {
        inventoryId serialNumber osName agentStatus lastSeenAt
        hardware { ram cpuCores } browserExtensions { browser installed autoUpdate lastActivityAt }
      }
    }
  }
}
"""

DETAILS = """
query Details($first: Int!) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      databaseId serialNumber
      configs(first: 3) { totalCount nodes { providerId name status policyType } }
      compliance { name compliant }
      customAttributes { key values numeric }
      certificates { subject state }
    }
  }
}
"""

Client = tuple[GraphQLClient, Simulators]


async def upstream_ids(client: GraphQLClient) -> dict[int, tuple[int | None, str | None]]:
    async with client.backend.engine.connect() as conn:
        rows = await conn.execute(sa.select(D.c.id, D.c.mdm_device_id, D.c.inventory_device_id))
        return {row.id: (row.mdm_device_id, row.inventory_device_id) for row in rows}


async def test_devices_carry_what_each_upstream_knows(upstream_client: Client) -> None:
    client, _ = upstream_client
    body = await client.post(UPSTREAM_VIEW, {"first": 100}, stats=True)
    assert "errors" not in body, body["errors"]
    ids = await upstream_ids(client)
    nodes = body["data"]["devices"]["nodes"]
    for node in nodes:
        mdm_id, inventory_id = ids[node["databaseId"]]
        if mdm_id is None:
            assert node["mdmDetails"] is None
        elif node["mdmDetails"] is not None:
            assert node["mdmDetails"]["providerId"] == mdm_id
            assert node["mdmDetails"]["serialNumber"] == node["serialNumber"]
        if inventory_id is None:
            assert node["inventory"] is None
        elif node["inventory"] is not None:
            assert node["inventory"]["inventoryId"] == inventory_id
            assert node["inventory"]["serialNumber"] == node["serialNumber"]
            assert int(node["inventory"]["hardware"]["ram"]) > 2**31, "bytes, beyond Int"
    assert sum(node["mdmDetails"] is not None for node in nodes) > 10
    assert sum(node["inventory"] is not None for node in nodes) > 10


async def test_a_page_of_100_makes_few_calls_and_a_second_makes_none(
    upstream_client: Client,
) -> None:
    client, simulators = upstream_client
    first = await client.post(UPSTREAM_VIEW, {"first": 100}, stats=True)
    tenants = 2  # the seed's two tenants both have devices on the first page
    assert first["extensions"]["stats"]["upstreamCalls"] <= 2 * tenants
    assert await simulators.requests("inventory") <= tenants
    assert await simulators.requests("mdm") <= tenants
    again = await client.post(UPSTREAM_VIEW, {"first": 100}, stats=True)
    assert again["extensions"]["stats"]["upstreamCalls"] == 0, "served from the tenant cache"
    assert again["data"] == first["data"]


async def test_per_device_calls_are_deduplicated_and_concurrent(upstream_client: Client) -> None:
    client, simulators = upstream_client
    body = await client.post(DETAILS, {"first": 30}, stats=True)
    assert "errors" not in body, body["errors"]
    ids = await upstream_ids(client)
    nodes = body["data"]["devices"]["nodes"]
    enrolled = [n for n in nodes if ids[n["databaseId"]][0] is not None]
    assert enrolled
    for node in nodes:
        if ids[node["databaseId"]][0] is None:
            assert node["configs"] is None
            assert node["customAttributes"] is None
    with_configs = [n for n in enrolled if n["configs"] is not None]
    assert with_configs
    for node in with_configs:
        assert len(node["configs"]["nodes"]) <= 3
        assert node["configs"]["totalCount"] >= len(node["configs"]["nodes"])
    # configs, policies, attributes and certificates: one call each per enrolled device, plus
    # the partition search that certificates need for the owner; never more.
    assert await simulators.requests("mdm") <= 4 * len(enrolled) + 2


FAULTS = [
    ("5xx", "UPSTREAM_UNAVAILABLE"),
    ("429", "UPSTREAM_RATE_LIMITED"),
    ("timeout", "UPSTREAM_TIMEOUT"),
    ("malformed", "UPSTREAM_BAD_RESPONSE"),
    ("slow", "UPSTREAM_TIMEOUT"),  # 1.5 s per call: beyond the per-call timeout
]
FIELDS = {"mdm": "mdmDetails", "inventory": "inventory"}
LEAKS = ("service unavailable", "too many requests", "searchResults", "Traceback", "upstream hung")


@pytest.mark.parametrize("upstream", ["mdm", "inventory"])
@pytest.mark.parametrize(("mode", "code"), FAULTS)
async def test_a_failing_upstream_gives_partial_data_and_typed_errors(
    upstream_client: Client, upstream: str, mode: str, code: str
) -> None:
    client, simulators = upstream_client
    await simulators.fault(upstream, mode)
    body = await client.post(UPSTREAM_VIEW, {"first": 100}, stats=True)
    nodes = body["data"]["devices"]["nodes"]
    assert len(nodes) == 100
    assert all(node["clientStatus"] for node in nodes), "database fields are all there"

    failed, other = FIELDS[upstream], FIELDS["inventory" if upstream == "mdm" else "mdm"]
    assert all(node[failed] is None for node in nodes)
    assert any(node[other] is not None for node in nodes), "the healthy upstream still answers"
    errors: list[dict[str, Any]] = body["errors"]
    assert errors
    paths = [tuple(error["path"]) for error in errors]
    assert len(paths) == len(set(paths)), "one error per failed path"
    for error in errors:
        assert error["path"][-1] == failed
        assert error["extensions"]["code"] == code
        assert not any(leak in error["message"] for leak in LEAKS)
    if code == "UPSTREAM_RATE_LIMITED":
        assert errors[0]["extensions"]["retryAfter"] == 1

    attempts = UPSTREAM_TEST_SETTINGS["upstream_retries"] + 1
    assert await simulators.requests(upstream) <= 2 * attempts, "no retry storm"
    deadline_ms = UPSTREAM_TEST_SETTINGS["upstream_deadline_seconds"] * 1000
    assert body["extensions"]["stats"]["durationMs"] < deadline_ms + 500, "deadline honoured"


async def test_slow_upstream_still_answers_within_the_deadline(upstream_client: Client) -> None:
    client, simulators = upstream_client
    await simulators.fault("inventory", "none", latency_ms=100)
    body = await client.post(UPSTREAM_VIEW, {"first": 10}, stats=True)
    assert "errors" not in body
    assert any(node["inventory"] is not None for node in body["data"]["devices"]["nodes"])


async def test_a_transient_failure_is_retried(upstream_client: Client) -> None:
    client, simulators = upstream_client
    await simulators.fault("inventory", "5xx", times=1)
    body = await client.post(UPSTREAM_VIEW, {"first": 10}, stats=True)
    assert "errors" not in body, "the retry succeeded"
    assert any(node["inventory"] is not None for node in body["data"]["devices"]["nodes"])


def upstreams_at(simulators: Simulators, **changes: Any) -> dict[str, Any]:
    """Settings pointing at the simulators, with the test timings and `changes`."""
    return {
        "mdm_base_url": simulators.mdm_url,
        "inventory_base_url": simulators.inventory_url,
        **UPSTREAM_TEST_SETTINGS,
        **changes,
    }


async def test_the_breaker_fails_fast_while_open(backend: Backend, simulators: Simulators) -> None:
    await simulators.reset()
    settings = upstreams_at(simulators, breaker_failures=1, upstream_retries=0)
    async with gateway(backend, **settings) as client:
        await simulators.fault("inventory", "5xx")
        await client.post(UPSTREAM_VIEW, {"first": 5})
        calls = await simulators.requests("inventory")
        await simulators.fault("inventory", "none")
        body = await client.post(UPSTREAM_VIEW, {"first": 5})
        assert await simulators.requests("inventory") == calls, "open breaker: no call made"
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert codes == {"UPSTREAM_UNAVAILABLE"}
    await simulators.reset()


async def test_refused_credentials_are_a_configuration_error(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    settings = upstreams_at(simulators, inventory_token="not-the-token")
    async with gateway(backend, **settings) as client:
        body = await client.post(UPSTREAM_VIEW, {"first": 5})
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"UPSTREAM_UNAUTHORIZED"}
    assert await simulators.requests("inventory") <= 2, "not retried"


async def test_configs_page_with_their_own_cursors(steady_upstreams: Client) -> None:
    # Not a fault test: the default timings (60 devices make about 240 per-device calls).
    client, _ = steady_upstreams
    ids = await upstream_ids(client)
    found = await client.data(DETAILS, {"first": 60})
    device = next(
        n
        for n in found["devices"]["nodes"]
        if ids[n["databaseId"]][0] is not None and (n["configs"] or {}).get("totalCount", 0) > 3
    )
    query = """
    query($id: ID!, $after: String) { node(id: $id) { ... on Device {
      configs(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { providerId }
      } } } }
    """
    global_id = to_global_id("Device", device["databaseId"])
    seen: list[int] = []
    after = None
    while True:
        page = (await client.data(query, {"id": global_id, "after": after}))["node"]["configs"]
        seen += [config["providerId"] for config in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]
    error = await client.error(query, {"id": global_id, "after": "not-a-cursor"})
    assert error["extensions"]["code"] == "INVALID_CURSOR"


def test_values_an_upstream_adds_later_are_unknown_not_errors() -> None:
    details = MdmDeviceDetails.from_record(
        {"id": 1, "registrationState": "QUARANTINED_V2", "platformType": "VISIONOS"}
    )
    assert details.registration_state is RegistrationState.UNKNOWN
    assert details.platform_type is PlatformType.UNKNOWN
    inventory = InventoryDevice.from_record({"id": "x", "status": "hibernating"})
    assert inventory.agent_status is AgentStatus.UNKNOWN


def test_numeric_custom_attributes_lose_the_provider_suffix() -> None:
    attrs = CustomAttribute.from_attrs({"leaseMonths_#": ["48"], "cityId": ["SF", "NY"]})
    assert [(a.key, a.values, a.numeric) for a in attrs] == [
        ("cityId", ["SF", "NY"], False),
        ("leaseMonths", ["48"], True),
    ]
