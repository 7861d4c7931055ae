"""GraphQL objects built straight from database rows."""

from typing import Any, Self

from sqlalchemy import Row


class FromRow:
    """A GraphQL type whose attributes are its row's columns (exposed or `Private`)."""

    @classmethod
    def from_row(cls, row: Row[Any]) -> Self:
        """Build the object from a row without calling `__init__`: one dict update, no copying
        field by field, so leaf fields stay plain attributes for the executor."""
        obj = cls.__new__(cls)
        obj.__dict__.update(row._mapping)
        return obj

    @classmethod
    def from_optional(cls, row: Row[Any] | None) -> Self | None:
        return None if row is None else cls.from_row(row)
