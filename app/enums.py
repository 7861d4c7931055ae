"""Enumerations shared by the tables, the GraphQL schema and the simulators.

Each enum is defined once, here. Values equal names, so the database stores the plain
name and the GraphQL layer serialises a stored string with a dictionary lookup.
"""

from enum import StrEnum
from typing import TypeVar


class DeviceClientStatus(StrEnum):
    """Where a rented device is in its life, as the rental API's `client_status`."""

    ARCHIVED = "ARCHIVED"
    PENDING_VALIDATION = "PENDING_VALIDATION"
    IN_PREPARATION = "IN_PREPARATION"
    DELIVERED = "DELIVERED"
    SHIPPED = "SHIPPED"
    AVAILABLE = "AVAILABLE"
    IN_SERVICE = "IN_SERVICE"
    IN_MAINTENANCE = "IN_MAINTENANCE"
    OUT_OF_SERVICE = "OUT_OF_SERVICE"


class KeyboardLayout(StrEnum):
    """Keyboard layout codes of the rental API's device characteristics."""

    FRENCH_AZERTY = "FRENCH_AZERTY"
    SPANISH_QWERTY = "SPANISH_QWERTY"
    ITALIAN_QWERTY = "ITALIAN_QWERTY"
    INTERNATIONAL_ENGLISH_QWERTY = "INTERNATIONAL_ENGLISH_QWERTY"
    GERMAN_QWERTZ = "GERMAN_QWERTZ"
    PORTUGUESE_QWERTY = "PORTUGUESE_QWERTY"
    ENGLISH_QWERTY = "ENGLISH_QWERTY"
    SWISS_QWERTZ = "SWISS_QWERTZ"
    AMERICAN_ENGLISH_QWERTY = "AMERICAN_ENGLISH_QWERTY"
    CANADIAN_ENGLISH_QWERTY = "CANADIAN_ENGLISH_QWERTY"
    DUTCH_QWERTY = "DUTCH_QWERTY"


class MdmEnrollmentStatus(StrEnum):
    """Stored MDM enrollment states. DRAFT rows exist in the database but are never exposed."""

    DRAFT = "DRAFT"
    SUBSCRIBED = "SUBSCRIBED"
    DOWNLOADED = "DOWNLOADED"
    IDENTIFIED = "IDENTIFIED"
    ENROLLMENT_IN_PROGRESS = "ENROLLMENT_IN_PROGRESS"
    ENROLLED = "ENROLLED"
    UNENROLLED = "UNENROLLED"
    DEVICE_WIPE_PENDING = "DEVICE_WIPE_PENDING"


# The exposed subset: every stored state but DRAFT.
MdmStatus = StrEnum(  # type: ignore[misc]
    "MdmStatus",
    [(m.name, m.value) for m in MdmEnrollmentStatus if m is not MdmEnrollmentStatus.DRAFT],
)
MdmStatus.__doc__ = "MDM enrollment status of a device, as the rental API's `mdm.status`."


class OrderClientStatus(StrEnum):
    """Where an order is in its life, as the rental API's `order.client_status`."""

    RECEIVED = "RECEIVED"
    BEING_PROCESSED = "BEING_PROCESSED"
    FINANCING_REQUEST = "FINANCING_REQUEST"
    DOC_REQUIRED = "DOC_REQUIRED"
    SIGNING = "SIGNING"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    RECEPTION_TO_CONFIRM = "RECEPTION_TO_CONFIRM"
    ONGOING_ORDER = "ONGOING_ORDER"
    PENDING_DECISION = "PENDING_DECISION"
    EQUIPMENT_TO_SEND = "EQUIPMENT_TO_SEND"
    ARCHIVED = "ARCHIVED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


class ParcelType(StrEnum):
    """RETURN: a device going back. INTER_OFFICE_DELIVERY: a move between offices."""

    RETURN = "RETURN"
    INTER_OFFICE_DELIVERY = "INTER_OFFICE_DELIVERY"


class ParcelStatus(StrEnum):
    """Shipment progress of a parcel."""

    WAITING = "WAITING"
    SCHEDULED = "SCHEDULED"
    SHIPPED = "SHIPPED"
    RECEIVED = "RECEIVED"
    FAILED = "FAILED"


class Role(StrEnum):
    """Gateway roles, after the MDM provider's authorisation words.

    Each role includes the ones before it.
    """

    READ_ONLY = "READ_ONLY"
    DEVICE_ACTIONS = "DEVICE_ACTIONS"
    DEVICE_MANAGEMENT = "DEVICE_MANAGEMENT"
    TENANT_ADMIN = "TENANT_ADMIN"


class ActionRunStatus(StrEnum):
    """State of a device action run, and of each of its targets."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"


class DeviceAction(StrEnum):
    """A remote action on devices, as recorded in a `DeviceActionRun`."""

    ASSIGN = "ASSIGN"
    UNASSIGN = "UNASSIGN"
    LOCK = "LOCK"
    UNLOCK = "UNLOCK"
    WIPE = "WIPE"
    RETIRE = "RETIRE"
    DELETE = "DELETE"
    FORCE_CHECKIN = "FORCE_CHECKIN"
    RESTART = "RESTART"
    ENABLE_LOST_MODE = "ENABLE_LOST_MODE"
    DISABLE_LOST_MODE = "DISABLE_LOST_MODE"
    ENTER_KIOSK_MODE = "ENTER_KIOSK_MODE"
    EXIT_KIOSK_MODE = "EXIT_KIOSK_MODE"
    RELINQUISH_OWNERSHIP = "RELINQUISH_OWNERSHIP"
    CANCEL_RELINQUISH_OWNERSHIP = "CANCEL_RELINQUISH_OWNERSHIP"
    SCHEDULE_OS_UPDATE = "SCHEDULE_OS_UPDATE"
    LOGOUT_USERS = "LOGOUT_USERS"
    SEND_MESSAGE = "SEND_MESSAGE"
    REPLACE_CUSTOM_ATTRIBUTES = "REPLACE_CUSTOM_ATTRIBUTES"
    PATCH_CUSTOM_ATTRIBUTES = "PATCH_CUSTOM_ATTRIBUTES"
    REMOVE_CUSTOM_ATTRIBUTES = "REMOVE_CUSTOM_ATTRIBUTES"
    EXCLUDE_CONFIGURATION = "EXCLUDE_CONFIGURATION"
    REPUSH_CONFIGURATION = "REPUSH_CONFIGURATION"
    REINSTALL_CONFIGURATION = "REINSTALL_CONFIGURATION"
    SYNC_COMPLIANCE = "SYNC_COMPLIANCE"


class ActionFailureCode(StrEnum):
    """Why an action failed on a device it was sent for (the upstream's fault, not the input's)."""

    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    UPSTREAM_RATE_LIMITED = "UPSTREAM_RATE_LIMITED"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UPSTREAM_UNAUTHORIZED = "UPSTREAM_UNAUTHORIZED"
    PROVIDER_FAILED = "PROVIDER_FAILED"
    TIMED_OUT = "TIMED_OUT"


class UserErrorCode(StrEnum):
    """Why a mutation refused its input (`userErrors[].code`)."""

    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    TOO_MANY = "TOO_MANY"
    DUPLICATE = "DUPLICATE"
    INVALID_ID = "INVALID_ID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


class ActionExceptionCode(StrEnum):
    """Why a device is not eligible for an action.

    The MDM provider's `actionExceptionCodes` (its document shows PLATFORM_NOT_SUPPORTED) and the
    rules its document states per call (supervised iOS only, iOS 11.3+, a retired device ...),
    named once here: the simulator answers with them and the gateway checks the same rules before
    any call. NOT_ENROLLED and NOT_FOUND are the gateway's own; UNKNOWN is a code the provider
    adds later.
    """

    PLATFORM_NOT_SUPPORTED = "PLATFORM_NOT_SUPPORTED"
    NOT_SUPERVISED = "NOT_SUPERVISED"
    OS_VERSION_TOO_OLD = "OS_VERSION_TOO_OLD"
    WRONG_REGISTRATION_STATE = "WRONG_REGISTRATION_STATE"
    WRONG_STATE = "WRONG_STATE"
    MISSING_PREREQUISITE = "MISSING_PREREQUISITE"
    NOT_ENROLLED = "NOT_ENROLLED"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN = "UNKNOWN"


class ReassignmentStatus(StrEnum):
    """The provider's "Last Reassignment Status" of a device after `updateAccount`."""

    INITIATED = "INITIATED"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class RegistrationState(StrEnum):
    """The MDM provider's registration state of a device (its `REGISTRATIONSTATE` facet)."""

    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"
    RETIRE_PENDING = "RETIRE_PENDING"
    RETIRE_SENT = "RETIRE_SENT"
    RETIRE_CANCELED = "RETIRE_CANCELED"
    WIPE_PENDING = "WIPE_PENDING"
    WIPE_SENT = "WIPE_SENT"
    WIPED = "WIPED"
    WIPE_CANCELED = "WIPE_CANCELED"
    UNKNOWN = "UNKNOWN"


class PlatformType(StrEnum):
    """The MDM provider's platform of a device (its `PLATFORMTYPE` facet)."""

    ANDROID = "ANDROID"
    IOS = "IOS"
    WINDOWS_PHONE = "WINDOWS_PHONE"
    OSX = "OSX"
    UNKNOWN = "UNKNOWN"


class KioskState(StrEnum):
    """Whether a device is in kiosk mode, as the MDM provider reports it."""

    NOT_CONFIGURED = "NOT_CONFIGURED"
    INACTIVE = "INACTIVE"
    ACTIVE = "ACTIVE"
    UNKNOWN = "UNKNOWN"


class OwnershipType(StrEnum):
    """Who owns a device, as the MDM provider records it."""

    COMPANY = "COMPANY"
    EMPLOYEE = "EMPLOYEE"
    UNKNOWN = "UNKNOWN"


class AgentStatus(StrEnum):
    """The device agent's status in the inventory (`active`, `inactive`, `pending` there)."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"


class ConfigStatus(StrEnum):
    """An MDM configuration's status on one device. The provider's document shows INSTALLED;
    PENDING, EXCLUDED and ERROR are what its exclude, re-push and re-install calls imply."""

    INSTALLED = "INSTALLED"
    PENDING = "PENDING"
    EXCLUDED = "EXCLUDED"
    ERROR = "ERROR"
    UNKNOWN = "UNKNOWN"


class CertificateState(StrEnum):
    """A certificate's state at the MDM provider (its `CERTSTORESTATE` facet, which spells them
    `Manual_Revoke`, `Active` ...)."""

    MANUAL_REVOKE = "MANUAL_REVOKE"
    PENDING_REVOKE = "PENDING_REVOKE"
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    DELETED = "DELETED"
    REVOKE_FAILED = "REVOKE_FAILED"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"


E = TypeVar("E", bound=StrEnum)


def known(enum: type[E], raw: object) -> E:
    """The member of `enum` for an upstream's raw value; UNKNOWN for a value added later."""
    try:
        return enum(str(raw).upper())
    except ValueError:
        return enum("UNKNOWN")
