"""Whatever a client sends as filters, cursors, IDs and page sizes: never a 500, never an
unmasked error, always a known code."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import GraphQLClient

KNOWN_CODES = {
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "INVALID_CURSOR",
    "INVALID_ID",
    "INVALID_PAGINATION",
    "QUERY_TOO_COSTLY",
}

QUERY = """
query Fuzz($first: Int, $last: Int, $after: String, $before: String, $filter: DeviceFilter,
           $orderBy: DeviceOrder, $id: ID!, $orderFilter: OrderFilter) {
  devices(first: $first, last: $last, after: $after, before: $before, filter: $filter,
          orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } nodes { databaseId name }
  }
  node(id: $id) { id }
  orders(first: 5, filter: $orderFilter) { totalCount }
}
"""

texts = st.text(max_size=60)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


ints = st.integers(min_value=-(2**40), max_value=2**40)
enums = st.sampled_from(
    ["IN_SERVICE", "AVAILABLE", "ENROLLED", "NAME", "ASC", "DESC", "CREATED_AT", "", "in_service"]
)
variables = st.fixed_dictionaries(
    {
        "first": maybe(ints),
        "last": maybe(ints),
        "after": maybe(texts),
        "before": maybe(texts),
        "id": texts,
        "filter": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "search": maybe(texts),
                    "userId": maybe(texts),
                    "orderId": maybe(texts),
                    "clientStatus": maybe(st.lists(enums, max_size=3)),
                    "mdmStatus": maybe(st.lists(enums, max_size=3)),
                    "type": maybe(st.lists(texts, max_size=3)),
                },
            )
        ),
        "orderBy": maybe(st.fixed_dictionaries({}, optional={"field": enums, "direction": enums})),
        "orderFilter": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "search": maybe(texts),
                    "orderDate": maybe(
                        st.fixed_dictionaries({}, optional={"after": texts, "before": texts})
                    ),
                },
            )
        ),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(variables=variables)
async def test_fuzzed_inputs_never_break_the_gateway(
    client: GraphQLClient, variables: dict[str, Any]
) -> None:
    response = await client.http.post(
        "/graphql", json={"query": QUERY, "variables": variables}, headers=client.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in KNOWN_CODES, error
        assert "Traceback" not in error["message"]
