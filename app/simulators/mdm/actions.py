"""The provider's remote actions, at the document's paths (`API` = `/api/v1`):

- `PUT /api/v1/device/{action}` with `ids` (lock and forceCheckin also `guids`), for `lock`,
  `unlock`, `wipe`, `retire`, `forceCheckin`, `restart`, `enableLostMode`, `disableLostMode`,
  `enterKioskMode`, `exitKioskMode`, `relinquishOwnership`, `relinquishOwnershipCancel`,
  `scheduleOSUpdate` and `logoutUser`: the number of devices acted on;
- `GET /api/v1/device/{action}?checkViability=true&ids=` for `scheduleOSUpdate`, `forceCheckin`,
  `wipe`, `lock`, `retire`, `logoutUser`, `enterKioskMode`, `disableLostMode`: the ineligible
  devices' search records with their `actionExceptionCodes`;
  `PUT /api/v1/device/relinquishOwnership?checkViability=true&ids=`: the number of eligible ones;
- `PUT /api/v1/device/updateAccount` (`accountId`, `deviceIds`): reassignment, answered with the
  ineligible devices;
- `DELETE /api/v1/device?deviceIds=`: delete retired (not ACTIVE, not WIPE_PENDING) devices;
- `PUT /api/v1/device/message`: a push notification and/or an e-mail, `true`;
- `POST /api/v1/device/compliance/sync?vendor=GoogleBC|Intune` (`ids`): 1;
- `PUT | DELETE /api/v1/device/{key}/uninstallconfigs` and `PUT .../{key}/reinstallconfigs`
  (`policyIds`): exclude, re-push and re-install configurations, `true`.

Parameters come from the query string and the body alike (`params.py`); the rules of which
device may be acted on are in `rules.py`. A bulk action acts on the eligible devices, leaves
each ineligible one's codes in its `actionExceptionCodes` (visible in its details and search
record) and clears them on the devices it acted on. Unknown ids, and devices the credential may
not see, are skipped; when none is left the answer is 404, as for one unknown device.

Reassignment, wipe, retire, relinquish and a configuration's (re-)installation finish later: the
call leaves the device in the intermediate state (INITIATED, WIPE_PENDING, RETIRE_PENDING, a
pending relinquish, PENDING) and a `Transition` in the store completes it once due
(`PUT /_sim/actions` sets the delay and forces a reassignment outcome).
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.enums import ReassignmentStatus, RegistrationState
from app.simulators.faults import CONTROL_PREFIX
from app.simulators.mdm.auth import Principal, require
from app.simulators.mdm.enums import ConfigStatus, Role
from app.simulators.mdm.errors import ApiError, bad_field, not_found, ok
from app.simulators.mdm.params import Params
from app.simulators.mdm.records import (
    DeviceConfig,
    DeviceMessage,
    Json,
    LostMode,
    MdmDevice,
    Partition,
    WipeRequest,
    search_json,
)
from app.simulators.mdm.rules import (
    Action,
    Options,
    ineligibility,
    parse_version,
    reassignment_fails,
)
from app.simulators.mdm.store import REASSIGNMENT_OUTCOMES, Completion, MdmStore

# The document's authorisation words; `require` lets a tenant admin call everything.
ADMIN: tuple[Role, ...] = ()  # "This call requires tenant admin credentials"
ACTIONS_OR_MANAGEMENT = (Role.DEVICE_ACTIONS, Role.DEVICE_MANAGEMENT)
MANAGEMENT = (Role.DEVICE_MANAGEMENT,)

UNLOCK_PIN = re.compile(r"(^$)|([a-zA-Z0-9]{6,8})")  # the document's, matched in full
OSX_WIPE_PIN = re.compile(r"[0-9]{6}")  # macOS Find My PIN: six digits (or blank)
FOOTNOTE_MAX = 15
VENDORS = ("GoogleBC", "Intune")

Target = tuple[Partition, MdmDevice]
Refusal = tuple[Partition, MdmDevice, list[str]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Run:
    """One accepted action request: the store, its parameters and options, and when it ran."""

    store: MdmStore
    params: Params
    options: Options
    now_ms: int


Effect = Callable[[Run, Partition, MdmDevice], None]
# Validates a request's options; the flag says it is a viability check (options may be absent).
Validate = Callable[[Params, bool], Options]


# -- resolving devices --------------------------------------------------------------------------


def device_keys(params: Params, name: str = "ids", *, guids: bool = False) -> list[str]:
    """The devices a request names: numeric `ids` (400 otherwise) and, where allowed, `guids`."""
    keys = [str(device_id) for device_id in params.ids(name)]
    if guids:
        keys.extend(params.items("guids"))
    if not keys:
        raise bad_field(name, "NotNull", "may not be null")
    return keys


def resolve(
    store: MdmStore, principal: Principal, keys: list[str], partition_id: int | None = None
) -> list[Target]:
    """The named devices the credential may see (of `partition_id` when given), each once;
    404 when there is none."""
    found: dict[tuple[int, int], Target] = {}
    for key in keys:
        hit = store.find(key)
        if hit is None:
            continue
        partition, device = hit
        if not principal.may_see(partition.id):
            continue
        if partition_id is not None and partition.id != partition_id:
            continue
        found.setdefault((partition.id, device.id), hit)
    if not found:
        raise not_found(f"Device not found: {', '.join(keys)}")
    return list(found.values())


def resolve_one(store: MdmStore, principal: Principal, key: str, params: Params) -> Target:
    """The device of a per-device call (`{key}` is an id or a GUID)."""
    partition_id = params.integer("dmPartitionId")
    return resolve(store, principal, [key], partition_id)[0]


def sort_out(
    action: Action, targets: list[Target], options: Options
) -> tuple[list[Target], list[Refusal]]:
    """The devices `action` may act on, and the others with their codes."""
    eligible: list[Target] = []
    refused: list[Refusal] = []
    for partition, device in targets:
        codes = ineligibility(action, device, partition, options)
        if codes:
            refused.append((partition, device, codes))
        else:
            eligible.append((partition, device))
    return eligible, refused


def act(run: Run, effect: Effect, eligible: list[Target], refused: list[Refusal]) -> None:
    """Apply `effect` to the eligible devices and record why the others were skipped."""
    for _, device, codes in refused:
        device.action_exception_codes = list(codes)
    for partition, device in eligible:
        device.action_exception_codes = []
        effect(run, partition, device)


def refusal_records(refused: list[Refusal]) -> list[Json]:
    """The ineligible devices' search records, each with the codes of why."""
    return [
        {**search_json(device, partition), "actionExceptionCodes": codes}
        for partition, device, codes in refused
    ]


def viability(refused: list[Refusal]) -> Json:
    """`result` of a viability check: only the devices the action may NOT act on."""
    records = refusal_records(refused)
    return {
        "totalCount": len(records),
        "queryTime": 0,
        "searchResults": records,
        "offset": 0,
        "limit": len(records),
    }


# -- options --------------------------------------------------------------------------------


def _no_options(_params: Params, _checking: bool) -> Options:
    return Options()


def _unlock_options(params: Params, _checking: bool) -> Options:
    pin = params.text("deviceUnlockPin") or ""
    if not UNLOCK_PIN.fullmatch(pin):
        message = 'must match "(^$)|([a-zA-Z0-9]{6,8})": blank, or 6 to 8 letters or digits'
        raise bad_field("deviceUnlockPin", "Pattern", message)
    return Options()


def _wipe_options(params: Params, _checking: bool) -> Options:
    pin = (params.text("osxWipePin") or "").strip()
    if pin and not OSX_WIPE_PIN.fullmatch(pin):
        raise bad_field("osxWipePin", "Pattern", "must be 6 digits")
    return Options(
        disallow_proximity_setup=params.flag("iosDisallowProximitySetup"),
        preserve_data_plan=params.flag("iosPreserveDataPlan"),
        return_to_service=params.flag("returnToServiceEnabled"),
        wifi_policy_id=params.integer("wifiPolicyId"),
    )


def _lost_mode_options(params: Params, _checking: bool) -> Options:
    params.required_text("message")
    params.flag("changeFootnote")
    if len(params.text("footnote") or "") > FOOTNOTE_MAX:
        raise bad_field("footnote", "Size", f"size must be between 0 and {FOOTNOTE_MAX}")
    return Options()


def _os_update_options(params: Params, checking: bool) -> Options:
    raw = (params.text("version") or "").strip()
    if not raw:
        if checking:
            return Options()  # the document's check names no version
        raise bad_field("version", "NotNull", "may not be null")
    version = parse_version(raw)
    if version is None:
        raise bad_field("version", "Pattern", "must be an OS version such as 15.5")
    return Options(version=version)


# -- effects --------------------------------------------------------------------------------


def _lock(run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.locked = True
    device.locked_at = run.now_ms


def _unlock(_run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.locked = False
    device.locked_at = None


def _force_checkin(run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.last_checkin = run.now_ms
    if device.extras.get("clientLastCheckin") is not None:
        device.extras["clientLastCheckin"] = run.now_ms  # the Android client checked in too


def _gone(state: RegistrationState) -> Completion:
    """The end of a wipe or retirement: the device keeps no configuration (as the seed's
    retired and wiped devices) and leaves lost mode."""

    def complete(_partition: Partition, device: MdmDevice, _at: int) -> None:
        device.registration_state = state.value
        device.configs = []
        if device.lost_mode_enabled:
            device.lost_mode_enabled = False
            device.lost_mode = None

    return complete


def _wipe(run: Run, partition: Partition, device: MdmDevice) -> None:
    params, options = run.params, run.options
    device.registration_state = RegistrationState.WIPE_PENDING.value
    device.wipe_request = WipeRequest(
        message=params.text("message") or None,
        disallow_proximity_setup=options.disallow_proximity_setup,
        preserve_data_plan=options.preserve_data_plan,
        return_to_service=options.return_to_service,
        wifi_policy_id=options.wifi_policy_id,
        osx_wipe_pin=(params.text("osxWipePin") or "").strip() or None,
        requested_at=run.now_ms,
    )
    run.store.schedule(partition, device, "registration", _gone(RegistrationState.WIPED))


def _retire(run: Run, partition: Partition, device: MdmDevice) -> None:
    device.registration_state = RegistrationState.RETIRE_PENDING.value
    run.store.schedule(partition, device, "registration", _gone(RegistrationState.RETIRED))


def _restart(run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.last_restart_at = run.now_ms


def _enable_lost_mode(run: Run, _partition: Partition, device: MdmDevice) -> None:
    params = run.params
    footnote = params.text("footnote") if params.flag("changeFootnote") else None
    device.lost_mode_enabled = True
    device.lost_mode = LostMode(
        message=params.required_text("message"),
        phone_number=(params.text("phoneNumber") or "").strip() or None,
        footnote=footnote or None,
        enabled_at=run.now_ms,
    )


def _disable_lost_mode(_run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.lost_mode_enabled = False
    device.lost_mode = None


def _enter_kiosk(_run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.kiosk_state = "ACTIVE"


def _exit_kiosk(_run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.kiosk_state = "INACTIVE"


# Record flags of a company-owned Android device's work profile and device-owner mode.
WORK_PROFILE_FLAGS = (
    "androidWorkProfileEnabled",
    "androidWorkEnabled",
    "androidWorkDeviceOwnerWithWorkProfileEnabled",
    "androidWorkProfileOnCompanyOwnedDeviceEnabled",
    "androidDeviceOwnerModeEnabled",
    "androidDeviceOwnerEnabled",
)


def _relinquished(_partition: Partition, device: MdmDevice, _at: int) -> None:
    """ "Relinquishing removes the work profile and all policies from a company-owned device,
    releasing the device for personal use"."""
    device.relinquish_pending = False
    device.ownership_type = "EMPLOYEE"
    device.configs = []
    for flag in WORK_PROFILE_FLAGS:
        if flag in device.extras:
            device.extras[flag] = False


def _relinquish(run: Run, partition: Partition, device: MdmDevice) -> None:
    device.relinquish_pending = True
    run.store.schedule(partition, device, "relinquish", _relinquished)


def _cancel_relinquish(run: Run, partition: Partition, device: MdmDevice) -> None:
    device.relinquish_pending = False
    run.store.cancel(partition, device, "relinquish")


def _schedule_os_update(run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.scheduled_os_version = (run.params.text("version") or "").strip()


def _logout_user(run: Run, _partition: Partition, device: MdmDevice) -> None:
    device.last_logout_at = run.now_ms


@dataclass(frozen=True, slots=True)
class BulkAction:
    """A `PUT /api/v1/device/{action}` over `ids`; `check_roles` None: it has no GET check."""

    action: Action
    roles: tuple[Role, ...]
    effect: Effect
    validate: Validate = _no_options
    check_roles: tuple[Role, ...] | None = None
    guids: bool = False


BULK_ACTIONS: tuple[BulkAction, ...] = (
    BulkAction(Action.LOCK, ACTIONS_OR_MANAGEMENT, _lock, check_roles=ADMIN, guids=True),
    BulkAction(Action.UNLOCK, ADMIN, _unlock, _unlock_options),
    BulkAction(Action.WIPE, ADMIN, _wipe, _wipe_options, check_roles=ADMIN),
    BulkAction(Action.RETIRE, ADMIN, _retire, check_roles=ADMIN),
    BulkAction(
        Action.FORCE_CHECKIN, ACTIONS_OR_MANAGEMENT, _force_checkin, check_roles=ADMIN, guids=True
    ),
    BulkAction(Action.RESTART, ADMIN, _restart),
    BulkAction(Action.ENABLE_LOST_MODE, MANAGEMENT, _enable_lost_mode, _lost_mode_options),
    # Its check: "Use credentials for a user with the device management permission."
    BulkAction(Action.DISABLE_LOST_MODE, MANAGEMENT, _disable_lost_mode, check_roles=MANAGEMENT),
    BulkAction(Action.ENTER_KIOSK_MODE, ADMIN, _enter_kiosk, check_roles=ADMIN),
    BulkAction(Action.EXIT_KIOSK_MODE, ADMIN, _exit_kiosk),
    # Its check is a PUT with `checkViability=true`, answered with the eligible count.
    BulkAction(Action.RELINQUISH, MANAGEMENT, _relinquish),
    BulkAction(Action.CANCEL_RELINQUISH, MANAGEMENT, _cancel_relinquish),
    BulkAction(
        Action.SCHEDULE_OS_UPDATE,
        ACTIONS_OR_MANAGEMENT,
        _schedule_os_update,
        _os_update_options,
        check_roles=ADMIN,
    ),
    BulkAction(Action.LOGOUT_USER, ADMIN, _logout_user, check_roles=ADMIN),
)


def bulk_endpoint(store: MdmStore, spec: BulkAction) -> Endpoint:
    """The GET (viability check) and PUT (action) of one bulk action."""

    async def endpoint(request: Request) -> Response:
        checking = request.method in ("GET", "HEAD")
        if checking and spec.check_roles is None:
            raise ApiError(405, "Request method not supported", headers={"Allow": "PUT"})
        roles = spec.check_roles if checking and spec.check_roles is not None else spec.roles
        principal = require(request, *roles)
        params = await Params.read(request)
        check = params.flag("checkViability")
        if checking and not check:
            raise bad_field("checkViability", "Invalid", "a GET only checks: checkViability=true")
        counting = not checking and check
        if counting and spec.action is not Action.RELINQUISH:
            raise bad_field("checkViability", "Invalid", f"check {spec.action} with a GET")
        options = spec.validate(params, checking or counting)
        keys = device_keys(params, guids=spec.guids)
        targets = resolve(store, principal, keys, params.integer("dmPartitionId"))
        eligible, refused = sort_out(spec.action, targets, options)
        if checking:
            return ok(viability(refused))
        if counting:
            return ok(len(eligible))
        act(Run(store, params, options, store.now_ms()), spec.effect, eligible, refused)
        return ok(len(eligible))

    return endpoint


# -- the other actions ------------------------------------------------------------------------


def _reassign(account_id: int) -> Effect:
    """Start a reassignment to `account_id`; it completes (or fails) after the delay. An outcome
    forced by `/_sim/actions` is the one set when the call was made; otherwise the device's
    silence decides when the reassignment is due."""

    def start(run: Run, partition: Partition, device: MdmDevice) -> None:
        device.last_reassignment_status = ReassignmentStatus.INITIATED.value
        forced = run.store.actions.reassignment

        def complete(_partition: Partition, device: MdmDevice, at: int) -> None:
            if forced is not None:
                failed = forced == ReassignmentStatus.FAILED.value
            else:
                failed = reassignment_fails(device, at)
            if failed:
                device.last_reassignment_status = ReassignmentStatus.FAILED.value
            else:
                device.owner_id = account_id
                device.last_reassignment_status = ReassignmentStatus.SUCCESS.value

        run.store.schedule(partition, device, "reassignment", complete)

    return start


def _sync_compliance(_run: Run, _partition: Partition, device: MdmDevice) -> None:
    for verdict in device.policies:
        verdict.compliant = verdict.pending_compliant


def _delete(run: Run, partition: Partition, device: MdmDevice) -> None:
    device.deleted = True
    for group in partition.groups.values():
        group.member_ids.discard(device.id)
    run.store.cancel(partition, device)


def _message(push: str | None, subject: str | None, body: str | None) -> Effect:
    def send(run: Run, _partition: Partition, device: MdmDevice) -> None:
        device.last_message = DeviceMessage(push, subject, body, run.now_ms)

    return send


def _installed(config_id: int) -> Completion:
    """The end of a (re-)installation: the configuration is INSTALLED unless it changed since."""

    def complete(_partition: Partition, device: MdmDevice, at: int) -> None:
        for config in device.configs:
            if config.config_id == config_id and config.status == ConfigStatus.PENDING.value:
                config.status = ConfigStatus.INSTALLED.value
                config.changed_at = at

    return complete


def _device_configs(device: MdmDevice, params: Params) -> list[DeviceConfig]:
    """The configurations `policyIds` names, each of which must be assigned to the device."""
    wanted = params.required_ids("policyIds")
    assigned = {config.config_id: config for config in device.configs}
    missing = [str(config_id) for config_id in wanted if config_id not in assigned]
    if missing:
        raise bad_field(
            "policyIds",
            "Invalid",
            f"configuration {', '.join(missing)} is not assigned to device {device.id}",
        )
    return [assigned[config_id] for config_id in wanted]


def _require_managed(device: MdmDevice, partition: Partition) -> None:
    """A per-device configuration call on a device the provider no longer manages: 400."""
    codes = ineligibility(Action.CONFIGURATIONS, device, partition)
    device.action_exception_codes = codes
    if codes:
        raise ApiError(
            400,
            f"Device {device.id} is {device.registration_state}: no configuration can change",
            code=codes[0],
        )


def action_routes(store: MdmStore, api: str) -> list[Route]:
    """The remote actions' routes; they must come before `{api}/device/{key}`."""

    async def update_account(request: Request) -> Response:
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        account_id = params.integer("accountId", required=True)
        assert account_id is not None
        keys = device_keys(params, "deviceIds")
        targets = resolve(store, principal, keys)
        for partition, _ in targets:
            if account_id not in partition.accounts:
                message = f"no account {account_id} in device space {partition.id}"
                raise bad_field("accountId", "Invalid", message)
        eligible, refused = sort_out(Action.ASSIGN, targets, Options())
        run = Run(store, params, Options(), store.now_ms())
        act(run, _reassign(account_id), eligible, refused)
        records = refusal_records(refused)
        return ok({"searchResults": records, "totalCount": len(records), "offset": 0, "limit": 0})

    async def delete_devices(request: Request) -> Response:
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        ids = list(dict.fromkeys(params.ids("deviceIds") + params.ids("ids")))
        if not ids:
            raise bad_field("deviceIds", "NotNull", "may not be null")
        targets = resolve(store, principal, [str(device_id) for device_id in ids])
        eligible, refused = sort_out(Action.DELETE, targets, Options())
        run = Run(store, params, Options(), store.now_ms())
        act(run, _delete, eligible, refused)
        if not eligible:
            names = ", ".join(str(device.id) for _, device, _ in refused)
            raise bad_field(
                "deviceIds",
                "Invalid",
                f"devices in the ACTIVE or WIPE_PENDING state cannot be deleted "
                f"(retire them first): {names}",
            )
        return ok(len(eligible))

    async def send_message(request: Request) -> Response:
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        partition_id = params.integer("dmPartitionId", required=True)
        push, email = params.flag("sendPushNotification"), params.flag("sendEmail")
        if not push and not email:
            raise bad_field(
                "sendPushNotification", "Invalid", "sendPushNotification or sendEmail must be true"
            )
        text = params.required_text("pushNotificationMessage") if push else None
        subject = params.required_text("emailSubject") if email else None
        body = (params.text("emailBody") or "") if email else None
        targets = resolve(store, principal, device_keys(params, "deviceIds"), partition_id)
        eligible, refused = sort_out(Action.MESSAGE, targets, Options())
        run = Run(store, params, Options(), store.now_ms())
        act(run, _message(text, subject, body), eligible, refused)
        return ok(True)

    async def compliance_sync(request: Request) -> Response:
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        vendor = (params.text("vendor") or "").strip()
        if vendor not in VENDORS:
            raise bad_field("vendor", "Invalid", f"vendor must be one of {', '.join(VENDORS)}")
        targets = resolve(store, principal, device_keys(params), params.integer("dmPartitionId"))
        eligible, refused = sort_out(Action.COMPLIANCE_SYNC, targets, Options())
        act(Run(store, params, Options(), store.now_ms()), _sync_compliance, eligible, refused)
        return ok(1)

    async def uninstall_configs(request: Request) -> Response:
        """PUT excludes configurations; DELETE re-pushes excluded ones."""
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        partition, device = resolve_one(store, principal, request.path_params["key"], params)
        configs = _device_configs(device, params)
        if request.method == "DELETE":
            excluded = ConfigStatus.EXCLUDED.value
            included = [str(c.config_id) for c in configs if c.status != excluded]
            if included:
                raise bad_field(
                    "policyIds",
                    "Invalid",
                    f"configuration {', '.join(included)} is not excluded from device {device.id}",
                )
        _require_managed(device, partition)
        now = store.now_ms()
        for config in configs:
            if request.method == "DELETE":
                _reinstall(store, partition, device, config, now)
            else:
                store.cancel(partition, device, f"config:{config.config_id}")
                config.status = ConfigStatus.EXCLUDED.value
                config.changed_at = now
        return ok(True)

    async def reinstall_configs(request: Request) -> Response:
        principal = require(request, *ADMIN)
        params = await Params.read(request)
        partition, device = resolve_one(store, principal, request.path_params["key"], params)
        configs = _device_configs(device, params)
        _require_managed(device, partition)
        now = store.now_ms()
        for config in configs:
            _reinstall(store, partition, device, config, now)
        return ok(True)

    device_path = f"{api}/device"
    return [
        Route(device_path, delete_devices, methods=["DELETE"]),
        Route(f"{device_path}/updateAccount", update_account, methods=["PUT"]),
        Route(f"{device_path}/message", send_message, methods=["PUT"]),
        Route(f"{device_path}/compliance/sync", compliance_sync, methods=["POST"]),
        *(
            Route(
                f"{device_path}/{spec.action.value}",
                bulk_endpoint(store, spec),
                methods=["GET", "PUT"],
            )
            for spec in BULK_ACTIONS
        ),
        Route(
            f"{device_path}/{{key}}/uninstallconfigs", uninstall_configs, methods=["PUT", "DELETE"]
        ),
        Route(f"{device_path}/{{key}}/reinstallconfigs", reinstall_configs, methods=["PUT"]),
    ]


def _reinstall(
    store: MdmStore, partition: Partition, device: MdmDevice, config: DeviceConfig, now: int
) -> None:
    """Push a configuration again: PENDING now, INSTALLED once the device has answered."""
    config.status = ConfigStatus.PENDING.value
    config.changed_at = now
    store.schedule(partition, device, f"config:{config.config_id}", _installed(config.config_id))


# -- `/_sim/actions` ------------------------------------------------------------------------


def _configure(store: MdmStore, body: object) -> None:
    """Apply `{"delay_ms": int >= 0, "reassignment": "SUCCESS" | "FAILED" | null}` (each key
    optional); nothing changes when a value is invalid."""
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    unknown = set(body) - {"delay_ms", "reassignment"}
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = store.actions
    delay, outcome = settings.delay_ms, settings.reassignment
    if "delay_ms" in body:
        delay = body["delay_ms"]
        if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
            raise ValueError("delay_ms must be an integer >= 0")
    if "reassignment" in body:
        outcome = body["reassignment"]
        if outcome is not None and outcome not in REASSIGNMENT_OUTCOMES:
            raise ValueError(f"reassignment must be null or one of {REASSIGNMENT_OUTCOMES}")
    settings.delay_ms, settings.reassignment = delay, outcome


def action_control_routes(store: MdmStore) -> list[Route]:
    """`GET | PUT /_sim/actions`: the delay of asynchronous actions and the reassignment outcome
    (unauthenticated, as every `/_sim/` route; `POST /_sim/reset` restores the defaults)."""

    async def settings(request: Request) -> JSONResponse:
        if request.method == "PUT":
            try:
                _configure(store, orjson.loads(await request.body() or b"{}"))
            except (ValueError, TypeError) as error:
                return JSONResponse({"error": str(error)}, 400)
        current = store.actions
        return JSONResponse({"delay_ms": current.delay_ms, "reassignment": current.reassignment})

    return [Route(f"{CONTROL_PREFIX}actions", settings, methods=["GET", "PUT"])]
