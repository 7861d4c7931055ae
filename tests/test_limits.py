"""What one request may ask: each limit refuses with one error carrying the limit and the figure."""

from typing import Any

import pytest

from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.queries import NESTED_DEVICE_VIEW

LIMITS = Settings()


def deep_query(levels: int) -> str:
    """Alternating devices and assignees, `levels` fields deep."""
    inner = "name"
    for _ in range(levels // 3):
        inner = f"devices(first: 1) {{ nodes {{ assignee {{ {inner} }} }} }}"
    return f"{{ {inner} }}"


async def refused(
    client: GraphQLClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = await client.post(query, variables)
    assert body.get("data") is None, "nothing was resolved"
    assert len(body["errors"]) == 1
    return body["errors"][0]


async def test_depth_is_capped(client: GraphQLClient) -> None:
    error = await refused(client, deep_query(LIMITS.max_query_depth + 6))
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert error["extensions"]["limit"] == LIMITS.max_query_depth
    assert error["extensions"]["depth"] > LIMITS.max_query_depth


async def test_aliases_are_capped_typename_included(client: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases + 1))
    error = await refused(client, f"{{ {aliases} }}")
    assert error["extensions"] == {
        "code": "TOO_MANY_ALIASES",
        "limit": LIMITS.max_aliases,
        "aliases": LIMITS.max_aliases + 1,
    }


async def test_directive_overloading_is_refused(client: GraphQLClient) -> None:
    directives = " ".join("@skip(if: false)" for _ in range(LIMITS.max_directives + 1))
    error = await refused(client, f"{{ devices {directives} {{ totalCount }} }}")
    assert error["extensions"]["code"] == "TOO_MANY_DIRECTIVES"
    assert error["extensions"]["directives"] == LIMITS.max_directives + 1


async def test_cost_multiplies_page_sizes_through_nested_connections(client: GraphQLClient) -> None:
    query = """
    query($n: Int) { users(first: $n) { nodes { devices(first: 100) { nodes {
      parcels(first: 100) { nodes { id } } } } } } }
    """
    error = await refused(client, query, {"n": 100})
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > 100 * 100 * 100
    # The same shape with small pages is fine: the variables decide.
    small = await client.post(query, {"n": 2})
    assert "errors" not in small


async def test_upstream_fields_weigh_more(client: GraphQLClient) -> None:
    upstream = " ".join(
        [
            "mdmDetails { guid }",
            "inventory { osName }",
            "compliance { name }",
            "certificates { subject }",
        ]
    )
    nested = "devices(first: 100) { nodes { %s observedUsers(first: 100) { nodes { id } } } }"
    plain = await client.post(f"{{ {nested % ''} }}")
    assert "errors" not in plain or all(
        e["extensions"]["code"] != "QUERY_TOO_COSTLY" for e in plain["errors"]
    )
    error = await refused(client, f"{{ a: {nested % upstream} b: {nested % upstream} }}")
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_the_nested_device_view_is_well_within_limits(client: GraphQLClient) -> None:
    body = await client.post(NESTED_DEVICE_VIEW, {"first": 100})
    assert "errors" not in body


async def test_token_count_is_capped(client: GraphQLClient) -> None:
    fields = " ".join("a" for _ in range(LIMITS.max_query_tokens))
    error = await refused(client, f"{{ {fields} }}")
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": LIMITS.max_query_tokens}
    assert "tokens" in error["message"]


async def test_document_size_is_capped(client: GraphQLClient) -> None:
    query = "# " + "x" * LIMITS.max_query_bytes + "\n{ __typename }"
    error = await refused(client, query)
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "limit": LIMITS.max_query_bytes}


@pytest.mark.parametrize("declared", [True, False])
async def test_a_body_over_the_limit_gets_413(client: GraphQLClient, declared: bool) -> None:
    payload = (
        b'{"query": "{ __typename }", "variables": {"pad": "'
        + b"x" * (LIMITS.max_body_bytes + 10)
        + b'"}}'
    )

    async def chunks() -> Any:
        for start in range(0, len(payload), 65_536):
            yield payload[start : start + 65_536]

    response = await client.http.post(
        "/graphql",
        content=payload if declared else chunks(),
        headers={**client.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_the_operation_asked_for_is_the_one_measured(client: GraphQLClient) -> None:
    document = """
    query Cheap { devices(first: 1) { totalCount } }
    query Costly { users(first: 100) { nodes { devices(first: 100) { nodes {
      parcels(first: 100) { nodes { id } } } } } } }
    """
    cheap = await client.http.post(
        "/graphql", json={"query": document, "operationName": "Cheap"}, headers=client.auth
    )
    assert "errors" not in cheap.json()
    costly = await client.http.post(
        "/graphql", json={"query": document, "operationName": "Costly"}, headers=client.auth
    )
    assert costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
