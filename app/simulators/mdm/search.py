"""The device search, `GET /api/v1/device`: parameters, the `fq` filter grammar, facets, paging.

Parameters: `dmPartitionId` (required), `rows` (1..500, default 50; else 400 in the documented
`Range` shape), `start` (>= 0; `start + rows` at most 10,000), `fq` (repeatable, clauses joined
by ` AND `), `q` (free text over name, serial number, user, model; empty is no filter) and
`searchAfterValues` (results after the device with that id, for result windows past 10,000;
`start` must then be 0). Results are sorted by `id`. `fq` clauses (URL `+` decodes to a space):

    CFDEVICE[name]=value         custom device attribute (name case-insensitive; `name_#` numeric)
    CFLDAP[name]=value           LDAP attribute of the device's user (`department`, `mail` ...)
    FIELD EQ value               `EMAILADDRESS EQ a@b.c`, `UID EQ a@b.c`, `PLATFORMTYPE EQ 'IOS'`
    FIELD NE value               the negation
    field<'dd:hh:mm:ss'          a time field within the last span (`lastCheckin<'00:01:00'`,
                                 `lastRegistrationTime<'0:0:03:06'`; 1 to 4 parts, seconds last)
    field>'dd:hh:mm:ss'          a time field older than the span
    attributeName=value          any record field, e.g. `guid=...`, `serialNumber=...`

Field names match record fields case-insensitively, underscores ignored; string values compare
case-insensitively, quotes around values are dropped.
"""

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from app.simulators.mdm.enums import FACET_VOCABULARIES, FACETS
from app.simulators.mdm.errors import bad_field
from app.simulators.mdm.fields import DETAIL_FIELDS
from app.simulators.mdm.records import Json, MdmDevice, Partition, record_values, search_json

MAX_ROWS = 500
DEFAULT_ROWS = 50
RESULT_WINDOW = 10_000
TIME_FIELDS = frozenset(
    {
        "lastCheckin",
        "lastRegistrationTime",
        "clientLastCheckin",
        "locationLastCapturedAt",
        "tosAcceptedTime",
    }
)
_FIELD_NAMES: dict[str, str] = {name.lower(): name for name in DETAIL_FIELDS}
_CUSTOM = re.compile(r"^(?P<kind>CFDEVICE|CFLDAP)\[(?P<name>[^\]]+)\]\s*=\s*(?P<value>.*)$", re.I)
_COMPARE = re.compile(r"^(?P<field>\w+)[\s+]+(?P<op>EQ|NE)[\s+]+(?P<value>.*)$", re.I)
_TIME = re.compile(r"^(?P<field>\w+)\s*(?P<op>[<>])\s*(?P<value>.+)$")
_ATTRIBUTE = re.compile(r"^(?P<field>[A-Za-z]\w*)\s*=\s*(?P<value>.*)$")
_AND = re.compile(r"\s+AND\s+")


class DeviceView:
    """A device under evaluation; its record values are computed once, when first needed."""

    __slots__ = ("_values", "device", "partition")

    def __init__(self, device: MdmDevice, partition: Partition) -> None:
        self.device = device
        self.partition = partition
        self._values: Json | None = None

    @property
    def values(self) -> Json:
        if self._values is None:
            self._values = record_values(self.device, self.partition)
        return self._values


Predicate = Callable[[DeviceView], bool]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _same(actual: Any, expected: str) -> bool:
    """Whether a record value equals a filter's text."""
    if actual is None:
        return expected.lower() == "null"
    if isinstance(actual, bool):
        return str(actual).lower() == expected.lower()
    if isinstance(actual, int | float):
        try:
            return float(actual) == float(expected)
        except ValueError:
            return False
    if isinstance(actual, list):
        return any(_same(item, expected) for item in actual)
    if isinstance(actual, str):
        return actual.strip().casefold() == expected.casefold()
    return False


def _field(name: str) -> str:
    field = _FIELD_NAMES.get(name.lower().replace("_", ""))
    if field is None:
        raise bad_field("fq", "InvalidFilter", f"Unknown field: {name}")
    return field


def span_ms(text: str) -> int:
    """`'dd:hh:mm:ss'` (or its last 1 to 3 parts) -> milliseconds."""
    parts = _unquote(text).split(":")
    if not 1 <= len(parts) <= 4 or not all(
        part.strip().isascii() and part.strip().isdigit() for part in parts
    ):
        raise bad_field("fq", "InvalidFilter", f"Invalid time span: {text} (use 'dd:hh:mm:ss')")
    seconds = 0
    for part, unit in zip(reversed(parts), (1, 60, 3_600, 86_400), strict=False):
        seconds += int(part) * unit
    return seconds * 1000


def _custom(kind: str, name: str, expected: str) -> Predicate:
    key = name.strip().casefold()

    def device_attribute(view: DeviceView) -> bool:
        for attr, values in view.device.custom_attributes.items():
            if attr.casefold() == key:
                return any(_same(_typed(attr, value), expected) for value in values)
        return False

    def ldap_attribute(view: DeviceView) -> bool:
        account = view.partition.accounts.get(view.device.owner_id)
        if account is None:
            return False
        return any(
            attr.casefold() == key and _same(value, expected)
            for attr, value in account.ldap.items()
        )

    return device_attribute if kind.upper() == "CFDEVICE" else ldap_attribute


def _typed(attr: str, value: str) -> Any:
    """A numeric attribute's (`_#`) value as a number, so `5` matches `5.0`."""
    if attr.endswith("_#"):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def parse_clause(clause: str, now_ms: int) -> Predicate:
    """One `fq` clause as a predicate (400 when it is not of the grammar above)."""
    clause = clause.strip()
    match = _CUSTOM.match(clause)
    if match:
        return _custom(match["kind"], match["name"], _unquote(match["value"]))
    match = _COMPARE.match(clause)
    if match:
        field, expected = _field(match["field"]), _unquote(match["value"])
        negate = match["op"].upper() == "NE"
        return lambda view: _same(view.values.get(field), expected) != negate
    match = _TIME.match(clause)
    if match:
        field = _field(match["field"])
        if field not in TIME_FIELDS:
            raise bad_field("fq", "InvalidFilter", f"{field} is not a time field")
        since = now_ms - span_ms(match["value"])
        if match["op"] == "<":
            return lambda view: (view.values.get(field) or 0) >= since
        return lambda view: view.values.get(field) is not None and view.values[field] < since
    match = _ATTRIBUTE.match(clause)
    if match:
        field, expected = _field(match["field"]), _unquote(match["value"])
        return lambda view: _same(view.values.get(field), expected)
    raise bad_field("fq", "InvalidFilter", f"Invalid filter query: {clause}")


def parse_filters(queries: Iterable[str], now_ms: int) -> list[Predicate]:
    predicates: list[Predicate] = []
    for query in queries:
        if query.strip():
            predicates.extend(parse_clause(clause, now_ms) for clause in _AND.split(query))
    return predicates


def _int(query: QueryParams, name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise bad_field(name, "TypeMismatch", f"{name} must be an integer") from None


@dataclass(frozen=True, slots=True)
class SearchParams:
    partition_id: int
    rows: int
    start: int
    filters: list[Predicate]
    text: str | None
    search_after: int | None


def search_params(query: QueryParams, now_ms: int) -> SearchParams:
    """The search's parameters, validated as the provider does (400 with `fieldErrors`)."""
    partition_id = _int(query, "dmPartitionId", None)
    if partition_id is None:
        raise bad_field("dmPartitionId", "NotNull", "may not be null")
    rows = _int(query, "rows", DEFAULT_ROWS)
    assert rows is not None
    if not 1 <= rows <= MAX_ROWS:
        raise bad_field("rows", "Range", f"must be between 1 and {MAX_ROWS}")
    start = _int(query, "start", 0)
    assert start is not None
    if start < 0:
        raise bad_field("start", "Range", "must be greater than or equal to 0")
    search_after = None
    raw_after = query.get("searchAfterValues", "").strip()
    if raw_after:
        first = raw_after.strip("[]").split(",")[0].strip().strip("'\"")
        if not (first.isascii() and first.isdigit()):
            raise bad_field("searchAfterValues", "TypeMismatch", "must be the last device id")
        if start:
            raise bad_field("start", "Range", "must be 0 when searchAfterValues is given")
        search_after = int(first)
    elif start + rows > RESULT_WINDOW:
        raise bad_field(
            "start",
            "Range",
            f"start + rows must not exceed {RESULT_WINDOW}; use searchAfterValues",
        )
    text = query.get("q", "").strip() or None
    filters = parse_filters(query.getlist("fq"), now_ms)
    return SearchParams(partition_id, rows, start, filters, text, search_after)


def _text_match(view: DeviceView, text: str) -> bool:
    needle = text.casefold()
    values = view.values
    return any(
        needle in str(values.get(name) or "").casefold()
        for name in ("deviceName", "serialNumber", "emailAddress", "displayName", "prettyModel")
    )


# Facets whose values are booleans: the provider counts a null as "false" (its examples do).
_BOOLEAN_FACETS = frozenset(
    {
        "AUTHONLY",
        "ANDROIDWORKPROFILEONCOMPANYOWNEDDEVICEENABLED",
        "ANDROIDDEVICEOWNERMODEENABLED",
        "MULTIUSER",
        "ACCOUNTENABLED",
        "ANDROIDWORKPROFILEENABLED",
        "JAILBROKEN",
        "ANDROIDWORKDEVICEOWNERWITHWORKPROFILEENABLED",
        "COMPLIANCESTATE",
        "SUPERVISED",
        "MAMONLY",
        "ANDROIDMANAGEDBYGOOGLE",
        "ANDROIDWORKENABLED",
        "ANDROIDWORKCONTAINERENABLED",
        "ROAMING",
        "LOSTMODEENABLED",
    }
)
# Facet -> record field, where it is not the facet's name in camel case.
_FACET_FIELDS: dict[str, str] = {
    "LAST_HOTFIX_ID": "lastHotfixId",
    "ANTI_PHISHING_STATUS": "antiPhishingStatus",
    "MOBILE_THREAT_DEFENSE_GENERAL_STATUS": "mobileThreatDefenseGeneralStatus",
    "ANTIPHISHINGGENERALSTATUS": "antiPhishingGeneralStatus",
}
_FACET_FIELDS["ANDROIDWORKPROFILEONCOMPANYOWNEDDEVICEENABLED"] = (
    "androidWorkProfileOnCompanyOwnedDeviceEnabled"
)


def _facet_values(facet: str, view: DeviceView) -> list[Any]:
    if facet == "ACCOUNTGROUP":
        account = view.partition.accounts.get(view.device.owner_id)
        return list(account.groups) if account else []
    if facet == "ACCOUNTENABLED":
        account = view.partition.accounts.get(view.device.owner_id)
        return [account.enabled if account else None]
    field = _FACET_FIELDS.get(facet) or _FIELD_NAMES.get(facet.lower().replace("_", ""))
    value = view.values.get(field) if field else None
    if value is None and facet in _BOOLEAN_FACETS:
        value = False
    return [] if value is None else [value]


def facets(views: list[DeviceView]) -> dict[str, dict[str, int]]:
    """`facetedResults`: per facet, how many of the matching devices have each value."""
    result: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        counts: Counter[str] = Counter()
        for view in views:
            for value in _facet_values(facet, view):
                counts[str(value).lower() if isinstance(value, bool) else str(value)] += 1
        vocabulary = FACET_VOCABULARIES.get(facet)
        if vocabulary is not None:
            entry = {value: counts.pop(value, 0) for value in vocabulary}
            entry.update(counts)
        else:
            entry = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        result[facet] = entry
    return result


def search(partition: Partition, params: SearchParams) -> Json:
    """The search's `result`: one page of records, the total, facets over every match."""
    began = time.perf_counter()
    devices = partition.live_devices()
    views = [DeviceView(device, partition) for device in devices]
    if params.text is not None:
        views = [view for view in views if _text_match(view, params.text)]
    for predicate in params.filters:
        views = [view for view in views if predicate(view)]
    after = params.search_after
    window = views if after is None else [view for view in views if view.device.id > after]
    page = window[params.start : params.start + params.rows]
    results = [search_json(view.device, partition) for view in page]
    return {
        "totalCount": len(views),
        "searchResults": results,
        "offset": params.start,
        "limit": params.rows,
        "queryTime": int((time.perf_counter() - began) * 1000),
        "facetedResults": facets(views),
        "totalUnfilteredResultCount": len(devices),
        "searchAfterValues": [page[-1].device.id] if page else None,
    }
