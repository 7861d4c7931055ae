"""What the upstreams know about a device: the MDM provider's live view and the agent inventory.

Every type here is built from an upstream record (a decoded JSON object); enum values the gateway
does not know yet become UNKNOWN rather than errors.
"""

from datetime import datetime
from typing import Any

import strawberry

from app import enums
from app.enums import known
from app.upstreams.values import epoch_ms, iso
from schema.enums import AgentStatus, CertificateState, ConfigStatus
from schema.scalars import UnsignedInt64
from schema.types.mdm_details import MdmDeviceDetails
from schema.types.mdm_details import flag as _bool
from schema.types.mdm_details import integer as _int
from schema.types.mdm_details import text as _str

__all__ = [
    "BrowserExtension",
    "Certificate",
    "CompliancePolicy",
    "Config",
    "CustomAttribute",
    "Hardware",
    "InventoryDevice",
    "MdmDeviceDetails",
    "epoch_ms",
    "iso",
]

Record = dict[str, Any]


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
    status: ConfigStatus | None = strawberry.field(
        description="Its status on this device (UNKNOWN: a status the provider added later)."
    )
    total_device_count: int | None = strawberry.field(description="Devices it applies to.")
    installed_device_count: int | None = strawberry.field(description="Devices it is installed on.")
    violation_device_count: int | None = strawberry.field(
        description="Devices in violation of it (failed to install)."
    )
    modified_at: datetime | None = strawberry.field(description="When it last changed.")

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
            status=None
            if record.get("status") is None
            else known(enums.ConfigStatus, record.get("status")),
            total_device_count=_int(record.get("totalDeviceCount")),
            installed_device_count=_int(record.get("installedDeviceCount")),
            violation_device_count=_int(record.get("violationDeviceCount")),
            modified_at=epoch_ms(record.get("modifiedAt")),
        )


@strawberry.type(description="A compliance policy applied to a device.")
class CompliancePolicy:
    provider_id: int
    uuid: str | None
    name: str
    system_name: str | None
    description: str | None
    policy_type: str | None
    rule_type: str | None = strawberry.field(description="The provider's `policyRuleType`.")
    enabled: bool | None
    priority: int | None
    compliant: bool | None
    pending: bool | None = strawberry.field(description="The provider's `pendingCompliant`.")
    total_device_count: int | None = strawberry.field(description="Devices it applies to.")
    violation_device_count: int | None = strawberry.field(description="Devices violating it.")
    modified_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_record(cls, record: Record) -> "CompliancePolicy":
        return cls(
            provider_id=record["id"],
            uuid=_str(record.get("uuid")),
            name=str(record.get("name") or ""),
            system_name=_str(record.get("systemName")),
            description=_str(record.get("description")),
            policy_type=_str(record.get("policyType")),
            rule_type=_str(record.get("policyRuleType")),
            enabled=_bool(record.get("enabled")),
            priority=_int(record.get("priority")),
            compliant=_bool(record.get("compliant")),
            pending=_bool(record.get("pendingCompliant")),
            total_device_count=_int(record.get("totalDeviceCount")),
            violation_device_count=_int(record.get("violationDeviceCount")),
            modified_at=epoch_ms(record.get("modifiedAt")),
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
    state: CertificateState | None = strawberry.field(
        description="The provider's `certState` (UNKNOWN: a state the provider added later)."
    )
    valid_from: datetime | None = strawberry.field(description="The provider's `notBefore`.")
    valid_to: datetime | None = strawberry.field(description="The provider's `notAfter`.")
    serial_number: str | None = strawberry.field(description="The provider's `certSerialNumber`.")

    @classmethod
    def from_record(cls, record: Record) -> "Certificate":
        return cls(
            subject=_str(record.get("subject")),
            issuer=_str(record.get("issuer")),
            ca_name=_str(record.get("caName")),
            state=None
            if record.get("certState") is None
            else known(enums.CertificateState, record.get("certState")),
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
