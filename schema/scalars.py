"""Scalars whose parsing the gateway makes stricter than the defaults."""

from datetime import datetime
from typing import NewType

import strawberry


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value[:40]!r} has no UTC offset; add one, e.g. 2026-01-31T09:00:00Z.")
    return parsed


DateTime = strawberry.scalar(
    name="DateTime",
    description="An ISO 8601 date-time with a UTC offset, e.g. 2026-01-31T09:00:00+00:00.",
    serialize=datetime.isoformat,
    parse_value=_parse_datetime,
)

# Sizes in bytes overflow GraphQL's 32-bit Int (32 GB of RAM is 34359738368).
UnsignedInt64 = NewType("UnsignedInt64", int)


def _parse_unsigned(value: object) -> int:
    number = int(str(value))
    if not 0 <= number < 2**64:
        raise ValueError(f"{value!r} is not between 0 and 2^64 - 1.")
    return number


SCALAR_MAP = {
    datetime: DateTime,
    UnsignedInt64: strawberry.scalar(
        name="UnsignedInt64",
        description="A non-negative integer below 2^64, serialised as a string "
        '(e.g. a RAM size in bytes: "34359738368").',
        serialize=str,
        parse_value=_parse_unsigned,
    ),
}
