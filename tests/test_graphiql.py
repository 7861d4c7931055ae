"""GraphiQL served by the gateway itself: no CDN, long-cached assets, a strict
Content-Security-Policy, a development page ready to run, and a real headless browser that
clicks run and sees the fleet."""

import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from graphql import parse, print_ast

from app import graphiql
from app.auth import viewer_from_header
from app.db import tables
from app.enums import Role
from app.main import create_app
from app.serving import serving_in_thread
from app.settings import Environment
from tests.conftest import (
    UPSTREAM_TEST_SETTINGS,
    Backend,
    GraphQLClient,
    Simulators,
    gateway,
    settings_for,
)
from tests.nodejs import CLIENTS, require_chromium, require_node, run_node
from tests.queries import NESTED_DEVICE_VIEW

HTML = {"Accept": "text/html,application/xhtml+xml"}
PRODUCTION_SECRET = "a-production-secret-of-at-least-32-bytes!"


def config_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="graphiql-config">(.*?)</script>', page)
    assert found, "the page carries its configuration as inert JSON"
    return orjson.loads(found.group(1))


def urls_of(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


@pytest.fixture
async def development(backend: Backend) -> AsyncIterator[GraphQLClient]:
    async with gateway(backend, gateway_env=Environment.DEVELOPMENT) as client:
        yield client


async def test_the_development_page_opens_ready_to_run(development: GraphQLClient) -> None:
    response = await development.http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    config = config_of(response.text)
    # A valid token of the demo tenant's admin, in the Authorization header.
    header = orjson.loads(config["headers"])["Authorization"]
    viewer = viewer_from_header(development.backend.app.state.settings, header)
    assert viewer.tenant_id == await development.backend.tenant_id(graphiql.DEMO_TENANT)
    assert viewer.has(Role.TENANT_ADMIN)
    # The nested device view, by name, with its variables.
    example = parse(config["query"])
    assert print_ast(example) == print_ast(parse(NESTED_DEVICE_VIEW))
    assert example.definitions[0].name.value == "NestedDeviceView"  # type: ignore[attr-defined]
    assert orjson.loads(config["variables"]) == {"first": 10}
    body = await development.http.post(
        "/graphql",
        json={"query": config["query"], "variables": orjson.loads(config["variables"])},
        headers={"Authorization": header},
    )
    assert len(body.json()["data"]["devices"]["edges"]) == 10


async def test_every_asset_is_the_gateways_own_and_cached_for_a_year(
    development: GraphQLClient,
) -> None:
    response = await development.http.get("/graphql", headers=HTML)
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"  # no inline script, no other origin
    assert directives["connect-src"] == "'self'"
    for directive in directives.values():
        assert not re.search(r"https?:|\*|unsafe", directive), directive
    urls = urls_of(response.text)
    assert len([u for u in urls if u.endswith(".js")]) == len(graphiql.SCRIPTS)
    assert len([u for u in urls if u.endswith(".css")]) == len(graphiql.STYLESHEETS)
    for url in urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/graphiql/"), url
        asset = await development.http.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        if len(asset.content) >= development.backend.app.state.settings.gzip_min_bytes:
            assert asset.headers["content-encoding"] == "gzip"  # httpx decoded it
        digest = url.split("/")[2]
        assert hashlib.sha256(asset.content).hexdigest().startswith(digest)
        # No URL of another origin inside the assets either (the W3C's SVG namespace is a name).
        text = asset.content.decode()
        assert not re.search(r"""url\(\s*["']?(https?:)?//""", text), url
        assert not re.search(r"""(src|href)=["']https?://""", text), url
        revalidated = await development.http.get(
            url, headers={"If-None-Match": asset.headers["etag"]}
        )
        assert revalidated.status_code == 304
    stale = urls[-1].replace(urls[-1].split("/")[2], "0" * 16)
    assert (await development.http.get(stale)).status_code == 404


async def test_vendored_files_are_the_pinned_packages_own_with_their_licences() -> None:
    vendor = graphiql.STATIC / "vendor"
    manifest = orjson.loads((vendor / "MANIFEST.json").read_bytes())
    served = {
        name for name in graphiql.STYLESHEETS + graphiql.SCRIPTS if name.startswith("vendor/")
    }
    assert {f"vendor/{name}" for name in manifest} >= served
    lock = orjson.loads((CLIENTS / "package-lock.json").read_bytes())["packages"]
    for name, entry in manifest.items():
        path = vendor / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        assert (path.parent / "LICENSE").is_file(), f"{name} keeps its licence beside it"
        locked = lock.get(f"node_modules/{entry['package']}") or lock.get(
            f"node_modules/@graphiql/plugin-explorer/node_modules/{entry['package']}"
        )
        assert locked is not None, name
        assert locked["version"] == entry["version"], name
    require_node()
    for entry in manifest.values():
        source = CLIENTS / "node_modules" / entry["source"]
        assert hashlib.sha256(source.read_bytes()).hexdigest() == entry["sha256"], (
            f"{entry['source']} changed: run `npm run vendor-graphiql` in clients/"
        )


async def test_outside_development_the_page_holds_no_token(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert config_of(response.text)["headers"] == ""


async def test_production_serves_no_graphiql(backend: Backend) -> None:
    async with gateway(
        backend, gateway_env=Environment.PRODUCTION, jwt_secret=PRODUCTION_SECRET
    ) as client:
        page = await client.http.get("/graphql", headers=HTML)
        assert page.status_code == 404
        name = graphiql.SCRIPTS[-1]
        asset = await client.http.get(f"/graphiql/{graphiql.assets()[name].digest}/{name}")
        assert asset.status_code == 404


async def test_a_browser_runs_the_example_and_sees_the_devices(
    backend: Backend, simulators: Simulators
) -> None:
    require_chromium()
    devices = tables.Device.__table__
    tenant = await backend.tenant_id(graphiql.DEMO_TENANT)
    async with backend.engine.connect() as conn:
        expected = list(
            (
                await conn.execute(
                    sa.select(devices.c.name)
                    .where(devices.c.client_id == tenant)
                    .order_by(sa.nulls_last(devices.c.name.asc()), devices.c.id)
                    .limit(10)
                )
            ).scalars()
        )
    await simulators.reset()
    settings = settings_for(
        backend.url,
        gateway_env=Environment.DEVELOPMENT,
        gc_tuning=False,
        mdm_base_url=simulators.mdm_url,
        inventory_base_url=simulators.inventory_url,
        **UPSTREAM_TEST_SETTINGS,
    )
    # Lifespan on: the upstream clients are closed with the server.
    async with serving_in_thread(create_app(settings), lifespan="on") as base_url:
        seen = await run_node("browser/graphiql.mjs", f"{base_url}/graphql")
    assert seen["status"] == 200
    assert seen["query"].strip().endswith(NESTED_DEVICE_VIEW.strip())
    assert "Bearer " in seen["headers"]
    assert "devices" in seen["explorer"].split()
    result = orjson.loads(seen["result"])
    assert "errors" not in result, result
    names = [edge["node"]["name"] for edge in result["data"]["devices"]["edges"]]
    assert names == expected
    outside = [url for url in seen["requests"] if not url.startswith(f"{base_url}/")]
    assert outside == [], "the page asked for nothing outside the gateway"
    # GraphiQL's settings dialog injected its style element under the page's nonce, unblocked.
    assert seen["injectedStyles"] >= 1
    assert seen["violations"] == []
    assert seen["consoleErrors"] == []
