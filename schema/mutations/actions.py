"""Every device action as a mutation: `input { deviceIds dryRun idempotencyKey clientMutationId
...options }` in, `{ run ineligible userErrors clientMutationId }` out.

Each resolver validates its input into `Problems` (every problem at once, with its path); input
with a problem changes nothing and reaches no upstream. Valid input becomes an `ActionRequest`
for the executor (`app/actions/executor.py`), which checks the role, the idempotency key and
each device's eligibility before anything is sent.
"""

import re
from collections.abc import Callable
from enum import Enum
from typing import Any

import strawberry

from app.actions.catalog import SPECS
from app.actions.executor import ActionExecutor, ActionRequest, ActionResult
from app.enums import DeviceAction, UserErrorCode
from app.errors import InvalidIdError, Problems
from app.permissions import role_for
from schema.context import Info
from schema.mutations.common import UserError, user_errors
from schema.node import expect_global_id
from schema.types.action_run import DeviceActionRun, IneligibleDevice

MAX_KEY = 200
UNLOCK_PIN = re.compile(r"(^$)|([a-zA-Z0-9]{6,8})")  # the provider's `deviceUnlockPin` regex
OS_VERSION = re.compile(r"^\d{1,3}(\.\d{1,3}){0,2}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{3,30}$")
FOOTNOTE_MAX = 15  # the provider's limit
MESSAGE_MAX = 1000
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
MAX_ATTRIBUTES = 50
MAX_CONFIGURATIONS = 50


@strawberry.type(description="What a device action mutation did, or would do (dry run).")
class DeviceActionPayload:
    run: DeviceActionRun | None = strawberry.field(
        description="The recorded run; null for a dry run and for input with userErrors."
    )
    ineligible: list[IneligibleDevice] = strawberry.field(
        description="Devices the action cannot run on, with the reason."
    )
    user_errors: list[UserError]
    client_mutation_id: str | None


@strawberry.input(description="Fields every device action takes.")
class DeviceActionInput:
    device_ids: list[strawberry.ID] = strawberry.field(
        description="Global IDs of the target devices (at most 100, no repeats)."
    )
    dry_run: bool = strawberry.field(
        default=False,
        description="Only check: answer which devices are ineligible and why; change nothing.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Repeating a request with the same key returns the first run without acting "
        "again; the same key with a different input is a userError.",
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Lock devices.")
class LockDevicesInput(DeviceActionInput):
    pass


@strawberry.input(description="Unlock devices.")
class UnlockDevicesInput(DeviceActionInput):
    pin: str = strawberry.field(
        default="",
        description="Unlock PIN: 6 to 8 letters or digits; empty for clients that use the "
        "legacy unlock code. Never recorded.",
    )


@strawberry.input(description="Wipe devices, with the provider's options.")
class WipeDevicesInput(DeviceActionInput):
    disallow_proximity_setup: bool = strawberry.field(default=False, description="iOS 11.3+.")
    preserve_data_plan: bool = strawberry.field(default=False, description="iOS 11+.")
    message: str | None = strawberry.field(default=None, description="Shown on the device.")
    return_to_service: bool = strawberry.field(
        default=False, description="Re-enroll after the wipe over `wifiConfigurationId`."
    )
    wifi_configuration_id: int | None = strawberry.field(
        default=None,
        description="Provider id of a Wi-Fi configuration assigned to the device (return to "
        "service needs one).",
    )


@strawberry.input(description="Retire devices (stop managing them).")
class RetireDevicesInput(DeviceActionInput):
    pass


@strawberry.input(description="Delete retired devices from the MDM provider.")
class DeleteDevicesInput(DeviceActionInput):
    pass


@strawberry.input(description="Ask devices to check in now.")
class ForceCheckinDevicesInput(DeviceActionInput):
    pass


@strawberry.input(description="Restart supervised iOS devices.")
class RestartDevicesInput(DeviceActionInput):
    pass


@strawberry.input(description="Put iOS devices in lost mode.")
class EnableLostModeInput(DeviceActionInput):
    message: str = strawberry.field(description="Shown on the lost device (required).")
    phone_number: str | None = strawberry.field(default=None, description="Number to call.")
    footnote: str | None = strawberry.field(
        default=None, description=f"At most {FOOTNOTE_MAX} characters; changes the footnote."
    )


@strawberry.input(description="Take iOS devices out of lost mode.")
class DisableLostModeInput(DeviceActionInput):
    pass


@strawberry.input(description="Put Android devices in kiosk mode.")
class EnterKioskModeInput(DeviceActionInput):
    pass


@strawberry.input(description="Take Android devices out of kiosk mode.")
class ExitKioskModeInput(DeviceActionInput):
    pass


@strawberry.input(description="Release company-owned Android devices for personal use.")
class RelinquishOwnershipInput(DeviceActionInput):
    pass


@strawberry.input(description="Cancel relinquishing Android devices.")
class CancelRelinquishOwnershipInput(DeviceActionInput):
    pass


@strawberry.input(description="Update iOS devices to an OS version.")
class ScheduleOsUpdateInput(DeviceActionInput):
    version: str = strawberry.field(description="Target iOS version, e.g. `17.4`.")


@strawberry.input(description="Log the current users out of devices.")
class LogoutDeviceUsersInput(DeviceActionInput):
    pass


@strawberry.input(description="Send devices a push notification (and their users an email).")
class SendDeviceMessageInput(DeviceActionInput):
    message: str = strawberry.field(description="The push notification's text.")
    send_email: bool = strawberry.field(default=False, description="Also email the users.")
    email_subject: str | None = None
    email_body: str | None = None


@strawberry.input(description="A custom attribute: strings or numbers, not both.")
class CustomAttributeInput:
    key: str = strawberry.field(description="Name, without the provider's numeric `_#` suffix.")
    string_values: list[str] | None = None
    number_values: list[float] | None = strawberry.field(
        default=None, description="Numbers: the gateway types the attribute as numeric."
    )


@strawberry.input(description="Replace every custom attribute of devices with these.")
class ReplaceCustomAttributesInput(DeviceActionInput):
    attributes: list[CustomAttributeInput]


@strawberry.input(description="Add or update custom attributes of devices, keeping the others.")
class PatchCustomAttributesInput(DeviceActionInput):
    attributes: list[CustomAttributeInput]
    force_overwrite: bool = strawberry.field(
        default=True,
        description="Replace an attribute's values (true) or add to them (false).",
    )


@strawberry.input(description="A custom attribute to remove, by name.")
class CustomAttributeKeyInput:
    key: str
    numeric: bool = False


@strawberry.input(description="Remove custom attributes: by keys, or by key and values.")
class RemoveCustomAttributesInput(DeviceActionInput):
    keys: list[CustomAttributeKeyInput] | None = strawberry.field(
        default=None, description="Remove these attributes (one call for every device)."
    )
    attributes: list[CustomAttributeInput] | None = strawberry.field(
        default=None, description="Remove these attributes, named with their values."
    )


@strawberry.input(description="Configurations (provider ids) to act on, on each device.")
class ConfigurationActionInput(DeviceActionInput):
    configuration_ids: list[int] = strawberry.field(
        description="Provider ids of the configurations (`Config.providerId`)."
    )


@strawberry.enum(description="Where compliance is synchronised from.")
class ComplianceVendor(Enum):
    GOOGLE_BC = "GoogleBC"
    INTUNE = "Intune"


@strawberry.input(description="Synchronise devices' compliance with a vendor.")
class SyncComplianceInput(DeviceActionInput):
    vendor: ComplianceVendor


@strawberry.input(description="Assign devices to a user (at the MDM provider too, when enrolled).")
class AssignDeviceInput(DeviceActionInput):
    user_id: strawberry.ID = strawberry.field(description="Global ID of the new assignee.")


@strawberry.input(description="Take devices away from their assignee.")
class UnassignDeviceInput(DeviceActionInput):
    pass


# ---- validation ---------------------------------------------------------------------------------


def _text(problems: Problems, path: str, value: str | None, *, limit: int, required: bool) -> None:
    if value is None or not value.strip():
        if required:
            problems.add((path,), UserErrorCode.REQUIRED, f"`{path}` is required.")
        return
    if len(value) > limit:
        problems.add((path,), UserErrorCode.TOO_LONG, f"`{path}` holds at most {limit} characters.")


def _device_ids(problems: Problems, raw: list[strawberry.ID], maximum: int) -> list[int]:
    if not raw:
        problems.add(("deviceIds",), UserErrorCode.REQUIRED, "Name at least one device.")
    if len(raw) > maximum:
        problems.add(
            ("deviceIds",),
            UserErrorCode.TOO_MANY,
            f"At most {maximum} devices per call; {len(raw)} were given.",
        )
        return []
    ids: list[int] = []
    for index, value in enumerate(raw):
        try:
            device_id = expect_global_id(value, "Device", f"deviceIds[{index}]")
        except InvalidIdError as error:
            problems.add(("deviceIds", index), UserErrorCode.INVALID_ID, error.message)
            continue
        if device_id in ids:
            problems.add(
                ("deviceIds", index), UserErrorCode.DUPLICATE, "This device is listed twice."
            )
        ids.append(device_id)
    return ids


def _attributes(
    problems: Problems, path: str, raw: list[CustomAttributeInput], *, with_values: bool = True
) -> list[dict[str, Any]]:
    if not raw:
        problems.add((path,), UserErrorCode.REQUIRED, "Name at least one attribute.")
    if len(raw) > MAX_ATTRIBUTES:
        problems.add((path,), UserErrorCode.TOO_MANY, f"At most {MAX_ATTRIBUTES} attributes.")
    parsed, seen = [], set()
    for index, attribute in enumerate(raw):
        here = (path, index)
        key = attribute.key.strip()
        if not ATTRIBUTE_KEY.match(key):
            problems.add(
                (*here, "key"),
                UserErrorCode.INVALID,
                "A key is 1 to 100 letters, digits, spaces, `.`, `_` or `-` (the gateway adds the "
                "provider's numeric suffix itself).",
            )
        if key.casefold() in seen:
            problems.add((*here, "key"), UserErrorCode.DUPLICATE, f"`{key}` is listed twice.")
        seen.add(key.casefold())
        strings, numbers = attribute.string_values, attribute.number_values
        if with_values and (strings is None) == (numbers is None):
            problems.add(
                here, UserErrorCode.INVALID, "Give either `stringValues` or `numberValues`."
            )
            continue
        numeric = numbers is not None
        values = [f"{n:g}" for n in numbers] if numbers is not None else list(strings or [])
        parsed.append(
            {"key": key, "provider_key": f"{key}_#" if numeric else key, "values": values}
        )
    return parsed


def _configuration_ids(problems: Problems, raw: list[int]) -> list[int]:
    if not raw:
        problems.add(("configurationIds",), UserErrorCode.REQUIRED, "Name a configuration.")
    if len(raw) > MAX_CONFIGURATIONS:
        problems.add(
            ("configurationIds",), UserErrorCode.TOO_MANY, f"At most {MAX_CONFIGURATIONS}."
        )
    for index, config_id in enumerate(raw):
        if config_id <= 0:
            problems.add(("configurationIds", index), UserErrorCode.INVALID, "Not a provider id.")
        elif raw.index(config_id) != index:
            problems.add(("configurationIds", index), UserErrorCode.DUPLICATE, "Listed twice.")
    return raw


Options = dict[str, Any]
Validate = Callable[[Any, Problems], Options]


async def _run(
    info: Info,
    action: DeviceAction,
    input: DeviceActionInput,
    validate: Validate | None = None,
    *,
    assignee_id: int | None = None,
) -> DeviceActionPayload:
    """Validate the common fields and the action's options, then run it."""
    context = info.context
    problems = Problems()
    device_ids = _device_ids(problems, input.device_ids, context.settings.action_max_devices)
    key = input.idempotency_key
    if key is not None:
        _text(problems, "idempotencyKey", key, limit=MAX_KEY, required=True)
    options = validate(input, problems) if validate else {}
    spec = SPECS[action]
    if problems:
        return _payload(input, ActionResult(problems=problems))
    recorded: dict[str, Any] = {
        "deviceIds": device_ids,
        "options": {k: v for k, v in options.items() if k not in spec.secret_options},
    }
    if assignee_id is not None:
        recorded["assigneeId"] = assignee_id
    request = ActionRequest(spec, device_ids, options, recorded, input.dry_run, key, assignee_id)
    executor = ActionExecutor(
        context.settings,
        context.viewer,
        context.scope,
        context.services.upstreams.mdm,
        context.services.broker,
        context.services.mirror,
    )
    result = await executor.execute(request)
    if result.run_id is not None and not input.dry_run:
        context.services.follower.poke()
    return await _built(info, input, result)


async def _built(info: Info, input: DeviceActionInput, result: ActionResult) -> DeviceActionPayload:
    run = None
    if result.run_id is not None:
        row = await info.context.loaders.action_run.load(result.run_id)
        run = DeviceActionRun.from_optional(row)
    return _payload(input, result, run)


def _payload(
    input: DeviceActionInput, result: ActionResult, run: DeviceActionRun | None = None
) -> DeviceActionPayload:
    return DeviceActionPayload(
        run=run,
        ineligible=[
            IneligibleDevice(device_id=device_id, code=why.code, reason=why.reason)
            for device_id, why in result.ineligible
        ],
        user_errors=user_errors(result.problems),
        client_mutation_id=input.client_mutation_id,
    )


def _unlock(input: UnlockDevicesInput, problems: Problems) -> Options:
    if not UNLOCK_PIN.fullmatch(input.pin):
        problems.add(("pin",), UserErrorCode.INVALID, "The PIN is 6 to 8 letters or digits.")
    return {"pin": input.pin}


def _wipe(input: WipeDevicesInput, problems: Problems) -> Options:
    _text(problems, "message", input.message, limit=MESSAGE_MAX, required=False)
    if input.return_to_service and input.wifi_configuration_id is None:
        problems.add(
            ("wifiConfigurationId",),
            UserErrorCode.REQUIRED,
            "Return to service needs the Wi-Fi configuration the device re-enrolls over.",
        )
    return {
        "disallow_proximity_setup": input.disallow_proximity_setup,
        "preserve_data_plan": input.preserve_data_plan,
        "message": input.message,
        "return_to_service": input.return_to_service,
        "wifi_configuration_id": input.wifi_configuration_id,
    }


def _lost_mode(input: EnableLostModeInput, problems: Problems) -> Options:
    _text(problems, "message", input.message, limit=MESSAGE_MAX, required=True)
    if input.footnote is not None:
        _text(problems, "footnote", input.footnote, limit=FOOTNOTE_MAX, required=False)
    if input.phone_number is not None and not PHONE.match(input.phone_number):
        problems.add(("phoneNumber",), UserErrorCode.INVALID, "Not a phone number.")
    return {
        "message": input.message,
        "phone_number": input.phone_number,
        "footnote": input.footnote,
    }


def _os_update(input: ScheduleOsUpdateInput, problems: Problems) -> Options:
    if not OS_VERSION.match(input.version.strip()):
        problems.add(("version",), UserErrorCode.INVALID, "A version is like `17.4` or `17.4.1`.")
    return {"version": input.version.strip()}


def _message(input: SendDeviceMessageInput, problems: Problems) -> Options:
    _text(problems, "message", input.message, limit=MESSAGE_MAX, required=True)
    _text(problems, "emailSubject", input.email_subject, limit=200, required=input.send_email)
    _text(problems, "emailBody", input.email_body, limit=10_000, required=input.send_email)
    return {
        "message": input.message,
        "send_email": input.send_email,
        "email_subject": input.email_subject,
        "email_body": input.email_body,
    }


def _replace(input: ReplaceCustomAttributesInput, problems: Problems) -> Options:
    return {"attributes": _attributes(problems, "attributes", input.attributes)}


def _patch(input: PatchCustomAttributesInput, problems: Problems) -> Options:
    return {
        "attributes": _attributes(problems, "attributes", input.attributes),
        "force_overwrite": input.force_overwrite,
    }


def _remove(input: RemoveCustomAttributesInput, problems: Problems) -> Options:
    if (input.keys is None) == (input.attributes is None):
        problems.add((), UserErrorCode.INVALID, "Give either `keys` or `attributes`.")
        return {}
    if input.keys is not None:
        named = [CustomAttributeInput(key=k.key, string_values=[]) for k in input.keys]
        parsed = _attributes(problems, "keys", named)
        keys = [
            f"{a['key']}_#" if k.numeric else a["key"]
            for a, k in zip(parsed, input.keys, strict=False)
        ]
        return {"keys": keys}
    return {"attributes": _attributes(problems, "attributes", input.attributes or [])}


def _configurations(input: ConfigurationActionInput, problems: Problems) -> Options:
    return {"configuration_ids": _configuration_ids(problems, input.configuration_ids)}


def _vendor(input: SyncComplianceInput, _problems: Problems) -> Options:
    return {"vendor": input.vendor.value}


A = DeviceAction


def needs(resolver: str, text: str) -> str:
    """A mutation's description with the role it needs, from the one permission table."""
    head, *rest = resolver.split("_")
    mutation = head + "".join(part.title() for part in rest)
    return f"{text} Needs {role_for(mutation).value} (or a stronger role)."


@strawberry.type
class ActionMutations:
    @strawberry.mutation(description=needs("assign_device", "Assign devices to a user."))
    async def assign_device(self, info: Info, input: AssignDeviceInput) -> DeviceActionPayload:
        try:
            user_id = expect_global_id(input.user_id, "User", "userId")
        except InvalidIdError as error:
            problems = Problems()
            problems.add(("userId",), UserErrorCode.INVALID_ID, error.message)
            return _payload(input, ActionResult(problems=problems))
        return await _run(info, A.ASSIGN, input, assignee_id=user_id)

    @strawberry.mutation(
        description=needs("unassign_device", "Take devices away from their assignee.")
    )
    async def unassign_device(self, info: Info, input: UnassignDeviceInput) -> DeviceActionPayload:
        return await _run(info, A.UNASSIGN, input)

    @strawberry.mutation(description=needs("lock_devices", "Lock devices."))
    async def lock_devices(self, info: Info, input: LockDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.LOCK, input)

    @strawberry.mutation(description=needs("unlock_devices", "Unlock devices."))
    async def unlock_devices(self, info: Info, input: UnlockDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.UNLOCK, input, _unlock)

    @strawberry.mutation(description=needs("wipe_devices", "Wipe devices."))
    async def wipe_devices(self, info: Info, input: WipeDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.WIPE, input, _wipe)

    @strawberry.mutation(description=needs("retire_devices", "Retire devices."))
    async def retire_devices(self, info: Info, input: RetireDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.RETIRE, input)

    @strawberry.mutation(
        description=needs(
            "delete_devices",
            "Delete retired devices from the MDM provider: not while ACTIVE or WIPE_PENDING.",
        )
    )
    async def delete_devices(self, info: Info, input: DeleteDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.DELETE, input)

    @strawberry.mutation(description=needs("force_checkin_devices", "Ask devices to check in now."))
    async def force_checkin_devices(
        self, info: Info, input: ForceCheckinDevicesInput
    ) -> DeviceActionPayload:
        return await _run(info, A.FORCE_CHECKIN, input)

    @strawberry.mutation(description=needs("restart_devices", "Restart supervised iOS devices."))
    async def restart_devices(self, info: Info, input: RestartDevicesInput) -> DeviceActionPayload:
        return await _run(info, A.RESTART, input)

    @strawberry.mutation(description=needs("enable_lost_mode", "Put iOS devices in lost mode."))
    async def enable_lost_mode(self, info: Info, input: EnableLostModeInput) -> DeviceActionPayload:
        return await _run(info, A.ENABLE_LOST_MODE, input, _lost_mode)

    @strawberry.mutation(
        description=needs("disable_lost_mode", "Take iOS devices out of lost mode.")
    )
    async def disable_lost_mode(
        self, info: Info, input: DisableLostModeInput
    ) -> DeviceActionPayload:
        return await _run(info, A.DISABLE_LOST_MODE, input)

    @strawberry.mutation(
        description=needs("enter_kiosk_mode", "Put Android devices in kiosk mode.")
    )
    async def enter_kiosk_mode(self, info: Info, input: EnterKioskModeInput) -> DeviceActionPayload:
        return await _run(info, A.ENTER_KIOSK_MODE, input)

    @strawberry.mutation(
        description=needs("exit_kiosk_mode", "Take Android devices out of kiosk mode.")
    )
    async def exit_kiosk_mode(self, info: Info, input: ExitKioskModeInput) -> DeviceActionPayload:
        return await _run(info, A.EXIT_KIOSK_MODE, input)

    @strawberry.mutation(
        description=needs(
            "relinquish_ownership", "Release company-owned Android devices for personal use."
        )
    )
    async def relinquish_ownership(
        self, info: Info, input: RelinquishOwnershipInput
    ) -> DeviceActionPayload:
        return await _run(info, A.RELINQUISH_OWNERSHIP, input)

    @strawberry.mutation(
        description=needs("cancel_relinquish_ownership", "Cancel relinquishing Android devices.")
    )
    async def cancel_relinquish_ownership(
        self, info: Info, input: CancelRelinquishOwnershipInput
    ) -> DeviceActionPayload:
        return await _run(info, A.CANCEL_RELINQUISH_OWNERSHIP, input)

    @strawberry.mutation(
        description=needs("schedule_os_update", "Update iOS devices to an OS version.")
    )
    async def schedule_os_update(
        self, info: Info, input: ScheduleOsUpdateInput
    ) -> DeviceActionPayload:
        return await _run(info, A.SCHEDULE_OS_UPDATE, input, _os_update)

    @strawberry.mutation(
        description=needs("logout_device_users", "Log the current users out of devices.")
    )
    async def logout_device_users(
        self, info: Info, input: LogoutDeviceUsersInput
    ) -> DeviceActionPayload:
        return await _run(info, A.LOGOUT_USERS, input)

    @strawberry.mutation(
        description=needs("send_device_message", "Send devices a push notification.")
    )
    async def send_device_message(
        self, info: Info, input: SendDeviceMessageInput
    ) -> DeviceActionPayload:
        return await _run(info, A.SEND_MESSAGE, input, _message)

    @strawberry.mutation(
        description=needs("replace_custom_attributes", "Replace devices' custom attributes.")
    )
    async def replace_custom_attributes(
        self, info: Info, input: ReplaceCustomAttributesInput
    ) -> DeviceActionPayload:
        return await _run(info, A.REPLACE_CUSTOM_ATTRIBUTES, input, _replace)

    @strawberry.mutation(
        description=needs("patch_custom_attributes", "Add or update custom attributes.")
    )
    async def patch_custom_attributes(
        self, info: Info, input: PatchCustomAttributesInput
    ) -> DeviceActionPayload:
        return await _run(info, A.PATCH_CUSTOM_ATTRIBUTES, input, _patch)

    @strawberry.mutation(description=needs("remove_custom_attributes", "Remove custom attributes."))
    async def remove_custom_attributes(
        self, info: Info, input: RemoveCustomAttributesInput
    ) -> DeviceActionPayload:
        return await _run(info, A.REMOVE_CUSTOM_ATTRIBUTES, input, _remove)

    @strawberry.mutation(
        description=needs("exclude_configuration", "Exclude configurations from devices.")
    )
    async def exclude_configuration(
        self, info: Info, input: ConfigurationActionInput
    ) -> DeviceActionPayload:
        return await _run(info, A.EXCLUDE_CONFIGURATION, input, _configurations)

    @strawberry.mutation(
        description=needs("repush_configuration", "Re-push excluded configurations.")
    )
    async def repush_configuration(
        self, info: Info, input: ConfigurationActionInput
    ) -> DeviceActionPayload:
        return await _run(info, A.REPUSH_CONFIGURATION, input, _configurations)

    @strawberry.mutation(
        description=needs("reinstall_configuration", "Re-install configurations on devices.")
    )
    async def reinstall_configuration(
        self, info: Info, input: ConfigurationActionInput
    ) -> DeviceActionPayload:
        return await _run(info, A.REINSTALL_CONFIGURATION, input, _configurations)

    @strawberry.mutation(
        description=needs("sync_compliance", "Synchronise devices' compliance with a vendor.")
    )
    async def sync_compliance(self, info: Info, input: SyncComplianceInput) -> DeviceActionPayload:
        return await _run(info, A.SYNC_COMPLIANCE, input, _vendor)
