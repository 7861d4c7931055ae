"""The rental platform's own device records: `createDevices` (its batch `POST /devices`) and
`updateDevice`.

Thin on purpose: check the role, turn global IDs into database ids (a malformed one is a
userError, not a GraphQL error, so the rest of the batch is still answered), hand the input to
`resolvers.device_writes` in the tables' words, and build the payload.
"""

import logging
from dataclasses import fields
from datetime import date
from typing import Any

import strawberry
from strawberry import UNSET

from app.enums import UserErrorCode
from app.errors import InvalidIdError, Problems
from app.permissions import role_for
from resolvers import device_writes
from schema.context import Info
from schema.enums import KeyboardLayout
from schema.mutations.common import UserError, user_errors
from schema.node import expect_global_id
from schema.types.device import Device
from schema.types.money import Money

security_log = logging.getLogger("gateway.security")

CLIENT_MUTATION_ID = "Any string; returned as is in the payload, to match answers to requests."

# What each characteristic is, shared by the creation and the update inputs.
CHARACTERISTICS = {
    "screen_size": 'Screen diagonal, e.g. "14 inches".',
    "graphic": "Graphics processor.",
    "processor": "Processor.",
    "ram": 'Memory, e.g. "16 GB".',
    "storage": 'Storage, e.g. "512 GB SSD".',
    "model_year": 'Model year, e.g. "2024".',
    "connectivity": 'Network connectivity, e.g. "Wi-Fi 6E, 5G".',
    "keyboard_layout": "Keyboard layout.",
    "resolution": 'Screen resolution, e.g. "2560x1600".',
    "has_microphone": "Whether the device has a microphone.",
    "has_webcam": "Whether the device has a webcam.",
    "noise_cancellation": "Whether the device cancels noise.",
    "compliance": 'Compliance marks (e.g. ["CE", "RoHS"]); a single string is a list of one.',
    "connection_type": 'Connection types (e.g. ["USB-C"]); a single string is a list of one.',
    "has_stool": "Whether the device comes with a stool.",
    "has_video_package": "Whether the device comes with a video package.",
    "has_screen": "Whether the device comes with a screen.",
    "has_premium_tablet": "Whether the device comes with a premium tablet.",
    "color": "Colour.",
    "seats_number": "Number of seats (furniture, meeting rooms).",
    "assembly": "Assembly (furniture).",
    "os_platform": 'Operating system platform, e.g. "macOS".',
}


def _create_field(key: str) -> Any:
    return strawberry.field(default=None, description=CHARACTERISTICS[key])


def _update_field(key: str) -> Any:
    return strawberry.field(
        default=UNSET, description=f"{CHARACTERISTICS[key]} Absent: unchanged; null: cleared."
    )


@strawberry.input(
    description="One device to add to the fleet, as the rental platform's batch creation "
    "takes it. Texts are trimmed; a blank optional text is refused (send null or omit it)."
)
class CreateDeviceInput:
    name: str = strawberry.field(description='Display name, e.g. "MacBook Pro 14".')
    type: str = strawberry.field(description='Device type, e.g. "LAPTOP".')
    category: str = strawberry.field(description='Device category, e.g. "COMPUTER".')
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of the User the device is assigned to."
    )
    added_via: str | None = strawberry.field(
        default=None, description="How the device was added to the fleet; SINGLE_IMPORT if null."
    )
    brand: str | None = strawberry.field(default=None, description='Brand, e.g. "Apple".')
    serial_number: str | None = strawberry.field(
        default=None,
        description="Serial number; unique in the organisation's fleet (case-insensitive).",
    )
    is_rented: bool | None = strawberry.field(
        default=None, description="Whether the client rents the device from someone else."
    )
    client_purchase_price: str | None = strawberry.field(
        default=None,
        description='Purchase price, a decimal amount such as "1299.90" in the '
        "organisation's currency.",
    )
    client_purchase_date: date | None = strawberry.field(
        default=None, description="When the client bought the device."
    )
    client_warranty_end_date: date | None = strawberry.field(
        default=None, description="Last day of the warranty; not before the purchase date."
    )
    client_rental_price: str | None = strawberry.field(
        default=None,
        description='Rental price paid elsewhere, a decimal amount such as "49.90" in the '
        "organisation's currency.",
    )
    client_rental_start_date: date | None = strawberry.field(
        default=None, description="First day of the rental elsewhere."
    )
    client_rental_end_date: date | None = strawberry.field(
        default=None, description="Last day of the rental elsewhere; not before its start."
    )
    client_contract_number: str | None = strawberry.field(
        default=None, description="The client's rental or lease contract number."
    )
    client_invoice_number: str | None = strawberry.field(
        default=None, description="The client's purchase invoice number."
    )
    comment: str | None = strawberry.field(default=None, description="Free-form comment.")
    screen_size: str | None = _create_field("screen_size")
    graphic: str | None = _create_field("graphic")
    processor: str | None = _create_field("processor")
    ram: str | None = _create_field("ram")
    storage: str | None = _create_field("storage")
    model_year: str | None = _create_field("model_year")
    connectivity: str | None = _create_field("connectivity")
    keyboard_layout: KeyboardLayout | None = _create_field("keyboard_layout")
    resolution: str | None = _create_field("resolution")
    has_microphone: bool | None = _create_field("has_microphone")
    has_webcam: bool | None = _create_field("has_webcam")
    noise_cancellation: bool | None = _create_field("noise_cancellation")
    compliance: list[str] | None = _create_field("compliance")
    connection_type: list[str] | None = _create_field("connection_type")
    has_stool: bool | None = _create_field("has_stool")
    has_video_package: bool | None = _create_field("has_video_package")
    has_screen: bool | None = _create_field("has_screen")
    has_premium_tablet: bool | None = _create_field("has_premium_tablet")
    color: str | None = _create_field("color")
    seats_number: str | None = _create_field("seats_number")
    assembly: str | None = _create_field("assembly")
    os_platform: str | None = _create_field("os_platform")


@strawberry.input(description="Devices to add to the fleet in one call.")
class CreateDevicesInput:
    devices: list[CreateDeviceInput] = strawberry.field(
        description="The devices to create: at least one, at most the gateway's "
        "ACTION_MAX_DEVICES (100 unless configured otherwise) per call."
    )
    atomic: bool | None = strawberry.field(
        default=False,
        description="True: create nothing when any device is invalid. False: create the valid "
        "devices and report the others.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=CLIENT_MUTATION_ID)


@strawberry.type(description="What `createDevices` did.")
class CreateDevicesPayload:
    devices: list[Device] = strawberry.field(
        description="The devices created, in input order (the invalid ones are left out)."
    )
    user_errors: list[UserError] = strawberry.field(
        description='Why devices were refused, each at its path, e.g. `["devices", "3", "name"]`.'
    )
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


@strawberry.input(
    description="Characteristics to change: absent fields stay as they are, null clears one."
)
class DeviceCharacteristicsInput:
    screen_size: str | None = _update_field("screen_size")
    graphic: str | None = _update_field("graphic")
    processor: str | None = _update_field("processor")
    ram: str | None = _update_field("ram")
    storage: str | None = _update_field("storage")
    model_year: str | None = _update_field("model_year")
    connectivity: str | None = _update_field("connectivity")
    keyboard_layout: KeyboardLayout | None = _update_field("keyboard_layout")
    resolution: str | None = _update_field("resolution")
    has_microphone: bool | None = _update_field("has_microphone")
    has_webcam: bool | None = _update_field("has_webcam")
    noise_cancellation: bool | None = _update_field("noise_cancellation")
    compliance: list[str] | None = _update_field("compliance")
    connection_type: list[str] | None = _update_field("connection_type")
    has_stool: bool | None = _update_field("has_stool")
    has_video_package: bool | None = _update_field("has_video_package")
    has_screen: bool | None = _update_field("has_screen")
    has_premium_tablet: bool | None = _update_field("has_premium_tablet")
    color: str | None = _update_field("color")
    seats_number: str | None = _update_field("seats_number")
    assembly: str | None = _update_field("assembly")
    os_platform: str | None = _update_field("os_platform")


@strawberry.input(description="Changes to one device: only the fields given change.")
class UpdateDeviceInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the Device to change.")
    name: str | None = strawberry.field(
        default=UNSET, description="New display name; may not be null or blank."
    )
    comment: str | None = strawberry.field(
        default=UNSET, description="New free-form comment; null clears it."
    )
    characteristics: DeviceCharacteristicsInput | None = strawberry.field(
        default=UNSET, description="Characteristics to change (may not be null itself)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=CLIENT_MUTATION_ID)


@strawberry.type(description="What `updateDevice` did.")
class UpdateDevicePayload:
    device: Device | None = strawberry.field(
        description="The device after the change; null when nothing changed."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the change was refused, each at its path under `input`."
    )
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


def _refused(info: Info, mutation: str) -> Problems | None:
    """FORBIDDEN (and a security log line) when the viewer lacks the mutation's role."""
    viewer, role = info.context.viewer, role_for(mutation)
    if viewer.has(role):
        return None
    security_log.warning(
        "mutation refused: role missing",
        extra={
            "mutation": mutation,
            "tenant_id": viewer.tenant_id,
            "user_id": viewer.user_id,
            "required_role": role.value,
        },
    )
    problems = Problems()
    problems.add((), UserErrorCode.FORBIDDEN, f"`{mutation}` needs the {role.value} role.")
    return problems


def _minor_digits(currency: str) -> int:
    """Decimals of `currency`, by Money's own rule, so a price reads back as it was written."""
    one_minor_unit = Money.of(1, currency)
    return 0 if one_minor_unit is None else len(one_minor_unit.amount.partition(".")[2])


def _plain(value: Any) -> Any:
    """An input value in the tables' words (enum members as their stored string)."""
    return value.value if isinstance(value, KeyboardLayout) else value


def _item(device: CreateDeviceInput, index: int, problems: Problems) -> dict[str, Any]:
    """One `CreateDeviceInput` as column-named values, its `userId` as a database id."""
    values = {f.name: _plain(getattr(device, f.name)) for f in fields(device)}
    if device.user_id is not None:
        try:
            values["user_id"] = expect_global_id(
                device.user_id, "User", f"input.devices[{index}].userId"
            )
        except InvalidIdError as error:
            problems.add(("devices", index, "userId"), UserErrorCode.INVALID_ID, error.message)
            values["user_id"] = None
    return values


def _given(obj: object) -> dict[str, Any]:
    """The fields of an input object that the client sent (explicit nulls included)."""
    return {
        f.name: _plain(getattr(obj, f.name))
        for f in fields(obj)  # type: ignore[arg-type]
        if getattr(obj, f.name) is not UNSET
    }


@strawberry.type
class DeviceMutations:
    @strawberry.mutation(
        description="Add devices the client owns or rents elsewhere to its fleet (the rental "
        "platform's batch creation). Every device is checked first; the valid ones are created "
        "and the others reported, or none with `atomic: true`. Needs DEVICE_MANAGEMENT."
    )
    async def create_devices(self, info: Info, input: CreateDevicesInput) -> CreateDevicesPayload:
        refused = _refused(info, "createDevices")
        if refused is not None:
            return CreateDevicesPayload(
                devices=[],
                user_errors=user_errors(refused),
                client_mutation_id=input.client_mutation_id,
            )
        problems = Problems()
        max_devices = info.context.settings.action_max_devices
        rows: list[device_writes.Row] = []
        # The size is checked before any ID is decoded: an oversized call costs one error.
        if device_writes.check_batch_size(len(input.devices), max_devices, problems):
            items = [_item(device, i, problems) for i, device in enumerate(input.devices)]
            rows = await device_writes.create_devices(
                info.context.scope,
                items,
                problems=problems,
                atomic=bool(input.atomic),
                max_devices=max_devices,
                minor_digits=_minor_digits,
            )
        return CreateDevicesPayload(
            devices=[Device.from_row(row) for row in rows],
            user_errors=user_errors(problems),
            client_mutation_id=input.client_mutation_id,
        )

    @strawberry.mutation(
        description="Change a device's name, comment or characteristics; only the fields "
        "given change. Needs DEVICE_MANAGEMENT."
    )
    async def update_device(self, info: Info, input: UpdateDeviceInput) -> UpdateDevicePayload:
        def payload(problems: Problems, device: Device | None = None) -> UpdateDevicePayload:
            return UpdateDevicePayload(
                device=device,
                user_errors=user_errors(problems),
                client_mutation_id=input.client_mutation_id,
            )

        refused = _refused(info, "updateDevice")
        if refused is not None:
            return payload(refused)
        problems = Problems()
        try:
            device_id = expect_global_id(input.id, "Device", "input.id")
        except InvalidIdError as error:
            problems.add(("id",), UserErrorCode.INVALID_ID, error.message)
            return payload(problems)
        changes = device_writes.check_device_changes(_given(input), problems)
        characteristics: dict[str, Any] | None = None
        if input.characteristics is None:
            problems.add(
                ("characteristics",),
                UserErrorCode.INVALID,
                "`characteristics` may not be null: set a characteristic to null to clear it.",
            )
        elif input.characteristics is not UNSET:
            characteristics = device_writes.check_characteristics(
                _given(input.characteristics), ("characteristics",), problems
            )
        if problems:
            return payload(problems)
        row = await device_writes.update_device(
            info.context.scope, device_id, changes, characteristics, problems
        )
        if row is None:
            return payload(problems)
        # Later fields of this request read the device afresh, not what was cached before.
        loaders = info.context.loaders
        loaders.device.clear(device_id).prime(device_id, row)
        loaders.characteristics.clear(device_id)
        return payload(problems, Device.from_row(row))
