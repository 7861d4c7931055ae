"""The operations kit: request ids, the JSON request line (and what never reaches the logs),
Prometheus metrics at `/metrics` (and who may read them), and OpenTelemetry spans."""

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from app.db import tables
from app.enums import Role
from app.logs import JsonFormatter
from app.main import create_app
from tests.conftest import (
    UPSTREAM_TEST_SETTINGS,
    Backend,
    GraphQLClient,
    Simulators,
    gateway,
    settings_for,
)
from tests.queries import NESTED_DEVICE_VIEW
from tests.test_lifecycle import served_process, wait_ready

RUNS = tables.DeviceActionRun.__table__
TARGETS = tables.DeviceActionTarget.__table__
DEVICES = tables.Device.__table__

UNLOCK = """mutation Unlock($ids: [ID!]!, $pin: String) {
  unlockDevices(input: {deviceIds: $ids, pin: $pin, dryRun: true}) {
    ineligible { code } userErrors { code } } }"""
LOCK = """mutation Lock($ids: [ID!]!) {
  lockDevices(input: {deviceIds: $ids}) { run { id status } userErrors { code } } }"""
UPSTREAM_VIEW = """query Traced { devices(first: 5, orderBy: {field: SERIAL_NUMBER}) {
  nodes { id mdmDetails { registrationState } inventory { agentStatus } } } }"""


@contextmanager
def captured_logs() -> Iterator[StringIO]:
    """Every log line the process writes meanwhile, formatted as the gateway formats them."""
    output = StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield output
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(output: StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in output.getvalue().splitlines() if line.startswith("{")]


def sample(text: str, name: str, **labels: str) -> float:
    """A sample's value in a Prometheus text exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


async def scrape(client: GraphQLClient) -> str:
    response = await client.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def device_ids(client: GraphQLClient, count: int) -> list[str]:
    data = await client.data(f"{{ devices(first: {count}) {{ nodes {{ id }} }} }}")
    return [node["id"] for node in data["devices"]["nodes"]]


async def test_a_request_id_is_taken_or_made_and_echoed(client: GraphQLClient) -> None:
    mine = f"client-{uuid.uuid4().hex}"
    query = {"query": "{ viewer { roles } }"}
    echoed = await client.http.post(
        "/graphql", json=query, headers={**client.auth, "X-Request-Id": mine}
    )
    assert echoed.headers["x-request-id"] == mine
    made = await client.http.post("/graphql", json=query, headers=client.auth)
    assert len(made.headers["x-request-id"]) == 32
    # Not a plain token (it could forge log lines): replaced by a fresh one.
    forged = await client.http.post(
        "/graphql", json=query, headers={**client.auth, "X-Request-Id": 'x" "level":"error'}
    )
    assert forged.headers["x-request-id"] not in ('x" "level":"error', made.headers["x-request-id"])
    assert (await client.http.get("/healthz")).headers["x-request-id"]


async def test_the_request_line_has_ids_and_figures_and_no_secrets(
    backend: Backend, simulators: Simulators
) -> None:
    """A request carrying a token and an unlock PIN leaves neither in the log output, while the
    request line has its id, tenant, operation, duration, statements, upstream calls and codes."""
    await simulators.reset()
    pin = "739164"
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        **UPSTREAM_TEST_SETTINGS,
    ) as client:
        ids = await device_ids(client, 2)
        request_id = uuid.uuid4().hex
        with captured_logs() as output:
            response = await client.http.post(
                "/graphql",
                json={"query": UNLOCK, "variables": {"ids": ids, "pin": pin}},
                headers={**client.auth, "X-Request-Id": request_id},
            )
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.json()
            # A PIN of the wrong type: graphql-core quotes the value in its error (to the client).
            bad = await client.http.post(
                "/graphql",
                json={"query": UNLOCK, "variables": {"ids": ids, "pin": int(pin)}},
                headers=client.auth,
            )
            assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            upstream_id = uuid.uuid4().hex
            upstream = await client.http.post(
                "/graphql",
                json={"query": UPSTREAM_VIEW},
                headers={**client.auth, "X-Request-Id": upstream_id},
            )
            assert "errors" not in upstream.json()
            # Whatever code logs, named fields and credential-shaped text are masked.
            logging.getLogger("gateway.test").warning(
                f"header was Bearer {client.token}", extra={"pin": pin, "jwtToken": client.token}
            )
        text = output.getvalue()
        assert client.token is not None
        assert client.token not in text
        assert pin not in text
        line = next(e for e in lines(output) if e.get("requestId") == request_id)
        assert line["msg"] == "request"
        assert line["status"] == 200
        assert line["operation"] == "Unlock"
        assert line["tenant"] == await client.tenant_id()
        assert isinstance(line["user"], int)
        assert line["durationMs"] > 0
        assert line["sqlStatements"] >= 1
        assert isinstance(line["upstreamCalls"], int)
        assert line["errorCodes"] is None
        requests = [e for e in lines(output) if e.get("msg") == "request"]
        assert requests[1]["errorCodes"] == ["BAD_USER_INPUT"]
        assert requests[2]["requestId"] == upstream_id
        assert requests[2]["upstreamCalls"] >= 2  # the MDM listing and the inventory's
    await simulators.reset()


async def test_metrics_count_requests_batches_and_upstream_calls(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        **UPSTREAM_TEST_SETTINGS,
    ) as client:
        before = await scrape(client)
        page = 10
        for _ in range(3):
            await client.data(NESTED_DEVICE_VIEW, {"first": page})
        await client.post("{ devices { nope } }")
        await client.data(UPSTREAM_VIEW)
        after = await scrape(client)
        calls = (await simulators.http.get("/mdm/_sim/stats")).json()["requests"]

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    op = {"operation": "NestedDeviceView"}
    assert delta("gateway_requests_total", **op, outcome="ok") == 3
    assert delta("gateway_request_duration_seconds_count", **op) == 3
    assert (
        delta("gateway_requests_total", operation="anonymous", outcome="refused")
        + delta("gateway_requests_total", operation="anonymous", outcome="errors")
        == 1
    )
    assert delta("gateway_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    # One DataLoader batch per relation per page: the users batch holds the page's assignees.
    users = {"loader": "Loaders._by_key:users"}
    assert delta("gateway_dataloader_batch_size_count", **users) >= 3
    assert 3 <= delta("gateway_dataloader_batch_size_sum", **users) <= 3 * page * 4
    upstream = {"upstream": "mdm_provider", "code": "200"}
    assert delta("gateway_upstream_calls_total", **upstream) == calls
    assert sample(after, "gateway_upstream_breaker_open", upstream="mdm_provider") == 0
    assert sample(after, "gateway_requests_in_flight") >= 1  # the scrape itself
    await simulators.reset()


async def test_metrics_count_upstream_failures_and_the_open_breaker(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    settings = {**UPSTREAM_TEST_SETTINGS, "breaker_failures": 2, "upstream_retries": 0}
    try:
        async with gateway(
            backend,
            mdm_base_url=simulators.mdm_url,
            inventory_base_url=simulators.inventory_url,
            **settings,
        ) as client:
            before = await scrape(client)
            await simulators.fault("mdm", "5xx")
            for _ in range(3):
                await client.post(UPSTREAM_VIEW)
            after = await scrape(client)
    finally:
        await simulators.reset()
    failed = {"upstream": "mdm_provider", "code": "UPSTREAM_UNAVAILABLE"}
    assert (
        sample(after, "gateway_upstream_failures_total", **failed)
        - sample(before, "gateway_upstream_failures_total", **failed)
        >= 2
    )
    assert (
        sample(after, "gateway_upstream_calls_total", upstream="mdm_provider", code="503")
        + (sample(after, "gateway_upstream_calls_total", upstream="mdm_provider", code="500"))
        >= 2
    )
    assert sample(after, "gateway_upstream_breaker_open", upstream="mdm_provider") == 1
    refused = {"upstream": "mdm_provider", "code": "BREAKER_OPEN"}
    assert sample(after, "gateway_upstream_failures_total", **refused) > sample(
        before, "gateway_upstream_failures_total", **refused
    )


async def test_metrics_count_rate_limit_refusals_and_action_runs(backend: Backend) -> None:
    async with gateway(backend, rate_limit_capacity=100, rate_limit_refill_per_second=1) as client:
        before = await scrape(client)
        tenant = str(await client.tenant_id())
        for _ in range(3):
            await client.post(NESTED_DEVICE_VIEW, {"first": 50})
        after = await scrape(client)
    refusals = {"tenant": tenant}
    assert (
        sample(after, "gateway_rate_limit_refusals_total", **refusals)
        - sample(before, "gateway_rate_limit_refusals_total", **refusals)
        == 3
    )
    assert sample(after, "gateway_requests_total", operation="NestedDeviceView", outcome="errors")

    # A refused action (a read-only viewer) is still recorded, as a REJECTED run.
    async with gateway(backend) as admin:
        ids = await device_ids(admin, 1)
    async with gateway(backend) as reader:
        reader.token = await reader.backend.token("acme", Role.READ_ONLY)
        before = await scrape(reader)
        run = (await reader.data(LOCK, {"ids": ids}))["lockDevices"]["run"]
        after = await scrape(reader)
        try:
            assert run["status"] == "REJECTED"
            rejected = {"action": "LOCK", "status": "REJECTED"}
            assert (
                sample(after, "gateway_action_runs_recorded_total", **rejected)
                - sample(before, "gateway_action_runs_recorded_total", **rejected)
                == 1
            )
        finally:
            run_ids = await reader.scalars(sa.select(RUNS.c.id).order_by(RUNS.c.id.desc()).limit(1))
            async with reader.backend.engine.begin() as conn:
                await conn.execute(sa.delete(TARGETS).where(TARGETS.c.run_id.in_(run_ids)))
                await conn.execute(sa.delete(RUNS).where(RUNS.c.id.in_(run_ids)))


async def test_metrics_are_for_loopback_or_the_token_holder(backend: Backend) -> None:
    app = create_app(settings_for(backend.url))
    remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=remote, base_url="http://gateway.test") as http:
        assert (await http.get("/metrics")).status_code == 403
    secret = uuid.uuid4().hex
    app = create_app(settings_for(backend.url, metrics_token=secret))
    remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=remote, base_url="http://gateway.test") as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert right.status_code == 200
        assert "gateway_requests_total" in right.text


async def test_tracing_gives_an_operation_span_and_upstream_spans(
    backend: Backend, simulators: Simulators
) -> None:
    await simulators.reset()
    async with gateway(
        backend,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        tracing="console",
        **UPSTREAM_TEST_SETTINGS,
    ) as client:
        exporter = InMemorySpanExporter()
        client.backend.app.state.tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
        body = await client.post(UPSTREAM_VIEW, stats=True)
        assert "errors" not in body, body
        upstream_calls = body["extensions"]["stats"]["upstreamCalls"]
        spans = exporter.get_finished_spans()
    operation = [s for s in spans if s.name == "graphql Traced"]
    assert len(operation) == 1
    root = operation[0]
    assert root.kind is SpanKind.SERVER
    assert root.attributes is not None
    assert root.attributes["http.response.status_code"] == 200
    assert root.context is not None
    # The request's trace (the follower may trace its own reads of runs other tests left).
    trace = [
        s for s in spans if s.context is not None and s.context.trace_id == root.context.trace_id
    ]
    upstream = [s for s in trace if s.kind is SpanKind.CLIENT]
    assert len(upstream) == upstream_calls >= 2
    assert {s.attributes["gateway.upstream"] for s in upstream if s.attributes} == {
        "mdm_provider",
        "device_inventory",
    }
    for span in upstream:
        assert span.parent is not None
        assert span.parent.span_id == root.context.span_id
    # Spans per operation and per upstream call, never per field.
    assert len(trace) == 1 + upstream_calls
    await simulators.reset()


async def test_workers_share_one_metrics_view(
    backend: Backend, simulators: Simulators, tmp_path: Path
) -> None:
    """With WORKERS=2, `/metrics` on any worker counts the requests of both (multiprocess mode:
    every worker writes its samples into METRICS_DIR)."""
    if backend.name != "postgres":
        return  # one SQLite file under two processes adds nothing to what is measured here
    token = await backend.token("acme", Role.TENANT_ADMIN)
    metrics_dir = tmp_path / "metrics"
    env = {
        "DATABASE_URL": backend.url,
        "MDM_BASE_URL": simulators.mdm_url,
        "INVENTORY_BASE_URL": simulators.inventory_url,
        "WORKERS": "2",
        "METRICS_DIR": str(metrics_dir),
    }
    requests = 16
    with served_process(env, tmp_path / "gateway.log") as (base_url, process):
        await wait_ready(base_url, process)
        body = {"query": NESTED_DEVICE_VIEW, "variables": {"first": 5}}
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(requests):
            # A new connection each time, so the kernel spreads them over both workers.
            async with httpx.AsyncClient(base_url=base_url) as http:
                assert (await http.post("/graphql", json=body, headers=headers)).status_code == 200
        async with httpx.AsyncClient(base_url=base_url) as http:
            text = (await http.get("/metrics")).text
        pids = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("*.db")}
        process.send_signal(15)
        assert process.wait(timeout=30) == 0
    ok = sample(text, "gateway_requests_total", operation="NestedDeviceView", outcome="ok")
    assert ok == requests
    assert len(pids) >= 2, sorted(os.listdir(metrics_dir))
