"""What the upstreams know about a device: the MDM provider's live view and the agent inventory.

Every type here is built from an upstream record (a decoded JSON object); enum values the gateway
does not know yet become UNKNOWN rather than errors.
"""

from datetime import UTC, datetime
from typing import Any

import strawberry

from app import enums
from app.enums import known
from schema.enums import AgentStatus, KioskState, OwnershipType, PlatformType, RegistrationState
from schema.scalars import UnsignedInt64

Record = dict[str, Any]


def epoch_ms(value: Any) -> datetime | None:
    """The MDM provider's timestamps are milliseconds since the epoch."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def iso(value: Any) -> datetime | None:
    """The inventory's timestamps are ISO 8601 strings ending in Z."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@strawberry.type(description="The MDM provider's live view of a device.")
class MdmDeviceDetails:
    provider_id: int = strawberry.field(description="The provider's device id.")
    guid: str | None
    device_name: str | None
    serial_number: str | None
    platform_type: PlatformType
    os_version: str | None = strawberry.field(description="The provider's `platformVersion`.")
    os_build_version: str | None
    model: str | None = strawberry.field(description="The provider's `prettyModel`.")
    device_model: str | None
    manufacturer: str | None
    registration_state: RegistrationState
    last_checkin_at: datetime | None
    last_registration_at: datetime | None
    supervised: bool | None
    lost_mode_enabled: bool | None
    kiosk_state: KioskState
    ownership_type: OwnershipType
    compliant: bool | None = strawberry.field(description="The provider's `complianceState`.")
    policy_violation_count: int | None
    quarantined: bool | None
    jailbroken: bool | None
    passcode_compliant: bool | None
    multi_user: bool | None
    dep_enrolled: bool | None
    dep_eligible: bool | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmDeviceDetails":
        return cls(
            provider_id=record["id"],
            guid=_str(record.get("guid")),
            device_name=_str(record.get("deviceName")),
            serial_number=_str(record.get("serialNumber")),
            platform_type=known(enums.PlatformType, record.get("platformType")),
            os_version=_str(record.get("platformVersion")),
            os_build_version=_str(record.get("osBuildVersion")),
            model=_str(record.get("prettyModel")),
            device_model=_str(record.get("deviceModel")),
            manufacturer=_str(record.get("manufacturer")),
            registration_state=known(enums.RegistrationState, record.get("registrationState")),
            last_checkin_at=epoch_ms(record.get("lastCheckin")),
            last_registration_at=epoch_ms(record.get("lastRegistrationTime")),
            supervised=_bool(record.get("supervised")),
            lost_mode_enabled=_bool(record.get("lostModeEnabled")),
            kiosk_state=known(enums.KioskState, record.get("kioskState")),
            ownership_type=known(enums.OwnershipType, record.get("ownershipType")),
            compliant=_bool(record.get("complianceState")),
            policy_violation_count=_int(record.get("policyViolationCount")),
            quarantined=_bool(record.get("quarantined")),
            jailbroken=_bool(record.get("jailbroken")),
            passcode_compliant=_bool(record.get("passcodeCompliant")),
            multi_user=_bool(record.get("multiUser")),
            dep_enrolled=_bool(record.get("depEnrolled")),
            dep_eligible=_bool(record.get("depEligible")),
        )


@strawberry.type(description="An MDM configuration on a device, with its status there.")
class Config:
    provider_id: int = strawberry.field(description="The provider's configuration id.")
    uuid: str | None
    name: str
    system_name: str | None
    description: str | None
    policy_type: str | None
    rule_type: str | None = strawberry.field(description="The provider's `policyRuleType`.")
    priority: int | None
    enabled: bool | None
    status: str | None = strawberry.field(description="Status on this device, e.g. INSTALLED.")
    total_device_count: int | None
    installed_device_count: int | None
    violation_device_count: int | None
    modified_at: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> "Config":
        return cls(
            provider_id=record["id"],
            uuid=_str(record.get("uuid")),
            name=str(record.get("name") or ""),
            system_name=_str(record.get("systemName")),
            description=_str(record.get("description")),
            policy_type=_str(record.get("policyType")),
            rule_type=_str(record.get("policyRuleType")),
            priority=_int(record.get("priority")),
            enabled=_bool(record.get("enabled")),
            status=_str(record.get("status")),
            total_device_count=_int(record.get("totalDeviceCount")),
            installed_device_count=_int(record.get("installedDeviceCount")),
            violation_device_count=_int(record.get("violationDeviceCount")),
            modified_at=epoch_ms(record.get("modifiedAt")),
        )


@strawberry.type(description="A compliance policy applied to a device.")
class CompliancePolicy:
    provider_id: int
    name: str
    description: str | None
    policy_type: str | None
    rule_type: str | None = strawberry.field(description="The provider's `policyRuleType`.")
    enabled: bool | None
    priority: int | None
    compliant: bool | None
    pending: bool | None = strawberry.field(description="The provider's `pendingCompliant`.")

    @classmethod
    def from_record(cls, record: Record) -> "CompliancePolicy":
        return cls(
            provider_id=record["id"],
            name=str(record.get("name") or ""),
            description=_str(record.get("description")),
            policy_type=_str(record.get("policyType")),
            rule_type=_str(record.get("policyRuleType")),
            enabled=_bool(record.get("enabled")),
            priority=_int(record.get("priority")),
            compliant=_bool(record.get("compliant")),
            pending=_bool(record.get("pendingCompliant")),
        )


@strawberry.type(description="A custom attribute of a device and its values.")
class CustomAttribute:
    key: str = strawberry.field(description="The name, without the provider's numeric `_#`.")
    values: list[str]
    numeric: bool = strawberry.field(description="Whether the provider types it as a number.")

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> list["CustomAttribute"]:
        found = []
        for raw_key, raw in sorted(attrs.items()):
            numeric = raw_key.endswith("_#")
            values = raw if isinstance(raw, list) else [raw]
            found.append(
                cls(
                    key=raw_key.removesuffix("_#"),
                    values=[str(v) for v in values if v is not None],
                    numeric=numeric,
                )
            )
        return found


@strawberry.type(description="A certificate installed on a device.")
class Certificate:
    subject: str | None
    issuer: str | None
    ca_name: str | None
    state: str | None = strawberry.field(description="The provider's `certState`.")
    valid_from: datetime | None = strawberry.field(description="The provider's `notBefore`.")
    valid_to: datetime | None = strawberry.field(description="The provider's `notAfter`.")
    serial_number: str | None = strawberry.field(description="The provider's `certSerialNumber`.")

    @classmethod
    def from_record(cls, record: Record) -> "Certificate":
        return cls(
            subject=_str(record.get("subject")),
            issuer=_str(record.get("issuer")),
            ca_name=_str(record.get("caName")),
            state=_str(record.get("certState")),
            valid_from=epoch_ms(record.get("notBefore")),
            valid_to=epoch_ms(record.get("notAfter")),
            serial_number=_str(record.get("certSerialNumber")),
        )


@strawberry.type(description="The hardware the agent reports.")
class Hardware:
    manufacturer: str | None
    model: str | None
    cpu_model: str | None
    cpu_cores: int | None
    ram: UnsignedInt64 | None = strawberry.field(description="Memory in bytes.")


@strawberry.type(
    description="The gateway's browser extension in one browser, as the agent reports it."
)
class BrowserExtension:
    browser: str
    version: str | None
    installed: bool | None
    auto_update: bool | None
    last_activity_at: datetime | None


@strawberry.type(description="What the device agent reports about a device.")
class InventoryDevice:
    inventory_id: str = strawberry.field(description="The inventory's device id.")
    unique_key: str | None
    name: str | None
    serial_number: str | None
    os_name: str | None
    os_version: str | None
    agent_status: AgentStatus
    agent_version: str | None
    last_seen_at: datetime | None
    installed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    hardware: Hardware | None
    browser_extensions: list[BrowserExtension]

    @classmethod
    def from_record(cls, record: Record) -> "InventoryDevice":
        hardware = record.get("hardware")
        extensions = record.get("extensions") or {}
        return cls(
            inventory_id=str(record["id"]),
            unique_key=_str(record.get("unique_key")),
            name=_str(record.get("name")),
            serial_number=_str(record.get("serial_number")),
            os_name=_str(record.get("os_name")),
            os_version=_str(record.get("os_version")),
            agent_status=known(enums.AgentStatus, record.get("status")),
            agent_version=_str(record.get("agent_version")),
            last_seen_at=iso(record.get("last_seen_at")),
            installed_at=iso(record.get("installed_at")),
            created_at=iso(record.get("created_at")),
            updated_at=iso(record.get("updated_at")),
            hardware=None
            if not isinstance(hardware, dict)
            else Hardware(
                manufacturer=_str(hardware.get("manufacturer")),
                model=_str(hardware.get("model")),
                cpu_model=_str(hardware.get("cpu_model")),
                cpu_cores=_int(hardware.get("cpu_cores")),
                ram=_int(hardware.get("ram")),
            ),
            browser_extensions=[
                BrowserExtension(
                    browser=str(browser),
                    version=_str(ext.get("version")),
                    installed=_bool(ext.get("installed")),
                    auto_update=_bool(ext.get("auto_update")),
                    last_activity_at=iso(ext.get("last_activity_at")),
                )
                for browser, ext in sorted(extensions.items())
                if isinstance(ext, dict)
            ],
        )
