"""The gateway's own tables.

Every tenant-owned row carries `client_id`, so one helper (`app.db.scope`) can scope any
query to the viewer's tenant. Enum columns store the enum's plain value (see `app.enums`).
Money is kept in minor units beside its ISO 4217 currency.
"""

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.db.types import UTCDateTime, enum_column
from app.enums import (
    ActionRunStatus,
    AgentStatus,
    DeviceClientStatus,
    KeyboardLayout,
    MdmEnrollmentStatus,
    OrderClientStatus,
    ParcelStatus,
    ParcelType,
    PlatformType,
    RegistrationState,
    Role,
)

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _tenant() -> Any:
    return Field(foreign_key="clients.id", nullable=False, ondelete="CASCADE")


class Client(SQLModel, table=True):
    """A client organisation: the tenant boundary."""

    __tablename__ = "clients"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    currency: str = Field(default="EUR", max_length=3)
    # The tenant's identifiers at the upstreams: the inventory's client UUID, the MDM partition.
    inventory_client_id: str | None = Field(default=None, max_length=36, unique=True)
    mdm_partition_id: int | None = None
    created_at: datetime = _created()


class User(SQLModel, table=True):
    """An employee of a client: device assignee and observed user."""

    __tablename__ = "users"
    __table_args__ = (
        sa.Index("ix_users_client_name", "client_id", "name", "id"),
        sa.Index("ix_users_client_email", "client_id", "email", "id"),
        sa.Index("ix_users_client_created", "client_id", "created_at", "id"),
        sa.Index("ix_users_client_team", "client_id", "team"),
        sa.Index("ix_users_client_inventory", "client_id", "inventory_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    team: str | None = Field(default=None, max_length=120)
    role: str | None = Field(default=None, sa_column=enum_column(Role, nullable=True))
    mdm_account_id: int | None = None
    inventory_user_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Address(SQLModel, table=True):
    """A postal address used as a parcel's pickup or reception point."""

    __tablename__ = "addresses"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    label: str | None = Field(default=None, max_length=120)
    recipient: str | None = Field(default=None, max_length=200)
    street: str = Field(max_length=300)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str = Field(max_length=120)
    country: str = Field(max_length=2)
    created_at: datetime = _created()


class Order(SQLModel, table=True):
    """A rental order, holding one or more devices."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.Index("ix_orders_client_date", "client_id", "order_date", "id"),
        sa.Index("ix_orders_client_status", "client_id", "client_status", "id"),
        sa.Index("ix_orders_client_number", "client_id", "order_number", "id"),
        sa.Index("ix_orders_client_created", "client_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    client_status: str = Field(sa_column=enum_column(OrderClientStatus))
    order_number: str | None = Field(default=None, max_length=40)
    contract_number: str | None = Field(default=None, max_length=40)
    order_date: datetime | None = _ts()
    rent_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    num_devices: int | None = None
    device_names: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Device(SQLModel, table=True):
    """A device a client rents or owns, with its rental facts and upstream identifiers."""

    __tablename__ = "devices"
    __table_args__ = (
        sa.Index("ix_devices_client_name", "client_id", "name", "id"),
        sa.Index("ix_devices_client_serial", "client_id", "serial_number", "id"),
        sa.Index("ix_devices_client_status", "client_id", "client_status", "id"),
        sa.Index("ix_devices_client_created", "client_id", "created_at", "id"),
        sa.Index("ix_devices_client_user", "client_id", "user_id"),
        sa.Index("ix_devices_client_order", "client_id", "order_id"),
        sa.Index("ix_devices_client_type", "client_id", "type"),
        sa.Index("ix_devices_client_category", "client_id", "category"),
        # The upstream summary's filters and orderings (keyset: sort key, then id).
        sa.Index("ix_devices_client_last_seen", "client_id", "last_seen_at", "id"),
        sa.Index("ix_devices_client_installed", "client_id", "installed_at", "id"),
        sa.Index("ix_devices_client_last_checkin", "client_id", "last_checkin_at", "id"),
        sa.Index("ix_devices_client_os_name", "client_id", "os_name", "id"),
        sa.Index("ix_devices_client_agent_status", "client_id", "agent_status", "id"),
        sa.Index("ix_devices_client_registration", "client_id", "registration_state"),
        sa.Index("ix_devices_client_platform", "client_id", "platform_type"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    order_id: int | None = Field(default=None, foreign_key="orders.id", ondelete="SET NULL")
    name: str | None = Field(default=None, max_length=200)
    serial_number: str | None = Field(default=None, max_length=64)
    rent_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    rent_currency: str | None = Field(default=None, max_length=3)
    tracking_number: str | None = Field(default=None, max_length=64)
    tracking_url: str | None = Field(default=None, max_length=500)
    client_status: str = Field(sa_column=enum_column(DeviceClientStatus))
    type: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=40)
    source: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    # Everything the rental API's batch creation accepts is kept and readable.
    added_via: str | None = Field(default=None, max_length=40)
    brand: str | None = Field(default=None, max_length=80)
    is_rented: bool | None = None
    client_purchase_price_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    client_purchase_date: date | None = None
    client_warranty_end_date: date | None = None
    client_rental_price_minor: int | None = Field(default=None, sa_type=sa.BigInteger)
    client_rental_start_date: date | None = None
    client_rental_end_date: date | None = None
    client_contract_number: str | None = Field(default=None, max_length=64)
    client_invoice_number: str | None = Field(default=None, max_length=64)
    # The device's identifiers at the upstreams.
    mdm_device_id: int | None = None
    mdm_guid: str | None = Field(default=None, max_length=36)
    inventory_device_id: str | None = Field(default=None, max_length=36)
    # A mirror of the upstreams' summary of the device, so the fleet table filters and sorts by
    # agent and MDM facts in one SQL query (refreshed by `app/mirror.py`; `synced_at` says when).
    os_name: str | None = Field(default=None, max_length=80)
    agent_status: str | None = Field(
        default=None, sa_column=enum_column(AgentStatus, nullable=True)
    )
    last_seen_at: datetime | None = _ts()
    installed_at: datetime | None = _ts()
    registration_state: str | None = Field(
        default=None, sa_column=enum_column(RegistrationState, nullable=True)
    )
    platform_type: str | None = Field(
        default=None, sa_column=enum_column(PlatformType, nullable=True)
    )
    compliant: bool | None = None
    last_checkin_at: datetime | None = _ts()
    synced_at: datetime | None = _ts()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DeviceCustomAttribute(SQLModel, table=True):
    """One value of a device's custom attribute at the MDM provider (mirror, for filtering)."""

    __tablename__ = "device_custom_attributes"
    __table_args__ = (
        sa.Index("ix_device_custom_attributes_lookup", "client_id", "key", "value"),
        sa.Index("ix_device_custom_attributes_device", "device_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    key: str = Field(max_length=100)  # without the provider's numeric `_#` suffix, lower-cased
    value: str = Field(max_length=200)
    numeric: bool = False


class DeviceCharacteristics(SQLModel, table=True):
    """A device's characteristics, one row per device, as the rental API's `characteristics`."""

    __tablename__ = "device_characteristics"

    device_id: int = Field(foreign_key="devices.id", primary_key=True, ondelete="CASCADE")
    client_id: int = _tenant()
    screen_size: str | None = Field(default=None, max_length=40)
    graphic: str | None = Field(default=None, max_length=120)
    processor: str | None = Field(default=None, max_length=120)
    ram: str | None = Field(default=None, max_length=40)
    storage: str | None = Field(default=None, max_length=40)
    model_year: str | None = Field(default=None, max_length=10)
    connectivity: str | None = Field(default=None, max_length=60)
    keyboard_layout: str | None = Field(
        default=None, sa_column=enum_column(KeyboardLayout, nullable=True)
    )
    resolution: str | None = Field(default=None, max_length=40)
    has_microphone: bool | None = None
    has_webcam: bool | None = None
    noise_cancellation: bool | None = None
    compliance: list[str] | None = Field(default=None, sa_type=sa.JSON)
    connection_type: list[str] | None = Field(default=None, sa_type=sa.JSON)
    has_stool: bool | None = None
    has_video_package: bool | None = None
    has_screen: bool | None = None
    has_premium_tablet: bool | None = None
    color: str | None = Field(default=None, max_length=40)
    seats_number: str | None = Field(default=None, max_length=10)
    assembly: str | None = Field(default=None, max_length=60)
    os_platform: str | None = Field(default=None, max_length=40)


class Parcel(SQLModel, table=True):
    """A return or inter-office shipment of a device."""

    __tablename__ = "parcels"
    __table_args__ = (sa.Index("ix_parcels_device_created", "device_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    type: str = Field(sa_column=enum_column(ParcelType))
    status: str = Field(sa_column=enum_column(ParcelStatus))
    carrier: str | None = Field(default=None, max_length=60)
    tracking_number: str | None = Field(default=None, max_length=64)
    tracking_url: str | None = Field(default=None, max_length=500)
    pickup_address_id: int | None = Field(
        default=None, foreign_key="addresses.id", ondelete="SET NULL"
    )
    reception_address_id: int | None = Field(
        default=None, foreign_key="addresses.id", ondelete="SET NULL"
    )
    pickup_date: datetime | None = _ts()
    reception_date: datetime | None = _ts()
    shipping_date: datetime | None = _ts()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class MdmEnrollment(SQLModel, table=True):
    """The platform's record of a device's MDM state, as the rental API's `mdm` object.

    A device exposes its newest row that is neither DRAFT nor deleted.
    """

    __tablename__ = "mdm_enrollments"
    __table_args__ = (sa.Index("ix_mdm_enrollments_device", "device_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    status: str = Field(sa_column=enum_column(MdmEnrollmentStatus, index=True))
    local_name: str | None = Field(default=None, max_length=200)
    is_locked: bool | None = None
    lock_date: datetime | None = _ts()
    firewall_enabled: bool | None = None
    os_updates_enabled: bool | None = None
    is_encrypted: bool | None = None
    screenlock_enabled: bool | None = None
    is_compromised: bool | None = None
    os_updates_available: bool | None = None
    disk_encryption_profile_installed: bool | None = None
    enrollment_date: datetime | None = _ts()
    unenrollment_date: datetime | None = _ts()
    download_date: datetime | None = _ts()
    last_seen_date: datetime | None = _ts()
    last_sync_date: datetime | None = _ts()
    deleted_at: datetime | None = _ts()
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DeviceObservedUser(SQLModel, table=True):
    """A user observed on a device by the agent (the inventory's `user_devices` junction)."""

    __tablename__ = "device_observed_users"
    __table_args__ = (
        sa.UniqueConstraint("device_id", "user_id", name="uq_device_observed_users_pair"),
        sa.Index("ix_device_observed_users_device_seen", "device_id", "last_seen_at", "id"),
        sa.Index("ix_device_observed_users_user", "client_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    enrolled_at: datetime | None = _ts()
    last_seen_at: datetime | None = _ts()


class DeviceActionRun(SQLModel, table=True):
    """One device action requested through the gateway (lock, wipe, assign, ...).

    An idempotency key is unique per tenant, so two workers racing on one key resolve to one run.
    """

    __tablename__ = "device_action_runs"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "idempotency_key", name="uq_device_action_runs_key"),
        sa.Index("ix_device_action_runs_client_created", "client_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    action: str = Field(max_length=60)
    status: str = Field(sa_column=enum_column(ActionRunStatus))
    input: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    input_hash: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=200)
    requested_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    dry_run: bool = False
    # Why the whole run was refused (e.g. FORBIDDEN: the viewer's role may not run the action).
    code: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _created()
    updated_at: datetime = _created()
    finished_at: datetime | None = _ts()


class DeviceActionTarget(SQLModel, table=True):
    """The outcome of one action run on one device."""

    __tablename__ = "device_action_targets"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "device_id", name="uq_device_action_targets_pair"),
        sa.Index("ix_device_action_targets_device", "device_id", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = _tenant()
    run_id: int = Field(foreign_key="device_action_runs.id", ondelete="CASCADE")
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    status: str = Field(sa_column=enum_column(ActionRunStatus))
    code: str | None = Field(default=None, max_length=60)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    upstream_result: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    updated_at: datetime = _created()
