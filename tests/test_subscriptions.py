"""Subscriptions over a real WebSocket (graphql-transport-ws) to a gateway served by uvicorn:
authentication in `connection_init`, and a run seen moving from PENDING to its final state."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from app.enums import Role
from app.main import create_app
from app.serving import serving_in_thread
from tests.conftest import UPSTREAM_TEST_SETTINGS, Backend, Simulators, settings_for
from tests.test_actions import active

PROTOCOL = "graphql-transport-ws"
RUN_UPDATES = """subscription($runId: ID) {
  deviceActionRunUpdated(runId: $runId) { id action status targets { status } }
}"""


@pytest.fixture
async def served(backend: Backend, simulators: Simulators) -> AsyncIterator[str]:
    """The gateway on a loopback port (its own event loop, lifespan on: the follower runs)."""
    await simulators.reset()
    await simulators.http.put("/mdm/_sim/actions", json={"delay_ms": 300})
    settings = settings_for(
        backend.url,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        action_poll_seconds=0.05,
        action_follower=True,
        gc_tuning=False,
        **UPSTREAM_TEST_SETTINGS,
    )
    async with serving_in_thread(create_app(settings), lifespan="on") as base_url:
        yield base_url
    await simulators.reset()


async def connect(base_url: str, token: str | None) -> ClientConnection:
    socket = await websockets.connect(
        base_url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]
    )
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def receive(socket: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), 10))


async def mutate(base_url: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def a_device(base_url: str, token: str, test: Any) -> str:
    """The global ID of a device of acme whose live MDM record passes `test`."""
    query = """{ devices(first: 100) { nodes { id
        mdmDetails { registrationState platformType supervised } } } }"""
    for node in (await mutate(base_url, token, query, {}))["devices"]["nodes"]:
        details = node["mdmDetails"]
        if details is not None and test(details):
            return str(node["id"])
    pytest.skip("no such device")


WIPE = """mutation($id: ID!) { wipeDevices(input: {deviceIds: [$id]}) {
  run { id status } userErrors { code } } }"""


async def test_a_subscriber_sees_a_run_move_to_its_final_state(
    backend: Backend, served: str
) -> None:
    token = await backend.token("acme", Role.TENANT_ADMIN)
    device = await a_device(served, token, active)
    run = (await mutate(served, token, WIPE, {"id": device}))["wipeDevices"]["run"]
    assert run["status"] == "PENDING"
    socket = await connect(served, token)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": RUN_UPDATES, "variables": {"runId": run["id"]}},
                }
            )
        )
        statuses = []
        while True:
            message = await receive(socket)
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            seen = message["payload"]["data"]["deviceActionRunUpdated"]
            assert seen["id"] == run["id"]
            statuses.append(seen["status"])
        assert statuses[0] == "PENDING"
        assert statuses[-1] == "SUCCEEDED"
    finally:
        await socket.close()


async def test_every_run_of_the_tenant_reaches_a_subscriber_without_run_id(
    backend: Backend, served: str
) -> None:
    token = await backend.token("acme", Role.TENANT_ADMIN)
    device = await a_device(served, token, active)
    socket = await connect(served, token)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        subscribe = {"id": "all", "type": "subscribe", "payload": {"query": RUN_UPDATES}}
        await socket.send(json.dumps(subscribe))
        await asyncio.sleep(0.2)  # the subscription is registered before the mutation runs
        lock = """mutation($id: ID!) { lockDevices(input: {deviceIds: [$id]}) { run { id } } }"""
        run_id = (await mutate(served, token, lock, {"id": device}))["lockDevices"]["run"]["id"]
        message = await receive(socket)
        assert message["type"] == "next"
        assert message["payload"]["data"]["deviceActionRunUpdated"]["id"] == run_id
    finally:
        await socket.close()


async def test_a_websocket_without_a_valid_token_is_closed(backend: Backend, served: str) -> None:
    for token in (None, "not-a-token"):
        socket = await connect(served, token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await receive(socket)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403


async def test_another_tenants_run_is_not_found(backend: Backend, served: str) -> None:
    token = await backend.token("acme", Role.TENANT_ADMIN)
    device = await a_device(served, token, active)
    lock = """mutation($id: ID!) { lockDevices(input: {deviceIds: [$id]}) { run { id } } }"""
    run_id = (await mutate(served, token, lock, {"id": device}))["lockDevices"]["run"]["id"]
    socket = await connect(served, await backend.token("globex", Role.TENANT_ADMIN))
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": RUN_UPDATES, "variables": {"runId": run_id}},
                }
            )
        )
        message = await receive(socket)
        assert message["type"] == "error" or "errors" in message.get("payload", {}), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        await socket.close()
