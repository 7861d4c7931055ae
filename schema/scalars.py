"""Scalars whose parsing the gateway makes stricter than the defaults."""

from datetime import datetime

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

SCALAR_MAP = {datetime: DateTime}
