"""The fast path on the real schema and data: the same responses as the reference executor, one
DataLoader batch per selected relation per page (none for an unselected one), plans cached per
operation, and the `FAST_PATH` setting.

Two gateways run side by side over the same seeded database (and the same simulators): one with
`FAST_PATH=false` (the reference executor) and one with the fast path. Their responses must be
identical: `data` byte for byte (key order included), the same errors with the same paths.
"""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiodataloader
import pytest

from app.enums import Role
from app.observability.metrics import loader_name
from app.settings import Settings
from schema import execution_context_class
from schema.fastpath import FastExecutionContext
from schema.fastpath import plan as fastpath_plan
from tests.conftest import Backend, GraphQLClient, Simulators, gateway
from tests.fastpath_twins import twins, upstream_twins
from tests.queries import NESTED_DEVICE_VIEW


def test_the_setting_chooses_the_executor() -> None:
    assert execution_context_class(Settings(fast_path=False)) is None
    chosen = execution_context_class(Settings(fast_path=True, fast_path_cache_size=7))
    assert chosen is not None
    assert issubclass(chosen, FastExecutionContext)
    assert chosen.plan_cache._operations.maxsize == 7


def test_internals_that_moved_keep_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    import schema

    monkeypatch.setattr(schema, "incompatibilities", lambda: ["graphql-core 9.9"])
    assert execution_context_class(Settings(fast_path=True)) is None


@pytest.mark.parametrize("first", [1, 10, 100])
async def test_the_nested_view_is_the_references(backend: Backend, first: int) -> None:
    async with twins(backend) as both:
        for slug in ("acme", "globex"):
            token = await both.token(slug)
            body = await both.same(NESTED_DEVICE_VIEW, {"first": first}, token=token)
            assert body["data"]["devices"]["edges"]


async def test_paging_on_is_the_references(backend: Backend) -> None:
    async with twins(backend) as both:
        after = None
        for _ in range(3):
            body = await both.same(NESTED_DEVICE_VIEW, {"first": 40, "after": after})
            after = body["data"]["devices"]["pageInfo"]["endCursor"]


async def test_argument_errors_are_the_references(backend: Backend) -> None:
    async with twins(backend) as both:
        query = (
            "query($n: Int) { devices(first: 5) { nodes { name parcels(first: $n) { totalCount } "
            "} } }"
        )
        body = await both.same(query, {"n": 500})  # every device's parcels refuse the size
        assert body["data"] is None
        assert body["errors"][0]["path"][:2] == ["devices", "nodes"]
        body = await both.same(query.replace("first: $n", "first: $n, after: $c"), {"n": 2})
        assert body["errors"]
        await both.same(
            'query { devices(first: 3) { nodes { parcels(after: "nope") { totalCount } } } }'
        )


async def test_directives_fragments_and_aliases_are_the_references(backend: Backend) -> None:
    query = """
    query View($n: Int!, $withOrder: Boolean!, $skipMdm: Boolean!) {
      list: devices(first: $n) {
        count: totalCount
        edges {
          node {
            __typename
            ...Basics
            again: name
            order @include(if: $withOrder) { ...on Order { number: orderNumber } __typename }
            mdm @skip(if: $skipMdm) { status enrolled: enrollmentDate }
            ... on Node { id }
          }
        }
      }
    }
    fragment Basics on Device { databaseId name assignee { who: name team } }
    """
    async with twins(backend) as both:
        for with_order, skip_mdm in ((True, False), (False, True), (True, True)):
            variables = {"n": 30, "withOrder": with_order, "skipMdm": skip_mdm}
            body = await both.same(query, variables)
            node = body["data"]["list"]["edges"][0]["node"]
            assert ("order" in node) is with_order
            assert ("mdm" in node) is not skip_mdm


async def test_nodes_of_every_type_are_the_references(
    backend: Backend, client: GraphQLClient
) -> None:
    body = await client.data(
        "{ devices(first: 20) { nodes { id order { id } assignee { id } mdm { id } "
        "parcels(first: 2) { nodes { id pickupAddress { id } } } } } }"
    )
    ids = [
        found["id"]
        for node in body["devices"]["nodes"]
        for found in (node, node["order"], node["assignee"], node["mdm"])
        if found is not None
    ]
    query = """
    query($ids: [ID!]!) {
      nodes(ids: $ids) {
        __typename id
        ... on Device { name parcels(first: 1) { totalCount } }
        ... on Order { orderNumber devices(first: 2) { nodes { name } } }
        ... on User { email devices(first: 2) { totalCount nodes { serialNumber } } }
        ... on MdmEnrollment { status device { name } }
      }
    }
    """
    async with twins(backend) as both:
        await both.same(query, {"ids": ids[:100]})
        # Another tenant's IDs are nothing, on both.
        await both.same(query, {"ids": ids[:30]}, token=await both.token("globex"))


async def test_a_weak_role_is_the_references(backend: Backend) -> None:
    async with twins(backend) as both:
        token = await both.token("acme", Role.READ_ONLY)
        await both.same(NESTED_DEVICE_VIEW, {"first": 50}, token=token)


PERSONAL = """
query($first: Int!) {
  devices(first: $first, orderBy: {field: SERIAL_NUMBER}) {
    nodes {
      name
      mdmDetails {
        providerId
        security { jailbroken bypassCode }
        network { roaming ipAddress }
        location { latitude }
      }
      inventory { inventoryId }
      configs(first: 2) { totalCount nodes { name status } }
    }
  }
}
"""


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.TENANT_ADMIN])
async def test_field_permissions_fall_back_to_the_reference(
    backend: Backend, simulators: Simulators, role: Role
) -> None:
    async with upstream_twins(backend, simulators) as both:
        body = await both.same(PERSONAL, {"first": 20}, token=await both.token("acme", role))
    forbidden = [e for e in body.get("errors", []) if e["extensions"]["code"] == "FORBIDDEN"]
    assert bool(forbidden) is (role is Role.READ_ONLY)


async def test_a_failing_upstream_is_the_references(
    backend: Backend, simulators: Simulators
) -> None:
    async with upstream_twins(backend, simulators) as both:
        await simulators.fault("inventory", "5xx")
        body = await both.same(PERSONAL, {"first": 20})
    codes = Counter(error["extensions"]["code"] for error in body["errors"])
    assert set(codes) == {"UPSTREAM_UNAVAILABLE"}
    assert body["data"]["devices"]["nodes"][0]["name"] is not None, "database fields stay"


@asynccontextmanager
async def batches(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Counter[str]]:
    """DataLoader batches dispatched inside the block, by loader (`Loaders._by_key:users`...)."""
    seen: Counter[str] = Counter()
    original = aiodataloader.dispatch_queue_batch

    async def recorded(loader: aiodataloader.DataLoader[Any, Any], queue: list[Any]) -> None:
        seen[loader_name(loader.batch_load_fn)] += 1
        await original(loader, queue)

    monkeypatch.setattr(aiodataloader, "dispatch_queue_batch", recorded)
    yield seen
    monkeypatch.setattr(aiodataloader, "dispatch_queue_batch", original)


NESTED_VIEW_BATCHES = {
    "Loaders._by_key:device_characteristics",
    "Loaders._by_key:users",
    "Loaders._by_key:orders",
    "Loaders._current_enrollments",
    "Loaders.page:parcels",
    "Loaders.count:parcels",
    "Loaders._by_key:addresses",
}


@pytest.mark.parametrize("first", [10, 100])
async def test_each_selected_relation_is_one_batch_per_page(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, first: int
) -> None:
    async with gateway(backend, fast_path=True) as client:
        await client.data(NESTED_DEVICE_VIEW, {"first": first})  # plans built
        async with batches(monkeypatch) as seen:
            await client.data(NESTED_DEVICE_VIEW, {"first": first})
    assert set(seen) == NESTED_VIEW_BATCHES
    assert set(seen.values()) == {1}, seen


async def test_an_unselected_relation_is_not_loaded(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = """
    query {
      devices(first: 100) {
        totalCount
        edges {
          node {
            name characteristics { ram }
            parcels(first: 3) { totalCount edges { node { pickupAddress { city } } } }
          }
        }
      }
    }
    """
    async with gateway(backend, fast_path=True) as client, batches(monkeypatch) as seen:
        data = await client.data(query)
    assert "assignee" not in data["devices"]["edges"][0]["node"]
    assert set(seen) == NESTED_VIEW_BATCHES - {
        "Loaders._by_key:users",
        "Loaders._by_key:orders",
        "Loaders._current_enrollments",
    }
    assert set(seen.values()) == {1}, seen


async def test_plans_are_cached_per_document_operation_and_directive_values(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    original = fastpath_plan.Planner.plan

    def counted(self: fastpath_plan.Planner, object_type: Any, fdl: Any) -> Any:
        planned.append(object_type.name)
        return original(self, object_type, fdl)

    monkeypatch.setattr(fastpath_plan.Planner, "plan", counted)
    document = """
    query A($with: Boolean!) {
      devices(first: 5) { nodes { name order @include(if: $with) { id } } }
    }
    query B { users(first: 5) { nodes { name } } }
    """
    async with gateway(backend, fast_path=True) as client:

        async def run(operation: str, **variables: Any) -> int:
            before = len(planned)
            response = await client.http.post(
                "/graphql",
                json={"query": document, "operationName": operation, "variables": variables},
                headers=client.auth,
            )
            assert "errors" not in response.json()
            return len(planned) - before

        assert await run("A", **{"with": True}) > 0
        assert await run("A", **{"with": True}) == 0  # the same operation: its plans are kept
        assert await run("A", **{"with": False}) > 0  # another @include value: other plans
        assert await run("B") > 0  # another operation of the same document
        assert await run("B") == 0
        assert await run("A", **{"with": False}) == 0
