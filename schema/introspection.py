"""Production keeps `__schema` introspection off (security scanners flag it) but `__type` on: the
GraphQL-over-HTTP audit needs it, and it reveals only a type someone already knows the name of."""

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule


class NoSchemaIntrospection(ValidationRule):
    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value == "__schema":
            self.report_error(
                GraphQLError(
                    "Schema introspection is turned off on this server.",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )
