"""The served app: GraphiQL, probes, stats, encoding and the request log."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.settings import PROJECT_ROOT
from tests.conftest import GraphQLClient, gateway, settings_for


async def test_graphiql_is_served_at_graphql_without_redirect(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    posted = await client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers=client.auth
    )
    assert posted.status_code == 200, "POST /graphql answers directly, no redirect"
    assert posted.json()["data"] == {"__typename": "Query"}


async def test_graphiql_can_be_turned_off(client: GraphQLClient) -> None:
    async with gateway(client.backend, graphiql=False) as without:
        response = await without.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


async def test_queries_work_over_get(client: GraphQLClient) -> None:
    response = await client.http.get(
        "/graphql", params={"query": "{ devices(first: 2) { totalCount } }"}, headers=client.auth
    )
    assert response.status_code == 200
    assert response.json()["data"]["devices"]["totalCount"] > 0


async def test_probes(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).json() == {"status": "ok"}
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readyz_fails_when_the_database_is_unreachable() -> None:
    app = create_app(settings_for("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as http:
        ready = await http.get("/readyz")
        alive = await http.get("/healthz")
    await app.state.engine.dispose()
    assert ready.status_code == 503
    assert alive.status_code == 200


async def test_stats_are_reported_only_when_asked(client: GraphQLClient) -> None:
    query = "{ devices(first: 5) { nodes { name assignee { name } } } }"
    plain = await client.post(query)
    assert "stats" not in plain.get("extensions", {})
    with_stats = await client.post(query, stats=True)
    stats = with_stats["extensions"]["stats"]
    assert stats["sqlStatements"] == 2
    assert stats["upstreamCalls"] == 0
    assert stats["durationMs"] > 0


async def test_one_structured_log_line_per_request(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.request"):
        await client.post("query Fleet { devices(first: 3) { nodes { name } } }")
    lines = [r for r in caplog.records if r.name == "gateway.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.operation == "Fleet"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert line.sqlStatements == 1  # type: ignore[attr-defined]
    assert line.durationMs > 0  # type: ignore[attr-defined]


async def test_dates_are_iso_8601_with_offset(client: GraphQLClient) -> None:
    data = await client.data("{ devices(first: 1) { nodes { createdAt } } }")
    created = data["devices"]["nodes"][0]["createdAt"]
    assert created.endswith("+00:00")


@pytest.mark.parametrize(
    ("content", "content_type", "reason"),
    [
        (b"{ devices { totalCount } }", "text/plain", "Unsupported content type"),
        (b'{"query": ', "application/json", "Unable to parse request body as JSON"),
        (b'[{"query": "{ __typename }"}]', "application/json", "Batching is not enabled"),
    ],
)
async def test_refused_requests_get_a_graphql_error_body(
    client: GraphQLClient, content: bytes, content_type: str, reason: str
) -> None:
    response = await client.http.post(
        "/graphql", content=content, headers={**client.auth, "Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["message"] == reason
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_array_batching_when_enabled_is_capped(client: GraphQLClient) -> None:
    async with gateway(client.backend, batch_max_operations=2) as batching:
        two = await batching.http.post(
            "/graphql",
            json=[
                {"query": "{ a: __typename }"},
                {"query": "{ devices(first: 1) { totalCount } }"},
            ],
            headers=batching.auth,
        )
        three = await batching.http.post(
            "/graphql", json=[{"query": "{ __typename }"}] * 3, headers=batching.auth
        )
    assert two.status_code == 200
    results = two.json()
    assert results[0]["data"] == {"a": "Query"}
    assert results[1]["data"]["devices"]["totalCount"] > 0
    assert three.status_code == 400
    assert three.json()["errors"][0]["message"] == "Too many operations"


def test_a_gateway_without_redis_does_not_load_it(tmp_path: Path) -> None:
    """Without REDIS_URL nothing imports redis-py (about 8 MB of every worker, with the
    OpenTelemetry SDK it loads), nor the tracing SDK while tracing is off."""
    script = (
        "import sys\n"
        "from app.main import create_app\n"
        "from app.settings import Settings\n"
        f"create_app(Settings(database_url='sqlite+aiosqlite:///{tmp_path}/db.sqlite3'))\n"
        "print(sorted(m for m in ('redis', 'opentelemetry.sdk') if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TRACING")}
    found = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]", found.stderr
