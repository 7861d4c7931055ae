"""Plans: what a selection set asks of each object, decided once per operation and reused.

A plan is built from graphql-core's own field collection (`collect_subfields`: fragments, inline
fragments, aliases, `@skip`/`@include` with the request's variables, field merging), so it holds
exactly the fields the reference executor would execute, in its order. Each field is classified:

- how its value is obtained: a basic field (Strawberry's own `is_basic_field`: no resolver, no
  permission classes or other extensions, read as an attribute), a synchronous resolver that takes
  nothing but `self` (called as Strawberry calls it), a known async resolver (`known.py`, called
  for a whole level at once), or the reference executor's `execute_field` for anything else;
- how its value is completed: a leaf (scalar or enum, coerced by the type's own
  `coerce_output_value`), a list of leaves, a concrete object (a child plan) or a list of them,
  or the reference executor's `complete_value` (abstract types, nested lists, custom
  `is_type_of`).

A plan holds nothing about a request: argument values and every value read are the run's.
"""

import logging
from collections.abc import Callable
from itertools import count
from types import FunctionType
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails, collect_subfields
from graphql.language import FieldNode, OperationDefinitionNode
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from schema.fastpath.known import Known

# How a field's value is completed.
TYPENAME = 0
LEAF = 1
LEAF_LIST = 2
OBJECT = 3
OBJECT_LIST = 4
REFERENCE = 5  # graphql-core's execute_field, for every object

# Where a field's value comes from.
ATTR = 0  # a basic field: an attribute of the object
SYNC = 1  # a synchronous resolver of `self` only
BATCH = 2  # a known async resolver, called for a whole level
NONE = 3  # the reference executor's own (REFERENCE fields)

logger = logging.getLogger("gateway.fastpath")
_slots = count()
# A value the fast path could not read (the reference then runs the field).
MISSING: Any = object()
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class FieldPlan:
    """One response key of a selection set."""

    __slots__ = (
        "attr",
        "call",
        "check_value",
        "child",
        "enum_memo",
        "fdl",
        "field_def",
        "int_range",
        "is_type_of",
        "item_nullable",
        "item_type",
        "kind",
        "known",
        "leaf",
        "memoized",
        "name",
        "nodes",
        "nullable",
        "pass_type",
        "return_type",
        "sfield",
        "slot",
        "source",
        "walk",
    )

    def __init__(self, name: str, fdl: list[FieldDetails], field_def: GraphQLField | None) -> None:
        self.name = name
        self.fdl = fdl
        self.nodes: list[FieldNode] = [details.node for details in fdl]
        self.field_def = field_def
        self.kind = REFERENCE
        self.source = NONE
        self.attr = ""
        self.call: Callable[..., Any] | None = None
        self.sfield: StrawberryField | None = None
        self.known: Known | None = None
        self.return_type: GraphQLOutputType | None = None if field_def is None else field_def.type
        self.nullable = True
        self.item_type: GraphQLOutputType | None = None
        self.item_nullable = True
        self.leaf: GraphQLLeafType | None = None
        self.pass_type: type | None = None
        self.int_range = False
        self.enum_memo: dict[Any, tuple[type, str]] | None = None
        self.child: ObjectPlan | None = None
        self.is_type_of: Callable[[Any, Any], bool] | None = None
        self.check_value = False
        self.memoized = False  # its value is computed in the prefetch phase
        self.walk = False  # the prefetch phase descends into its objects
        self.slot = next(_slots)


class ObjectPlan:
    """A selection set on one concrete object type."""

    __slots__ = ("builder", "fields", "name", "needs_prefetch", "phase1", "type", "walks")

    def __init__(self, object_type: GraphQLObjectType, fields: list[FieldPlan]) -> None:
        self.builder: Callable[..., dict[str, Any]] | None = None  # see compile.py
        self.type = object_type
        self.name = object_type.name
        self.fields = tuple(fields)
        self.walks = tuple(f for f in fields if f.walk)
        self.phase1 = tuple(f for f in fields if f.memoized)
        self.needs_prefetch = bool(self.walks) or any(f.source == BATCH for f in fields)


# Leaf values that graphql-core's `coerce_output_value` returns unchanged, by scalar: such a value
# is written as it is (anything else is coerced by the type itself).
_PASS_TYPES: dict[GraphQLLeafType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
    GraphQLInt: int,
}
# Enum serialisation memoised per enum type: (value's type, name) by value.
_ENUM_MEMOS: dict[GraphQLEnumType, dict[Any, tuple[type, str]]] = {}


def _strawberry_is_type_of(is_type_of: Callable[..., Any] | None) -> bool:
    """Strawberry's generated `is_type_of` reads only the object (never `info`)."""
    return is_type_of is not None and getattr(is_type_of, "__qualname__", "").endswith(
        "_get_is_type_of.<locals>.is_type_of"
    )


class Planner:
    """Builds the plans of one operation (with one request's skip/include values)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Any,
        variable_values: Any,
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
        known: dict[Callable[..., Any], Known],
        exception_handlers: bool,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variable_values = variable_values
        self.operation = operation
        self.hide_suggestions = hide_suggestions
        self.known = known
        self.exception_handlers = exception_handlers

    def plan(self, object_type: GraphQLObjectType, fdl: list[FieldDetails]) -> ObjectPlan | None:
        """The plan of `fdl`'s selection set on `object_type`; None when graphql-core would
        execute it differently (deferred fragments)."""
        grouped, new_defer_usages, _forbidden = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            object_type,
            fdl,
            self.hide_suggestions,
        )
        if new_defer_usages:
            return None
        fields = []
        for response_name, field_fdl in grouped.items():
            field = self._field(object_type, response_name, field_fdl)
            if field is not None:
                fields.append(field)
        plan = ObjectPlan(object_type, fields)
        from schema.fastpath.compile import compile_builder

        try:
            plan.builder = compile_builder(plan)
        except Exception:  # the plan still runs, field by field
            logger.exception("fast path: no builder generated for %s", object_type.name)
        return plan

    def _field(
        self, parent: GraphQLObjectType, response_name: str, fdl: list[FieldDetails]
    ) -> FieldPlan | None:
        first = fdl[0]
        field_name = first.node.name.value
        field_def = self.schema.get_field(parent, field_name)
        if field_def is None:
            return None  # graphql-core leaves it out of the response
        plan = FieldPlan(response_name, fdl, field_def)
        if any(d.defer_usage is not None or d.fragment_variable_values for d in fdl):
            return plan
        if field_name == "__typename":
            plan.kind = TYPENAME
            return plan
        if field_name.startswith("__"):
            return plan  # introspection: the reference's own
        if not self._source(plan, field_def):
            return plan
        self._completion(plan, field_def.type, fdl)
        if plan.kind == REFERENCE:
            plan.source = NONE
        plan.memoized = plan.source == BATCH or (plan.source == SYNC and plan.walk)
        return plan

    def _source(self, plan: FieldPlan, field_def: GraphQLField) -> bool:
        """Where the value comes from; False: nothing the fast path may read itself."""
        sfield = field_def.extensions.get(_BACKREF)
        if not isinstance(sfield, StrawberryField) or sfield.extensions:
            return False  # permission classes and every other field extension
        plan.sfield = sfield
        resolve = field_def.resolve
        name = getattr(resolve, "__name__", "")
        if name == "_get_basic_result" and sfield.is_basic_field and not field_def.args:
            if sfield.default_resolver is not getattr:
                return False
            plan.source, plan.attr = ATTR, sfield.python_name
            return True
        resolver = sfield.base_resolver
        if (
            resolver is None
            or self.exception_handlers
            or name not in ("_resolver", "_async_resolver")
            or type(sfield).get_result is not StrawberryField.get_result
            or resolver.self_parameter is None
            or resolver.root_parameter is not None
            or resolver.parent_parameter is not None
            or not isinstance(resolver.wrapped_func, FunctionType)
        ):
            return False
        func = resolver.wrapped_func
        if (
            not sfield.is_async
            and resolver.info_parameter is None
            and not sfield.arguments
            and not field_def.args
        ):
            plan.source, plan.call = SYNC, func
            return True
        known = self.known.get(func)
        if known is None:
            return False
        plan.source, plan.call, plan.known = BATCH, func, known
        return True

    def _completion(
        self, plan: FieldPlan, return_type: GraphQLOutputType, fdl: list[FieldDetails]
    ) -> None:
        inner: Any = return_type
        if is_non_null_type(inner):
            plan.nullable = False
            inner = inner.of_type
        if is_leaf_type(inner):
            plan.kind = LEAF
            self._leaf(plan, inner)
            return
        if is_list_type(inner):
            item: Any = inner.of_type
            plan.item_type = item
            if is_non_null_type(item):
                plan.item_nullable = False
                item = item.of_type
            if is_leaf_type(item):
                plan.kind = LEAF_LIST
                self._leaf(plan, item)
            elif is_object_type(item) and self._object(plan, item, fdl):
                plan.kind = OBJECT_LIST
            return
        if is_object_type(inner) and self._object(plan, inner, fdl):
            plan.kind = OBJECT

    @staticmethod
    def _leaf(plan: FieldPlan, leaf: GraphQLLeafType) -> None:
        plan.leaf = leaf
        plan.pass_type = _PASS_TYPES.get(leaf)
        plan.int_range = leaf is GraphQLInt
        if isinstance(leaf, GraphQLEnumType):
            plan.enum_memo = _ENUM_MEMOS.setdefault(leaf, {})

    def _object(
        self, plan: FieldPlan, object_type: GraphQLObjectType, fdl: list[FieldDetails]
    ) -> bool:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and not _strawberry_is_type_of(is_type_of):
            return False  # a custom check may read `info`: the reference completes it
        child = self.plan(object_type, fdl)
        if child is None:
            return False
        plan.child = child
        plan.is_type_of = is_type_of
        plan.check_value = is_type_of is None
        plan.walk = child.needs_prefetch
        return True
