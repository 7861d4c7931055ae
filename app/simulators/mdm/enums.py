"""Every enumerated value `mdm-provider-device-api.txt` shows, and the few the simulator adds.

The provider writes enum values as plain strings; these tuples are the vocabularies the
simulator's data is drawn from (each value appears somewhere in the default 1,400-device data
set, see `data.py`) and the keys of the facets it reports. Values the document does not show
but the simulator needs are marked as such.
"""

from enum import StrEnum

from app.enums import (
    ActionExceptionCode,
    KioskState,
    OwnershipType,
    PlatformType,
    ReassignmentStatus,
    RegistrationState,
)


def _documented(enum: type[StrEnum]) -> tuple[str, ...]:
    """The provider's values of a shared enum (UNKNOWN is the gateway's, for values added later)."""
    return tuple(member.value for member in enum if member.value != "UNKNOWN")


# `REGISTRATIONSTATE`, `PLATFORMTYPE`, `KIOSKSTATE` and `OWNERSHIPTYPE` facets, defined once in
# `app.enums`. WINDOWS_PHONE is listed but never enrolled here (see `data.py`).
REGISTRATION_STATES: tuple[str, ...] = _documented(RegistrationState)
PLATFORM_TYPES: tuple[str, ...] = _documented(PlatformType)
KIOSK_STATES: tuple[str, ...] = _documented(KioskState)
# The provider's own ownership values include UNKNOWN.
OWNERSHIP_TYPES: tuple[str, ...] = tuple(member.value for member in OwnershipType)
# `mobileThreatDefenseGeneralStatus`, `antiPhishingGeneralStatus`, `antiPhishingStatus`.
THREAT_STATUSES: tuple[str, ...] = ("NA", "UNKNOWN")
# `secureAppsStatus` / `secureAppsEncryptionStatus` and `secureAppsEncryptionMode` (Android).
SECURE_APPS_STATUSES: tuple[str, ...] = ("FALSE",)
SECURE_APPS_ENCRYPTION_MODES: tuple[str, ...] = ("NONE",)
# `androidSafetyNetAttestationType` (`ANDROIDSAFETYNETATTESTATIONTYPE` facet).
SAFETY_NET_ATTESTATION_TYPES: tuple[str, ...] = ("UNKNOWN",)
# `locationStatusDetail.locationStatus`.
LOCATION_STATUSES: tuple[str, ...] = ("AVAILABLE",)
# `privacyPolicy.locateStatus`: the document shows ENABLED; DISABLED (employee-owned devices)
# is the simulator's.
LOCATE_STATUSES: tuple[str, ...] = ("ENABLED", "DISABLED")
# `cellularTechnology`: the document shows the provider's untranslated key for devices without
# a cellular modem, and `GSM/CDMA`.
CELLULAR_TECHNOLOGIES: tuple[str, ...] = ("GSM/CDMA", "device__p_cellular_technology")
# `clusterIdentifier` and `deviceSource`.
DEVICE_SOURCES: tuple[str, ...] = ("CLOUD",)
# `serviceSubscriptions[].slot` (iOS).
SUBSCRIPTION_SLOTS: tuple[str, ...] = ("CTSubscriptionSlotOne",)
# `actionExceptionCodes` of a device the viability checks reject: the document shows
# PLATFORM_NOT_SUPPORTED (`logoutUser` example); the others name the rules its calls state
# (`app.enums.ActionExceptionCode`, whose NOT_ENROLLED, NOT_FOUND and UNKNOWN are the gateway's).
GATEWAY_ONLY_CODES = frozenset({"NOT_ENROLLED", "NOT_FOUND", "UNKNOWN"})
ACTION_EXCEPTION_CODES: tuple[str, ...] = tuple(
    code.value for code in ActionExceptionCode if code.value not in GATEWAY_ONLY_CODES
)
# The document's "Last Reassignment Status" (`lastReassignmentStatus` here).
REASSIGNMENT_STATUSES: tuple[str, ...] = tuple(status.value for status in ReassignmentStatus)
# Device groups: `type`, `treeView.operator`, `treeView.rule.operator`.
GROUP_TYPES: tuple[str, ...] = ("DEVICE",)
TREE_OPERATORS: tuple[str, ...] = ("LEAF",)
RULE_OPERATORS: tuple[str, ...] = ("EQ",)

# Configurations (`/configs`): the document's `policyType` values and `policyRuleType`.
CONFIG_POLICY_TYPES: tuple[str, ...] = (
    "PASSCODE",
    "IDENTITY_CERTIFICATE_DG",
    "WIFI",
    "EXCHANGE",
    "WEBCLIP",
    "VPN",
)
CONFIG_RULE_TYPES: tuple[str, ...] = ("NONE",)


class ConfigStatus(StrEnum):
    """A configuration's status on one device. The document shows only INSTALLED; PENDING (not
    yet installed, or being re-installed), EXCLUDED (`uninstallconfigs`) and ERROR (failed to
    install, counted in `violationDeviceCount`) are what its exclude / re-push / re-install
    calls imply, and are the simulator's."""

    INSTALLED = "INSTALLED"
    PENDING = "PENDING"
    EXCLUDED = "EXCLUDED"
    ERROR = "ERROR"


CONFIG_STATUSES: tuple[str, ...] = tuple(status.value for status in ConfigStatus)

# Compliance policies (`/policies`): `policyType` and the rules of the document's example.
COMPLIANCE_POLICY_TYPE = "POLICY"
COMPLIANCE_RULE_TYPES: tuple[str, ...] = (
    "COMPROMISED",
    "MDM_DISABLED",
    "OUT_OF_CONTACT",
    "ROAMING",
)

# Certificates (`/certs/search`): the `CERTSTORESTATE` facet, in the document's order.
CERT_STATES: tuple[str, ...] = (
    "Manual_Revoke",
    "Pending_Revoke",
    "Active",
    "Revoked",
    "Expired",
    "Deleted",
    "Revoke_Failed",
    "Pending",
)
CA_TYPES: tuple[str, ...] = ("LOCAL",)
CERT_USAGE_TYPES: tuple[str, ...] = ("UNKNOWN",)
# `mdmState` of a certificate's device: ENABLED as shown; DISABLED (retired or wiped devices)
# is the simulator's.
MDM_STATES: tuple[str, ...] = ("ENABLED", "DISABLED")

# DEP profiles: `status` and `skipSetupItems`.
DEP_PROFILE_STATUSES: tuple[str, ...] = ("ACTIVE",)
SKIP_SETUP_ITEMS: tuple[str, ...] = (
    "Location",
    "Restore",
    "Android",
    "AppleID",
    "TOS",
    "Biometric",
    "Payment",
    "Zoom",
    "Siri",
    "Diagnostics",
    "Passcode",
)


class Role(StrEnum):
    """The document's authorisation words ("This call requires tenant admin credentials",
    "Device Management or Device Read Only", "Device Actions or Device Management")."""

    TENANT_ADMIN = "TENANT_ADMIN"
    DEVICE_MANAGEMENT = "DEVICE_MANAGEMENT"
    DEVICE_ACTIONS = "DEVICE_ACTIONS"
    DEVICE_READ_ONLY = "DEVICE_READ_ONLY"


# Facets of the device search, in the order of the richest example (`lastCheckin` search),
# with the two the other examples add (`ANTI_PHISHING_STATUS`, `ANDROIDWORKCONTAINERENABLED`).
FACETS: tuple[str, ...] = (
    "LAST_HOTFIX_ID",
    "SUBSCRIBERCARRIERNETWORK",
    "AUTHONLY",
    "ANDROIDWORKPROFILEONCOMPANYOWNEDDEVICEENABLED",
    "ANDROIDDEVICEOWNERMODEENABLED",
    "PRETTYMODEL",
    "REGISTRATIONSTATE",
    "DEVICESOURCE",
    "MULTIUSER",
    "ACCOUNTENABLED",
    "ANDROIDWORKPROFILEENABLED",
    "KIOSKSTATE",
    "ANDROIDSECURITYPATCHLEVEL",
    "JAILBROKEN",
    "PLATFORMTYPE",
    "OWNERSHIPTYPE",
    "ANTI_PHISHING_STATUS",
    "ANDROIDSAFETYNETATTESTATIONTYPE",
    "ANDROIDWORKDEVICEOWNERWITHWORKPROFILEENABLED",
    "COMPLIANCESTATE",
    "MOBILE_THREAT_DEFENSE_GENERAL_STATUS",
    "SUPERVISED",
    "ANTIPHISHINGGENERALSTATUS",
    "SECUREAPPSSTATUS",
    "MAMONLY",
    "ANDROIDMANAGEDBYGOOGLE",
    "ACCOUNTGROUP",
    "ANDROIDWORKENABLED",
    "ANDROIDWORKCONTAINERENABLED",
    "OSBUILDVERSION",
    "ROAMING",
    "LOSTMODEENABLED",
)
# Facets whose every value is listed, zero counts included (as the registration-time example).
FACET_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "REGISTRATIONSTATE": REGISTRATION_STATES,
    "PLATFORMTYPE": PLATFORM_TYPES,
    "KIOSKSTATE": KIOSK_STATES,
    "OWNERSHIPTYPE": OWNERSHIP_TYPES,
    "COMPLIANCESTATE": ("false", "true"),
    "JAILBROKEN": ("true", "false"),
    "SUPERVISED": ("true", "false"),
    "ROAMING": ("true", "false"),
}
