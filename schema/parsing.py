"""A bounded cache of parsed documents that leaves syntax errors to Strawberry's own parse.

Strawberry's `ParserCache` raises a syntax error from inside its hook, which skips the
operation hooks (so the error would reach the client without a code). This cache only stores
successful parses; on a syntax error it steps aside and the normal parse reports it.
"""

from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache, lru_cache

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension


@cache
def _cached_parse(maxsize: int) -> Callable[..., DocumentNode]:
    return lru_cache(maxsize=maxsize)(parse)


class ParseCache(SchemaExtension):
    """Also caps the document: at most `max_source_length` characters and `max_tokens` tokens
    (the parser stops counting there, so a huge document costs no more than the cap)."""

    def __init__(self, maxsize: int, max_tokens: int, max_source_length: int) -> None:
        self._parse = _cached_parse(maxsize)
        self.max_tokens = max_tokens
        self.max_source_length = max_source_length

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.parse_options["max_source_length"] = self.max_source_length
        if context.query is not None:
            # On a syntax error, the parse that follows reports it (with its code).
            with suppress(GraphQLError):
                context.graphql_document = self._parse(context.query, **context.parse_options)
        yield
