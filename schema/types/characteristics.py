"""A device's characteristics, as the rental API's `characteristics` object."""

import strawberry

from schema.enums import KeyboardLayout
from schema.rows import FromRow


@strawberry.type(description="What a device is made of and comes with.")
class DeviceCharacteristics(FromRow):
    device_id: strawberry.Private[int]
    client_id: strawberry.Private[int]

    screen_size: str | None
    graphic: str | None
    processor: str | None
    ram: str | None
    storage: str | None
    model_year: str | None
    connectivity: str | None
    keyboard_layout: KeyboardLayout | None
    resolution: str | None
    has_microphone: bool | None
    has_webcam: bool | None
    noise_cancellation: bool | None
    compliance: list[str] | None
    connection_type: list[str] | None
    has_stool: bool | None
    has_video_package: bool | None
    has_screen: bool | None
    has_premium_tablet: bool | None
    color: str | None
    seats_number: str | None
    assembly: str | None
    os_platform: str | None
