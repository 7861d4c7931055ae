"""Several gateway workers over one database and one Redis behave as one service: a run another
worker started is followed to its end even when that worker is killed, and a subscriber on one
worker sees what happens on another."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from app.enums import Role
from app.main import create_app
from app.serving import serving_in_thread
from app.settings import PROJECT_ROOT
from schema.node import to_global_id
from tests.conftest import (
    UPSTREAM_TEST_SETTINGS,
    Backend,
    Simulators,
    gateway,
    redis_url,
    settings_for,
)
from tests.test_lifecycle import served_process, wait_ready
from tests.test_subscriptions import RUN_UPDATES, connect, mutate, receive

ASSIGN = """mutation($device: ID!, $user: ID!) {
  assignDevice(input: {deviceIds: [$device], userId: $user}) {
    run { id status } userErrors { code } } }"""
RUN = """query($id: ID!) { node(id: $id) { ... on DeviceActionRun {
  status finishedAt targets { status reason } } } }"""
CANDIDATES = """query($after: String) { users(first: 1) { nodes { id } }
  devices(first: 100, after: $after) {
    nodes { id mdmDetails { platformType supervised registrationState } }
    pageInfo { hasNextPage endCursor } } }"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def worker_process(
    backend: Backend, simulators: Simulators
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A gateway worker in its own process (uvicorn, as `make run` serves it)."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "GATEWAY_ENV": "test",
        "DATABASE_URL": backend.url,
        "MDM_BASE_URL": simulators.mdm_url,
        "INVENTORY_BASE_URL": simulators.inventory_url,
        "ACTION_POLL_SECONDS": "0.1",
        "MIRROR_REFRESH_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)


async def _up(base_url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                if (await http.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{base_url} did not start")


async def _candidates(base_url: str, token: str) -> tuple[str, str]:
    """A supervised, active iPhone (reassignable) and a user, as global IDs."""
    after = None
    while True:
        data = await mutate(base_url, token, CANDIDATES, {"after": after})
        for node in data["devices"]["nodes"]:
            details = node["mdmDetails"]
            if (
                details
                and details["platformType"] == "IOS"
                and details["supervised"]
                and details["registrationState"] == "ACTIVE"
            ):
                return str(node["id"]), str(data["users"]["nodes"][0]["id"])
        if not data["devices"]["pageInfo"]["hasNextPage"]:
            raise AssertionError("the seed has no supervised, active iPhone")
        after = data["devices"]["pageInfo"]["endCursor"]


async def test_a_run_survives_the_worker_that_started_it_being_killed(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    await simulators.http.put(
        "/mdm/_sim/actions", json={"delay_ms": 1500, "reassignment": "SUCCESS"}
    )
    token = await backend.token("acme", Role.TENANT_ADMIN)
    try:
        with worker_process(backend, simulators) as (first, process):
            await _up(first)
            device, user = await _candidates(first, token)
            started = await mutate(first, token, ASSIGN, {"device": device, "user": user})
            run = started["assignDevice"]["run"]
            assert run["status"] == "PENDING", started
            # Killed before the provider finishes: nothing of the follow-up was done yet.
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        with worker_process(backend, simulators) as (second, _):
            await _up(second)
            for _ in range(100):
                seen = (await mutate(second, token, RUN, {"id": run["id"]}))["node"]
                if seen["status"] != "PENDING":
                    break
                await asyncio.sleep(0.1)
            assert seen["status"] == "SUCCEEDED", seen
            assert [t["status"] for t in seen["targets"]] == ["SUCCEEDED"]
            assert seen["finishedAt"]
    finally:
        await simulators.reset()


@asynccontextmanager
async def _two_workers(backend: Backend, simulators: Simulators) -> AsyncIterator[list[str]]:
    shared: dict[str, Any] = {
        "redis_url": await redis_url(),
        "redis_prefix": f"test-{uuid.uuid4().hex[:8]}",
        "mdm_base_url": simulators.mdm_url,
        "inventory_base_url": simulators.inventory_url,
        "gc_tuning": False,
        **UPSTREAM_TEST_SETTINGS,
    }
    async with (
        serving_in_thread(create_app(settings_for(backend.url, **shared)), lifespan="on") as a,
        serving_in_thread(create_app(settings_for(backend.url, **shared)), lifespan="on") as b,
    ):
        yield [a, b]


async def test_a_subscriber_on_one_worker_sees_a_run_started_on_another(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    token = await backend.token("acme", Role.TENANT_ADMIN)
    async with _two_workers(backend, simulators) as (first, second):
        socket_ = await connect(second, token)
        try:
            assert (await receive(socket_))["type"] == "connection_ack"
            await socket_.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": RUN_UPDATES}})
            )
            await asyncio.sleep(0.3)
            device, _ = await _candidates(first, token)
            lock = "mutation($id: ID!) { lockDevices(input: {deviceIds: [$id]}) { run { id } } }"
            run_id = (await mutate(first, token, lock, {"id": device}))["lockDevices"]["run"]["id"]
            message = await receive(socket_)
            assert message["type"] == "next", message
            assert message["payload"]["data"]["deviceActionRunUpdated"]["id"] == run_id
        finally:
            await socket_.close()


async def test_readyz_fails_while_redis_is_unreachable(backend: Backend) -> None:
    async with gateway(backend, redis_url="redis://127.0.0.1:9/0") as client:
        response = await client.http.get("/readyz")
        assert response.status_code == 503
        assert "redis" in response.json()
    async with gateway(backend, redis_url=await redis_url()) as client:
        assert (await client.http.get("/readyz")).status_code == 200


async def test_one_worker_refreshes_the_mirror_per_interval(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    shared = {
        "redis_url": await redis_url(),
        "redis_prefix": f"test-{uuid.uuid4().hex[:8]}",
        "mdm_base_url": simulators.mdm_url,
        "inventory_base_url": simulators.inventory_url,
        "mirror_refresh_seconds": 30,
    }
    async with gateway(backend, **shared), gateway(backend, **shared):
        for _ in range(100):
            stats = (await simulators.http.get("/mdm/_sim/stats")).json()["by_path"]
            searches = stats.get("/api/v1/device", 0)
            if searches >= 2:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        stats = (await simulators.http.get("/mdm/_sim/stats")).json()["by_path"]
        # One partition listing per tenant (acme, globex), from one of the two workers.
        assert stats.get("/api/v1/device", 0) == 2
    await simulators.reset()


async def test_workers_share_upstream_reads_and_their_invalidation_through_redis(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    shared = {
        "redis_url": await redis_url(),
        "redis_prefix": f"test-{uuid.uuid4().hex[:8]}",
        "mdm_base_url": simulators.mdm_url,
        "inventory_base_url": simulators.inventory_url,
    }
    query = """{ devices(first: 100) { nodes { databaseId
      mdmDetails { registrationState } customAttributes { key } } } }"""

    async def mdm_calls() -> int:
        return int((await simulators.http.get("/mdm/_sim/stats")).json()["requests"])

    async with gateway(backend, **shared) as first, gateway(backend, **shared) as second:
        before = await mdm_calls()
        seen = await first.data(query)
        cold = await mdm_calls() - before
        assert cold > 0
        assert await second.data(query) == seen  # served from the reads the first one cached
        assert await mdm_calls() - before == cold
        # An action on one worker drops the tenant's cached reads for every worker.
        device = next(n for n in seen["devices"]["nodes"] if n["mdmDetails"])
        patch = """mutation($id: ID!) { patchCustomAttributes(input: {deviceIds: [$id],
          attributes: [{key: "sharedProbe", stringValues: ["1"]}]}) { run { status } } }"""
        gid = to_global_id("Device", device["databaseId"])
        assert (await first.data(patch, {"id": gid}))["patchCustomAttributes"]["run"] == {
            "status": "SUCCEEDED"
        }
        after = await second.data(query)
        fresh = next(
            n for n in after["devices"]["nodes"] if n["databaseId"] == device["databaseId"]
        )
        assert "sharedProbe" in [a["key"] for a in fresh["customAttributes"]]
    await simulators.reset()


def _sockets_by_process(pids: list[int], port: int, state: str) -> dict[int, int]:
    """How many sockets of `port` in `state` (01: established, 0A: listening) each process
    holds (from /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == state:
                    inodes.add(fields[9])
    held: dict[int, int] = {}
    for pid in pids:
        links = []
        with suppress(FileNotFoundError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with suppress(FileNotFoundError):  # closed meanwhile
                    links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        held[pid] = sum(1 for link in links if link[8:-1] in inodes and link.startswith("socket:"))
    return held


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except OSError:
                continue
    return found


async def test_a_burst_of_keep_alive_connections_reaches_every_worker(
    backend: Backend, tmp_path: Path
) -> None:
    """With WORKERS=2, connections opened together are spread over both workers (each has its
    own SO_REUSEPORT socket); one shared socket let the first worker to wake take them all."""
    if backend.name != "postgres":
        return  # the listening sockets are the same whichever database serves
    connections = 32  # all on one worker by chance: 2 in 2**32
    with served_process({"DATABASE_URL": backend.url, "WORKERS": "2"}, tmp_path / "log") as (
        base_url,
        process,
    ):
        await wait_ready(base_url, process)
        port = int(base_url.rsplit(":", 1)[1])
        for _ in range(200):  # until both workers listen (the first may be ready well before)
            listening = _sockets_by_process(_children(process.pid), port, "0A")
            if sorted(listening.values())[-2:] == [1, 1]:
                break
            await asyncio.sleep(0.05)
        streams = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in range(connections))
        )
        try:
            request = b"GET /healthz HTTP/1.1\r\nhost: gateway\r\n\r\n"
            for _reader, writer in streams:
                writer.write(request)
            for reader, _writer in streams:
                assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
            held = _sockets_by_process(_children(process.pid), port, "01")
            assert sum(held.values()) == connections
            assert [count > 0 for count in held.values()].count(True) == 2, held
        finally:
            for _reader, writer in streams:
                writer.close()
