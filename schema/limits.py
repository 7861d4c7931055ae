"""What one query may cost, checked after validation, before anything is resolved.

The document's size and token count are capped by the parser (`schema/parsing.py`); this
extension walks the operation once, with its variables, and measures its depth, aliases,
directives and **cost**: the number of objects it can return, in the style of GitHub's node
limit. Each connection multiplies what is below it by its page size (`first`/`last`, or the
default page size), `nodes(ids:)` by the number of ids, and upstream-backed fields weigh
`UPSTREAM_WEIGHT` objects each. The first limit exceeded is one error, with the limit and the
figure in `extensions`.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
)
from strawberry.extensions import SchemaExtension

from app.observability.metrics import RATE_LIMIT_REFUSALS
from app.settings import Settings
from resolvers.context import RequestContext

# Fields that cost an upstream call (or a share of one) per object.
UPSTREAM_FIELDS = frozenset(
    {
        "mdmDetails",
        "configs",
        "compliance",
        "customAttributes",
        "certificates",
        "inventory",
        "observedUsers",
    }
)
UPSTREAM_WEIGHT = 10
# Parts of `MdmDeviceDetails` that need the provider's per-device details call (its search
# records lack them), by (type, field): weighed like the per-device upstream fields above.
UPSTREAM_DETAIL_FIELDS = frozenset(
    {
        ("MdmDeviceDetails", "security"),
        ("MdmDeviceDetails", "groups"),
        ("MdmDeviceDetails", "privacyPolicy"),
        ("MdmDeviceDetails", "termsOfService"),
        ("MdmIdentity", "serviceSubscriptions"),
    }
)


@dataclass(slots=True)
class Figures:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, object],
        default_page: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page = default_page
        self.figures = Figures()

    def _int_argument(self, field: FieldNode, *names: str) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value not in names:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                found = self.variables.get(value.name.value)
                if isinstance(found, int) and not isinstance(found, bool):
                    return found
        return None

    def _list_length(self, field: FieldNode, name: str) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, ListValueNode):
                return len(argument.value.values)
            if isinstance(argument.value, VariableNode):
                found = self.variables.get(argument.value.name.value)
                if isinstance(found, list):
                    return len(found)
        return None

    def _fields(
        self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()
    ) -> Iterator[FieldNode]:
        """The fields of a selection set, through fragments (counting their directives)."""
        for selection in selection_set.selections:
            self.figures.directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    self.figures.directives += len(fragment.directives or ())
                    yield from self._fields(fragment.selection_set, seen | {name})

    def walk(
        self,
        parent: GraphQLObjectType,
        selection_set: SelectionSetNode,
        depth: int,
        multiplier: int,
    ) -> None:
        self.figures.depth = max(self.figures.depth, depth)
        for field in self._fields(selection_set):
            if field.alias is not None:
                self.figures.aliases += 1
            name = field.name.value
            definition = parent.fields.get(name) if hasattr(parent, "fields") else None
            if definition is None or field.selection_set is None:
                continue
            below = multiplier
            returned = get_named_type(definition.type)
            if returned.name.endswith("Connection"):
                size = self._int_argument(field, "first", "last")
                below = multiplier * (self.default_page if size is None else max(size, 0))
                self.figures.cost += below
            elif name == "nodes" and parent is self.schema.query_type:
                below = multiplier * (self._list_length(field, "ids") or 0)
                self.figures.cost += below
            elif not parent.name.endswith(("Connection", "Edge")):
                # A connection's edges and nodes are the objects it already counted.
                self.figures.cost += multiplier
            if name in UPSTREAM_FIELDS or (parent.name, name) in UPSTREAM_DETAIL_FIELDS:
                self.figures.cost += UPSTREAM_WEIGHT * multiplier
            if is_object_type(returned) or is_interface_type(returned):
                self.walk(returned, field.selection_set, depth + 1, below)  # type: ignore[arg-type]


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, object],
    default_page: int,
) -> Figures:
    walk = _Walk(schema, fragments, variables, default_page)
    walk.figures.directives += len(operation.directives or ())
    root = schema.get_root_type(operation.operation)
    if root is not None:
        walk.walk(root, operation.selection_set, 1, 1)
    return walk.figures


class QueryLimits(SchemaExtension):
    """Refuses, before execution, an operation deeper, wider or costlier than the settings allow."""

    def __init__(self, settings: Settings) -> None:
        self.limits = (
            ("depth", settings.max_query_depth, "QUERY_TOO_DEEP", "levels"),
            ("aliases", settings.max_aliases, "TOO_MANY_ALIASES", "aliases"),
            ("directives", settings.max_directives, "TOO_MANY_DIRECTIVES", "directives"),
            ("cost", settings.max_query_cost, "QUERY_TOO_COSTLY", "objects"),
        )
        self.default_page = settings.default_page_size
        self._budget: dict[str, int] = {}
        self._measured: Figures | None = None

    def on_validate(self) -> Iterator[None]:
        """Depth, aliases and directives before validation: a document overloaded with
        directives would otherwise get one validation error per repeat."""
        # Measured once, with the request's variables; the cost is checked before execution.
        self._measured = figures = self._figures(dict(self.execution_context.variables or {}))
        error = (
            None if figures is None else self._check(figures, ("depth", "aliases", "directives"))
        )
        if error is not None:
            self.execution_context.pre_execution_errors = [error]  # validation is then skipped
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        """Cost before execution starts, with the variables, then the tenant's budget. A refused
        operation's result is its one error, so no resolver runs (Strawberry skips execution
        when the result is already set)."""
        context = self.execution_context
        figures = self._measured
        if figures is not None:
            error = self._check(figures, ("cost",)) or await self._take_budget(figures.cost)
            if error is not None:
                context.result = ExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, object]:
        return {"rateLimit": self._budget} if self._budget else {}

    async def _take_budget(self, cost: int) -> GraphQLError | None:
        request = self.execution_context.context
        if not isinstance(request, RequestContext) or request.viewer.tenant_id <= 0:
            return None
        cost = max(1, cost)
        decision = await request.rate_limiter.take(request.viewer.tenant_id, cost)
        self._budget = {"cost": cost, "remaining": decision.remaining}
        if decision.allowed:
            return None
        RATE_LIMIT_REFUSALS.labels(str(request.viewer.tenant_id)).inc()
        retry_after = round(decision.retry_after, 3)
        return GraphQLError(
            f"The tenant's query budget is spent; retry in {retry_after} s.",
            extensions={"code": "RATE_LIMITED", "retryAfter": retry_after, **self._budget},
        )

    def _figures(self, variables: dict[str, object]) -> Figures | None:
        """The measures of the operation asked for (None when there is none to measure)."""
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        name = context.operation_name  # the one asked for, else the first operation's
        chosen = next((o for o in operations if (o.name and o.name.value) == name), None)
        if chosen is None:
            return None  # an unknown operation name: Strawberry refuses it on its own
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        return measure(context.schema._schema, chosen, fragments, variables, self.default_page)

    def _check(self, figures: Figures, checked: tuple[str, ...]) -> GraphQLError | None:
        for attribute, limit, code, unit in self.limits:
            actual = getattr(figures, attribute)
            if attribute in checked and actual > limit:
                return GraphQLError(
                    f"This query exceeds the limit of {limit} {unit} ({attribute}: {actual}).",
                    extensions={"code": code, "limit": limit, attribute: actual},
                )
        return None
