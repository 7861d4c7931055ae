"""Persisted documents: Apollo's automatic persisted queries over POST and GET (in memory and in
Redis), trusted documents from a compiler's manifest, and GET in production."""

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.persisted import MemoryPersistedQueryStore, load_manifest
from app.settings import Environment, Settings
from tests.conftest import Backend, GraphQLClient, gateway

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PRODUCTION = {
    "gateway_env": Environment.PRODUCTION,
    "jwt_secret": "a-production-secret-of-at-least-32-bytes!",
}
VIEWER = "query Viewer { viewer { roles tenant { name } } }"
DEVICES = "query FirstDevices($first: Int!) { devices(first: $first) { nodes { id name } } }"
# A mutation that changes nothing: the ID is not a device's.
NOTHING = """mutation Nothing {
  updateDevice(input: {id: "not-an-id", name: "x"}) { userErrors { code } } }"""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


def unique(text: str) -> str:
    """The same operation with a comment that no other test sent: a hash no store knows yet."""
    return f"# {uuid.uuid4()}\n{text}"


async def post(client: GraphQLClient, body: dict[str, Any], **headers: str) -> Any:
    return await client.http.post("/graphql", json=body, headers={**client.auth, **headers})


async def get(client: GraphQLClient, params: dict[str, Any], **headers: str) -> Any:
    encoded = {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()}
    return await client.http.get("/graphql", params=encoded, headers={**client.auth, **headers})


def code_of(response: Any) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_an_apq_round_trip_over_post(client: GraphQLClient) -> None:
    query = unique(VIEWER)
    expected = await client.data(query)
    unknown = await post(client, {"extensions": apq(query)})
    assert unknown.status_code == 200  # Apollo's clients read it as a GraphQL error, then retry
    assert "data" not in unknown.json()
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    registered = await post(client, {"query": query, "extensions": apq(query)})
    assert registered.json()["data"] == expected
    by_hash = await post(client, {"extensions": apq(query), "operationName": "Viewer"})
    assert by_hash.status_code == 200
    assert by_hash.json()["data"] == expected


async def test_a_hash_that_is_not_its_querys_is_refused(client: GraphQLClient) -> None:
    query = unique(VIEWER)
    response = await post(client, {"query": query, "extensions": apq(query + " ")})
    assert response.status_code == 400
    assert code_of(response) == "PERSISTED_QUERY_HASH_MISMATCH"
    # Nothing was stored under the wrong hash.
    again = await post(client, {"extensions": apq(query + " ")})
    assert code_of(again) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extension",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": "yes"},
    ],
)
async def test_a_malformed_persisted_query_is_refused(
    client: GraphQLClient, extension: dict[str, Any]
) -> None:
    response = await post(client, {"extensions": extension})
    assert response.status_code in (200, 400)
    assert code_of(response) in ("PERSISTED_QUERY_NOT_SUPPORTED", "BAD_REQUEST")
    assert "data" not in response.json()


async def test_a_persisted_query_runs_over_get_with_its_variables(client: GraphQLClient) -> None:
    query = unique(DEVICES)
    variables = {"first": 3}
    expected = await client.data(query, variables)
    assert (await post(client, {"query": query, "extensions": apq(query)})).status_code == 200
    response = await get(
        client,
        {"extensions": apq(query), "variables": variables, "operationName": "FirstDevices"},
        Accept="application/graphql-response+json",
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["data"] == expected


async def test_a_persisted_mutation_over_get_is_405(client: GraphQLClient) -> None:
    query = unique(NOTHING)
    registered = await post(client, {"extensions": apq(query), "query": query})
    assert registered.json()["data"]["updateDevice"]["userErrors"][0]["code"] == "INVALID_ID"
    response = await get(client, {"extensions": apq(query)})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_under_graphql_response_json_an_unknown_hash_is_a_400(
    client: GraphQLClient,
) -> None:
    response = await post(
        client, {"extensions": apq(unique(VIEWER))}, Accept="application/graphql-response+json"
    )
    assert response.status_code == 400
    assert code_of(response) == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_memory_store_keeps_the_most_recently_used() -> None:
    store = MemoryPersistedQueryStore(maxsize=2)
    await store.put("a", "{ a }")
    await store.put("b", "{ b }")
    assert await store.get("a") == "{ a }"  # now the most recent
    await store.put("c", "{ c }")
    assert await store.get("b") is None
    assert await store.get("a") == "{ a }"
    assert await store.get("c") == "{ c }"


async def test_apq_can_be_turned_off(backend: Backend) -> None:
    async with gateway(backend, persisted_queries=False) as client:
        query = unique(VIEWER)
        response = await post(client, {"query": query, "extensions": apq(query)})
        assert code_of(response) == "PERSISTED_QUERY_NOT_SUPPORTED"
        assert code_of(await post(client, {"extensions": apq(query)})) == (
            "PERSISTED_QUERY_NOT_SUPPORTED"
        )
        assert "errors" not in (await post(client, {"query": query})).json()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own in the machine's Redis, removed afterwards."""
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except (RedisConnectionError, OSError):
        await redis.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI ({REDIS_URL})")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-apq-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_with_redis_every_worker_shares_the_persisted_queries(
    backend: Backend, redis_prefix: str
) -> None:
    settings = {"redis_url": REDIS_URL, "redis_prefix": redis_prefix, "apq_ttl_seconds": 120}
    query = unique(VIEWER)
    async with gateway(backend, **settings) as first:
        registered = await post(first, {"query": query, "extensions": apq(query)})
        expected = registered.json()["data"]
        assert expected["viewer"]["roles"]
    async with gateway(backend, **settings) as second:
        response = await get(second, {"extensions": apq(query)})
        assert response.json()["data"] == expected
    redis = Redis.from_url(REDIS_URL)
    try:
        key = f"{redis_prefix}:apq:{sha256(query)}"
        assert await redis.get(key) == query.encode()
        assert 0 < await redis.ttl(key) <= 120
    finally:
        await redis.aclose()


async def test_production_get_runs_persisted_documents_only(backend: Backend) -> None:
    async with gateway(backend, **PRODUCTION) as client:
        query = unique(VIEWER)
        ad_hoc = await get(client, {"query": query})
        assert ad_hoc.status_code == 400
        assert code_of(ad_hoc) == "PERSISTED_QUERY_REQUIRED"
        registering = await get(client, {"query": query, "extensions": apq(query)})
        assert code_of(registering) == "PERSISTED_QUERY_REQUIRED"
        # POST registers (no manifest: APQ stays open), then GET runs the hash.
        expected = (await post(client, {"query": query, "extensions": apq(query)})).json()
        response = await get(client, {"extensions": apq(query)})
        assert response.status_code == 200
        assert response.json()["data"] == expected["data"]


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """A manifest as the Relay compiler's `persistConfig` writes it: hash -> document."""
    path = tmp_path / "persisted_queries.json"
    path.write_bytes(orjson.dumps({sha256(text): text for text in (VIEWER, DEVICES)}))
    return path


async def test_trusted_documents_only_run_the_manifests_operations(
    backend: Backend, manifest: Path
) -> None:
    async with gateway(backend, trusted_documents=manifest, **PRODUCTION) as client:
        ad_hoc = await post(client, {"query": "{ viewer { roles } }"})
        assert ad_hoc.status_code == 400
        assert code_of(ad_hoc) == "PERSISTED_QUERY_REQUIRED"
        for document_id in (sha256(DEVICES), f"sha256:{sha256(DEVICES)}"):
            response = await post(client, {"documentId": document_id, "variables": {"first": 2}})
            assert len(response.json()["data"]["devices"]["nodes"]) == 2
        by_get = await get(client, {"documentId": sha256(VIEWER)})
        assert by_get.json()["data"]["viewer"]["roles"]
        by_apq = await post(client, {"extensions": apq(VIEWER)})
        assert by_apq.json()["data"]["viewer"]["roles"]
        # Registering a new document is ad hoc text too.
        other = unique(VIEWER)
        refused = await post(client, {"query": other, "extensions": apq(other)})
        assert code_of(refused) == "PERSISTED_QUERY_REQUIRED"
        unknown = await post(client, {"documentId": sha256(other)})
        assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
        both = await post(client, {"documentId": sha256(VIEWER), "query": VIEWER})
        assert both.status_code == 400


async def test_outside_production_a_manifest_adds_to_ad_hoc_documents(
    backend: Backend, manifest: Path
) -> None:
    async with gateway(backend, trusted_documents=manifest) as client:
        assert "errors" not in (await post(client, {"query": "{ viewer { roles } }"})).json()
        response = await post(client, {"documentId": sha256(VIEWER)})
        assert response.json()["data"]["viewer"]["roles"]


def test_apollos_manifest_format_loads(tmp_path: Path) -> None:
    path = tmp_path / "persisted-query-manifest.json"
    operations = [{"id": sha256(VIEWER), "body": VIEWER, "name": "Viewer", "type": "query"}]
    path.write_bytes(
        orjson.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    assert load_manifest(path) == {sha256(VIEWER): VIEWER}
    path.write_bytes(orjson.dumps({"a": 1}))
    with pytest.raises(ValueError, match="maps hashes to documents"):
        load_manifest(path)


def test_trusted_documents_only_needs_a_manifest() -> None:
    with pytest.raises(ValidationError, match="TRUSTED_DOCUMENTS"):
        Settings(trusted_documents_only=True)
