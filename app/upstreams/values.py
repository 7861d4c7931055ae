"""The upstreams' value formats, read once: the MDM provider writes instants as milliseconds
since the epoch, the inventory as ISO 8601 strings ending in Z."""

from datetime import UTC, datetime
from typing import Any


def epoch_ms(value: Any) -> datetime | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
