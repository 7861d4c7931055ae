"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps `timestamptz`; SQLite keeps text, and this type restores the UTC offset
    so both backends serialise the same ISO 8601 string.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # asyncpg's timestamptz is already UTC
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StoredEnum(sa.Enum):
    """A VARCHAR restricted to an enum's values by a CHECK constraint, read back as a plain string.

    Plain strings compare equal to the `StrEnum` members and let the GraphQL layer serialise
    them with one dictionary lookup instead of a scan of the enum's members.
    """

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


def enum_column(
    enum: type[StrEnum], *, nullable: bool = False, index: bool = False
) -> sa.Column[Any]:
    """A column holding one of the enum's values."""
    return sa.Column(
        StoredEnum(
            enum,
            native_enum=False,
            create_constraint=True,
            length=max(len(m.value) for m in enum),
            values_callable=lambda e: [m.value for m in e],
            name=enum.__name__.lower(),
        ),
        nullable=nullable,
        index=index,
    )
