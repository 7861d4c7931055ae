"""The fast path's fallbacks, on a small schema built for them: every unusual value or field is
handed to the reference executor, so that data, errors, paths and null propagation are exactly
the reference's.

Each document runs through Strawberry with the fast path's execution context and without it
(the reference); the results must be identical: data byte for byte (key order included), and the
same errors with the same paths and locations.
"""

import asyncio
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import orjson
import pytest
import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission

from schema.fastpath import execution_context_class
from schema.fastpath.plan import ATTR, BATCH, REFERENCE, SYNC, ObjectPlan


class Deny(BasePermission):
    message = "Not for you."

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Tag:
    label: str

    @strawberry.field
    async def check(self) -> str:
        await asyncio.sleep(0)
        if self.label == "bad":
            raise ValueError("bad tag")
        return self.label

    @strawberry.field
    async def maybe(self) -> str | None:
        if self.label == "bad":
            raise ValueError("no maybe")
        return self.label


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Item(Named):
    size: int | None
    colour: Colour | None
    when: datetime | None
    tags: list[Tag]
    words: list[str] | None
    secret: str = strawberry.field(default="hidden", permission_classes=[Deny])
    shout: str = strawberry.field(default="quiet", extensions=[Upper()])

    @strawberry.field
    def label(self) -> str:
        if self.name == "bad-label":
            raise ValueError("no label")
        return f"<{self.name}>"

    @strawberry.field
    async def later(self) -> str | None:
        await asyncio.sleep(0)
        if self.name == "bad-later":
            raise ValueError("no later")
        return self.name

    @strawberry.field
    async def must(self) -> str:
        await asyncio.sleep(0)
        if self.name == "bad-must":
            raise ValueError("must fails")
        return self.name

    @strawberry.field
    def twin(self) -> "Item | None":
        if self.name == "twin-must":
            return _item("bad-must")
        return None if self.name.startswith("bad") else _item("twin")


def _item(name: Any, **values: Any) -> Item:
    fields = {
        "name": name,
        "size": 3,
        "colour": Colour.RED,
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "tags": [Tag(label="a"), Tag(label="b")],
        "words": ["x", "y"],
    } | values
    return Item(**fields)


ITEMS = {
    "plain": [_item("one"), _item("two", colour=None, words=None, when=None, size=None)],
    "int overflow": [_item("one", size=2**40)],
    "null in non-null": [_item(None), _item("two")],
    "unknown enum value": [_item("one", colour="green")],
    "raw enum value": [_item("one", colour="blue")],
    "null list item": [_item("one", tags=[Tag(label="a"), None])],
    "coerced list item": [_item("one", words=["x", 5, True])],
    "not a list": [_item("one", tags=Tag(label="a"))],
    "resolver raises": [_item("bad-label"), _item("two")],
    "async nullable raises": [_item("bad-later"), _item("two")],
    "async non-null raises": [_item("bad-must"), _item("two")],
    "nested async non-null raises": [_item("twin-must"), _item("two")],
    "list item async raises": [_item("one", tags=[Tag(label="a"), Tag(label="bad")]), _item("two")],
    "naive datetime": [_item("one", when=datetime(2026, 1, 2))],
    "wrong object": [
        _item("one", tags=[Item(name="x", size=1, colour=None, when=None, tags=[], words=None)])
    ],
}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, case: str) -> list[Item | None]:
        return ITEMS[case]

    @strawberry.field
    def first(self, case: str) -> Item:
        return ITEMS[case][0]

    @strawberry.field
    def wrong(self) -> Item | None:
        return Tag(label="not an item")  # type: ignore[return-value]


FAST = strawberry.Schema(query=Query, execution_context_class=execution_context_class(64))
REFERENCE_SCHEMA = strawberry.Schema(query=Query)

FIELDS = """
  name size colour when words label later must shout
  tags { label __typename check maybe }
  twin { name label must later tags { label maybe } }
  __typename
"""


async def both(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The result of `query` on both executors, asserted identical."""
    results = []
    for schema in (FAST, REFERENCE_SCHEMA):
        result = await schema.execute(query, variable_values=variables)
        errors = sorted(
            (orjson.dumps(error.formatted, option=orjson.OPT_SORT_KEYS) for error in result.errors)
            if result.errors
            else []
        )
        results.append((orjson.dumps(result.data), errors))
    assert results[0] == results[1]
    return orjson.loads(results[0][0])


@pytest.mark.parametrize("case", sorted(ITEMS))
async def test_each_unusual_value_is_the_references(case: str) -> None:
    await both(f"query($case: String!) {{ items(case: $case) {{ {FIELDS} }} }}", {"case": case})
    await both(f"query($case: String!) {{ first(case: $case) {{ {FIELDS} }} }}", {"case": case})


async def test_a_wrong_runtime_type_is_the_references() -> None:
    await both("{ wrong { name } }")


async def test_permission_classes_and_extensions_still_apply() -> None:
    data = await both('{ items(case: "plain") { name secret shout } }')
    assert data["items"] == [None, None]  # `secret` is non-null: its error nulls each item
    data = await both('{ items(case: "plain") { name shout } }')
    assert data["items"][0] == {"name": "one", "shout": "QUIET"}


async def test_aliases_fragments_and_directives_are_the_references() -> None:
    query = """
    query($case: String!, $yes: Boolean!, $no: Boolean!) {
      a: items(case: $case) {
        ...Parts
        alias: name
        n2: name @include(if: $yes)
        gone: name @skip(if: $yes)
        ... on Item @include(if: $no) { hidden: size }
        ... on Named { __typename named: name }
        tags { ... on Tag { l: label } label @skip(if: $no) }
      }
    }
    fragment Parts on Item { size colour later twin { ...Twin } }
    fragment Twin on Item { twinName: name label }
    """
    for yes in (True, False):
        data = await both(query, {"case": "plain", "yes": yes, "no": not yes})
        assert ("n2" in data["a"][0]) is yes
        assert data["a"][0]["twin"] == {"twinName": "twin", "label": "<twin>"}


def _plans() -> list[ObjectPlan]:
    found: list[ObjectPlan] = []
    for plans in FAST.execution_context_class.plan_cache._operations.values():
        found += [plan for plan in plans.values() if plan is not None]
    return found


async def test_a_permission_class_or_an_extension_takes_a_plain_field_off_the_fast_path() -> None:
    await both('{ items(case: "plain") { name secret shout label later } }')
    (plan,) = [plan for plan in _plans() if plan.name == "Item" and len(plan.fields) == 5]
    how = {
        field.name: "reference" if field.kind == REFERENCE else field.source
        for field in plan.fields
    }
    assert how == {
        "name": ATTR,  # a basic field, read as an attribute
        "secret": "reference",  # permission classes are extensions: the reference runs them
        "shout": "reference",  # a field extension
        "label": SYNC,  # a resolver of `self` only, called as Strawberry calls it
        "later": "reference",  # an async resolver the fast path does not know
    }
    assert BATCH not in how.values()
