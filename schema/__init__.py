"""What clients see: the GraphQL schema (types, inputs, enums, errors) and its assembly."""

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.settings import Settings
from schema.errors import ErrorCodes
from schema.fastpath import FastExecutionContext, incompatibilities
from schema.fastpath import execution_context_class as fast_execution_context_class
from schema.introspection import NoSchemaIntrospection
from schema.limits import QueryLimits
from schema.mutations import Mutation
from schema.parsing import ParseCache
from schema.query import Query
from schema.scalars import SCALAR_MAP
from schema.subscription import Subscription
from schema.telemetry import OperationFigures


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are coded, masked and (when unexpected) logged once, by `ErrorCodes`."""


def execution_context_class(settings: Settings) -> type[FastExecutionContext] | None:
    """The fast path's execution context when `FAST_PATH` is on and the graphql-core and
    Strawberry internals it relies on are the ones it was written for; else None (the reference)."""
    if not settings.fast_path:
        return None
    problems = incompatibilities()
    if problems:
        logging.getLogger("gateway.fastpath").warning(
            "fast path off, the reference executor runs everything: %s", "; ".join(problems)
        )
        return None
    return fast_execution_context_class(settings.fast_path_cache_size)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the gateway's extensions, configured from settings."""
    return GatewaySchema(
        query=Query,
        execution_context_class=execution_context_class(settings),
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(
            disable_field_suggestions=settings.is_production,
            scalar_map=SCALAR_MAP,
            batching_config={"max_operations": settings.batch_max_operations}
            if settings.batch_max_operations
            else None,
        ),
        extensions=[
            lambda: ParseCache(
                maxsize=settings.parser_cache_size,
                max_tokens=settings.max_query_tokens,
                max_source_length=settings.max_query_bytes,
            ),
            lambda: ValidationCache(maxsize=settings.validation_cache_size),
            lambda: QueryLimits(settings),
            *(
                []
                if settings.introspection_enabled
                else [lambda: AddValidationRules([NoSchemaIntrospection])]
            ),
            ErrorCodes,
            OperationFigures,
        ],
    )


def sdl(schema: strawberry.Schema) -> str:
    """The schema as SDL, as kept in `schema.graphql`."""
    return schema.as_str() + "\n"
