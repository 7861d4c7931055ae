"""Which devices a remote action may act on, and why not: the provider's viability rules.

A rule answers a device's `actionExceptionCodes` for one action (empty: eligible). The same list
is what a viability check (`GET .../lock?checkViability=true`) reports per ineligible device and
what an action leaves on a device it skipped. The rules are the ones the document states per call
("supported on supervised iOS devices", "iOS 11.3+", "available for Android devices only", "must
not be in the ACTIVE or WIPE_PENDING state"), plus the state a call needs to make sense (lost
mode on before disabling it, a pending relinquish before cancelling it); the gateway checks the
same rules before it calls, with the codes of `app.enums.ActionExceptionCode`.

Every action but delete needs a device the provider still manages (`MANAGED_STATES`), otherwise
WRONG_REGISTRATION_STATE. A device may collect several codes; platform-specific conditions are
only looked at on the platform they concern.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.enums import ActionExceptionCode as Code
from app.enums import KioskState, OwnershipType, PlatformType, RegistrationState
from app.simulators.mdm.enums import ConfigStatus
from app.simulators.mdm.records import MdmDevice, Partition

IOS, ANDROID = PlatformType.IOS.value, PlatformType.ANDROID.value
PROXIMITY_SETUP_SINCE = (11, 3)  # `iosDisallowProximitySetup`: "Applicable for iOS 11.3+"
PRESERVE_DATA_PLAN_SINCE = (11,)  # `iosPreserveDataPlan`: "applicable for iOS 11+"
UNDELETABLE_STATES = frozenset(
    {RegistrationState.ACTIVE.value, RegistrationState.WIPE_PENDING.value}
)
WIFI_POLICY_TYPE = "WIFI"
STALE_DAYS = 30  # a device silent for longer never answers a reassignment


class Action(StrEnum):
    """The remote actions; a bulk action's value is its path segment (`/api/v1/device/lock`)."""

    ASSIGN = "updateAccount"
    LOCK = "lock"
    UNLOCK = "unlock"
    WIPE = "wipe"
    RETIRE = "retire"
    FORCE_CHECKIN = "forceCheckin"
    RESTART = "restart"
    ENABLE_LOST_MODE = "enableLostMode"
    DISABLE_LOST_MODE = "disableLostMode"
    ENTER_KIOSK_MODE = "enterKioskMode"
    EXIT_KIOSK_MODE = "exitKioskMode"
    RELINQUISH = "relinquishOwnership"
    CANCEL_RELINQUISH = "relinquishOwnershipCancel"
    SCHEDULE_OS_UPDATE = "scheduleOSUpdate"
    LOGOUT_USER = "logoutUser"
    DELETE = "delete"
    MESSAGE = "message"
    COMPLIANCE_SYNC = "complianceSync"
    CONFIGURATIONS = "configurations"  # uninstallconfigs / reinstallconfigs of one device


@dataclass(frozen=True, slots=True)
class Options:
    """What a request asks beyond its devices, as far as a rule depends on it."""

    version: tuple[int, ...] | None = None  # scheduleOSUpdate
    disallow_proximity_setup: bool = False  # wipe
    preserve_data_plan: bool = False  # wipe
    return_to_service: bool = False  # wipe
    wifi_policy_id: int | None = None  # wipe, with return to service


def parse_version(text: str) -> tuple[int, ...] | None:
    """`"17.7.1"` -> (17, 7, 1); None when it is not dotted numbers."""
    parts = text.strip().split(".")
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def version_at_least(version: str, minimum: tuple[int, ...]) -> bool:
    """Whether an OS version is `minimum` or newer, component-wise (`11.2.6` < `11.3`)."""
    parsed = parse_version(version)
    return parsed is not None and _padded(parsed, minimum) >= _padded(minimum, parsed)


def _padded(version: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    return version + (0,) * max(0, len(other) - len(version))


def newer(candidate: tuple[int, ...], current: str) -> bool:
    """Whether `candidate` is a later version than the device's `current` one."""
    parsed = parse_version(current)
    if parsed is None:
        return True
    return _padded(candidate, parsed) > _padded(parsed, candidate)


Rule = Callable[[MdmDevice, Partition, Options], list[Code]]


def _none(_device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    return []


def _assign(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    """ "Supported on supervised iOS devices and on the Android Enterprise devices" (secure
    re-assignment, which needs the device-owner mode)."""
    if device.platform_type == IOS:
        return [] if device.supervised else [Code.NOT_SUPERVISED]
    if device.platform_type == ANDROID:
        owner_mode = bool(device.extras.get("androidDeviceOwnerModeEnabled"))
        return [] if owner_mode else [Code.NOT_SUPERVISED]
    return [Code.PLATFORM_NOT_SUPPORTED]


def _restart(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    """ "Restarts the Supervised iOS devices"."""
    if device.platform_type != IOS:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [] if device.supervised else [Code.NOT_SUPERVISED]


def _enable_lost_mode(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    if device.platform_type != IOS:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [Code.WRONG_STATE] if device.lost_mode_enabled else []


def _disable_lost_mode(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    if device.platform_type != IOS:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [] if device.lost_mode_enabled else [Code.WRONG_STATE]


def _enter_kiosk(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    if device.platform_type != ANDROID:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [Code.WRONG_STATE] if device.kiosk_state == KioskState.ACTIVE.value else []


def _exit_kiosk(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    if device.platform_type != ANDROID:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [] if device.kiosk_state == KioskState.ACTIVE.value else [Code.WRONG_STATE]


def _relinquish(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    """Only a company-owned Android device can be released for personal use, and only once."""
    if device.platform_type != ANDROID:
        return [Code.PLATFORM_NOT_SUPPORTED]
    company = device.ownership_type == OwnershipType.COMPANY.value
    return [] if company and not device.relinquish_pending else [Code.WRONG_STATE]


def _cancel_relinquish(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    if device.platform_type != ANDROID:
        return [Code.PLATFORM_NOT_SUPPORTED]
    return [] if device.relinquish_pending else [Code.WRONG_STATE]


def _schedule_os_update(device: MdmDevice, _partition: Partition, options: Options) -> list[Code]:
    """iOS only, and to a version newer than the installed one (a check may omit the version)."""
    if device.platform_type != IOS:
        return [Code.PLATFORM_NOT_SUPPORTED]
    if options.version is not None and not newer(options.version, device.platform_version):
        return [Code.WRONG_STATE]
    return []


def _wipe(device: MdmDevice, partition: Partition, options: Options) -> list[Code]:
    """Not twice (WIPE_PENDING is still managed, so it is refused here); each iOS option needs
    iOS and its minimum version; return to service needs a Wi-Fi configuration of the device."""
    codes: list[Code] = []
    if device.registration_state == RegistrationState.WIPE_PENDING.value:
        codes.append(Code.WRONG_REGISTRATION_STATE)
    for wanted, minimum in (
        (options.disallow_proximity_setup, PROXIMITY_SETUP_SINCE),
        (options.preserve_data_plan, PRESERVE_DATA_PLAN_SINCE),
    ):
        if not wanted:
            continue
        if device.platform_type != IOS:
            codes.append(Code.PLATFORM_NOT_SUPPORTED)
        elif not version_at_least(device.platform_version, minimum):
            codes.append(Code.OS_VERSION_TOO_OLD)
    if options.return_to_service and not _has_wifi_config(device, partition, options):
        codes.append(Code.MISSING_PREREQUISITE)
    return codes


def _has_wifi_config(device: MdmDevice, partition: Partition, options: Options) -> bool:
    """Whether `wifiPolicyId` names a Wi-Fi configuration assigned to (not excluded from) it."""
    wanted = options.wifi_policy_id
    definition = None if wanted is None else partition.configs.get(wanted)
    if definition is None or definition.policy_type != WIFI_POLICY_TYPE:
        return False
    return any(
        config.config_id == wanted and config.status != ConfigStatus.EXCLUDED.value
        for config in device.configs
    )


def _logout_user(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    """Android devices, and shared iPads (`multiUser`)."""
    if device.platform_type == ANDROID or (device.platform_type == IOS and device.multi_user):
        return []
    return [Code.PLATFORM_NOT_SUPPORTED]


def _delete(device: MdmDevice, _partition: Partition, _options: Options) -> list[Code]:
    """ "Device should not be in the ACTIVE or WIPE_PENDING state" (retire it first)."""
    if device.registration_state in UNDELETABLE_STATES:
        return [Code.WRONG_REGISTRATION_STATE]
    return []


RULES: dict[Action, Rule] = {
    Action.ASSIGN: _assign,
    Action.LOCK: _none,
    Action.UNLOCK: _none,
    Action.WIPE: _wipe,
    Action.RETIRE: _none,
    Action.FORCE_CHECKIN: _none,
    Action.RESTART: _restart,
    Action.ENABLE_LOST_MODE: _enable_lost_mode,
    Action.DISABLE_LOST_MODE: _disable_lost_mode,
    Action.ENTER_KIOSK_MODE: _enter_kiosk,
    Action.EXIT_KIOSK_MODE: _exit_kiosk,
    Action.RELINQUISH: _relinquish,
    Action.CANCEL_RELINQUISH: _cancel_relinquish,
    Action.SCHEDULE_OS_UPDATE: _schedule_os_update,
    Action.LOGOUT_USER: _logout_user,
    Action.DELETE: _delete,
    Action.MESSAGE: _none,
    Action.COMPLIANCE_SYNC: _none,
    Action.CONFIGURATIONS: _none,
}


def ineligibility(
    action: Action, device: MdmDevice, partition: Partition, options: Options | None = None
) -> list[str]:
    """The device's `actionExceptionCodes` for `action` (empty when it is eligible)."""
    codes: list[Code] = []
    if action is not Action.DELETE and not device.managed:
        codes.append(Code.WRONG_REGISTRATION_STATE)
    codes.extend(RULES[action](device, partition, options or Options()))
    return [code.value for code in dict.fromkeys(codes)]


def reassignment_fails(device: MdmDevice, now_ms: int) -> bool:
    """The natural outcome of a reassignment: a device that has not checked in for more than
    30 days (or ever) does not answer, so the provider marks it FAILED."""
    last = device.last_checkin
    return last is None or now_ms - last > STALE_DAYS * 86_400_000
