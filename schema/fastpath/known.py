"""The async resolvers the fast path knows: called once per object of a level, batched.

The fast path calls these resolvers itself (the same functions, with Strawberry's own argument
conversion), all objects of a level in the same loop turn, so each relation costs one DataLoader
batch per level (per page), with no graphql-core machinery and no Task per object. Where loading
the keys up front is simple, a `Batch` says how: one `load_many` on the request's own loader (the
one the resolver then reads from its cache); without one, the resolvers' own `load()` calls, all
made in the same turn, form the batch.

What makes a resolver safe to list here: it reads only `info.context` from its `info` (the fast
path hands every object of a level the same `Info`, whose path is not the object's), it has no
`root`/`parent` parameter, and it takes no permission classes or extensions (those fields never
reach the fast path, whatever this table says). Each entry carries a fingerprint of the
resolver's source: a resolver edited since it was reviewed is no longer known, so it falls back
to the reference executor (and `tests/test_fastpath_signatures.py` says which one to review).
"""

import hashlib
import inspect
import logging
import textwrap
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aiodataloader import DataLoader

from resolvers.context import RequestContext
from resolvers.loaders import (
    DEVICES_OF_ORDER,
    DEVICES_OF_USER,
    PARCELS_OF_DEVICE,
    TARGETS_OF_DEVICE,
    ChildRelation,
)
from resolvers.paging import Ordering, PageArgs, page_request
from resolvers.relations import ACTION_RUN_ORDERING, PARCEL_ORDERING

logger = logging.getLogger("gateway.fastpath")

LoaderOf = Callable[[RequestContext, dict[str, Any]], "DataLoader[Any, Any] | None"]


@dataclass(frozen=True, slots=True)
class Batch:
    """How a level's keys are loaded up front: `loader(context, kwargs)` (None: nothing to load
    for these arguments) and `key(parent)` (None: this parent loads nothing).

    `wrap`, for a resolver that is exactly "None for a None key, else `wrap(await
    loader.load(key))`" (a to-one relation), is its value from the loaded one: the fast path
    then fills the level from the batch without calling the resolver once per object (the
    fingerprint keeps the resolver what it was when this was reviewed)."""

    loader: LoaderOf
    key: Callable[[Any], Hashable | None]
    wrap: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class Known:
    """A resolver the fast path may call for a whole level; `batch` None: its own loads batch."""

    func: Callable[..., Any]
    fingerprint: str
    batch: Batch | None


def fingerprint(func: Callable[..., Any]) -> str:
    """A short hash of the resolver's source: an edit makes the resolver unknown again."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return "unavailable"
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _child_pages(
    relation: ChildRelation, ordering_of: Callable[[dict[str, Any]], Ordering]
) -> LoaderOf:
    """The page loader a nested connection's resolver reads (`child_page`), for these arguments;
    None when they are invalid (the resolver then reports the error itself)."""

    def loader(context: RequestContext, kwargs: dict[str, Any]) -> "DataLoader[Any, Any] | None":
        settings = context.settings
        ordering = ordering_of(kwargs)
        args = PageArgs(
            kwargs.get("first"), kwargs.get("after"), kwargs.get("last"), kwargs.get("before")
        )
        try:
            request = page_request(
                args,
                ordering,
                default_size=settings.default_page_size,
                max_size=settings.max_page_size,
            )
        except Exception:
            return None
        return context.loaders.page(relation, ordering, request)

    return loader


def _device_ordering(kwargs: dict[str, Any]) -> Ordering:
    from schema.inputs import DeviceOrder

    return (kwargs.get("order_by") or DeviceOrder()).ordering()


def _by_id(name: str, wrap: Callable[[Any], Any]) -> Batch:
    """Parents' own ids through the loader `name` of `Loaders`, each row made `wrap(row)`."""
    return Batch(
        lambda context, _kwargs: getattr(context.loaders, name), lambda parent: parent.id, wrap
    )


def _by_attribute(name: str, attribute: str, wrap: Callable[[Any], Any]) -> Batch:
    """A foreign key of the parents (None loads nothing) through the loader `name`, each row
    made `wrap(row)`."""
    return Batch(
        lambda context, _kwargs: getattr(context.loaders, name),
        lambda parent: getattr(parent, attribute),
        wrap,
    )


def _entries() -> list[tuple[type, str, str, Batch | None]]:
    """(type, resolver's Python name, fingerprint, batch): the reviewed resolvers."""
    from resolvers.observed import InventoryUserKey
    from resolvers.upstream import InventoryKey
    from schema.connection import Connection
    from schema.types.address import Address
    from schema.types.characteristics import DeviceCharacteristics
    from schema.types.device import Device
    from schema.types.mdm import MdmEnrollment
    from schema.types.observed import ObservedUserEdge
    from schema.types.order import Order
    from schema.types.parcel import Parcel
    from schema.types.user import User

    def mdm_key(device: Any) -> Hashable | None:
        return device._mdm_key()

    def upstream(name: str, key: Callable[[Any], Hashable | None]) -> Batch:
        return Batch(lambda context, _kwargs: getattr(context.upstream, name), key)

    def inventory_key(device: Any) -> Hashable | None:
        found = device.inventory_device_id
        return None if found is None else InventoryKey(device.client_id, found)

    parcels = _child_pages(PARCELS_OF_DEVICE, lambda _kwargs: PARCEL_ORDERING)
    action_runs = _child_pages(TARGETS_OF_DEVICE, lambda _kwargs: ACTION_RUN_ORDERING)
    return [
        (
            Device,
            "characteristics",
            "207406c7fd481ba8",
            _by_id("characteristics", DeviceCharacteristics.from_optional),
        ),
        (
            Device,
            "assignee",
            "67c1e28ff65f8f1c",
            _by_attribute("user", "user_id", User.from_optional),
        ),
        (
            Device,
            "order",
            "117824c0c427f3ad",
            _by_attribute("order", "order_id", Order.from_optional),
        ),
        (Device, "mdm", "ead0f7bd3ce0ca6b", _by_id("mdm_of_device", MdmEnrollment.from_optional)),
        (Device, "parcels", "dbdb1ee9b4865abd", Batch(parcels, lambda parent: parent.id)),
        (Device, "action_runs", "51efe0d47b6c6330", Batch(action_runs, lambda parent: parent.id)),
        (Device, "mdm_details", "f200a119d57503c5", upstream("mdm_record", mdm_key)),
        (Device, "configs", "ce28601d8c38a873", upstream("configs", mdm_key)),
        (Device, "compliance", "16871d68d9f27a29", upstream("policies", mdm_key)),
        (Device, "custom_attributes", "57ddd496ba4cfd68", upstream("custom_attributes", mdm_key)),
        (Device, "certificates", "7c42e6ea7dd65ece", upstream("certificates", mdm_key)),
        (Device, "inventory", "253231aba5e9daa1", upstream("inventory_record", inventory_key)),
        (
            Parcel,
            "pickup_address",
            "2c99cd7d5569b022",
            _by_attribute("address", "pickup_address_id", Address.from_optional),
        ),
        (
            Parcel,
            "reception_address",
            "eb41e31b219cf28d",
            _by_attribute("address", "reception_address_id", Address.from_optional),
        ),
        (
            Parcel,
            "device",
            "b26ac5eac18ba60a",
            _by_attribute("device", "device_id", Device.from_optional),
        ),
        (
            MdmEnrollment,
            "device",
            "f07ccfd9fe244b55",
            _by_attribute("device", "device_id", Device.from_optional),
        ),
        (
            User,
            "devices",
            "a28f6846f1d7f2c6",
            Batch(_child_pages(DEVICES_OF_USER, _device_ordering), lambda parent: parent.id),
        ),
        (
            Order,
            "devices",
            "390d03c1427164a4",
            Batch(_child_pages(DEVICES_OF_ORDER, _device_ordering), lambda parent: parent.id),
        ),
        # The count loader (a nested totalCount) or the root list's COUNT: batched as it is.
        (Connection, "total_count", "e93b5f059e2e9af4", None),
        (
            ObservedUserEdge,
            "node",
            "ae1977cf6178a568",
            Batch(
                lambda context, _kwargs: context.observed.user,
                lambda edge: InventoryUserKey(edge.client_id, edge.inventory_user_id),
            ),
        ),
    ]


def _resolver_of(cls: type, name: str) -> Callable[..., Any] | None:
    definition = getattr(cls, "__strawberry_definition__", None)
    field = None if definition is None else definition.get_field(name)
    resolver = None if field is None else field.base_resolver
    return None if resolver is None else resolver.wrapped_func


@cache
def known_resolvers() -> dict[Callable[..., Any], Known]:
    """The reviewed resolvers whose source is still the one reviewed, by function."""
    found: dict[Callable[..., Any], Known] = {}
    for cls, name, expected, batch in _entries():
        func = _resolver_of(cls, name)
        if func is None:
            logger.warning("fast path: %s.%s is not a resolver any more", cls.__name__, name)
            continue
        current = fingerprint(func)
        if current != expected:
            logger.warning(
                "fast path: %s.%s changed since it was reviewed (fingerprint %s): it runs on the "
                "reference executor until schema/fastpath/known.py is updated",
                cls.__name__,
                name,
                current,
            )
            continue
        found[func] = Known(func, current, batch)
    return found


def review() -> list[tuple[str, str, str]]:
    """(resolver, reviewed fingerprint, current fingerprint) of every entry that differs."""
    stale = []
    for cls, name, expected, _batch in _entries():
        func = _resolver_of(cls, name)
        current = "missing" if func is None else fingerprint(func)
        if current != expected:
            stale.append((f"{cls.__name__}.{name}", expected, current))
    return stale
