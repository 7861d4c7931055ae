"""Graceful restarts: SIGTERM mid-load loses no request the gateway had accepted, finishes the
mutation in flight, closes subscriptions with 1012 so clients reconnect, fails `/readyz` while
draining and exits 0; and a worker never migrates."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import websockets
from sqlalchemy.ext.asyncio import create_async_engine

from app.enums import Role
from app.main import create_app
from app.settings import PROJECT_ROOT
from tests.conftest import Backend, Simulators, gateway, settings_for
from tests.queries import NESTED_DEVICE_VIEW
from tests.test_subscriptions import RUN_UPDATES, connect, receive

DRY_LOCK = """mutation Lock($ids: [ID!]!) {
  lockDevices(input: {deviceIds: $ids, dryRun: true}) {
    ineligible { code } userErrors { code } } }"""
DEVICE_IDS = "query Ids { devices(first: 3) { nodes { id } } }"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served_process(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m app serve` (as `make run` and the container run it), its log in `log`."""
    port = _free_port()
    full = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "GATEWAY_ENV": "test",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SIMULATORS": "false",
        "MIRROR_REFRESH_SECONDS": "0",
        "LOG_LEVEL": "INFO",
        **env,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            env=full,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"http://127.0.0.1:{port}", process
        finally:
            # SIGTERM first: with WORKERS>1 only uvicorn's parent stops its workers.
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


async def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        for _ in range(600):
            assert process.poll() is None, "the gateway exited while starting"
            with suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AssertionError(f"{base_url} did not become ready")


def logged_requests(log: Path) -> dict[str, dict[str, Any]]:
    """The request lines the gateway wrote, by request id."""
    found: dict[str, dict[str, Any]] = {}
    for line in log.read_text().splitlines():
        with suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("msg") == "request":
                found[entry["requestId"]] = entry
    return found


async def test_sigterm_mid_load_loses_no_accepted_request(
    backend: Backend, simulators: Simulators, tmp_path: Path
) -> None:
    await simulators.reset()
    token = await backend.token("acme", Role.TENANT_ADMIN)
    auth = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "gateway.log"
    env = {
        "DATABASE_URL": backend.url,
        "MDM_BASE_URL": simulators.mdm_url,
        "INVENTORY_BASE_URL": simulators.inventory_url,
        "DRAIN_DELAY_SECONDS": "1",
        "DRAIN_TIMEOUT_SECONDS": "20",
        "UPSTREAM_TIMEOUT_SECONDS": "5",
        "UPSTREAM_DEADLINE_SECONDS": "8",
    }
    outcomes: dict[str, str] = {}  # request id -> "200", another status, or the error's name
    stop = asyncio.Event()
    try:
        with served_process(env, log) as (base_url, process):
            await wait_ready(base_url, process)
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:

                async def post(query: str, variables: dict[str, Any]) -> httpx.Response | None:
                    request_id = uuid.uuid4().hex
                    try:
                        response = await http.post(
                            "/graphql",
                            json={"query": query, "variables": variables},
                            headers={**auth, "X-Request-Id": request_id},
                        )
                    except httpx.TransportError as error:
                        outcomes[request_id] = type(error).__name__
                        return None
                    outcomes[request_id] = str(response.status_code)
                    assert response.headers["x-request-id"] == request_id
                    return response

                async def load() -> None:
                    while not stop.is_set():
                        if await post(NESTED_DEVICE_VIEW, {"first": 10}) is None:
                            await asyncio.sleep(0.01)  # refused: the listener is closed

                ids = (await post(DEVICE_IDS, {})).json()["data"]["devices"]["nodes"]  # type: ignore[union-attr]
                subscriber = await connect(base_url, token)
                assert (await receive(subscriber))["type"] == "connection_ack"
                await subscriber.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": RUN_UPDATES}})
                )
                loaders = [asyncio.create_task(load()) for _ in range(4)]
                await asyncio.sleep(1.0)
                # A mutation whose provider reads take 1.5 s is in flight when SIGTERM arrives.
                await simulators.fault("mdm", "none", latency_ms=1500)
                mutation = asyncio.create_task(post(DRY_LOCK, {"ids": [n["id"] for n in ids]}))
                await asyncio.sleep(0.3)
                process.send_signal(signal.SIGTERM)
                # Draining: /readyz fails at once, while requests are still served.
                await asyncio.sleep(0.2)
                async with httpx.AsyncClient(base_url=base_url) as probe:
                    readiness = await probe.get("/readyz")
                    assert readiness.status_code == 503
                    assert readiness.json() == {"status": "draining"}
                    assert (await probe.get("/healthz")).status_code == 200
                # The subscription is closed with 1012 (Service Restart): clients reconnect.
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(subscriber.recv(), 5)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 1012
                finished = await mutation
                assert finished is not None
                assert finished.status_code == 200
                assert "errors" not in finished.json(), finished.json()
                assert finished.json()["data"]["lockDevices"]["userErrors"] == []
                code = await asyncio.to_thread(process.wait, 30)
                stop.set()
                await asyncio.gather(*loaders)
            assert code == 0, log.read_text()[-3000:]
    finally:
        await simulators.reset()

    served = logged_requests(log)
    accepted_failed = {
        rid: outcome
        for rid, outcome in outcomes.items()
        if outcome != "200" and (rid in served or outcome.isdigit())
    }
    # Every request the gateway started got its answer; the only failures are requests it never
    # accepted (refused connections, or a kept-alive connection it closed while idle).
    assert accepted_failed == {}, accepted_failed
    assert all(served[rid]["status"] == 200 for rid in outcomes if rid in served)
    assert sum(outcome == "200" for outcome in outcomes.values()) >= 8
    # Requests were served after SIGTERM (during the drain delay), and the log says draining.
    assert "draining" in log.read_text()


async def test_readyz_fails_while_draining_and_healthz_stays_up(backend: Backend) -> None:
    async with gateway(backend) as client:
        assert (await client.http.get("/readyz")).status_code == 200
        await client.backend.app.state.lifecycle.begin_draining()
        response = await client.http.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "draining"}
        assert (await client.http.get("/healthz")).status_code == 200


async def test_a_worker_never_migrates(tmp_path: Path) -> None:
    """Starting (and stopping) the app on an empty database creates no table: migrations are
    `python -m app migrate`'s alone, run once before any worker starts."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(settings_for(url))
    async with app.router.lifespan_context(app):
        pass
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert tables == []
