"""Keyset paging with opaque cursors, shared by the device and device-user lists.

A cursor is the unpadded URL-safe base64 of a compact JSON object naming the list, the sort
and the last row returned: `{"r": "devices", "s": "last_seen_at", "o": "desc",
"v": "2026-10-31T22:10:05.120Z", "id": "<uuid>"}`. The next page starts strictly after
`(v, id)` in the sort order, so rows added, removed or changed between pages never make
another row appear twice or be skipped unless that row itself moved.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson

T = TypeVar("T")
SortKey = tuple[str, str]  # (the sort field's comparable value, the row's id)


class InvalidCursor(ValueError):
    """A cursor this API did not write, or wrote for another list or sort."""


@dataclass(frozen=True, slots=True)
class Cursor:
    resource: str
    sort_by: str
    sort_order: str
    value: str
    id: str

    def encode(self) -> str:
        raw = orjson.dumps(
            {
                "r": self.resource,
                "s": self.sort_by,
                "o": self.sort_order,
                "v": self.value,
                "id": self.id,
            }
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            body = orjson.loads(raw)
        except (binascii.Error, ValueError) as error:
            raise InvalidCursor("cursor is not valid") from error
        if not isinstance(body, dict):
            raise InvalidCursor("cursor is not valid")
        values = [body.get(key) for key in ("r", "s", "o", "v", "id")]
        strings = [value for value in values if isinstance(value, str)]
        if len(strings) != len(values):
            raise InvalidCursor("cursor is not valid")
        return cls(*strings)


def paginate(
    items: Sequence[T],
    key: Callable[[T], SortKey],
    *,
    resource: str,
    sort_by: str,
    sort_order: str,
    page_size: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One page of `items` in `(key, id)` order and the cursor of the next page (or None)."""
    descending = sort_order == "desc"
    after: SortKey | None = None
    if cursor is not None:
        decoded = Cursor.decode(cursor)
        if (decoded.resource, decoded.sort_by, decoded.sort_order) != (
            resource,
            sort_by,
            sort_order,
        ):
            raise InvalidCursor("cursor was issued for another list, sort_by or sort_order")
        after = (decoded.value, decoded.id)
    keyed = sorted(
        ((key(item), item) for item in items), key=lambda pair: pair[0], reverse=descending
    )
    if after is not None:
        keyed = [pair for pair in keyed if (pair[0] < after if descending else pair[0] > after)]
    page = keyed[:page_size]
    next_cursor = None
    if len(keyed) > page_size:
        value, last_id = page[-1][0]
        next_cursor = Cursor(resource, sort_by, sort_order, value, last_id).encode()
    return [item for _, item in page], next_cursor
