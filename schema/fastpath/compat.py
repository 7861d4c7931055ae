"""The graphql-core and Strawberry internals the fast path relies on, checked.

graphql-core documents its executor's methods as not public, and changed them in 3.3 (grouped
field details). The versions are pinned to their minor in `pyproject.toml`; this check names what
changed when they move anyway: `build_schema` then keeps the reference executor (and logs why),
and `tests/test_fastpath_signatures.py` fails.
"""

import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_subfields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter, get_arguments
from strawberry.types.field import StrawberryField

VERSIONS = {"graphql-core": "3.3.", "strawberry-graphql": "0.341."}

# Parameter names (after `self`) of everything the fast path calls or overrides.
SIGNATURES: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "Executor.collect_and_execute_subfields": (
        Executor.collect_and_execute_subfields,
        ("self", "return_type", "field_details_list", "path", "result", "position_context"),
    ),
    "Executor.execute_field": (
        Executor.execute_field,
        ("self", "parent_type", "source", "field_details_list", "path", "position_context"),
    ),
    "Executor.complete_value": (
        Executor.complete_value,
        ("self", "return_type", "field_details_list", "info", "path", "result", "position_context"),
    ),
    "Executor.complete_list_item_value": (
        Executor.complete_list_item_value,
        (
            "self",
            "item",
            "complete_results",
            "item_type",
            "field_details_list",
            "info",
            "item_path",
            "position_context",
        ),
    ),
    "Executor.handle_field_error": (
        Executor.handle_field_error,
        ("self", "raw_error", "return_type", "field_details_list", "path"),
    ),
    "Executor.settle_in_background": (Executor.settle_in_background, ("self", "awaitables")),
    "StrawberryGraphQLCoreExecutionContext.build_resolve_info": (
        StrawberryGraphQLCoreExecutionContext.build_resolve_info,
        ("self", "field_def", "field_nodes", "parent_type", "path"),
    ),
    "collect_subfields": (
        collect_subfields,
        (
            "schema",
            "fragments",
            "variable_values",
            "operation",
            "return_type",
            "field_details_list",
            "hide_suggestions",
        ),
    ),
    "get_argument_values": (
        get_argument_values,
        ("type_def", "node", "variable_values", "fragment_variable_values", "hide_suggestions"),
    ),
    "strawberry get_arguments": (
        get_arguments,
        ("field", "source", "info", "kwargs", "config", "scalar_registry"),
    ),
}

# Strawberry's names the plan recognises (a basic field's resolver, its generated is_type_of).
SOURCES: dict[str, tuple[Callable[..., Any], str]] = {
    "basic field resolver": (GraphQLCoreConverter.from_resolver, "def _get_basic_result("),
    "generated is_type_of": (GraphQLCoreConverter.from_object, "def is_type_of(obj: Any, _info"),
    "field exception handlers": (GraphQLCoreConverter.from_resolver, "field_exception_handlers"),
}


def _parameters(func: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(func).parameters)


def incompatibilities() -> list[str]:
    """What differs from the internals the fast path was written against (empty: nothing)."""
    found = []
    for package, prefix in VERSIONS.items():
        installed = version(package)
        if not installed.startswith(prefix):
            found.append(f"{package} {installed} (the fast path is written for {prefix}x)")
    for name, (func, expected) in SIGNATURES.items():
        actual = _parameters(func)
        if actual[: len(expected)] != expected:
            found.append(f"{name}{actual} (expected {expected})")
    if FieldDetails._fields[:3] != ("node", "defer_usage", "fragment_variable_values"):
        found.append(f"FieldDetails{FieldDetails._fields}")
    if Path._fields != ("prev", "key", "typename"):
        found.append(f"Path{Path._fields}")
    if not isinstance(getattr(StrawberryField, "is_basic_field", None), property):
        found.append("StrawberryField.is_basic_field")
    for name, (func, needle) in SOURCES.items():
        if needle not in inspect.getsource(func):
            found.append(f"Strawberry's {name} ({needle!r} not found)")
    return found
