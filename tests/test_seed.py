"""The demo data generator and loader: determinism, coverage, consistency, and a real load."""

import asyncio
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from enum import StrEnum
from functools import cache
from itertools import islice
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import app.db.tables  # noqa: F401  (registers the tables on the metadata)
from app.db.engine import create_engine
from app.db.migrate import upgrade
from app.enums import (
    DeviceClientStatus,
    KeyboardLayout,
    MdmEnrollmentStatus,
    OrderClientStatus,
    ParcelStatus,
    ParcelType,
    Role,
)
from app.seed import (
    DEFAULT_DEVICES,
    REFERENCE_TIME,
    TABLES,
    DatabaseNotEmptyError,
    Row,
    database_is_empty,
    device_id_from_mdm,
    generate,
    iter_tenants,
    plan_tenants,
    seed,
    seed_if_empty,
)

SMALL = 60
PROJECT_ROOT = Path(__file__).resolve().parent.parent

Tables = dict[str, list[Row]]


@cache
def _tables(devices: int) -> dict[str, Tables]:
    """Every row of a data set, per tenant slug and table (cached: tests only read it)."""
    result: dict[str, Tables] = {}
    for tenant in iter_tenants(devices):
        result[tenant.slug] = {table: list(tenant.rows(table)) for table in TABLES}
    return result


def _by_tenant(devices: int) -> list[tuple[str, Tables]]:
    return sorted(_tables(devices).items())


def test_generation_is_deterministic() -> None:
    first, second = generate(SMALL), generate(SMALL)
    for table in TABLES:
        assert list(first.rows(table)) == list(second.rows(table)), table
    assert first.fingerprint() == second.fingerprint()


def test_generation_is_identical_in_another_process() -> None:
    """Nothing depends on the process: not `hash()` randomisation, not the clock.

    The default size is used because it reaches every locale of the home addresses.
    """
    code = "from app.seed.generate import generate; print(generate().fingerprint())"
    hash_seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == generate(DEFAULT_DEVICES).fingerprint()


ENUM_COLUMNS: list[tuple[type[StrEnum], str, str]] = [
    (DeviceClientStatus, "devices", "client_status"),
    (KeyboardLayout, "device_characteristics", "keyboard_layout"),
    (MdmEnrollmentStatus, "mdm_enrollments", "status"),
    (OrderClientStatus, "orders", "client_status"),
    (ParcelType, "parcels", "type"),
    (ParcelStatus, "parcels", "status"),
    (Role, "users", "role"),
]


@pytest.mark.parametrize("devices", [SMALL, DEFAULT_DEVICES])
def test_every_enum_value_is_present_in_each_tenant(devices: int) -> None:
    for slug, tables in _by_tenant(devices):
        for enum, table, column in ENUM_COLUMNS:
            present = {row[column] for row in tables[table]}
            missing = {member.value for member in enum} - present
            assert not missing, f"{slug}: {table}.{column} lacks {sorted(missing)}"


def test_rows_have_exactly_the_columns_of_their_tables() -> None:
    metadata = SQLModel.metadata
    for _, tables in _by_tenant(SMALL):
        for table, rows in tables.items():
            columns = set(metadata.tables[table].columns.keys())
            assert rows, table
            for row in rows:
                assert set(row) == columns, table


def test_enum_columns_hold_plain_strings() -> None:
    for _, tables in _by_tenant(SMALL):
        for _, table, column in ENUM_COLUMNS:
            for row in tables[table]:
                assert row[column] is None or type(row[column]) is str


def test_tenant_proportions() -> None:
    acme, globex = plan_tenants(DEFAULT_DEVICES)
    assert (acme.slug, acme.profile.name) == ("acme", "Acme Corporation")
    assert (globex.slug, globex.profile.name) == ("globex", "Globex Industries")
    assert acme.devices >= 1_000
    assert 200 <= globex.devices <= 500
    for total in (SMALL, DEFAULT_DEVICES, 1_000_000):
        first, second = plan_tenants(total)
        assert first.devices + second.devices == total
        assert abs(first.devices / total - 0.75) < 0.01
    counts = {slug: len(tables["devices"]) for slug, tables in _by_tenant(DEFAULT_DEVICES)}
    assert counts == {"acme": acme.devices, "globex": globex.devices}
    for slug, tables in _by_tenant(DEFAULT_DEVICES):
        ratio = len(tables["devices"]) / len(tables["users"])
        assert 1.3 < ratio < 1.7, slug


def test_tenant_id_ranges_do_not_overlap_at_any_size() -> None:
    for total in (SMALL, DEFAULT_DEVICES, 1_000_000):
        acme, globex = plan_tenants(total)
        assert acme.device_ids.stop == globex.device_id_start
        assert acme.user_ids.stop == globex.user_id_start
        assert acme.address_ids.stop == globex.address_id_start
        assert acme.order_id_start + acme.devices <= globex.order_id_start


@pytest.mark.parametrize("devices", [SMALL, DEFAULT_DEVICES])
def test_relations_stay_within_the_tenant(devices: int) -> None:
    for slug, tables in _by_tenant(devices):
        client_id = tables["clients"][0]["id"]
        ids = {
            table: {row["id"] for row in tables[table]}
            for table in TABLES
            if table != "device_characteristics"
        }
        for table in TABLES:
            assert all(row.get("client_id", client_id) == client_id for row in tables[table])
        for device in tables["devices"]:
            assert device["user_id"] is None or device["user_id"] in ids["users"], slug
            assert device["order_id"] is None or device["order_id"] in ids["orders"], slug
        for table in (
            "device_characteristics",
            "mdm_enrollments",
            "parcels",
            "device_observed_users",
        ):
            assert all(row["device_id"] in ids["devices"] for row in tables[table]), table
        assert {row["device_id"] for row in tables["device_characteristics"]} == ids["devices"]
        for parcel in tables["parcels"]:
            for column in ("pickup_address_id", "reception_address_id"):
                assert parcel[column] is None or parcel[column] in ids["addresses"]
        assert all(row["user_id"] in ids["users"] for row in tables["device_observed_users"])


def test_serial_numbers_and_emails_are_unique_per_tenant() -> None:
    for slug, tables in _by_tenant(DEFAULT_DEVICES):
        serials = [d["serial_number"] for d in tables["devices"] if d["serial_number"] is not None]
        assert len(serials) == len(set(serials)), slug
        emails = [u["email"] for u in tables["users"]]
        assert len(emails) == len(set(emails)), slug
        domain = tables["clients"][0]["slug"] + ".example"
        assert all(email.endswith("@" + domain) for email in emails)


def test_serial_numbers_follow_the_manufacturers_styles() -> None:
    lengths: dict[str, set[int]] = defaultdict(set)
    for _, tables in _by_tenant(DEFAULT_DEVICES):
        for device in tables["devices"]:
            if device["serial_number"] is not None:
                lengths[device["brand"]].add(len(device["serial_number"]))
    assert lengths["Apple"] == {12}
    assert lengths["Dell"] == {7}
    assert lengths["Lenovo"] == {8}


def test_nullable_columns_and_unassigned_devices_occur() -> None:
    for slug, tables in _by_tenant(SMALL):
        devices = tables["devices"]
        assert any(d["name"] is None for d in devices), slug
        assert any(d["serial_number"] is None for d in devices), slug
        assert any(d["user_id"] is None for d in devices), slug
        assert sum(d["order_id"] is not None for d in devices) > len(devices) / 2, slug


def test_orders_agree_with_their_devices() -> None:
    for _, tables in _by_tenant(DEFAULT_DEVICES):
        devices_by_order: dict[int, list[Row]] = defaultdict(list)
        for device in tables["devices"]:
            if device["order_id"] is not None:
                devices_by_order[device["order_id"]].append(device)
        for order in tables["orders"]:
            devices = devices_by_order[order["id"]]
            assert order["num_devices"] == len(devices)
            names = list(dict.fromkeys(d["name"] for d in devices if d["name"] is not None))
            assert order["device_names"] == names
            assert order["rent_minor"] == sum(d["rent_minor"] for d in devices)
            assert order["currency"] == tables["clients"][0]["currency"]
            assert order["order_number"].startswith("ORD-")


def test_mdm_enrollments_tell_a_consistent_story() -> None:
    for slug, tables in _by_tenant(DEFAULT_DEVICES):
        rows_by_device: dict[int, list[Row]] = defaultdict(list)
        for row in tables["mdm_enrollments"]:
            rows_by_device[row["device_id"]].append(row)
        kinds: Counter[str] = Counter()
        for device in tables["devices"]:
            rows = rows_by_device.get(device["id"], [])
            exposed = [r for r in rows if r["status"] != "DRAFT" and r["deleted_at"] is None]
            assert len(exposed) <= 1
            has_upstream_record = any(r["status"] != "DRAFT" for r in rows)
            assert (device["mdm_device_id"] is not None) == has_upstream_record
            if device["mdm_device_id"] is not None:
                assert device_id_from_mdm(device["mdm_device_id"]) == device["id"]
            if not rows:
                kinds["none"] += 1
            elif not exposed:
                kinds["draft only" if all(r["status"] == "DRAFT" for r in rows) else "other"] += 1
            elif any(r["deleted_at"] is not None for r in rows):
                kinds["deleted and current"] += 1
            for row in rows:
                assert (row["lock_date"] is not None) == bool(row["is_locked"])
        assert {"none", "draft only", "deleted and current"} <= set(kinds), slug


def test_parcels_are_at_most_three_per_device_and_only_the_newest_is_open() -> None:
    for _, tables in _by_tenant(DEFAULT_DEVICES):
        parcels_by_device: dict[int, list[Row]] = defaultdict(list)
        for parcel in tables["parcels"]:
            parcels_by_device[parcel["device_id"]].append(parcel)
        for parcels in parcels_by_device.values():
            assert len(parcels) <= 3
            created = [p["created_at"] for p in parcels]
            assert created == sorted(created)
            assert len(set(created)) == len(created)
            for parcel in parcels[:-1]:
                assert parcel["status"] in ("RECEIVED", "FAILED")
            for parcel in parcels:
                dates = [parcel[c] for c in ("created_at", "pickup_date", "shipping_date")]
                dates.append(parcel["reception_date"])
                present = [d for d in dates if d is not None]
                assert present == sorted(present)
                assert (parcel["reception_date"] is not None) == (parcel["status"] == "RECEIVED")


def test_timestamps_are_aware_and_not_after_the_reference_time() -> None:
    for _, tables in _by_tenant(SMALL):
        for table, rows in tables.items():
            for row in rows:
                for column, value in row.items():
                    if not isinstance(value, datetime):
                        continue
                    assert value.tzinfo is not None, (table, column)
                    if not (table == "parcels" and column == "pickup_date"):
                        assert value <= REFERENCE_TIME, (table, column)
        for row in tables["device_observed_users"]:
            assert row["enrolled_at"] <= row["last_seen_at"]


def test_plan_names_a_user_for_each_role() -> None:
    for slug, tables in _by_tenant(SMALL):
        plan = next(p for p in plan_tenants(SMALL) if p.slug == slug)
        users = {u["id"]: u for u in tables["users"]}
        assert users[plan.user_id_start]["role"] == Role.TENANT_ADMIN
        for role in Role:
            assert users[plan.first_user_id(role)]["role"] == role
        assert sum(u["role"] is None for u in users.values()) > len(users) / 2


def test_a_million_devices_stream_without_generating_everything() -> None:
    tenant = next(iter_tenants(1_000_000))
    first = next(tenant.batches(devices_per_batch=50))
    assert 50 <= len(first.devices) < 200
    assert first.devices[0]["id"] == 1
    assert sum(1 for _ in islice(tenant.users(), 100)) == 100


def test_seed_loads_an_empty_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'seed.sqlite3'}"
    upgrade(url)

    async def scenario() -> None:
        engine = create_engine(url)
        try:
            assert await database_is_empty(engine)
            summary = await seed(engine, SMALL, batch_devices=10)
            assert not await database_is_empty(engine)
            async with engine.connect() as connection:
                for table, expected in summary.counts().items():
                    count = await connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                    assert count == expected, table
                created = await connection.scalar(
                    sa.text("SELECT created_at FROM devices ORDER BY id LIMIT 1")
                )
                assert created is not None
            assert summary.devices == SMALL
            generated = {t: sum(len(tables[t]) for _, tables in _by_tenant(SMALL)) for t in TABLES}
            assert summary.counts() == generated
            assert await seed_if_empty(engine, SMALL) is False
            with pytest.raises(DatabaseNotEmptyError):
                await seed(engine, SMALL)
        finally:
            await engine.dispose()

    asyncio.run(scenario())
