"""Every device action: the rules the gateway checks before a call, the provider call itself,
and how an asynchronous one is followed to its end.

The rules are the MDM provider document's, checked on the device's live record (`GET
/api/v1/device/{id}`) so that a request the provider would refuse never reaches it: platform
(restart on supervised iOS only, kiosk on Android only ...), OS version (wipe options), state
(delete only a device that is neither ACTIVE nor WIPE_PENDING) and prerequisites (a Wi-Fi
configuration assigned to the device for return-to-service). Where the provider also has a
viability check (`check_path`), it is asked too and has the last word.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.enums import (
    ActionExceptionCode,
    ActionRunStatus,
    DeviceAction,
    ReassignmentStatus,
    known,
)
from app.upstreams.client import Deadline
from app.upstreams.errors import UpstreamError
from app.upstreams.mdm import MdmAdapter

Record = dict[str, Any]
Options = dict[str, Any]

API = "/api/v1/device"
# Registration states in which the provider still manages a device (its document's states).
MANAGED = frozenset(
    {"ACTIVE", "RETIRE_PENDING", "RETIRE_SENT", "RETIRE_CANCELED", "WIPE_CANCELED", "WIPE_PENDING"}
)
WIPING = frozenset({"WIPE_PENDING", "WIPE_SENT", "WIPED"})
# The local enrollment status -> the provider's registration state, for deciding a delete when
# the provider cannot be asked (the README shows this mapping).
REGISTRATION_OF_ENROLLMENT = {
    "SUBSCRIBED": "ACTIVE",
    "DOWNLOADED": "ACTIVE",
    "IDENTIFIED": "ACTIVE",
    "ENROLLMENT_IN_PROGRESS": "ACTIVE",
    "ENROLLED": "ACTIVE",
    "DEVICE_WIPE_PENDING": "WIPE_PENDING",
    "UNENROLLED": "RETIRED",
}


@dataclass(frozen=True, slots=True)
class Ineligible:
    code: ActionExceptionCode
    reason: str


Rule = Callable[[Record, Options], Ineligible | None]


@dataclass(frozen=True, slots=True)
class Target:
    """A device the action is sent for: the gateway's id and the provider's."""

    device_id: int
    mdm_id: int
    record: Record


@dataclass(frozen=True, slots=True)
class CallContext:
    mdm: MdmAdapter
    deadline: Deadline
    partition_id: int | None
    account_id: int | None = None  # assign: the provider account of the new assignee


# What a call answered, per provider device id: None when the provider only answered a count
# (each target's outcome then comes from re-reading it), else (status, code, reason).
Verdict = tuple[ActionRunStatus, str | None, str | None]
Call = Callable[[CallContext, list[Target], Options], Awaitable[dict[int, Verdict] | int]]
# An asynchronous action's state on a re-read record: None while it is still under way.
Follow = Callable[[Record, Options], Verdict | None]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    action: DeviceAction
    mutation: str
    call: Call | None
    rules: tuple[Rule, ...] = ()
    check_path: str | None = None  # the provider's per-device viability check
    check_options: Callable[[Options], dict[str, Any]] = field(default=lambda _options: {})
    follow: Follow | None = None
    # Whether, when the provider cannot be read, the local enrollment stands in for its record.
    local_fallback: bool = False
    # Whether the rules need the device's configurations (`record["configs"]`, read per device).
    needs_configs: Callable[[Options], bool] = field(default=lambda _options: False)
    # Options kept out of the recorded input (secrets such as the unlock PIN).
    secret_options: frozenset[str] = frozenset()
    description: str = ""


# ---- rules ------------------------------------------------------------------------------------


def _platform(record: Record) -> str:
    return str(record.get("platformType") or "UNKNOWN")


def _version(raw: object) -> tuple[int, ...]:
    parts = re.findall(r"\d+", str(raw or ""))
    return tuple(int(part) for part in parts[:3]) or (0,)


def managed(record: Record, _options: Options) -> Ineligible | None:
    state = str(record.get("registrationState") or "UNKNOWN")
    if state not in MANAGED:
        return Ineligible(
            ActionExceptionCode.WRONG_REGISTRATION_STATE,
            f"the device is {state} at the MDM provider, no longer managed",
        )
    return None


def platform_is(*platforms: str) -> Rule:
    names = " or ".join(platforms)

    def rule(record: Record, _options: Options) -> Ineligible | None:
        if _platform(record) not in platforms:
            return Ineligible(
                ActionExceptionCode.PLATFORM_NOT_SUPPORTED,
                f"only {names} devices support this action; this one is {_platform(record)}",
            )
        return None

    return rule


def supervised_ios(record: Record, _options: Options) -> Ineligible | None:
    if _platform(record) != "IOS":
        return Ineligible(
            ActionExceptionCode.PLATFORM_NOT_SUPPORTED,
            f"only supervised iOS devices support this action; this one is {_platform(record)}",
        )
    if record.get("supervised") is not True:
        return Ineligible(ActionExceptionCode.NOT_SUPERVISED, "the iOS device is not supervised")
    return None


def reassignable(record: Record, _options: Options) -> Ineligible | None:
    """Supervised iOS, or Android Enterprise with secure re-assignment (device owner mode)."""
    platform = _platform(record)
    if platform == "IOS":
        return supervised_ios(record, _options)
    if platform == "ANDROID":
        if record.get("androidDeviceOwnerModeEnabled") is not True:
            return Ineligible(
                ActionExceptionCode.NOT_SUPERVISED,
                "the Android device is not an Android Enterprise device in device owner mode",
            )
        return None
    return Ineligible(
        ActionExceptionCode.PLATFORM_NOT_SUPPORTED,
        f"reassignment needs supervised iOS or Android Enterprise; this one is {platform}",
    )


def not_wiping(record: Record, _options: Options) -> Ineligible | None:
    state = str(record.get("registrationState") or "")
    if state in WIPING:
        return Ineligible(
            ActionExceptionCode.WRONG_REGISTRATION_STATE, f"a wipe is already under way ({state})"
        )
    return None


def deletable(record: Record, _options: Options) -> Ineligible | None:
    state = str(record.get("registrationState") or "UNKNOWN")
    if state in ("ACTIVE", "WIPE_PENDING"):
        return Ineligible(
            ActionExceptionCode.WRONG_REGISTRATION_STATE,
            f"only a retired device can be deleted, and not while {state}",
        )
    return None


def wipe_options(record: Record, options: Options) -> Ineligible | None:
    """The provider's per-option conditions of a wipe."""
    platform, version = _platform(record), _version(record.get("platformVersion"))
    for option, minimum, label in (
        ("disallow_proximity_setup", (11, 3), "11.3"),
        ("preserve_data_plan", (11,), "11"),
    ):
        if not options.get(option):
            continue
        if platform != "IOS":
            return Ineligible(
                ActionExceptionCode.PLATFORM_NOT_SUPPORTED,
                f"`{_camel(option)}` applies to iOS devices only",
            )
        if version < minimum:
            return Ineligible(
                ActionExceptionCode.OS_VERSION_TOO_OLD,
                f"`{_camel(option)}` needs iOS {label} or later; the device runs "
                f"{record.get('platformVersion')}",
            )
    return None


def lost_mode(enabled: bool) -> Rule:
    def rule(record: Record, _options: Options) -> Ineligible | None:
        if bool(record.get("lostModeEnabled")) == enabled:
            state = "already in" if enabled else "not in"
            return Ineligible(ActionExceptionCode.WRONG_STATE, f"the device is {state} lost mode")
        return None

    return rule


def kiosk(entering: bool) -> Rule:
    def rule(record: Record, _options: Options) -> Ineligible | None:
        active = record.get("kioskState") == "ACTIVE"
        if active == entering:
            state = "already in" if entering else "not in"
            return Ineligible(ActionExceptionCode.WRONG_STATE, f"the device is {state} kiosk mode")
        return None

    return rule


def company_owned(record: Record, _options: Options) -> Ineligible | None:
    if record.get("ownershipType") != "COMPANY":
        return Ineligible(
            ActionExceptionCode.WRONG_STATE, "only a company-owned device can be relinquished"
        )
    return None


def newer_os(record: Record, options: Options) -> Ineligible | None:
    current = record.get("platformVersion")
    if _version(options["version"]) <= _version(current):
        return Ineligible(
            ActionExceptionCode.WRONG_STATE,
            f"the device already runs iOS {current}, not older than {options['version']}",
        )
    return None


def logout_supported(record: Record, _options: Options) -> Ineligible | None:
    platform = _platform(record)
    if platform == "ANDROID" or (platform == "IOS" and record.get("multiUser") is True):
        return None
    return Ineligible(
        ActionExceptionCode.PLATFORM_NOT_SUPPORTED,
        "logging users out needs an Android device or a shared (multi-user) iPad",
    )


def _configs(record: Record) -> dict[int, Record]:
    return {int(config["id"]): config for config in record.get("configs") or ()}


def configs_assigned(record: Record, options: Options) -> Ineligible | None:
    assigned = _configs(record)
    for config_id in options["configuration_ids"]:
        if config_id not in assigned:
            return Ineligible(
                ActionExceptionCode.MISSING_PREREQUISITE,
                f"configuration {config_id} is not assigned to the device",
            )
    return None


def configs_excluded(excluded: bool) -> Rule:
    """Re-push works only for an excluded configuration; exclusion only for one that is not."""

    def rule(record: Record, options: Options) -> Ineligible | None:
        assigned = _configs(record)
        for config_id in options["configuration_ids"]:
            status = assigned.get(config_id, {}).get("status")
            if (status == "EXCLUDED") != excluded:
                state = "is not" if excluded else "is already"
                return Ineligible(
                    ActionExceptionCode.WRONG_STATE,
                    f"configuration {config_id} {state} excluded from the device",
                )
        return None

    return rule


def return_to_service(record: Record, options: Options) -> Ineligible | None:
    """Return to service needs a Wi-Fi configuration that is assigned to the device."""
    if not options.get("return_to_service"):
        return None
    wifi = _configs(record).get(options.get("wifi_configuration_id") or -1)
    if wifi is None or wifi.get("policyType") != "WIFI":
        return Ineligible(
            ActionExceptionCode.MISSING_PREREQUISITE,
            "return to service needs `wifiConfigurationId` naming a Wi-Fi configuration "
            "assigned to the device",
        )
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# ---- calls ------------------------------------------------------------------------------------


def _ids(targets: list[Target]) -> list[int]:
    return [target.mdm_id for target in targets]


def _count(result: Any) -> int:
    """A count answer (`1`, `2` ...); `true` means every device."""
    if isinstance(result, bool):
        return -1 if result else 0
    return int(result) if isinstance(result, int) else 0


def bulk(method: str, path: str, build: Callable[[Options], dict[str, Any]] | None = None) -> Call:
    """One call for every target: `ids` (repeated) in the form body with the action's options."""

    async def call(ctx: CallContext, targets: list[Target], options: Options) -> int:
        data = {"ids": _ids(targets), **(build(options) if build else {})}
        return _count(await ctx.mdm.act(method, f"{API}/{path}", ctx.deadline, data=data))

    return call


def in_query(method: str, path: str) -> Call:
    """One call with `ids` in the query string (relinquishing takes them there)."""

    async def call(ctx: CallContext, targets: list[Target], _options: Options) -> int:
        ids = ",".join(map(str, _ids(targets)))
        return _count(await ctx.mdm.act(method, f"{API}/{path}", ctx.deadline, params={"ids": ids}))

    return call


async def assign_call(
    ctx: CallContext, targets: list[Target], _options: Options
) -> dict[int, Verdict]:
    """`updateAccount` answers the devices it rejected; the others are INITIATED."""
    result = await ctx.mdm.act(
        "PUT",
        f"{API}/updateAccount",
        ctx.deadline,
        data={"accountId": ctx.account_id, "deviceIds": _ids(targets)},
    )
    rejected: dict[int, Verdict] = {}
    for record in (result or {}).get("searchResults") or [] if isinstance(result, dict) else []:
        codes = record.get("actionExceptionCodes") or ["UNKNOWN"]
        code = known(ActionExceptionCode, codes[0])
        rejected[int(record["id"])] = (ActionRunStatus.REJECTED, code, "the provider refused it")
    pending: Verdict = (ActionRunStatus.PENDING, None, "reassignment INITIATED")
    return {mdm_id: rejected.get(mdm_id, pending) for mdm_id in _ids(targets)}


async def delete_call(ctx: CallContext, targets: list[Target], _options: Options) -> int:
    ids = ",".join(map(str, _ids(targets)))
    return _count(await ctx.mdm.act("DELETE", API, ctx.deadline, params={"deviceIds": ids}))


async def message_call(ctx: CallContext, targets: list[Target], options: Options) -> int:
    data = {
        "sendPushNotification": "true",
        "pushNotificationMessage": options["message"],
        "sendEmail": "true" if options.get("send_email") else "false",
        "emailSubject": options.get("email_subject") or "",
        "emailBody": options.get("email_body") or "",
        "dmPartitionId": ctx.partition_id,
        "deviceIds": ",".join(map(str, _ids(targets))),
    }
    return _count(await ctx.mdm.act("PUT", f"{API}/message", ctx.deadline, data=data))


async def compliance_call(ctx: CallContext, targets: list[Target], options: Options) -> int:
    result = await ctx.mdm.act(
        "POST",
        f"{API}/compliance/sync",
        ctx.deadline,
        params={"vendor": options["vendor"]},
        data={"ids": _ids(targets)},
    )
    # The provider answers 1 for an accepted sync, whatever the number of devices.
    return -1 if _count(result) else 0


def per_device(
    method: str, suffix: str, body: Callable[[Options], dict[str, Any]], *, as_json: bool = False
) -> Call:
    """One call per device (custom attributes, configurations): each gets its own outcome, so
    a failure part-way through a batch fails only the devices it hit."""

    async def call(ctx: CallContext, targets: list[Target], options: Options) -> dict[int, Verdict]:
        verdicts: dict[int, Verdict] = {}
        for target in targets:
            path = f"{API}/{target.mdm_id}/{suffix}"
            payload = body(options)
            try:
                if as_json:
                    result = await ctx.mdm.act(method, path, ctx.deadline, json=payload)
                elif method == "DELETE":
                    result = await ctx.mdm.act(method, path, ctx.deadline, params=payload)
                else:
                    result = await ctx.mdm.act(method, path, ctx.deadline, data=payload)
            except UpstreamError as error:
                verdicts[target.mdm_id] = (ActionRunStatus.FAILED, error.code, error.message)
                continue
            if result is None:
                verdicts[target.mdm_id] = (
                    ActionRunStatus.REJECTED,
                    ActionExceptionCode.NOT_FOUND,
                    "the MDM provider does not know the device",
                )
            else:
                verdicts[target.mdm_id] = (ActionRunStatus.SUCCEEDED, None, None)
        return verdicts

    return call


def _attrs(options: Options) -> dict[str, list[str]]:
    return {attribute["provider_key"]: attribute["values"] for attribute in options["attributes"]}


async def remove_attributes_call(
    ctx: CallContext, targets: list[Target], options: Options
) -> dict[int, Verdict] | int:
    """By keys: one call for every device (the provider's method 1); by key and values: one
    call per device (method 2)."""
    if options.get("keys"):
        result = await ctx.mdm.act(
            "DELETE",
            f"{API}/customattributes",
            ctx.deadline,
            json={"ids": [str(i) for i in _ids(targets)], "attrKeys": options["keys"]},
        )
        return _count(result)
    return await per_device(
        "DELETE", "customattributes", lambda o: {"attrs": _attrs(o)}, as_json=True
    )(ctx, targets, options)


def _policies(options: Options) -> dict[str, Any]:
    return {"policyIds": ",".join(map(str, options["configuration_ids"]))}


# ---- following asynchronous work ----------------------------------------------------------------


def follow_reassignment(record: Record, _options: Options) -> Verdict | None:
    status = record.get("lastReassignmentStatus")
    if status == ReassignmentStatus.SUCCESS:
        return (ActionRunStatus.SUCCEEDED, None, None)
    if status == ReassignmentStatus.FAILED:
        return (ActionRunStatus.FAILED, "PROVIDER_FAILED", "the device did not accept it")
    return None


def follow_state(done: str, cancelled: str) -> Follow:
    def follow(record: Record, _options: Options) -> Verdict | None:
        state = record.get("registrationState")
        if state == done:
            return (ActionRunStatus.SUCCEEDED, None, None)
        if state == cancelled:
            return (ActionRunStatus.FAILED, "PROVIDER_FAILED", f"the provider reports {state}")
        return None

    return follow


def _wipe_data(options: Options) -> dict[str, Any]:
    return {
        "iosDisallowProximitySetup": str(bool(options.get("disallow_proximity_setup"))).lower(),
        "iosPreserveDataPlan": str(bool(options.get("preserve_data_plan"))).lower(),
        "message": options.get("message") or "",
        "returnToServiceEnabled": str(bool(options.get("return_to_service"))).lower(),
        **(
            {"wifiPolicyId": options["wifi_configuration_id"]}
            if options.get("wifi_configuration_id") is not None
            else {}
        ),
    }


def _lost_mode_data(options: Options) -> dict[str, Any]:
    data: dict[str, Any] = {"message": options["message"]}
    if options.get("phone_number"):
        data["phoneNumber"] = options["phone_number"]
    if options.get("footnote") is not None:
        data |= {"changeFootnote": "true", "footnote": options["footnote"]}
    return data


def _always(_options: Options) -> bool:
    return True


def _spec(action: DeviceAction, mutation: str, call: Call | None, **kw: Any) -> ActionSpec:
    return ActionSpec(action, mutation, call, **kw)


A = DeviceAction
SPECS: dict[DeviceAction, ActionSpec] = {
    spec.action: spec
    for spec in (
        _spec(
            A.ASSIGN,
            "assignDevice",
            assign_call,
            rules=(managed, reassignable),
            follow=follow_reassignment,
        ),
        _spec(A.UNASSIGN, "unassignDevice", None),
        _spec(A.LOCK, "lockDevices", bulk("PUT", "lock"), rules=(managed,), check_path="lock"),
        _spec(
            A.UNLOCK,
            "unlockDevices",
            bulk("PUT", "unlock", lambda o: {"deviceUnlockPin": o["pin"]}),
            rules=(managed,),
            secret_options=frozenset({"pin"}),
        ),
        _spec(
            A.WIPE,
            "wipeDevices",
            bulk("PUT", "wipe", _wipe_data),
            rules=(managed, not_wiping, wipe_options, return_to_service),
            check_path="wipe",
            check_options=_wipe_data,
            follow=follow_state("WIPED", "WIPE_CANCELED"),
            needs_configs=lambda o: bool(o.get("return_to_service")),
        ),
        _spec(
            A.RETIRE,
            "retireDevices",
            bulk("PUT", "retire"),
            rules=(managed,),
            check_path="retire",
            follow=follow_state("RETIRED", "RETIRE_CANCELED"),
        ),
        _spec(A.DELETE, "deleteDevices", delete_call, rules=(deletable,), local_fallback=True),
        _spec(
            A.FORCE_CHECKIN,
            "forceCheckinDevices",
            bulk("PUT", "forceCheckin"),
            rules=(managed,),
            check_path="forceCheckin",
        ),
        _spec(A.RESTART, "restartDevices", bulk("PUT", "restart"), rules=(managed, supervised_ios)),
        _spec(
            A.ENABLE_LOST_MODE,
            "enableLostMode",
            bulk("PUT", "enableLostMode", _lost_mode_data),
            rules=(managed, platform_is("IOS"), lost_mode(True)),
        ),
        _spec(
            A.DISABLE_LOST_MODE,
            "disableLostMode",
            bulk("PUT", "disableLostMode"),
            rules=(managed, platform_is("IOS"), lost_mode(False)),
            check_path="disableLostMode",
        ),
        _spec(
            A.ENTER_KIOSK_MODE,
            "enterKioskMode",
            bulk("PUT", "enterKioskMode"),
            rules=(managed, platform_is("ANDROID"), kiosk(True)),
            check_path="enterKioskMode",
        ),
        _spec(
            A.EXIT_KIOSK_MODE,
            "exitKioskMode",
            bulk("PUT", "exitKioskMode"),
            rules=(managed, platform_is("ANDROID"), kiosk(False)),
        ),
        _spec(
            A.RELINQUISH_OWNERSHIP,
            "relinquishOwnership",
            in_query("PUT", "relinquishOwnership"),
            rules=(managed, platform_is("ANDROID"), company_owned),
        ),
        _spec(
            A.CANCEL_RELINQUISH_OWNERSHIP,
            "cancelRelinquishOwnership",
            in_query("PUT", "relinquishOwnershipCancel"),
            rules=(managed, platform_is("ANDROID")),
        ),
        _spec(
            A.SCHEDULE_OS_UPDATE,
            "scheduleOsUpdate",
            bulk("PUT", "scheduleOSUpdate", lambda o: {"version": o["version"]}),
            rules=(managed, platform_is("IOS"), newer_os),
            check_path="scheduleOSUpdate",
        ),
        _spec(
            A.LOGOUT_USERS,
            "logoutDeviceUsers",
            bulk("PUT", "logoutUser"),
            rules=(managed, logout_supported),
            check_path="logoutUser",
        ),
        _spec(A.SEND_MESSAGE, "sendDeviceMessage", message_call, rules=(managed,)),
        _spec(
            A.REPLACE_CUSTOM_ATTRIBUTES,
            "replaceCustomAttributes",
            per_device("POST", "customattributes", lambda o: {"attrs": _attrs(o)}, as_json=True),
        ),
        _spec(
            A.PATCH_CUSTOM_ATTRIBUTES,
            "patchCustomAttributes",
            per_device(
                "PATCH",
                "customattributes",
                lambda o: {"attrs": _attrs(o), "forceOverwrite": o["force_overwrite"]},
                as_json=True,
            ),
        ),
        _spec(A.REMOVE_CUSTOM_ATTRIBUTES, "removeCustomAttributes", remove_attributes_call),
        _spec(
            A.EXCLUDE_CONFIGURATION,
            "excludeConfiguration",
            per_device("PUT", "uninstallconfigs", _policies),
            rules=(managed, configs_assigned, configs_excluded(False)),
            needs_configs=_always,
        ),
        _spec(
            A.REPUSH_CONFIGURATION,
            "repushConfiguration",
            per_device("DELETE", "uninstallconfigs", _policies),
            rules=(managed, configs_assigned, configs_excluded(True)),
            needs_configs=_always,
        ),
        _spec(
            A.REINSTALL_CONFIGURATION,
            "reinstallConfiguration",
            per_device("PUT", "reinstallconfigs", _policies),
            rules=(managed, configs_assigned),
            needs_configs=_always,
        ),
        _spec(A.SYNC_COMPLIANCE, "syncCompliance", compliance_call, rules=(managed,)),
    )
}
