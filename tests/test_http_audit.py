"""GraphQL over HTTP: the audit of the npm package `graphql-http` (`serverAudits`) against the
served gateway, where every MUST and every SHOULD passes, and the contract's parts a client
depends on, one by one: content negotiation, request errors, CSRF refusals, compression."""

import gzip
from typing import Any

import orjson
import pytest

from app.graphql_view import GRAPHQL_RESPONSE, JSON, negotiate
from app.serving import serving_in_thread
from tests.conftest import Backend, GraphQLClient, gateway
from tests.nodejs import require_node, run_node

VIEWER = "{ viewer { roles } }"


async def test_every_must_and_should_of_the_graphql_over_http_audit_passes(
    client: GraphQLClient,
) -> None:
    require_node()
    async with serving_in_thread(client.backend.app) as base_url:
        results = await run_node("audit/audit.mjs", f"{base_url}/graphql", client.token or "")
    musts = [r for r in results if r["name"].startswith("MUST")]
    shoulds = [r for r in results if r["name"].startswith("SHOULD")]
    assert len(musts) == 13
    assert len(shoulds) == 23
    failed = [r for r in musts + shoulds if r["status"] != "ok"]
    assert failed == [], failed


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        # Apollo Client's header, and the spec's example.
        (f"{GRAPHQL_RESPONSE},{JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"{JSON};q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"text/html, {GRAPHQL_RESPONSE};q=0.8, */*;q=0.1", GRAPHQL_RESPONSE),
        ("text/html, */*;q=0.1", JSON),
        (f"{JSON};q=0", None),
        ("text/html", None),
        ("text/plain, image/png", None),
    ],
)
def test_the_media_type_follows_accept(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept) == chosen


async def send(client: GraphQLClient, query: str, accept: str | None = None) -> Any:
    headers = {**client.auth, **({"Accept": accept} if accept else {})}
    return await client.http.post("/graphql", json={"query": query}, headers=headers)


async def test_an_unacceptable_accept_header_is_406(client: GraphQLClient) -> None:
    response = await send(client, VIEWER, "text/plain")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_a_request_error_has_no_data_and_under_the_new_media_type_a_400(
    client: GraphQLClient, accept: str
) -> None:
    for query, code in [
        ("{ viewer {", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { devices(first: $n) { totalCount } }", "BAD_USER_INPUT"),
    ]:
        response = await send(client, query, accept)
        assert response.status_code == (400 if accept == GRAPHQL_RESPONSE else 200)
        assert response.headers["content-type"].startswith(accept)
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == code


async def test_an_execution_error_keeps_its_data_and_a_200(client: GraphQLClient) -> None:
    """Partial results are results: `node` fails on a malformed ID, `viewer` is still there;
    and a failed non-null root field is `data: null`, not a request error."""
    partial = await send(client, '{ viewer { roles } node(id: "!") { id } }', GRAPHQL_RESPONSE)
    assert partial.status_code == 200
    body = partial.json()
    assert body["data"]["viewer"]["roles"]
    assert body["data"]["node"] is None
    assert body["errors"][0]["path"] == ["node"]
    nulled = await send(client, "{ devices(first: 500) { totalCount } }", GRAPHQL_RESPONSE)
    assert nulled.status_code == 200
    assert nulled.json()["data"] is None
    assert nulled.json()["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_a_spent_budget_is_429_with_retry_after(backend: Backend) -> None:
    async with gateway(backend, rate_limit_capacity=1, rate_limit_refill_per_second=0.25) as client:
        response = await send(client, "{ devices(first: 5) { totalCount } }", GRAPHQL_RESPONSE)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        legacy = await send(client, "{ devices(first: 5) { totalCount } }", JSON)
        assert legacy.status_code == 200
        assert "data" not in legacy.json()


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_what_a_cross_site_form_can_post_is_refused(
    client: GraphQLClient, content_type: str
) -> None:
    response = await client.http.post(
        "/graphql",
        content=b'{"query": "{ viewer { roles } }"}',
        headers={**client.auth, "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_a_cross_site_navigation_is_refused_and_a_same_site_fetch_is_not(
    client: GraphQLClient,
) -> None:
    params = {"query": VIEWER}
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    refused = await client.http.get(
        "/graphql", params=params, headers={**client.auth, **navigation}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "CROSS_SITE_REQUEST"
    fetch = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    allowed = await client.http.get("/graphql", params=params, headers={**client.auth, **fetch})
    assert allowed.json()["data"]["viewer"]["roles"]


async def test_queries_run_over_get_and_mutations_do_not(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", params={"query": VIEWER}, headers=client.auth)
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["roles"]
    mutation = 'mutation { updateDevice(input: {id: "x", name: "y"}) { userErrors { code } } }'
    refused = await client.http.get("/graphql", params={"query": mutation}, headers=client.auth)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


async def test_large_responses_are_gzipped_when_accepted(client: GraphQLClient) -> None:
    query = "{ devices(first: 100) { nodes { id name serialNumber clientStatus } } }"
    threshold = client.backend.app.state.settings.gzip_min_bytes
    headers = {**client.auth, "Accept-Encoding": "gzip"}
    async with client.http.stream(
        "POST", "/graphql", json={"query": query}, headers=headers
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    body = gzip.decompress(raw)
    assert len(body) >= threshold
    assert len(raw) < len(body) / 3
    plain = await client.http.post(
        "/graphql", json={"query": query}, headers={**client.auth, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    # The same answer (its `extensions` carry the rate-limit budget, refilled meanwhile).
    assert orjson.loads(plain.content)["data"] == orjson.loads(body)["data"]
    small = await client.http.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert len(small.content) < threshold
    assert "content-encoding" not in small.headers
