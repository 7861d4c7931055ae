"""The provider's state as mutable records, and the JSON each one is written as.

A `Partition` (the provider's device space, one per client) holds its accounts, device groups,
configuration and compliance-policy catalogs, certificate authorities and devices. An
`MdmDevice` keeps everything an action may change as typed fields (registration state, lost
and kiosk mode, lock, owner, custom attributes, configuration statuses, certificates ...), and
the long tail of fields no action touches (identifiers, radios, platform specifics) in `extras`.
The `*_json` functions write the documented payloads from them; nothing is cached, so a change
to a record shows in the next response.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.simulators.mdm.enums import CONFIG_RULE_TYPES
from app.simulators.mdm.fields import DETAIL_FIELDS, SEARCH_FIELDS

Json = dict[str, Any]
MAX_RESIDENT_USERS = 8  # users a Shared iPad keeps (`maxResidentUsers`)
# Registration states in which the provider still manages the device.
MANAGED_STATES = frozenset(
    {"ACTIVE", "RETIRE_PENDING", "RETIRE_SENT", "RETIRE_CANCELED", "WIPE_CANCELED", "WIPE_PENDING"}
)


def epoch_ms(moment: datetime | None) -> int | None:
    """An aware datetime as the provider writes instants: milliseconds since the epoch."""
    return None if moment is None else int(moment.timestamp() * 1000)


@dataclass(slots=True)
class Account:
    """A user account of the partition; `id` is the seed user's `mdm_account_id`."""

    id: int
    email: str
    first_name: str
    last_name: str
    groups: tuple[str, ...]  # account groups (`ACCOUNTGROUP` facet)
    ldap: dict[str, str]  # LDAP attributes, searchable as `CFLDAP[name]`
    enabled: bool = True
    seed_user_id: int | None = None  # the gateway's primary key (never sent)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True)
class Group:
    """A device group (`groups` of the device details)."""

    id: int
    name: str
    description: str
    system_name: str | None
    rule: tuple[str, str] | None  # (field, value) of the group's `EQ` rule, e.g. PLATFORMTYPE
    created_at: int
    created_by: int
    member_ids: set[int] = field(default_factory=set)

    def to_json(self, partition_id: int) -> Json:
        definition = tree = None
        if self.rule is not None:
            rule_field, value = self.rule
            definition = f"{rule_field} EQ '{value}'"
            tree = {
                "operator": "LEAF",
                "rule": {
                    "field": rule_field,
                    "cfAttributeName": None,
                    "operator": "EQ",
                    "values": [value],
                },
                "children": None,
            }
        return {
            "id": self.id,
            "createdAt": self.created_at,
            "createdBy": self.created_by,
            "modifiedAt": self.created_at,
            "modifiedBy": None,
            "visible": True,
            "dmPartitionId": partition_id,
            "name": self.name,
            "description": self.description,
            "type": "DEVICE",
            "definition": definition,
            "mutable": self.system_name is None,
            "memberCount": len(self.member_ids),
            "systemName": self.system_name,
            "membershipStatic": False,
            "treeView": tree,
            "actionExceptionCodes": None,
            "assignedConfigs": None,
            "assignedPolicies": None,
            "staticMembers": None,
        }


@dataclass(slots=True)
class ConfigDefinition:
    """A configuration (or, with `rule_type` other than NONE, a compliance policy)."""

    id: int
    name: str
    description: str | None
    policy_type: str
    uuid: str
    priority: int
    platforms: frozenset[str]
    enabled: bool = True
    rule_type: str = CONFIG_RULE_TYPES[0]
    system_name: str | None = None
    modified_at: int | None = None
    modified_by: int | None = None

    def base_json(self) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "systemName": self.system_name,
            "description": self.description,
            "policyType": self.policy_type,
            "policyRuleType": self.rule_type,
            "uuid": self.uuid,
            "enabled": self.enabled,
            "priority": self.priority,
        }


@dataclass(slots=True)
class DeviceConfig:
    """A configuration's status on one device; `changed_at` is when it last changed (ms)."""

    config_id: int
    status: str
    changed_at: int | None = None


@dataclass(slots=True)
class DevicePolicy:
    """A compliance policy's verdict on one device (`pending_compliant`: after the next sync)."""

    policy_id: int
    compliant: bool
    pending_compliant: bool


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    id: int
    name: str
    issuer: str
    ca_type: str = "LOCAL"
    tenant_id: int = 1


@dataclass(slots=True)
class Certificate:
    store_id: int  # `caCertificateStoreId`
    ca: CertificateAuthority
    subject: str
    not_before: int
    not_after: int
    serial: int
    state: str
    configuration_id: int | None = None
    private_key: bool = False
    account_id: int | None = None  # `certAccountId`: set for user certificates


@dataclass(slots=True)
class LostMode:
    """What `enableLostMode` sent: message (required), phone number, footnote (15 chars)."""

    message: str
    phone_number: str | None = None
    footnote: str | None = None
    enabled_at: int | None = None


@dataclass(slots=True)
class DeviceMessage:
    """The last `PUT /api/v1/device/message` a device got (kept for tests, never sent back)."""

    push: str | None
    email_subject: str | None
    email_body: str | None
    sent_at: int


@dataclass(slots=True)
class WipeRequest:
    """The options of the wipe a device was sent (kept for tests, never sent back)."""

    message: str | None
    disallow_proximity_setup: bool
    preserve_data_plan: bool
    return_to_service: bool
    wifi_policy_id: int | None
    osx_wipe_pin: str | None
    requested_at: int


@dataclass(slots=True)
class MdmDevice:
    """One device as the provider knows it; `id` / `guid` are the seed's `mdm_device_id` /
    `mdm_guid`. Fields listed in `extras` are static; the typed ones are the live state."""

    id: int
    guid: str
    partition_id: int
    serial_number: str
    platform_type: str
    platform_version: str
    os_build_version: str | None
    device_model: str
    pretty_model: str
    device_name: str | None
    manufacturer: str
    owner_id: int
    registration_state: str
    last_checkin: int | None
    last_registration_time: int | None
    ownership_type: str
    kiosk_state: str
    supervised: bool | None
    lost_mode_enabled: bool | None
    roaming: bool
    jailbroken: bool
    quarantined: bool
    multi_user: bool | None
    dep_enrolled: bool
    dep_eligible: bool
    locked: bool
    extras: Json
    lost_mode: LostMode | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_captured_at: int | None = None
    custom_attributes: dict[str, list[str]] = field(default_factory=dict)
    configs: list[DeviceConfig] = field(default_factory=list)
    policies: list[DevicePolicy] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    action_exception_codes: list[str] = field(default_factory=list)
    deleted: bool = False
    seed_device_id: int = 0  # the gateway's primary key (never sent)
    # Set by the remote actions (`actions.py`); none of them but the reassignment status is
    # sent back, the document's records show no such fields.
    locked_at: int | None = None
    last_reassignment_status: str | None = None  # the document's "Last Reassignment Status"
    relinquish_pending: bool = False
    scheduled_os_version: str | None = None
    wipe_request: WipeRequest | None = None
    last_message: DeviceMessage | None = None
    last_restart_at: int | None = None
    last_logout_at: int | None = None

    @property
    def compliant(self) -> bool:
        return all(policy.compliant for policy in self.policies)

    @property
    def violated_policy_ids(self) -> list[int]:
        return [policy.policy_id for policy in self.policies if not policy.compliant]

    @property
    def managed(self) -> bool:
        return self.registration_state in MANAGED_STATES


@dataclass(slots=True)
class DepProfile:
    id: int
    uuid: str
    name: str
    department: str
    supervised: bool
    skip_setup_items: tuple[str, ...]
    server_id: int
    default: bool
    support_phone: str | None
    multi_user: bool = False  # Shared iPad (`multiUser`, `maximumResidentUsers`)


@dataclass(slots=True)
class Partition:
    """A device space (`dmPartitionId`): one client's accounts, catalogs and devices."""

    id: int
    name: str
    tenant_id: int
    slug: str
    time_zone: str
    locale: str
    admin_id: int
    accounts: dict[int, Account] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    configs: dict[int, ConfigDefinition] = field(default_factory=dict)
    policies: dict[int, ConfigDefinition] = field(default_factory=dict)
    authorities: dict[str, CertificateAuthority] = field(default_factory=dict)
    dep_profiles: list[DepProfile] = field(default_factory=list)
    devices: dict[int, MdmDevice] = field(default_factory=dict)  # by id, ascending
    by_guid: dict[str, int] = field(default_factory=dict)
    privacy_policy_id: int = 0
    tos_id: int = 0

    def live_devices(self) -> list[MdmDevice]:
        return [device for device in self.devices.values() if not device.deleted]

    def find(self, key: str) -> MdmDevice | None:
        """A live device by id or GUID."""
        device: MdmDevice | None
        if key.isascii() and key.isdigit():
            device = self.devices.get(int(key))
        else:
            device_id = self.by_guid.get(key.lower())
            device = None if device_id is None else self.devices.get(device_id)
        return None if device is None or device.deleted else device

    def owner(self, device: MdmDevice) -> Account:
        return self.accounts[device.owner_id]


def _attrs_json(device: MdmDevice) -> Json | None:
    if not device.custom_attributes:
        return None
    return {"attrs": {key: list(values) for key, values in device.custom_attributes.items()}}


def record_values(device: MdmDevice, partition: Partition) -> Json:
    """Every field of the device's records: the static extras overlaid with the live state."""
    owner = partition.owner(device)
    location_detail = None
    if device.location_captured_at is not None:
        location_detail = {
            "lastUpdatedAt": device.location_captured_at,
            "locationStatus": "AVAILABLE",
        }
    violated = device.violated_policy_ids
    values = dict(device.extras)
    values.update(
        {
            "id": device.id,
            "guid": device.guid,
            "deviceModel": device.device_model,
            "deviceName": device.device_name,
            "platformType": device.platform_type,
            "platformVersion": device.platform_version,
            "osBuildVersion": device.os_build_version,
            "lastCheckin": device.last_checkin,
            "registrationState": device.registration_state,
            "displayName": owner.display_name,
            "firstName": owner.first_name,
            "lastName": owner.last_name,
            "uid": owner.email,
            "emailAddress": owner.email,
            "manufacturer": device.manufacturer,
            "serialNumber": device.serial_number,
            "ownershipType": device.ownership_type,
            "complianceState": device.compliant,
            "roaming": device.roaming,
            "supervised": device.supervised,
            "prettyModel": device.pretty_model,
            "policyViolationCount": len(violated),
            "latitude": device.latitude,
            "longitude": device.longitude,
            "locationLastCapturedAt": device.location_captured_at,
            "lastRegistrationTime": device.last_registration_time,
            "lostModeEnabled": device.lost_mode_enabled,
            "multiUser": device.multi_user,
            "quarantined": device.quarantined,
            "jailbroken": device.jailbroken,
            "locationStatusDetail": location_detail,
            "actionExceptionCodes": list(device.action_exception_codes),
            "violatedPolicies": violated,
            "ownerId": device.owner_id,
            "kioskState": device.kiosk_state,
            "customAttributes": _attrs_json(device),
            "depEnrolled": device.dep_enrolled,
            "depEligible": device.dep_eligible,
            "dmPartitionId": partition.id,
            "dmPartitionName": partition.name,
            "entityName": device.device_name,
            "lastReassignmentStatus": device.last_reassignment_status,
            "groups": [
                partition.groups[group_id].to_json(partition.id) for group_id in device.group_ids
            ],
        }
    )
    return values


def device_json(device: MdmDevice, partition: Partition) -> Json:
    """`result` of Get Device Details."""
    values = record_values(device, partition)
    return {name: values.get(name) for name in DETAIL_FIELDS}


def search_json(device: MdmDevice, partition: Partition) -> Json:
    """A `searchResults` entry of the device search."""
    values = record_values(device, partition)
    return {name: values.get(name) for name in SEARCH_FIELDS}


def config_json(definition: ConfigDefinition, status: str, counts: tuple[int, int, int]) -> Json:
    """A `/configs` entry: the configuration, its device counts and its status on the device."""
    total, installed, violations = counts
    return {
        **definition.base_json(),
        "totalDeviceCount": total,
        "installedDeviceCount": installed,
        "violationDeviceCount": violations,
        "modifiedAt": definition.modified_at,
        "modifiedBy": definition.modified_by,
        "actions": None,
        "status": status,
    }


def policy_json(
    definition: ConfigDefinition, verdict: DevicePolicy, counts: tuple[int, int, int]
) -> Json:
    """A `/policies` entry: the compliance policy, its device counts and the device's verdict."""
    total, installed, violations = counts
    return {
        **definition.base_json(),
        "totalDeviceCount": total,
        "installedDeviceCount": installed,
        "violationDeviceCount": violations,
        "modifiedAt": definition.modified_at,
        "modifiedBy": definition.modified_by,
        "actions": None,
        "compliant": verdict.compliant,
        "pendingCompliant": verdict.pending_compliant,
    }


def certificate_json(cert: Certificate, device: MdmDevice, partition: Partition) -> Json:
    """A `certs/search` entry: the certificate with a summary of its device and owner."""
    owner = partition.owner(device)
    extras = device.extras
    return {
        "caCertificateStoreId": cert.store_id,
        "caId": cert.ca.id,
        "subject": cert.subject,
        "issuer": cert.ca.issuer,
        "notBefore": cert.not_before,
        "notAfter": cert.not_after,
        "certSerialNumber": cert.serial,
        "certState": cert.state,
        "certUsageType": "UNKNOWN",
        "certAccountId": cert.account_id,
        "deviceId": device.id,
        "ownerId": device.owner_id,
        "phoneNumber": extras.get("phoneNumber"),
        "deviceModel": device.device_model,
        "platformType": device.platform_type,
        "platformVersion": device.platform_version,
        "imei": extras.get("imei"),
        "locale": extras.get("locale"),
        "ownershipType": device.ownership_type,
        "complianceState": None,
        "roaming": device.roaming,
        "supervised": device.supervised,
        "udid": extras.get("udid"),
        "iccid": extras.get("iccid"),
        "prettyModel": device.pretty_model,
        "registrationState": device.registration_state,
        "jailbroken": device.jailbroken,
        "meid": extras.get("meid"),
        "osVersion": device.platform_version,
        "model": device.device_model,
        "imsi": extras.get("imsi"),
        "mdmState": "ENABLED" if device.managed else "DISABLED",
        "serialNumber": device.serial_number,
        "compliant": device.compliant,
        "tenantId": partition.tenant_id,
        "dmPartitionId": partition.id,
        "displayName": owner.display_name,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "uid": owner.email,
        "emailAddress": owner.email,
        "caTenantId": cert.ca.tenant_id,
        "caType": cert.ca.ca_type,
        "caName": cert.ca.name,
        "privateKey": cert.private_key,
        "configurationId": cert.configuration_id,
        "certSerialNumberString": str(cert.serial),
    }


def dep_profile_json(profile: DepProfile, devices: int) -> Json:
    """An entry of `GET /api/v1/depServer/{id}/profiles`."""
    return {
        "id": profile.id,
        "uuid": profile.uuid,
        "profileName": profile.name,
        "allowPairing": True,
        "softwareUpdateEnabled": not profile.default,
        "anchorCerts": None,
        "department": profile.department,
        "mandatory": profile.supervised,
        "mdmRemovable": not profile.supervised,
        "maximumResidentUsers": MAX_RESIDENT_USERS if profile.multi_user else 0,
        "multiUser": profile.multi_user,
        "orgMagic": profile.uuid.lower(),
        "skipSetupItems": list(profile.skip_setup_items),
        "supervised": profile.supervised,
        "supervisingHostCerts": None,
        "supportPhoneNumber": profile.support_phone,
        "supportEmailAddress": None,
        "url": "https://mdm.example/c/i/dep/dep.mobileconfig",
        "accountConfiguration": {
            "skipPrimarySetupAccountCreation": False,
            "setPrimarySetupAccountAsRegularUser": False,
            "skipAutoSetupAdminAccounts": True,
            "autoSetupAdminAccounts": None,
        },
        "showCustomTextOnLoginPage": False,
        "customText": None,
        "awaitDeviceConfig": profile.supervised,
        "timeLimit": 3,
        "enableCustomEnrollment": False,
        "configurationWebUrl": None,
        "virtualServerId": profile.server_id,
        "status": "ACTIVE",
        "description": None,
        "newProfileUuid": None,
        "createdAt": None,
        "createdBy": None,
        "modifiedAt": None,
        "modifiedBy": None,
        "numOfDevices": devices,
        "default": profile.default,
    }
