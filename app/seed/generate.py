"""The demo data set as streams of plain rows, one stream per table, without a database.

    data = generate(1_400)
    for device in data.rows("devices"): ...
    for tenant in data.tenants:  # or iter_tenants(1_400)
        for batch in tenant.batches(5_000): ...  # rows of every table, in foreign-key order

Rows are dicts keyed by column name, with explicit primary keys. Enum columns hold the plain
string value, money is integer minor units, timestamps are aware UTC datetimes. Everything is a
pure function of the device count: the same count gives the same rows, in every process and
on every machine, so the upstream simulators (MDM provider, device-agent inventory) can
regenerate the devices, users and clients with their upstream identifiers on their own.
Nothing is held in memory beyond one batch: iterate again to read again.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from app.seed.addresses import iter_addresses
from app.seed.fleet import FleetBuilder, GroupRows
from app.seed.people import iter_users
from app.seed.rng import rng_for, uuid4
from app.seed.tenants import DEFAULT_DEVICES, TenantPlan, plan_tenants

Row = dict[str, Any]

# Every table the seed fills, in foreign-key order (the order to insert them in).
TABLES: tuple[str, ...] = (
    "clients",
    "users",
    "addresses",
    "orders",
    "devices",
    "device_characteristics",
    "mdm_enrollments",
    "parcels",
    "device_observed_users",
)
FLEET_TABLES: tuple[str, ...] = tuple(table.name for table in fields(GroupRows))
assert TABLES[3:] == FLEET_TABLES, "the fleet's tables come last, in foreign-key order"

DEFAULT_BATCH_DEVICES = 5_000


# A batch holds the rows of consecutive orders and imports: the same tables as one group.
Batch = GroupRows


@dataclass(frozen=True, slots=True)
class TenantSeed:
    """One tenant's rows, regenerated on each iteration."""

    plan: TenantPlan

    @property
    def slug(self) -> str:
        return self.plan.slug

    def client(self) -> Row:
        profile = self.plan.profile
        rng = rng_for(profile.slug, "client")
        return {
            "id": self.plan.client_id,
            "slug": profile.slug,
            "name": profile.name,
            "currency": profile.currency,
            "inventory_client_id": uuid4(rng),
            "mdm_partition_id": profile.mdm_partition_id,
            "created_at": profile.created_at,
        }

    def users(self) -> Iterator[Row]:
        return iter_users(self.plan)

    def addresses(self) -> Iterator[Row]:
        return iter_addresses(self.plan)

    def batches(self, devices_per_batch: int = DEFAULT_BATCH_DEVICES) -> Iterator[Batch]:
        """The fleet tables in batches; a batch never splits an order from its devices."""
        if devices_per_batch < 1:
            raise ValueError("devices_per_batch must be positive")
        batch = Batch()
        for group in FleetBuilder(self.plan).groups():
            batch.extend(group)
            if len(batch.devices) >= devices_per_batch:
                yield batch
                batch = Batch()
        if batch.devices:
            yield batch

    def rows(self, table: str) -> Iterator[Row]:
        """Every row of `table` for this tenant, in primary-key order."""
        if table == "clients":
            yield self.client()
        elif table == "users":
            yield from self.users()
        elif table == "addresses":
            yield from self.addresses()
        elif table in FLEET_TABLES:
            for batch in self.batches():
                yield from getattr(batch, table)
        else:
            raise ValueError(f"the seed does not fill {table!r}")


@dataclass(frozen=True, slots=True)
class SeedData:
    """The whole data set for `total_devices` devices."""

    total_devices: int
    tenants: tuple[TenantSeed, ...]

    def rows(self, table: str) -> Iterator[Row]:
        """Every row of `table`, tenant after tenant."""
        if table not in TABLES:
            raise ValueError(f"the seed does not fill {table!r}")
        for tenant in self.tenants:
            yield from tenant.rows(table)

    def tenant(self, slug: str) -> TenantSeed:
        for tenant in self.tenants:
            if tenant.slug == slug:
                return tenant
        raise KeyError(slug)

    def fingerprint(self) -> str:
        """A SHA-256 of every row of every table: equal fingerprints mean identical data."""
        digest = hashlib.sha256()
        for tenant in self.tenants:
            for table in ("clients", "users", "addresses"):
                for row in tenant.rows(table):
                    digest.update(_canonical(table, row))
            for batch in tenant.batches():
                for table, rows in batch.tables():
                    for row in rows:
                        digest.update(_canonical(table, row))
        return digest.hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _canonical(table: str, row: Row) -> bytes:
    return json.dumps([table, row], sort_keys=True, default=_json_default).encode() + b"\n"


def generate(total_devices: int = DEFAULT_DEVICES) -> SeedData:
    """The demo data set with `total_devices` devices (Acme about 75 %, Globex the rest)."""
    return SeedData(total_devices, tuple(TenantSeed(plan) for plan in plan_tenants(total_devices)))


def iter_tenants(total_devices: int = DEFAULT_DEVICES) -> Iterator[TenantSeed]:
    """The tenants of `generate(total_devices)`; each one can be generated on its own."""
    return iter(generate(total_devices).tenants)
