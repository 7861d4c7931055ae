"""Query parameters of the list endpoints, validated as the documents describe (else 400)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from app.simulators.inventory.errors import ApiError, bad_parameter
from app.simulators.inventory.records import DEVICE_STATUSES

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SORT_ORDERS = ("asc", "desc")
DEVICE_SORTS = ("name", "status", "os_name", "last_seen_at", "installed_at", "created_at")
USER_SORTS = ("username", "enrolled_at", "last_seen_at")
DEFAULT_SORT = "last_seen_at"


@dataclass(frozen=True, slots=True)
class ListParams:
    """What every list takes: a sort, a page size and a cursor."""

    sort_by: str
    sort_order: str
    page_size: int
    cursor: str | None
    q: str | None


@dataclass(frozen=True, slots=True)
class DeviceFilters:
    user_id: str | None
    status: str | None
    os_name: str | None


def _text(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return value if value else None  # `?q=` is the same as no `q`


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _text(query, name) or default
    if value not in allowed:
        raise bad_parameter(
            name,
            f"Invalid value for {name}: must be one of {', '.join(allowed)}",
            value,
            allowed=list(allowed),
        )
    return value


def page_size(query: Mapping[str, str]) -> int:
    text = _text(query, "page_size")
    if text is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(text)
    except ValueError:
        raise bad_parameter("page_size", "page_size must be an integer", text) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_parameter(
            "page_size",
            f"page_size must be between 1 and {MAX_PAGE_SIZE}",
            text,
            max=MAX_PAGE_SIZE,
        )
    return size


def list_params(query: Mapping[str, str], sorts: tuple[str, ...]) -> ListParams:
    return ListParams(
        sort_by=_choice(query, "sort_by", sorts, DEFAULT_SORT),
        sort_order=_choice(query, "sort_order", SORT_ORDERS, "desc"),
        page_size=page_size(query),
        cursor=_text(query, "cursor"),
        q=_text(query, "q"),
    )


def device_filters(query: Mapping[str, str]) -> DeviceFilters:
    user_id = _text(query, "user_id")
    if user_id is not None:
        try:
            user_id = str(uuid.UUID(user_id))
        except ValueError:
            raise bad_parameter("user_id", "user_id must be a UUID", user_id) from None
    status = _text(query, "status")
    if status is not None and status not in DEVICE_STATUSES:
        raise bad_parameter(
            "status",
            f"Invalid value for status: must be one of {', '.join(DEVICE_STATUSES)}",
            status,
            allowed=list(DEVICE_STATUSES),
        )
    return DeviceFilters(user_id=user_id, status=status, os_name=_text(query, "os_name"))


def invalid_cursor(cursor: str, reason: str) -> ApiError:
    return bad_parameter("cursor", f"Invalid cursor: {reason}", cursor)
