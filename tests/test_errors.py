"""Bad input gets one clear error with a stable `extensions.code`: never a 500, never a trace."""

import asyncio
import base64

import orjson
import pytest

from schema.node import to_global_id
from tests.conftest import GraphQLClient

CASES = [
    ("{ devices(first: 101) { totalCount } }", None, "INVALID_PAGINATION", "100"),
    ("{ devices(first: -1) { totalCount } }", None, "INVALID_PAGINATION", "first"),
    ("{ devices(first: 1, last: 1) { totalCount } }", None, "INVALID_PAGINATION", "not both"),
    ("{ devices(last: 200) { totalCount } }", None, "INVALID_PAGINATION", "100"),
    ('{ devices(after: "bm90IGEgY3Vyc29y") { totalCount } }', None, "INVALID_CURSOR", "after"),
    ('{ devices(before: "!!") { totalCount } }', None, "INVALID_CURSOR", "before"),
    ('{ node(id: "not-an-id") { id } }', None, "INVALID_ID", "global ID"),
    ('{ node(id: "") { id } }', None, "INVALID_ID", "global ID"),
    (
        "query($u: ID) { devices(filter: {userId: $u}) { totalCount } }",
        {"u": to_global_id("Order", 1)},
        "INVALID_ID",
        "User",
    ),
    (
        "{ devices(filter: {clientStatus: [BROKEN]}) { totalCount } }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
        "BROKEN",
    ),
    ("{ devices { edges { node { colour } } } }", None, "GRAPHQL_VALIDATION_FAILED", "colour"),
    ("{ devices(first: 1 { totalCount } }", None, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    (
        "query($s: [DeviceClientStatus!]) { devices(filter: {clientStatus: $s}) { totalCount } }",
        {"s": ["NOPE"]},
        "BAD_USER_INPUT",
        "NOPE",
    ),
    (
        "query($d: DateTime) { orders(filter: {orderDate: {after: $d}}) { totalCount } }",
        {"d": "2026-01-01T00:00:00"},
        "BAD_USER_INPUT",
        "UTC offset",
    ),
    (
        "query($d: DateTime) { orders(filter: {orderDate: {after: $d}}) { totalCount } }",
        {"d": "yesterday"},
        "BAD_USER_INPUT",
        "ISO 8601",
    ),
]


@pytest.mark.parametrize(("query", "variables", "code", "hint"), CASES)
async def test_bad_input_gets_a_coded_error(
    client: GraphQLClient, query: str, variables: dict[str, object] | None, code: str, hint: str
) -> None:
    error = await client.error(query, variables)
    assert error["extensions"]["code"] == code
    assert hint in error["message"]
    assert "Traceback" not in error["message"]


async def test_a_cursor_of_another_ordering_is_refused(client: GraphQLClient) -> None:
    page = await client.data(
        "{ devices(first: 1, orderBy: {field: NAME}) { pageInfo { endCursor } } }"
    )
    error = await client.error(
        "query($a: String) { devices(first: 1, after: $a, orderBy: {field: CREATED_AT}) "
        "{ totalCount } }",
        {"a": page["devices"]["pageInfo"]["endCursor"]},
    )
    assert error["extensions"]["code"] == "INVALID_CURSOR"
    assert "ordering" in error["message"]


async def test_a_forged_cursor_value_is_refused_not_crashing(client: GraphQLClient) -> None:
    forged = base64.urlsafe_b64encode(orjson.dumps(["CLIENT_STATUS:ASC", "v", "MELTED", 1]))
    error = await client.error(
        "query($a: String) { devices(first: 1, after: $a, orderBy: {field: CLIENT_STATUS}) "
        "{ totalCount } }",
        {"a": forged.decode()},
    )
    assert error["extensions"]["code"] == "INVALID_CURSOR"


async def test_errors_keep_the_data_that_resolved(client: GraphQLClient) -> None:
    body = await client.post('{ ok: devices(first: 1) { totalCount } bad: node(id: "?") { id } }')
    assert body["data"]["ok"]["totalCount"] > 0
    assert body["data"]["bad"] is None
    assert body["errors"][0]["path"] == ["bad"]


async def test_a_failing_root_field_returns_every_connection(client: GraphQLClient) -> None:
    """graphql-core cancels sibling fields when a non-null field fails; their reads must still
    give their connections back to the pool."""
    query = (
        "{ bad: devices(first: 500) { totalCount } "
        "users(first: 50) { totalCount nodes { devices(first: 5) { totalCount } } } "
        "orders(first: 50) { totalCount nodes { devices(first: 5) { nodes { name } } } } }"
    )
    for _ in range(10):
        body = await client.post(query)
        assert body["data"] is None
    await asyncio.sleep(0.2)  # let the shielded reads finish
    assert client.backend.engine.pool.checkedout() == 0
