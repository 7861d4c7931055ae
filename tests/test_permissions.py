"""Who may call which mutation: for each row of the permission table, the weakest role allowed
gets past the check and the role below it is refused, changes nothing, and is recorded."""

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.db import tables
from app.enums import Role
from app.permissions import MUTATION_ROLES
from schema.node import from_global_id, to_global_id
from tests.conftest import GraphQLClient, gateway
from tests.test_actions import Fleet, active, fleet  # noqa: F401  (the fixture)

RUNS = tables.DeviceActionRun.__table__
README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = list(Role)

# A minimal valid input per action mutation (besides `deviceIds`), and its input type when the
# mutation shares one.
ACTION_INPUTS: dict[str, tuple[dict[str, Any], str | None]] = {
    "lockDevices": ({}, None),
    "forceCheckinDevices": ({}, None),
    "scheduleOsUpdate": ({"version": "99.0"}, None),
    "replaceCustomAttributes": ({"attributes": [{"key": "k", "stringValues": ["v"]}]}, None),
    "patchCustomAttributes": ({"attributes": [{"key": "k", "stringValues": ["v"]}]}, None),
    "removeCustomAttributes": ({"keys": [{"key": "k"}]}, None),
    "enableLostMode": ({"message": "Lost"}, None),
    "disableLostMode": ({}, None),
    "relinquishOwnership": ({}, None),
    "cancelRelinquishOwnership": ({}, None),
    "assignDevice": ({"userId": to_global_id("User", 1)}, None),
    "unassignDevice": ({}, None),
    "wipeDevices": ({}, None),
    "retireDevices": ({}, None),
    "deleteDevices": ({}, None),
    "unlockDevices": ({"pin": ""}, None),
    "restartDevices": ({}, None),
    "enterKioskMode": ({}, None),
    "exitKioskMode": ({}, None),
    "sendDeviceMessage": ({"message": "Hello"}, None),
    "logoutDeviceUsers": ({}, None),
    "excludeConfiguration": ({"configurationIds": [1]}, "ConfigurationActionInput"),
    "repushConfiguration": ({"configurationIds": [1]}, "ConfigurationActionInput"),
    "reinstallConfiguration": ({"configurationIds": [1]}, "ConfigurationActionInput"),
    "syncCompliance": ({"vendor": "GOOGLE_BC"}, None),
}
# Covered by tests/test_device_mutations.py and tests/test_mirror.py.
OTHER_MUTATIONS = {"createDevices", "updateDevice", "syncDeviceSummaries"}


def test_every_mutation_has_a_row_and_an_input_here() -> None:
    from app.settings import Settings
    from schema import build_schema

    mutation_type = build_schema(Settings())._schema.mutation_type
    assert mutation_type is not None
    names = set(mutation_type.fields)
    assert names == set(MUTATION_ROLES)
    assert set(ACTION_INPUTS) | OTHER_MUTATIONS == names


def test_the_readme_table_is_the_code_table() -> None:
    text = README.read_text()
    roles = "|".join(role.value for role in Role)
    rows = dict(re.findall(rf"^\| `(\w+)` \| `({roles})` \|$", text, re.MULTILINE))
    assert rows == {name: role.value for name, role in MUTATION_ROLES.items()}


async def _run(client: GraphQLClient, mutation: str, device: str, dry_run: bool) -> dict[str, Any]:
    extra, input_type = ACTION_INPUTS[mutation]
    input_type = input_type or mutation[0].upper() + mutation[1:] + "Input"
    query = (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ "
        "run { id status refusal targets { status } } userErrors { field code } } }"
    )
    variables = {"input": {"deviceIds": [device], "dryRun": dry_run, **extra}}
    return (await client.data(query, variables))[mutation]


@pytest.mark.parametrize("mutation", sorted(ACTION_INPUTS))
async def test_the_weakest_role_allowed_passes_and_the_one_below_is_refused(
    fleet: Fleet,  # noqa: F811
    mutation: str,
) -> None:
    needed = MUTATION_ROLES[mutation]
    (device,) = await fleet.pick(active)
    backend = fleet.client.backend
    settings = {"mdm_base_url": fleet.sims.mdm_url, "inventory_base_url": fleet.sims.inventory_url}
    async with gateway(backend, "acme", **settings) as allowed:
        allowed.token = await backend.token("acme", needed)
        payload = await _run(allowed, mutation, fleet.gid(device), dry_run=True)
        assert "FORBIDDEN" not in [e["code"] for e in payload["userErrors"]], payload
    index = ROLES.index(needed)
    if index == 0:
        return
    async with gateway(backend, "acme", **settings) as weaker:
        weaker.token = await backend.token("acme", ROLES[index - 1])
        stats_before = (await fleet.sims.http.get("/mdm/_sim/stats")).json()["by_path"]
        payload = await _run(weaker, mutation, fleet.gid(device), dry_run=False)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(None, "FORBIDDEN")]
        run = payload["run"]
        assert (run["status"], run["refusal"], run["targets"]) == ("REJECTED", "FORBIDDEN", [])
        stats_after = (await fleet.sims.http.get("/mdm/_sim/stats")).json()["by_path"]
        assert {p: n for p, n in stats_after.items() if not re.search(r"/\d+$", p)} == {
            p: n for p, n in stats_before.items() if not re.search(r"/\d+$", p)
        }
        run_id = from_global_id(run["id"])[1]
        recorded = await weaker.rows(sa.select(RUNS.c.code).where(RUNS.c.id == run_id))
        assert [row.code for row in recorded] == ["FORBIDDEN"]


async def test_mutations_over_get_are_refused(fleet: Fleet) -> None:  # noqa: F811
    client = fleet.client
    (device,) = await fleet.pick(active)
    ids = f'["{fleet.gid(device)}"]'
    query = f"mutation {{ lockDevices(input: {{deviceIds: {ids}}}) {{ run {{ id }} }} }}"
    response = await client.http.get("/graphql", params={"query": query}, headers=client.auth)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("mutation", sorted(ACTION_INPUTS))
async def test_another_tenants_device_is_not_found_by_every_action(
    fleet: Fleet,  # noqa: F811
    mutation: str,
) -> None:
    """A globex admin naming an acme device: NOT_FOUND, as for a device that does not exist,
    nothing sent for it, and nothing of it in the answer."""
    (device,) = await fleet.pick(active)
    settings = {"mdm_base_url": fleet.sims.mdm_url, "inventory_base_url": fleet.sims.inventory_url}
    async with gateway(fleet.client.backend, "globex", **settings) as other:
        before = await _actions_on(fleet, device["id"])
        extra, input_type = ACTION_INPUTS[mutation]
        input_type = input_type or mutation[0].upper() + mutation[1:] + "Input"
        query = (
            f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ "
            "run { status targets { status code device { id } } } "
            "ineligible { code reason device { id } } userErrors { field code } } }"
        )
        variables = {"input": {"deviceIds": [fleet.gid(device)], **extra}}
        payload = (await other.data(query, variables))[mutation]
        if mutation == "assignDevice":
            # The user named is acme's too: refused before any device is looked at.
            assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
        else:
            assert payload["userErrors"] == []
            assert [(i["code"], i["device"]) for i in payload["ineligible"]] == [
                ("NOT_FOUND", None)
            ]
            assert payload["run"]["targets"] == [
                {"status": "REJECTED", "code": "NOT_FOUND", "device": None}
            ]
        after = await _actions_on(fleet, device["id"])
        assert after == before


async def _actions_on(fleet: Fleet, mdm_id: int) -> dict[str, int]:  # noqa: F811
    """Requests about the device but plain reads of it (the follower re-reads devices of runs
    earlier tests left PENDING, whatever this test does)."""
    stats: dict[str, int] = (await fleet.sims.http.get("/mdm/_sim/stats")).json()["by_path"]
    return {
        path: count
        for path, count in stats.items()
        if str(mdm_id) in path and path != f"/api/v1/device/{mdm_id}"
    }


async def test_another_tenants_action_run_is_null(fleet: Fleet) -> None:  # noqa: F811
    (device,) = await fleet.pick(active)
    query = "mutation($id: ID!) { lockDevices(input: {deviceIds: [$id]}) { run { id } } }"
    run_id = (await fleet.client.data(query, {"id": fleet.gid(device)}))["lockDevices"]["run"]["id"]
    lookup = """query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id }
        acme: node(id: $id) { ... on DeviceActionRun { targets { status } } } }"""
    async with gateway(fleet.client.backend, "globex") as other:
        assert await other.data(lookup, {"id": run_id}) == {
            "node": None,
            "nodes": [None],
            "acme": None,
        }
    assert (await fleet.client.data(lookup, {"id": run_id}))["node"] == {"id": run_id}
