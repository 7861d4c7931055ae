"""GraphQL objects built straight from database rows."""

from typing import Any, Self

from sqlalchemy import Row

# The keys of the result the last row came from, with that result's metadata: the rows of one
# result share it, and a key list is most of what `row._mapping` costs (SQLAlchemy builds a new
# one per access). One entry, swapped whole: rows are built result by result.
_last_keys: tuple[object, tuple[str, ...]] = (None, ())


def _keys(row: Row[Any]) -> tuple[str, ...]:
    global _last_keys
    result, keys = _last_keys
    if result is not row._parent:
        keys = row._fields
        _last_keys = (row._parent, keys)
    return keys


class FromRow:
    """A GraphQL type whose attributes are its row's columns (exposed or `Private`)."""

    @classmethod
    def from_row(cls, row: Row[Any]) -> Self:
        """Build the object from a row without calling `__init__`: one dict, no copying field by
        field, so leaf fields stay plain attributes for the executor."""
        obj = cls.__new__(cls)
        obj.__dict__ = dict(zip(_keys(row), row, strict=True))
        return obj

    @classmethod
    def from_optional(cls, row: Row[Any] | None) -> Self | None:
        return None if row is None else cls.from_row(row)
