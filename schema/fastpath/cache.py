"""Plans kept per operation: by document text, operation name and the skip/include values.

An operation's plans are built as the reference executor reaches each selection set, keyed by the
response path (response names and runtime types, list indexes left out), and kept in a bounded
LRU so that a client sending ever new documents costs memory only up to the bound.
"""

from collections.abc import Hashable, Iterable
from typing import Any

from cachetools import LRUCache
from graphql.language import (
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)

from schema.fastpath.plan import ObjectPlan


class _DirectiveVariables(Visitor):
    """Names of the variables that directives (`@skip`, `@include`) read."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._depth = 0

    def enter_directive(self, _node: DirectiveNode, *_args: Any) -> None:
        self._depth += 1

    def leave_directive(self, _node: DirectiveNode, *_args: Any) -> None:
        self._depth -= 1

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        if self._depth:
            self.names.add(node.name.value)


class PlanCache:
    """Operation key → {path key → plan (None: not plannable)}."""

    def __init__(self, maxsize: int) -> None:
        self._operations: LRUCache[Hashable, dict[Hashable, ObjectPlan | None]] = LRUCache(maxsize)
        self._directive_variables: LRUCache[Hashable, tuple[str, ...]] = LRUCache(maxsize)

    def directive_variables(self, text: str, document: DocumentNode) -> tuple[str, ...]:
        found = self._directive_variables.get(text)
        if found is None:
            visitor = _DirectiveVariables()
            visit(document, visitor)
            found = self._directive_variables[text] = tuple(sorted(visitor.names))
        return found

    def plans(self, key: Hashable) -> dict[Hashable, ObjectPlan | None]:
        found = self._operations.get(key)
        if found is None:
            found = self._operations[key] = {}
        return found

    def __len__(self) -> int:
        return len(self._operations)


def operation_key(
    cache: PlanCache,
    operation: OperationDefinitionNode,
    fragments: Iterable[FragmentDefinitionNode],
    coerced: dict[str, Any],
) -> Hashable | None:
    """(document text, operation name, skip/include values), or None when the document carries no
    source text (then plans live for the request only)."""
    loc = operation.loc
    if loc is None or loc.source is None:
        return None
    text = loc.source.body
    document = DocumentNode(definitions=(operation, *fragments))
    names = cache.directive_variables(f"{text}\0{_name(operation)}", document)
    values = []
    for name in names:
        value = coerced.get(name)
        try:
            hash(value)
        except TypeError:
            value = repr(value)
        values.append(value)
    return (text, _name(operation), tuple(values))


def _name(operation: OperationDefinitionNode) -> str:
    return operation.name.value if operation.name else ""
