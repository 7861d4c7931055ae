"""Users observed on a device, read from the device-agent inventory: their source of truth.

The inventory pages a device's users with opaque cursors (`next_cursor`, forward only, at most 500
a page). The gateway reads it at that maximum and cuts GraphQL pages (at most 100) out of those
pages, so an edge's cursor wraps the inventory's: the cursor of the inventory page the edge was read
from, the edge's index in it and its user id (to find it again if the page shifted meanwhile).
Cursors are signed, and bound to the device, the search and the order: the gateway forwards to
the inventory only cursors the inventory gave it for that very list, so a forged or misplaced
cursor is the client's `INVALID_CURSOR`, never a call the inventory refuses.

Each page read is one call per device, through the per-device loader of `UpstreamLoaders`
(deduplicated, `UPSTREAM_CONCURRENCY` at once) and the tenant's read cache. A backward page
(`last`) reads from the first page on, since the inventory pages forward only (one call for the
usual device, whose users fit in one page).
"""

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import orjson
from aiodataloader import DataLoader
from pydantic import SecretStr

from app.errors import InvalidCursorError, InvalidPaginationError, PublicError
from app.upstreams.inventory import MAX_PAGES, DeviceUsersPage
from resolvers.loaders import USERS, Row
from resolvers.paging import OrderDirection, Page, PageArgs, check_sizes
from resolvers.upstream import UpstreamLoaders

if TYPE_CHECKING:
    from resolvers.context import RequestContext

Record = dict[str, Any]
# Reads the inventory page of a device's list that starts at an inventory cursor.
Read = Callable[[str | None], Awaitable[DeviceUsersPage | None]]
MAX_SEARCH_LENGTH = 200  # the inventory takes `q` in the URL: keep it a search, not a payload


class ObservedUserOrderField(StrEnum):
    USERNAME = "USERNAME"
    ENROLLED_AT = "ENROLLED_AT"
    LAST_SEEN_AT = "LAST_SEEN_AT"


_SORT_BY = {
    ObservedUserOrderField.USERNAME: "username",
    ObservedUserOrderField.ENROLLED_AT: "enrolled_at",
    ObservedUserOrderField.LAST_SEEN_AT: "last_seen_at",
}


@dataclass(frozen=True, slots=True)
class ObservedListing:
    """Which list of a device's users: the inventory's `q`, `sort_by` and `sort_order`."""

    search: str | None = None
    field: ObservedUserOrderField = ObservedUserOrderField.LAST_SEEN_AT
    direction: OrderDirection = OrderDirection.DESC

    @classmethod
    def of(
        cls, search: str | None, field: ObservedUserOrderField, direction: OrderDirection
    ) -> "ObservedListing":
        """The listing for a client's arguments; a blank search is no search (as in `users`)."""
        term = search.strip() if search else ""
        if len(term) > MAX_SEARCH_LENGTH:
            raise PublicError(
                f"`search` must be at most {MAX_SEARCH_LENGTH} characters.",
                argument="search",
                maximum=MAX_SEARCH_LENGTH,
            )
        return cls(term or None, field, direction)

    @property
    def tag(self) -> str:
        return f"{self.field.value}:{self.direction.value}"

    @property
    def sort_by(self) -> str:
        return _SORT_BY[self.field]

    @property
    def sort_order(self) -> str:
        return "asc" if self.direction is OrderDirection.ASC else "desc"


class ObservedKey(NamedTuple):
    """One inventory page of one device's users (`cursor` None: the first page)."""

    client_id: int
    inventory_device_id: str
    listing: ObservedListing
    cursor: str | None


class InventoryUserKey(NamedTuple):
    client_id: int
    inventory_user_id: str


@dataclass(frozen=True, slots=True)
class ObservedRow:
    """An observed user of a GraphQL page: the inventory's record and where it was read."""

    record: Record
    page_cursor: str | None  # the inventory cursor that read the record's page
    index: int  # the record's index in that page

    @property
    def user_id(self) -> str:
        return cast(str, self.record["id"])


@dataclass(frozen=True, slots=True)
class Position:
    """What a cursor points at: a user at an index of the inventory page read with a cursor."""

    page_cursor: str | None
    index: int
    user_id: str

    def _find(self, users: Sequence[Record]) -> int | None:
        if self.index < len(users) and users[self.index].get("id") == self.user_id:
            return self.index
        return next((i for i, user in enumerate(users) if user.get("id") == self.user_id), None)

    def after(self, users: Sequence[Record]) -> int:
        """The index in its page where the users after this one start."""
        found = self._find(users)
        # The user left the list meanwhile: carry on from where they were.
        return self.index if found is None else found + 1

    def before(self, users: Sequence[Record]) -> int:
        """How many users of its page come before this one."""
        found = self._find(users)
        return min(self.index, len(users)) if found is None else found


@functools.lru_cache(maxsize=4)
def _signing_key(secret: str) -> bytes:
    """A key of its own for cursors, derived from the service's secret."""
    return hmac.new(secret.encode(), b"fleet-gateway observed-user cursors", "sha256").digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class ObservedCursors:
    """The cursors of one device's list (a `Cursors` for `Page` and `PageInfo`)."""

    key: bytes
    inventory_device_id: str
    listing: ObservedListing

    def _mac(self, payload: list[Any]) -> str:
        signed = orjson.dumps([self.inventory_device_id, self.listing.search, payload])
        return _b64(hmac.new(self.key, signed, hashlib.sha256).digest()[:16])

    def cursor(self, row: ObservedRow) -> str:
        payload = [self.listing.tag, row.page_cursor, row.index, row.user_id]
        return _b64(orjson.dumps([*payload, self._mac(payload)]))

    def decode(self, raw: str, argument: str) -> Position:
        not_ours = InvalidCursorError(
            f"`{argument}` is not a cursor of this device's observed users.", argument=argument
        )
        try:
            decoded = orjson.loads(_unb64(raw))
        except (ValueError, binascii.Error, orjson.JSONDecodeError):
            raise not_ours from None
        if not isinstance(decoded, list) or len(decoded) != 5:
            raise not_ours
        tag, page_cursor, index, user_id, mac = decoded
        if tag != self.listing.tag:
            raise InvalidCursorError(
                f"`{argument}` was issued for another ordering ({tag}); "
                f"this list is ordered by {self.listing.tag}.",
                argument=argument,
            )
        payload = [tag, page_cursor, index, user_id]
        if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(payload)):
            raise not_ours  # forged, or issued for another device or search
        return Position(page_cursor, index, user_id)


class ObservedLoaders:
    """The request's loaders for observed users: inventory pages and the gateway's users."""

    def __init__(self, upstream: UpstreamLoaders, secret: SecretStr) -> None:
        self.upstream = upstream
        self.loaders = upstream.loaders
        self._key = _signing_key(secret.get_secret_value())
        # The per-device loader pattern: one call per key, deduplicated, at most
        # `UPSTREAM_CONCURRENCY` per-device calls in flight for the whole request.
        self.pages = cast(
            "DataLoader[ObservedKey, DeviceUsersPage | None]",
            upstream._per_device(self._read_page),
        )
        self.user: DataLoader[InventoryUserKey, Row | None] = DataLoader(self._users)

    def cursors(self, inventory_device_id: str, listing: ObservedListing) -> ObservedCursors:
        return ObservedCursors(self._key, inventory_device_id, listing)

    async def _read_page(self, key: ObservedKey) -> DeviceUsersPage | None:
        client = await self.loaders.client.load(key.client_id)
        client_uuid = None if client is None else client.inventory_client_id
        if client_uuid is None:
            return None
        return await self.upstream.upstreams.inventory.device_users(
            key.client_id,
            client_uuid,
            key.inventory_device_id,
            self.upstream.deadline,
            search=key.listing.search,
            sort_by=key.listing.sort_by,
            sort_order=key.listing.sort_order,
            cursor=key.cursor,
        )

    async def _users(self, keys: Sequence[InventoryUserKey]) -> list[Row | None]:
        """The gateway's users behind inventory user ids, in one tenant-scoped statement (each
        key names its tenant too, for an operator's scope). Found users are primed into the
        user loader, so their other appearances in the response cost nothing more."""
        scope = self.loaders.scope
        inventory_ids = sorted({key.inventory_user_id for key in keys})
        stmt = (
            scope.select(USERS)
            .where(USERS.c.inventory_user_id.in_(inventory_ids))
            .order_by(USERS.c.id)
        )
        found: dict[InventoryUserKey, Row] = {}
        for row in await scope.all(stmt):
            found.setdefault(InventoryUserKey(row.client_id, row.inventory_user_id), row)
            self.loaders.user.prime(row.id, row)
        return [found.get(key) for key in keys]


@dataclass(slots=True)
class ObservedPage:
    page: Page  # rows are `ObservedRow`s
    total_count: int  # the inventory's count of the device's users matching the search


async def observed_page(
    context: "RequestContext",
    client_id: int,
    inventory_device_id: str,
    listing: ObservedListing,
    args: PageArgs,
) -> ObservedPage | None:
    """One GraphQL page of a device's observed users; None when the inventory does not know the
    device. The Relay arguments follow the rules of every other list."""
    settings = context.settings
    check_sizes(args, settings.max_page_size)
    observed = context.observed
    cursors = observed.cursors(inventory_device_id, listing)

    async def read(cursor: str | None) -> DeviceUsersPage | None:
        return await observed.pages.load(
            ObservedKey(client_id, inventory_device_id, listing, cursor)
        )

    if args.last is not None or (args.before is not None and args.first is None):
        if args.after is not None:
            raise InvalidPaginationError("`after` pages forward: use it with `first`.")
        before = cursors.decode(args.before, "before") if args.before else None
        size = args.last if args.last is not None else settings.default_page_size
        return await _backward(read, cursors, size, before)
    if args.before is not None:
        raise InvalidPaginationError("`before` pages backward: use it with `last`.")
    after = cursors.decode(args.after, "after") if args.after else None
    size = args.first if args.first is not None else settings.default_page_size
    return await _forward(read, cursors, size, after)


def _rows(found: DeviceUsersPage, cursor: str | None, start: int, stop: int) -> list[ObservedRow]:
    return [ObservedRow(found.users[i], cursor, i) for i in range(start, stop)]


async def _forward(
    read: Read, cursors: ObservedCursors, size: int, after: Position | None
) -> ObservedPage | None:
    """`size` users after `after` (or from the start), reading inventory pages until one more
    than `size` is known (that one says whether a next page exists)."""
    cursor = None if after is None else after.page_cursor
    found = await read(cursor)
    if found is None:
        return None
    total = found.total_count
    start = 0 if after is None else after.after(found.users)
    rows: list[ObservedRow] = []
    for _ in range(MAX_PAGES):
        rows += _rows(found, cursor, start, len(found.users))
        if len(rows) > size or found.next_cursor is None:
            break
        cursor, start = found.next_cursor, 0
        next_page = await read(cursor)
        if next_page is None:  # the device left the inventory meanwhile: the list ends here
            break
        found = next_page
    page = Page(rows[:size], len(rows) > size, after is not None, cursors)
    return ObservedPage(page, total)


async def _backward(
    read: Read, cursors: ObservedCursors, size: int, before: Position | None
) -> ObservedPage | None:
    """The last `size` users before `before` (or of the whole list). The inventory pages forward
    only, so its pages are read from the first up to the one `before` was read from."""
    rows: list[ObservedRow] = []
    cursor: str | None = None
    total: int | None = None
    reached = before is None
    for _ in range(MAX_PAGES):
        found = await read(cursor)
        if found is None:
            if total is None:
                return None
            break
        total = found.total_count if total is None else total
        if before is not None and cursor == before.page_cursor:
            rows += _rows(found, cursor, 0, before.before(found.users))
            reached = True
            break
        rows += _rows(found, cursor, 0, len(found.users))
        if found.next_cursor is None:
            break
        cursor = found.next_cursor
    if not reached and before is not None:
        # The pages moved since the cursor was issued: cut at its user if still listed.
        ids = [row.user_id for row in rows]
        if before.user_id in ids:
            rows = rows[: ids.index(before.user_id)]
    kept = rows[max(0, len(rows) - size) :] if size else []
    page = Page(kept, before is not None, len(rows) > size, cursors)
    return ObservedPage(page, total or 0)
