"""Writes of the rental platform's own device records: `createDevices` and `updateDevice`.

Input arrives here in the tables' words (column names; prices still as the decimal strings the
client wrote; the assignee as a database id). Everything is checked before anything is written
and every problem is reported at once, at its path under `input` (GraphQL's camelCase names, list
indexes included). Writes go through the tenant's scope: inserted rows carry the viewer's tenant
and updates cannot reach another tenant's device.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.db.scope import TenantScope, TenantWrites
from app.db.tables import utcnow
from app.enums import DeviceClientStatus, KeyboardLayout, UserErrorCode
from app.errors import Problem, Problems
from resolvers.loaders import CHARACTERISTICS, CLIENTS, DEVICES, USERS

Row = sa.Row[Any]
Path = tuple[str | int, ...]
Values = Mapping[str, Any]

# Device columns a client sets directly when creating a device (the rental API's batch fields).
DEVICE_TEXTS = (
    "name",
    "type",
    "category",
    "added_via",
    "brand",
    "serial_number",
    "client_contract_number",
    "client_invoice_number",
    "comment",
)
DEVICE_DATES = (
    "client_purchase_date",
    "client_warranty_end_date",
    "client_rental_start_date",
    "client_rental_end_date",
)
REQUIRED_ON_CREATE = ("name", "type", "category")
# Input name of a price -> the column that keeps it in minor units of `rent_currency`.
PRICES = {
    "client_purchase_price": "client_purchase_price_minor",
    "client_rental_price": "client_rental_price_minor",
}
# (earlier, later): a date pair whose order matters; the later one carries the problem.
ORDERED_DATES = (
    ("client_rental_start_date", "client_rental_end_date"),
    ("client_purchase_date", "client_warranty_end_date"),
)

CHARACTERISTIC_COLUMNS = tuple(
    column.name for column in CHARACTERISTICS.c if column.name not in ("device_id", "client_id")
)
# Characteristics kept as lists of labels (the rental API takes a string or a list).
LABEL_LISTS = frozenset({"compliance", "connection_type"})
# JSON columns have no length of their own: these bound what one device may store.
MAX_LABELS = 20
MAX_LABEL_LENGTH = 60

# Text limits are the columns' own, so the database never truncates nor refuses.
MAX_LENGTH: dict[str, int] = {
    column.name: length
    for table in (DEVICES, CHARACTERISTICS)
    for column in table.c
    if not isinstance(column.type, sa.Enum)
    and (length := getattr(column.type, "length", None)) is not None
}

# The rental API's own example value of `added_via`, used when a client does not say.
DEFAULT_ADDED_VIA = "SINGLE_IMPORT"
# The platform's `source` words for devices it did not rent out itself (the demo data's
# vocabulary, app/seed/catalog.py, not imported: the seed package is not the service's).
SOURCE_EXTERNAL_RENTAL = "EXTERNAL_RENTAL"
SOURCE_CLIENT_OWNED = "CLIENT_OWNED"
# Prices: digits, optionally a decimal point and decimals; no sign, exponent or grouping.
_DECIMAL = re.compile(r"^(\d+)(?:\.(\d+))?$")
MAX_PRICE_DIGITS = 12  # before the decimal point: far beyond any device, far below BIGINT


def camel(name: str) -> str:
    """A column name as GraphQL spells its input field (Strawberry's auto camel case)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# --- Field checks -------------------------------------------------------------------------------


def _text(
    value: str | None, path: Path, problems: Problems, *, limit: int | None, required: bool
) -> str | None:
    """A text trimmed of surrounding blanks; None (and a problem) when it is not acceptable.

    A blank text is refused rather than stored or read as null: a client clears a field with an
    explicit null, not with "".
    """
    if value is None:
        if required:
            problems.add(path, UserErrorCode.REQUIRED, f"`{path[-1]}` is required.")
        return None
    text = value.strip()
    if not text:
        code = UserErrorCode.REQUIRED if required else UserErrorCode.INVALID
        hint = "" if required else "; send null to leave it empty"
        problems.add(path, code, f"`{path[-1]}` must not be blank{hint}.")
        return None
    if limit is not None and len(text) > limit:
        problems.add(
            path,
            UserErrorCode.TOO_LONG,
            f"`{path[-1]}` holds {len(text)} characters; at most {limit} are allowed.",
        )
        return None
    return text


def _labels(values: Sequence[str] | None, path: Path, problems: Problems) -> list[str] | None:
    """A list of labels (compliance marks, connection types), each trimmed and non-blank."""
    if values is None:
        return None
    if len(values) > MAX_LABELS:
        problems.add(
            path,
            UserErrorCode.TOO_MANY,
            f"`{path[-1]}` holds {len(values)} labels; at most {MAX_LABELS} are allowed.",
        )
        return None
    before = len(problems)
    labels = [
        _text(label, (*path, i), problems, limit=MAX_LABEL_LENGTH, required=False)
        for i, label in enumerate(values)
    ]
    return None if len(problems) > before else [label for label in labels if label is not None]


def _price(
    raw: str | None, path: Path, problems: Problems, currency: str, digits: int
) -> int | None:
    """A decimal amount in `currency`, in minor units (`digits` decimals: 2 for EUR)."""
    if raw is None:
        return None
    text = raw.strip()
    name = path[-1]
    match = _DECIMAL.match(text.removeprefix("-"))
    if match is None:
        problems.add(
            path,
            UserErrorCode.INVALID,
            f'`{name}` must be a decimal amount such as "1299.90", not {text[:40]!r}.',
        )
        return None
    if text.startswith("-"):
        problems.add(path, UserErrorCode.INVALID, f"`{name}` must not be negative.")
        return None
    units, decimals = match.group(1), match.group(2) or ""
    if len(units.lstrip("0")) > MAX_PRICE_DIGITS:
        problems.add(
            path,
            UserErrorCode.INVALID,
            f"`{name}` is too large: at most {MAX_PRICE_DIGITS} digits before the decimal point.",
        )
        return None
    if len(decimals.rstrip("0")) > digits:
        problems.add(
            path,
            UserErrorCode.INVALID,
            f"`{name}` has more decimals than {currency} has ({digits}).",
        )
        return None
    return int(units + decimals.rstrip("0").ljust(digits, "0"))


def _characteristic(key: str, value: Any, path: Path, problems: Problems) -> Any:
    """One characteristic as stored; None (and a problem) when it is not acceptable."""
    if value is None:
        return None
    if key in LABEL_LISTS:
        return _labels(value, path, problems)
    if key == "keyboard_layout":
        return KeyboardLayout(value).value
    if key in MAX_LENGTH:
        return _text(value, path, problems, limit=MAX_LENGTH[key], required=False)
    return value  # booleans


def check_characteristics(values: Values, path: Path, problems: Problems) -> dict[str, Any]:
    """The characteristics given in `values` (column names), checked; absent keys stay absent."""
    return {
        key: _characteristic(key, values[key], (*path, camel(key)), problems)
        for key in CHARACTERISTIC_COLUMNS
        if key in values
    }


def _ordered_dates(values: Values, path: Path, problems: Problems) -> None:
    for earlier, later in ORDERED_DATES:
        start: date | None = values.get(earlier)
        end: date | None = values.get(later)
        if start is not None and end is not None and end < start:
            problems.add(
                (*path, camel(later)),
                UserErrorCode.INVALID,
                f"`{camel(later)}` ({end}) is before `{camel(earlier)}` ({start}).",
            )


# --- createDevices ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """One input item on its way to two rows."""

    index: int
    device: dict[str, Any]
    characteristics: dict[str, Any]


def _index_of(path: Path) -> int | None:
    """The item index of a problem under `devices`, None for a problem of the whole call."""
    return path[1] if len(path) > 1 and isinstance(path[1], int) else None


def _position(problem: Problem) -> int:
    """Sort key of a problem: its item's index; -1 for a problem of the whole call."""
    index = _index_of(problem.path)
    return -1 if index is None else index


def _check_item(
    values: Values, index: int, problems: Problems, money: tuple[str, int] | None
) -> _Draft:
    """Every check one item needs on its own (no database): texts, labels, prices, dates."""
    path: Path = ("devices", index)
    device: dict[str, Any] = {
        key: _text(
            values.get(key),
            (*path, camel(key)),
            problems,
            limit=MAX_LENGTH.get(key),
            required=key in REQUIRED_ON_CREATE,
        )
        for key in DEVICE_TEXTS
    }
    device.update((key, values.get(key)) for key in DEVICE_DATES)
    device["is_rented"] = values.get("is_rented")
    device["user_id"] = values.get("user_id")
    for name, column in PRICES.items():
        # `money` is None only when no item of the call has a price.
        price_path = (*path, camel(name))
        device[column] = (
            None if money is None else _price(values.get(name), price_path, problems, *money)
        )
    _ordered_dates(values, path, problems)
    characteristics = dict.fromkeys(CHARACTERISTIC_COLUMNS) | check_characteristics(
        values, path, problems
    )
    return _Draft(index, device, characteristics)


def _complete(device: dict[str, Any], currency: str | None) -> dict[str, Any]:
    """The device row of a valid item, with what the gateway decides itself."""
    now = utcnow()
    priced = any(device[column] is not None for column in PRICES.values())
    return {
        **device,
        "added_via": device["added_via"] or DEFAULT_ADDED_VIA,
        # The rental API's `client_status` values are a rental order's pipeline (PENDING_VALIDATION
        # ... DELIVERED: a device the platform ships) followed by the states of a device in use.
        # A device the client adds itself is already in its hands, so it enters in use: in
        # service when it is assigned to someone, available otherwise (as the demo imports).
        "client_status": (
            DeviceClientStatus.IN_SERVICE
            if device["user_id"] is not None
            else DeviceClientStatus.AVAILABLE
        ).value,
        # RENTAL is the platform's own orders; a device the client adds is one it rents
        # elsewhere (`isRented`) or one it owns, as the demo data's imports.
        "source": SOURCE_EXTERNAL_RENTAL if device["is_rented"] else SOURCE_CLIENT_OWNED,
        # Money is kept beside its currency; the tenant's currency when there is money at all.
        "rent_currency": currency if priced else None,
        "created_at": now,
        "updated_at": now,
    }


async def _tenant_currency(writes: TenantWrites, scope: TenantScope) -> str:
    rows = await writes.all(scope.select(CLIENTS, CLIENTS.c.currency))
    return str(rows[0][0])


async def _check_users(
    writes: TenantWrites, scope: TenantScope, drafts: Iterable[_Draft], problems: Problems
) -> None:
    """Assignees must be users of the tenant: another tenant's user is as missing as no user."""
    wanted = {d.device["user_id"] for d in drafts if d.device["user_id"] is not None}
    if not wanted:
        return
    stmt = scope.select(USERS, USERS.c.id).where(USERS.c.id.in_(wanted))
    found = {row[0] for row in await writes.all(stmt)}
    for draft in drafts:
        user_id = draft.device["user_id"]
        if user_id is not None and user_id not in found:
            problems.add(
                ("devices", draft.index, "userId"),
                UserErrorCode.NOT_FOUND,
                "`userId` names no user of this organisation.",
            )


async def _check_serials(
    writes: TenantWrites, scope: TenantScope, drafts: Iterable[_Draft], problems: Problems
) -> None:
    """A serial number names one device of the tenant: not twice in the batch, nor again.

    Serials compare without regard to case ("c02x" and "C02X" are one device). The check runs in
    the transaction that inserts; the table has no unique constraint, so two concurrent batches
    could still race (a constraint needs a migration).
    """
    first: dict[str, int] = {}
    for draft in drafts:
        serial = draft.device["serial_number"]
        if serial is None:
            continue
        key = serial.upper()
        if key in first:
            problems.add(
                ("devices", draft.index, "serialNumber"),
                UserErrorCode.DUPLICATE,
                f"Serial number {serial!r} is also given to `devices[{first[key]}]`.",
            )
        else:
            first[key] = draft.index
    if not first:
        return
    upper = sa.func.upper(DEVICES.c.serial_number)
    stmt = scope.select(DEVICES, upper).where(upper.in_(list(first))).distinct()
    for (taken,) in await writes.all(stmt):
        problems.add(
            ("devices", first[taken], "serialNumber"),
            UserErrorCode.DUPLICATE,
            f"A device with serial number {taken!r} already exists in the fleet.",
        )


def check_batch_size(count: int, max_devices: int, problems: Problems) -> bool:
    """Whether a call's number of devices is acceptable: at least one, at most the cap."""
    if count > max_devices:
        problems.add(
            ("devices",),
            UserErrorCode.TOO_MANY,
            f"{count} devices given; at most {max_devices} may be created per call.",
        )
        return False
    if count == 0:
        problems.add(("devices",), UserErrorCode.REQUIRED, "Give at least one device.")
        return False
    return True


async def create_devices(
    scope: TenantScope,
    items: Sequence[Values],
    *,
    problems: Problems,
    atomic: bool,
    max_devices: int,
    minor_digits: Callable[[str], int],
) -> list[Row]:
    """Check every item, then create the valid ones (none with `atomic` if any is invalid); the
    new rows in input order. Every problem found is added to `problems`.

    `items` are in column names (prices as decimal strings, `user_id` a database id);
    `problems` may already hold what the caller found (malformed IDs), at `devices[i]` paths.
    `minor_digits` tells how many decimals a currency has, as Money reads them back.
    """
    if not check_batch_size(len(items), max_devices, problems):
        return []

    async with scope.transaction() as writes:
        priced = any(item.get(name) is not None for item in items for name in PRICES)
        currency = await _tenant_currency(writes, scope) if priced else None
        money = None if currency is None else (currency, minor_digits(currency))
        drafts = [_check_item(item, i, problems, money) for i, item in enumerate(items)]
        await _check_users(writes, scope, drafts, problems)
        await _check_serials(writes, scope, drafts, problems)
        # Problems item by item, in input order (each item's in the order of its checks).
        problems.sort(key=_position)

        refused = {_index_of(problem.path) for problem in problems}
        if atomic and problems:
            return []
        valid = [draft for draft in drafts if draft.index not in refused]
        if not valid:
            return []
        ids = await writes.insert(DEVICES, [_complete(d.device, currency) for d in valid])
        await writes.insert(
            CHARACTERISTICS,
            [{**d.characteristics, "device_id": id_} for d, id_ in zip(valid, ids, strict=True)],
        )
        found = {
            row.id: row
            for row in await writes.all(scope.select(DEVICES).where(DEVICES.c.id.in_(ids)))
        }
    return [found[id_] for id_ in ids]


# --- updateDevice -------------------------------------------------------------------------------


def check_device_changes(values: Values, problems: Problems) -> dict[str, Any]:
    """The device fields given to `updateDevice` (absent keys stay absent), checked.

    `name` may change but never to null or blank; `comment` may be cleared with null.
    """
    changes: dict[str, Any] = {}
    if "name" in values:
        changes["name"] = _text(
            values["name"], ("name",), problems, limit=MAX_LENGTH["name"], required=True
        )
    if "comment" in values:
        changes["comment"] = _text(
            values["comment"], ("comment",), problems, limit=None, required=False
        )
    return changes


async def update_device(
    scope: TenantScope,
    device_id: int,
    changes: Values,
    characteristics: Values | None,
    problems: Problems,
) -> Row | None:
    """Apply checked changes to one device of the tenant; its row after the change, or None
    (with NOT_FOUND at `id`) when the tenant has no such device."""
    async with scope.transaction() as writes:
        changed = await writes.update(
            DEVICES, DEVICES.c.id == device_id, {**changes, "updated_at": utcnow()}
        )
        if not changed:
            problems.add(
                ("id",), UserErrorCode.NOT_FOUND, "`id` names no device of this organisation."
            )
            return None
        if characteristics:
            condition = CHARACTERISTICS.c.device_id == device_id
            if not await writes.update(CHARACTERISTICS, condition, characteristics):
                await writes.insert(CHARACTERISTICS, [{**characteristics, "device_id": device_id}])
        rows = await writes.all(scope.select(DEVICES).where(DEVICES.c.id == device_id))
    return rows[0]
