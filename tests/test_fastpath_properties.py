"""Property: whatever valid document a client sends, the fast path answers exactly as the
reference executor does.

`hypothesis-graphql` generates valid queries over the real schema (every root field, arguments
of every input type, our scalars); a layer of our own then adds what it does not produce: aliases,
named and inline fragments, `@skip`/`@include` with variables, `__typename`, and page sizes small
enough for the query limits. Each document runs through the reference and the fast path over the
same seeded database and simulators, as a tenant admin or a read-only user of either tenant,
with the upstreams healthy or one of them failing; data (byte for byte) and errors (with their
paths) must be identical.
"""

from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    print_ast,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from app.enums import Role
from app.settings import Settings
from schema import build_schema
from schema.node import to_global_id
from tests.conftest import Backend, Simulators
from tests.fastpath_twins import upstream_twins

SCHEMA: GraphQLSchema = build_schema(Settings())._schema  # type: ignore[attr-defined]
ROOTS = ["devices", "users", "orders", "viewer", "deviceFacets", "node", "nodes"]

DOCUMENTS = queries(
    SCHEMA,
    fields=ROOTS,
    custom_scalars={
        "DateTime": st.sampled_from(
            ["2026-01-01T00:00:00+00:00", "2020-06-30T12:00:00Z", "2031-01-01T00:00:00-05:00"]
        ).map(nodes.String),
        "Date": st.sampled_from(["2026-01-01", "2020-06-30"]).map(nodes.String),
        "UnsignedInt64": st.integers(min_value=0, max_value=2**40).map(nodes.String),
        "JSON": st.just(nodes.String("{}")),
    },
    print_ast=lambda document: document,
    allow_x00=False,
    codec="ascii",
)


class Layer:
    """Rewrites a generated document with aliases, fragments, directives and `__typename`."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.fragments: list[FragmentDefinitionNode] = []
        self.variables: dict[str, bool] = {}
        self.aliases = 0

    def document(self, generated: DocumentNode) -> tuple[str, dict[str, Any]]:
        operation = generated.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        selection = self.selection_set(SCHEMA.query_type, operation.selection_set)  # type: ignore[arg-type]
        definitions = [
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value=name)),
                type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value="Boolean"))),
            )
            for name in self.variables
        ]
        query = OperationDefinitionNode(
            operation=operation.operation,
            name=NameNode(value="Generated"),
            variable_definitions=tuple(definitions),
            selection_set=selection,
        )
        document = DocumentNode(definitions=(query, *self.fragments))
        return print_ast(document), dict(self.variables)

    def selection_set(self, parent: GraphQLNamedType, node: SelectionSetNode) -> SelectionSetNode:
        selections: list[SelectionNode] = []
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                selections.append(self.field(parent, selection))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = SCHEMA.get_type(condition.name.value) if condition else parent
                selections.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=self.directives(),
                        selection_set=self.selection_set(inner, selection.selection_set),  # type: ignore[arg-type]
                    )
                )
            else:
                selections.append(selection)
        if self.draw(st.integers(0, 3)) == 0:
            selections.insert(self.draw(st.integers(0, len(selections))), self.typename())
        if len(selections) > 1 and len(self.fragments) < 3 and self.draw(st.booleans()):
            start = self.draw(st.integers(0, len(selections) - 1))
            end = self.draw(st.integers(start + 1, len(selections)))
            selections[start:end] = [self.fragment(parent, selections[start:end])]
        return SelectionSetNode(selections=tuple(selections))

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> FieldNode:
        if node.name.value == "__typename":
            return node
        definition = parent.fields[node.name.value]  # type: ignore[attr-defined]
        returned = get_named_type(definition.type)
        arguments = list(node.arguments or ())
        if returned.name.endswith("Connection"):
            arguments = self.page(arguments)
        if node.name.value in ("node", "nodes") and parent is SCHEMA.query_type:
            arguments = [self.ids(node.name.value)]
        elif self.draw(st.integers(0, 3)) != 0:  # most lists unfiltered: rows to compare
            arguments = [a for a in arguments if a.name.value != "filter"]
        selection_set = (
            None if node.selection_set is None else self.selection_set(returned, node.selection_set)
        )
        return FieldNode(
            alias=self.alias(),
            name=node.name,
            arguments=tuple(arguments),
            directives=self.directives(),
            selection_set=selection_set,
        )

    def ids(self, field: str) -> ArgumentNode:
        """IDs of objects of either tenant, or of nothing (a random one now and then)."""
        one = st.builds(
            to_global_id,
            st.sampled_from(["Device", "User", "Order", "Parcel", "Address", "MdmEnrollment"]),
            st.integers(1, 400),
        )
        ids = self.draw(st.lists(one, min_size=1, max_size=6))
        if field == "node":
            return ArgumentNode(name=NameNode(value="id"), value=nodes.String(ids[0]))
        values = tuple(nodes.String(value) for value in ids)
        return ArgumentNode(name=NameNode(value="ids"), value=ListValueNode(values=values))

    def page(self, arguments: list[ArgumentNode]) -> list[ArgumentNode]:
        """A small page (usually): the query cost limit multiplies page sizes through nested
        connections. Now and then the generated sizes, cursors and offsets stay (errors)."""
        if self.draw(st.integers(0, 5)) == 0:
            return arguments
        paging = ("first", "last", "offset", "after", "before")
        kept = [a for a in arguments if a.name.value not in paging]
        size = IntValueNode(value=str(self.draw(st.integers(0, 4))))
        name = "last" if self.draw(st.integers(0, 4)) == 0 else "first"
        return [*kept, ArgumentNode(name=NameNode(value=name), value=size)]

    def alias(self) -> NameNode | None:
        if self.aliases >= 8 or self.draw(st.integers(0, 4)) != 0:
            return None
        self.aliases += 1
        return NameNode(value=f"alias{self.aliases}")

    def typename(self) -> FieldNode:
        return FieldNode(name=NameNode(value="__typename"), alias=self.alias())

    def directives(self) -> tuple[DirectiveNode, ...]:
        if len(self.variables) >= 6 or self.draw(st.integers(0, 5)) != 0:
            return ()
        directive = self.draw(st.sampled_from(["include", "skip"]))
        if self.draw(st.integers(0, 3)) == 0:
            value: VariableNode | BooleanValueNode = BooleanValueNode(value=directive == "include")
        else:
            name = f"v{len(self.variables)}"
            self.variables[name] = self.draw(st.booleans())
            value = VariableNode(name=NameNode(value=name))
        condition = ArgumentNode(name=NameNode(value="if"), value=value)
        return (DirectiveNode(name=NameNode(value=directive), arguments=(condition,)),)

    def fragment(self, parent: GraphQLNamedType, selections: list[SelectionNode]) -> SelectionNode:
        name = f"Part{len(self.fragments)}"
        self.fragments.append(
            FragmentDefinitionNode(
                name=NameNode(value=name),
                type_condition=NamedTypeNode(name=NameNode(value=parent.name)),
                selection_set=SelectionSetNode(selections=tuple(selections)),
            )
        )
        if self.draw(st.booleans()):
            return FragmentSpreadNode(name=NameNode(value=name), directives=self.directives())
        # The same fields again, inline: merged with the spread by both executors.
        return InlineFragmentNode(
            type_condition=NamedTypeNode(name=NameNode(value=parent.name)),
            selection_set=SelectionSetNode(
                selections=(FragmentSpreadNode(name=NameNode(value=name)),)
            ),
        )


FAULTS = [None, ("inventory", "5xx"), ("mdm", "5xx"), ("inventory", "malformed")]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_any_document_is_answered_as_the_reference_answers(
    backend: Backend, simulators: Simulators, data: st.DataObject
) -> None:
    generated = data.draw(DOCUMENTS, label="generated")
    query, variables = Layer(data.draw).document(generated)
    data.draw(st.just(query), label="document")
    slug = data.draw(st.sampled_from(["acme", "globex"]), label="tenant")
    role = data.draw(st.sampled_from([Role.TENANT_ADMIN, Role.READ_ONLY]), label="role")
    fault = data.draw(st.sampled_from(FAULTS), label="fault")
    async with upstream_twins(backend, simulators) as both:
        if fault is not None:
            await simulators.fault(*fault)
        await both.same(query, variables, token=await both.token(slug, role))


async def test_the_generated_documents_reach_the_fast_path(
    backend: Backend, simulators: Simulators
) -> None:
    """A sanity check of the property's reach: a typical generated shape gets data, not only
    errors, on both executors."""
    query = """
    query { devices(first: 3) { edges { node { name assignee { name } parcels(first: 2) {
      totalCount nodes { status pickupAddress { city } } } } } } }
    """
    async with upstream_twins(backend, simulators) as both:
        body = await both.same(query)
    assert orjson.dumps(body["data"]).count(b'"name"') >= 3
