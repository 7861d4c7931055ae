"""One place that gives every GraphQL error a stable `extensions.code` and masks the unexpected.

- parse errors: `GRAPHQL_PARSE_FAILED`; validation errors (unknown fields, unknown enum values,
  malformed literals): `GRAPHQL_VALIDATION_FAILED`; variables that do not coerce: `BAD_USER_INPUT`;
- a `PublicError` raised by a resolver: its own code, message and extensions;
- anything else: "Internal server error." with `INTERNAL_SERVER_ERROR`, and the exception logged
  (never its text, which may hold internals, in the response).
"""

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from app.errors import PublicError

logger = logging.getLogger("gateway.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"
# graphql-core's words when the parser stops at a cap (`max_tokens`, `max_source_length`).
_PARSER_LIMIT = re.compile(r"contains more than (\d+) (tokens|code points)")


class ErrorCodes(SchemaExtension):
    """Classifies errors by the phase that produced them, then codes or masks each one."""

    def __init__(self) -> None:
        self._phase = "execution"

    def on_validate(self) -> Iterator[None]:
        yield
        if self.execution_context.pre_execution_errors:
            self._phase = "validation"

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._coded(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each event of a subscription is coded and masked like a whole result."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._coded(error) for error in errors]
        yield

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, PublicError):
            return _with_extensions(
                error, original.message, {**original.extensions, "code": original.code}
            )
        if original is None and error.extensions and "code" in error.extensions:
            return error  # coded where it was raised (e.g. a query limit)
        if isinstance(error, GraphQLSyntaxError):
            limit = _PARSER_LIMIT.search(error.message)
            if limit is not None:
                return _with_extensions(
                    error,
                    f"This query exceeds the limit of {limit.group(1)} {limit.group(2)}.",
                    {"code": "QUERY_TOO_LARGE", "limit": int(limit.group(1))},
                )
            return _with_extensions(error, error.message, {"code": "GRAPHQL_PARSE_FAILED"})
        if self._phase == "validation":
            return _with_extensions(error, error.message, {"code": "GRAPHQL_VALIDATION_FAILED"})
        if error.path is None and (
            original is None or isinstance(original, (GraphQLError, ValueError, TypeError))
        ):
            # Raised while coercing variables, before any resolver ran: the client's input.
            return _with_extensions(error, error.message, {"code": "BAD_USER_INPUT"})
        logger.error(
            "unexpected error at %s",
            error.path,
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return _with_extensions(error, "Internal server error.", {"code": INTERNAL})


def _with_extensions(
    error: GraphQLError, message: str, extensions: dict[str, object]
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), **extensions},
    )
