"""The MDM provider's device details, grouped as its document groups them.

`MdmDeviceDetails` is built from the device's partition search record (one call per 500 devices,
cached per tenant). What the search records lack (groups, privacy policy, terms of service, most
of the security posture, service subscriptions) comes from Get Device Details, one cached call
per device made only when a client selects such a field: each of those fields reads the search
record when it carries the value and the details otherwise, so a provider whose search returns
more costs fewer calls. Secrets and personal data (`bypassCode`, `ipAddress`, `location`) resolve
for tenant admins only; for other roles they are null with a `FORBIDDEN` error at their path.
"""

from datetime import datetime
from typing import Any

import strawberry

from app import enums
from app.enums import Role, known
from app.errors import PublicError
from app.upstreams.values import epoch_ms
from schema.context import Info
from schema.enums import KioskState, OwnershipType, PlatformType, RegistrationState

Record = dict[str, Any]


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _texts(value: Any) -> list[str] | None:
    """A list of strings; an entry written as an object gives its version (or is skipped)."""
    if not isinstance(value, list):
        return None
    found = []
    for entry in value:
        if isinstance(entry, dict):
            entry = entry.get("productVersion") or entry.get("version")
        if entry is not None:
            found.append(str(entry))
    return found


def _object(value: Any) -> Record | None:
    return value if isinstance(value, dict) else None


def _admin_only(info: Info, what: str) -> None:
    """Secrets and personal data are the tenant admin's: other roles get FORBIDDEN."""
    if not info.context.viewer.has(Role.TENANT_ADMIN):
        raise PublicError(f"Only a tenant admin may read {what}.", code="FORBIDDEN")


async def provider_value(info: Info, record: Record, name: str) -> Any:
    """A field of the device's provider record: from the search record when it carries it, else
    from Get Device Details (one call per device and request, cached per tenant). None when the
    provider no longer knows the device; an upstream failure raises its typed error."""
    if name in record:
        return record[name]
    upstream = info.context.upstream
    key = upstream.detail_key(record["id"])
    if key is None:
        return None
    details = await upstream.mdm_detail.load(key)
    return None if details is None else details.get(name)


@strawberry.type(description="A cellular subscription (SIM or eSIM slot) of an iOS device.")
class MdmServiceSubscription:
    slot: str | None = strawberry.field(description="e.g. CTSubscriptionSlotOne.")
    label: str | None
    label_id: str | None
    imei: str | None
    iccid: str | None
    esim_identifier: str | None
    carrier_settings_version: str | None
    current_carrier_network: str | None
    current_mcc: str | None
    current_mnc: str | None
    is_data_preferred: bool | None
    is_voice_preferred: bool | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmServiceSubscription":
        return cls(
            slot=text(record.get("slot")),
            label=text(record.get("label")),
            label_id=text(record.get("labelID")),
            imei=text(record.get("imei")),
            iccid=text(record.get("iccid")),
            esim_identifier=text(record.get("esimIdentifier")),
            carrier_settings_version=text(record.get("carrierSettingsVersion")),
            current_carrier_network=text(record.get("currentCarrierNetwork")),
            current_mcc=text(record.get("currentMCC")),
            current_mnc=text(record.get("currentMNC")),
            is_data_preferred=flag(record.get("isDataPreferred")),
            is_voice_preferred=flag(record.get("isVoicePreferred")),
        )


@strawberry.type(description="Identifiers of the device and of its radios.")
class MdmIdentity:
    record: strawberry.Private[Record]
    imei: str | None
    imei2: str | None
    meid: str | None
    udid: str | None
    wifi_mac_address: str | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmIdentity":
        return cls(
            record=record,
            imei=text(record.get("imei")),
            imei2=text(record.get("imei2")),
            meid=text(record.get("meid")),
            udid=text(record.get("udid")),
            wifi_mac_address=text(record.get("wifiMacAddress")),
        )

    @strawberry.field(
        description="Its cellular subscriptions (iOS; null for other platforms). Needs the "
        "provider's per-device details call."
    )
    async def service_subscriptions(self, info: Info) -> list[MdmServiceSubscription] | None:
        found = await provider_value(info, self.record, "serviceSubscriptions")
        if not isinstance(found, list):
            return None
        return [MdmServiceSubscription.from_record(s) for s in found if isinstance(s, dict)]


@strawberry.type(
    description="The device's security posture. Every field but `jailbroken`, `quarantined` and "
    "the passcode flags needs the provider's per-device details call."
)
class MdmSecurityPosture:
    record: strawberry.Private[Record]
    jailbroken: bool | None = strawberry.field(description="Jailbroken or rooted.")
    quarantined: bool | None
    passcode_compliant: bool | None = strawberry.field(
        description="The passcode meets every requirement on the device (iOS only)."
    )
    passcode_compliant_with_profiles: bool | None = strawberry.field(
        description="The passcode meets the MDM profiles' requirements (iOS and Android)."
    )

    @classmethod
    def from_record(cls, record: Record) -> "MdmSecurityPosture":
        return cls(
            record=record,
            jailbroken=flag(record.get("jailbroken")),
            quarantined=flag(record.get("quarantined")),
            passcode_compliant=flag(record.get("passcodeCompliant")),
            passcode_compliant_with_profiles=flag(record.get("passcodeCompliantWithProfiles")),
        )

    @strawberry.field(description="Activation Lock is on (Apple devices).")
    async def activation_lock_enabled(self, info: Info) -> bool | None:
        return flag(await provider_value(info, self.record, "activationLockEnabled"))

    @strawberry.field(
        description="The Activation Lock bypass code of a supervised Apple device: a secret. "
        "Tenant admins only; null with a FORBIDDEN error for other roles."
    )
    async def bypass_code(self, info: Info) -> str | None:
        _admin_only(info, "an Activation Lock bypass code")
        return text(await provider_value(info, self.record, "bypassCode"))

    @strawberry.field(description="FileVault full-disk encryption is on (macOS).")
    async def osx_fde_enabled(self, info: Info) -> bool | None:
        return flag(await provider_value(info, self.record, "osxFdeEnabled"))

    @strawberry.field(description="Android security patch level, e.g. 2024-05-01.")
    async def android_security_patch_level(self, info: Info) -> str | None:
        return text(await provider_value(info, self.record, "androidSecurityPatchLevel"))

    @strawberry.field(description="OS versions the device may update to (iOS, Android).")
    async def available_os_updates(self, info: Info) -> list[str] | None:
        return _texts(await provider_value(info, self.record, "availableOSUpdates"))

    @strawberry.field(description="macOS versions the device may update to.")
    async def available_mac_os_updates(self, info: Info) -> list[str] | None:
        return _texts(await provider_value(info, self.record, "availableMacOSUpdates"))


@strawberry.type(description="Where the device was last located (when its owner allows it).")
class MdmLocation:
    latitude: float | None
    longitude: float | None
    status: str | None = strawberry.field(
        description="The provider's `locationStatusDetail.locationStatus`, e.g. AVAILABLE."
    )
    captured_at: datetime | None = strawberry.field(
        description="The provider's `locationLastCapturedAt`."
    )


@strawberry.type(description="How the device reaches the network.")
class MdmNetwork:
    record: strawberry.Private[Record]
    roaming: bool | None
    cellular_technology: str | None
    current_carrier_network: str | None
    subscriber_carrier_network: str | None
    current_country_code: str | None
    home_country_code: str | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmNetwork":
        return cls(
            record=record,
            roaming=flag(record.get("roaming")),
            cellular_technology=text(record.get("cellularTechnology")),
            current_carrier_network=text(record.get("currentCarrierNetwork")),
            subscriber_carrier_network=text(record.get("subscriberCarrierNetwork")),
            current_country_code=text(record.get("currentCountryCode")),
            home_country_code=text(record.get("homeCountryCode")),
        )

    @strawberry.field(
        description="The device's last IP address: personal data. Tenant admins only; null "
        "with a FORBIDDEN error for other roles."
    )
    async def ip_address(self, info: Info) -> str | None:
        _admin_only(info, "a device's IP address")
        return text(await provider_value(info, self.record, "ipAddress"))


@strawberry.type(description="A device group the device belongs to at the MDM provider.")
class MdmDeviceGroup:
    provider_id: int | None = strawberry.field(description="The provider's group id.")
    name: str | None
    description: str | None
    type: str | None = strawberry.field(description="e.g. DEVICE.")
    system_name: str | None = strawberry.field(
        description="Set for the provider's built-in groups, e.g. ALL_DEVICES."
    )
    definition: str | None = strawberry.field(
        description="The membership rule, e.g. PLATFORMTYPE EQ 'IOS'; null for static groups."
    )
    member_count: int | None
    mutable: bool | None
    membership_static: bool | None
    visible: bool | None
    created_at: datetime | None
    modified_at: datetime | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmDeviceGroup":
        return cls(
            provider_id=integer(record.get("id")),
            name=text(record.get("name")),
            description=text(record.get("description")),
            type=text(record.get("type")),
            system_name=text(record.get("systemName")),
            definition=text(record.get("definition")),
            member_count=integer(record.get("memberCount")),
            mutable=flag(record.get("mutable")),
            membership_static=flag(record.get("membershipStatic")),
            visible=flag(record.get("visible")),
            created_at=epoch_ms(record.get("createdAt")),
            modified_at=epoch_ms(record.get("modifiedAt")),
        )


@strawberry.type(description="The privacy policy that applies to the device.")
class MdmPrivacyPolicy:
    provider_id: int | None = strawberry.field(description="The provider's `policyId`.")
    name: str | None
    locate_status: str | None = strawberry.field(
        description="Whether the device may be located, e.g. ENABLED."
    )
    wipe_disabled: bool | None
    app_inventory_collect_all_enabled: bool | None

    @classmethod
    def from_record(cls, record: Record) -> "MdmPrivacyPolicy":
        return cls(
            provider_id=integer(record.get("policyId")),
            name=text(record.get("policyName")),
            locate_status=text(record.get("locateStatus")),
            wipe_disabled=flag(record.get("wipeDisabled")),
            app_inventory_collect_all_enabled=flag(record.get("appInventoryCollectAllEnabled")),
        )


@strawberry.type(description="The terms of service the device's user accepted.")
class MdmTermsOfService:
    provider_id: int | None = strawberry.field(description="The provider's `tosId`.")
    title: str | None
    body: str | None
    accepted_at: datetime | None


@strawberry.type(description="A DEP (Apple Automated Device Enrollment) profile.")
class MdmDepProfile:
    provider_id: int | None = strawberry.field(description="The provider's profile id.")
    uuid: str | None
    name: str | None = strawberry.field(description="The provider's `profileName`.")
    department: str | None
    status: str | None = strawberry.field(description="e.g. ACTIVE.")
    is_default: bool | None = strawberry.field(description="The DEP server's default profile.")
    supervised: bool | None
    mandatory: bool | None
    mdm_removable: bool | None
    multi_user: bool | None = strawberry.field(description="Shared iPad.")
    maximum_resident_users: int | None
    allow_pairing: bool | None
    await_device_config: bool | None
    skip_setup_items: list[str] = strawberry.field(
        description="Setup Assistant panes skipped, e.g. Location, AppleID, TOS."
    )
    support_phone_number: str | None
    support_email_address: str | None
    device_count: int | None = strawberry.field(description="The provider's `numOfDevices`.")

    @classmethod
    def from_record(cls, record: Record) -> "MdmDepProfile":
        skipped = record.get("skipSetupItems")
        return cls(
            provider_id=integer(record.get("id")),
            uuid=text(record.get("uuid")),
            name=text(record.get("profileName")),
            department=text(record.get("department")),
            status=text(record.get("status")),
            is_default=flag(record.get("default")),
            supervised=flag(record.get("supervised")),
            mandatory=flag(record.get("mandatory")),
            mdm_removable=flag(record.get("mdmRemovable")),
            multi_user=flag(record.get("multiUser")),
            maximum_resident_users=integer(record.get("maximumResidentUsers")),
            allow_pairing=flag(record.get("allowPairing")),
            await_device_config=flag(record.get("awaitDeviceConfig")),
            skip_setup_items=[str(s) for s in skipped] if isinstance(skipped, list) else [],
            support_phone_number=text(record.get("supportPhoneNumber")),
            support_email_address=text(record.get("supportEmailAddress")),
            device_count=integer(record.get("numOfDevices")),
        )


def dep_profile_of(device: Record, profiles: list[Record]) -> Record | None:
    """The profile a DEP-enrolled device was enrolled with. The provider's device record does
    not name it: a Shared iPad can only come from a multi-user profile and any other device from
    a single-user one, so the tenant's profiles of the device's kind are the candidates, the DEP
    server's default first; with none of its kind, the default profile."""
    shared = device.get("multiUser") is True
    ranked = sorted(profiles, key=lambda p: (p.get("default") is not True, p.get("id") or 0))
    matching = [p for p in ranked if (p.get("multiUser") is True) == shared]
    return (matching or ranked or [None])[0]


@strawberry.type(description="Apple's Device Enrollment Program (Automated Device Enrollment).")
class MdmDep:
    record: strawberry.Private[Record]
    enrolled: bool | None = strawberry.field(description="The provider's `depEnrolled`.")
    eligible: bool | None = strawberry.field(description="The provider's `depEligible`.")

    @strawberry.field(
        description="The DEP profile the device enrolled with; null when it is not DEP-enrolled. "
        "The provider does not name it per device: the tenant's profile of the device's kind "
        "(multi-user for a Shared iPad), the DEP server's default first."
    )
    async def profile(self, info: Info) -> MdmDepProfile | None:
        if self.enrolled is not True:
            return None
        upstream = info.context.upstream
        key = upstream.detail_key(self.record["id"])
        if key is None:
            return None
        found = dep_profile_of(self.record, await upstream.dep_profiles.load(key.client_id))
        return None if found is None else MdmDepProfile.from_record(found)


@strawberry.type(
    description="The MDM provider's live view of a device. The plain fields and the `identity`, "
    "`network`, `location` and `dep` groups come from the provider's device search (one call "
    "per 500 devices, cached); `security`, `groups`, `privacyPolicy`, `termsOfService` and "
    "`identity.serviceSubscriptions` need its per-device details call, made only when selected."
)
class MdmDeviceDetails:
    record: strawberry.Private[Record]
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
            record=record,
            provider_id=record["id"],
            guid=text(record.get("guid")),
            device_name=text(record.get("deviceName")),
            serial_number=text(record.get("serialNumber")),
            platform_type=known(enums.PlatformType, record.get("platformType")),
            os_version=text(record.get("platformVersion")),
            os_build_version=text(record.get("osBuildVersion")),
            model=text(record.get("prettyModel")),
            device_model=text(record.get("deviceModel")),
            manufacturer=text(record.get("manufacturer")),
            registration_state=known(enums.RegistrationState, record.get("registrationState")),
            last_checkin_at=epoch_ms(record.get("lastCheckin")),
            last_registration_at=epoch_ms(record.get("lastRegistrationTime")),
            supervised=flag(record.get("supervised")),
            lost_mode_enabled=flag(record.get("lostModeEnabled")),
            kiosk_state=known(enums.KioskState, record.get("kioskState")),
            ownership_type=known(enums.OwnershipType, record.get("ownershipType")),
            compliant=flag(record.get("complianceState")),
            policy_violation_count=integer(record.get("policyViolationCount")),
            quarantined=flag(record.get("quarantined")),
            jailbroken=flag(record.get("jailbroken")),
            passcode_compliant=flag(record.get("passcodeCompliant")),
            multi_user=flag(record.get("multiUser")),
            dep_enrolled=flag(record.get("depEnrolled")),
            dep_eligible=flag(record.get("depEligible")),
        )

    @strawberry.field(description="Identifiers of the device and of its radios.")
    def identity(self) -> MdmIdentity:
        return MdmIdentity.from_record(self.record)

    @strawberry.field(description="Jailbreak, passcode, Activation Lock, encryption, OS updates.")
    def security(self) -> MdmSecurityPosture:
        return MdmSecurityPosture.from_record(self.record)

    @strawberry.field(
        description="Where the device was last located; null when it never was. Personal "
        "data: tenant admins only, null with a FORBIDDEN error for other roles."
    )
    async def location(self, info: Info) -> MdmLocation | None:
        _admin_only(info, "a device's location")
        latitude = number(await provider_value(info, self.record, "latitude"))
        longitude = number(await provider_value(info, self.record, "longitude"))
        detail = _object(await provider_value(info, self.record, "locationStatusDetail")) or {}
        captured = await provider_value(info, self.record, "locationLastCapturedAt")
        status = text(detail.get("locationStatus"))
        if latitude is None and longitude is None and status is None:
            return None
        return MdmLocation(
            latitude=latitude,
            longitude=longitude,
            status=status,
            captured_at=epoch_ms(captured if captured is not None else detail.get("lastUpdatedAt")),
        )

    @strawberry.field(description="How the device reaches the network.")
    def network(self) -> MdmNetwork:
        return MdmNetwork.from_record(self.record)

    @strawberry.field(description="The device groups it belongs to at the provider.")
    async def groups(self, info: Info) -> list[MdmDeviceGroup] | None:
        found = await provider_value(info, self.record, "groups")
        if not isinstance(found, list):
            return None
        return [MdmDeviceGroup.from_record(g) for g in found if isinstance(g, dict)]

    @strawberry.field(description="The privacy policy that applies to the device.")
    async def privacy_policy(self, info: Info) -> MdmPrivacyPolicy | None:
        found = _object(await provider_value(info, self.record, "privacyPolicy"))
        return None if found is None else MdmPrivacyPolicy.from_record(found)

    @strawberry.field(description="The terms of service accepted on the device, and when.")
    async def terms_of_service(self, info: Info) -> MdmTermsOfService | None:
        found = _object(await provider_value(info, self.record, "tos"))
        if found is None:
            return None
        return MdmTermsOfService(
            provider_id=integer(await provider_value(info, self.record, "tosId")),
            title=text(found.get("title")),
            body=text(found.get("body")),
            accepted_at=epoch_ms(await provider_value(info, self.record, "tosAcceptedTime")),
        )

    @strawberry.field(description="Apple's Device Enrollment Program: enrollment and profile.")
    def dep(self) -> MdmDep:
        return MdmDep(
            record=self.record,
            enrolled=flag(self.record.get("depEnrolled")),
            eligible=flag(self.record.get("depEligible")),
        )
