"""The device models the demo fleets are made of: names, brands, types, prices and characteristics.

The `type`, `category`, `source` and `added_via` columns are free strings in the rental API;
the vocabularies below are the ones the demo data uses.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.seed.rng import Weighted


class DeviceType(StrEnum):
    LAPTOP = "LAPTOP"
    DESKTOP = "DESKTOP"
    SMARTPHONE = "SMARTPHONE"
    TABLET = "TABLET"
    SCREEN = "SCREEN"
    HEADSET = "HEADSET"
    VIDEO_CONFERENCE = "VIDEO_CONFERENCE"
    FURNITURE = "FURNITURE"


class DeviceCategory(StrEnum):
    COMPUTER = "COMPUTER"
    PHONE = "PHONE"
    TABLET = "TABLET"
    DISPLAY = "DISPLAY"
    AUDIO = "AUDIO"
    MEETING_ROOM = "MEETING_ROOM"
    FURNITURE = "FURNITURE"


class DeviceSource(StrEnum):
    RENTAL = "RENTAL"
    CLIENT_OWNED = "CLIENT_OWNED"
    EXTERNAL_RENTAL = "EXTERNAL_RENTAL"
    BYOD = "BYOD"


class AddedVia(StrEnum):
    ORDER = "ORDER"
    SINGLE_IMPORT = "SINGLE_IMPORT"
    BULK_IMPORT = "BULK_IMPORT"
    MDM_SYNC = "MDM_SYNC"


# Platforms the MDM provider manages, and those the device agent (inventory) runs on.
MDM_PLATFORMS = frozenset({"macOS", "Windows", "iOS", "Android"})
AGENT_PLATFORMS = frozenset({"macOS", "Windows", "Linux"})
MDM_TYPES = frozenset(
    {DeviceType.LAPTOP, DeviceType.DESKTOP, DeviceType.SMARTPHONE, DeviceType.TABLET}
)
COMPUTER_TYPES = frozenset({DeviceType.LAPTOP, DeviceType.DESKTOP})

_LAPTOP_COMPLIANCE = ("CE", "RoHS", "ENERGY STAR", "EPEAT Gold")
_SCREEN_COMPLIANCE = ("CE", "RoHS", "TCO Certified", "ENERGY STAR")
_PHONE_COMPLIANCE = ("CE", "RoHS", "FCC")


@dataclass(frozen=True, slots=True)
class DeviceModel:
    """One model of the catalog; `fixed` characteristics are copied, `options` drawn per device."""

    name: str
    brand: str
    type: DeviceType
    category: DeviceCategory
    serial_style: str
    monthly_rent: int  # EUR minor units
    purchase_price: int  # EUR minor units
    weight: float
    os_platforms: tuple[str, ...] = ()
    keyboard: bool = False
    fixed: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def manages_mdm(self) -> bool:
        return self.type in MDM_TYPES and any(os in MDM_PLATFORMS for os in self.os_platforms)

    def characteristics(self, rng: random.Random) -> dict[str, Any]:
        """The model's characteristics for one device (lists are fresh copies)."""
        values: dict[str, Any] = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in self.fixed.items()
        }
        for key, choices in self.options.items():
            values[key] = rng.choice(choices)
        return values


def _laptop(
    name: str,
    brand: str,
    serial: str,
    rent: int,
    price: int,
    weight: float,
    *,
    os: tuple[str, ...],
    screen: str,
    resolution: str,
    graphic: str,
    processors: tuple[str, ...],
    ram: tuple[str, ...],
    storage: tuple[str, ...],
    year: str,
    ports: tuple[str, ...],
    colors: tuple[str, ...],
    connectivity: str = "Wi-Fi 6E, Bluetooth 5.3",
) -> DeviceModel:
    return DeviceModel(
        name=name,
        brand=brand,
        type=DeviceType.LAPTOP,
        category=DeviceCategory.COMPUTER,
        serial_style=serial,
        monthly_rent=rent,
        purchase_price=price,
        weight=weight,
        os_platforms=os,
        keyboard=True,
        fixed={
            "screen_size": screen,
            "resolution": resolution,
            "graphic": graphic,
            "model_year": year,
            "connectivity": connectivity,
            "has_microphone": True,
            "has_webcam": True,
            "compliance": _LAPTOP_COMPLIANCE,
            "connection_type": ports,
        },
        options={"processor": processors, "ram": ram, "storage": storage, "color": colors},
    )


def _phone(
    name: str,
    brand: str,
    serial: str,
    rent: int,
    price: int,
    weight: float,
    *,
    os: str,
    screen: str,
    resolution: str,
    processor: str,
    ram: str,
    storage: tuple[str, ...],
    year: str,
    port: str,
    colors: tuple[str, ...],
) -> DeviceModel:
    return DeviceModel(
        name=name,
        brand=brand,
        type=DeviceType.SMARTPHONE,
        category=DeviceCategory.PHONE,
        serial_style=serial,
        monthly_rent=rent,
        purchase_price=price,
        weight=weight,
        os_platforms=(os,),
        fixed={
            "screen_size": screen,
            "resolution": resolution,
            "processor": processor,
            "ram": ram,
            "model_year": year,
            "connectivity": "5G, Wi-Fi 6, Bluetooth 5.3, NFC",
            "has_microphone": True,
            "has_webcam": True,
            "compliance": _PHONE_COMPLIANCE,
            "connection_type": (port,),
        },
        options={"storage": storage, "color": colors},
    )


def _screen(
    name: str,
    brand: str,
    serial: str,
    rent: int,
    price: int,
    weight: float,
    *,
    size: str,
    resolution: str,
    ports: tuple[str, ...],
    year: str,
    webcam: bool = False,
) -> DeviceModel:
    return DeviceModel(
        name=name,
        brand=brand,
        type=DeviceType.SCREEN,
        category=DeviceCategory.DISPLAY,
        serial_style=serial,
        monthly_rent=rent,
        purchase_price=price,
        weight=weight,
        fixed={
            "screen_size": size,
            "resolution": resolution,
            "model_year": year,
            "has_microphone": webcam,
            "has_webcam": webcam,
            "compliance": _SCREEN_COMPLIANCE,
            "connection_type": ports,
        },
        options={"color": ("Black", "Silver")},
    )


_APPLE_PORTS = ("Thunderbolt 4", "HDMI", "MagSafe 3", "SD card")
_AIR_PORTS = ("Thunderbolt 3", "MagSafe 3")
_PC_PORTS = ("USB-C", "Thunderbolt 4", "USB-A", "HDMI")

MODELS: tuple[DeviceModel, ...] = (
    _laptop(
        "MacBook Pro 14 M3",
        "Apple",
        "apple",
        8990,
        219_900,
        14,
        os=("macOS",),
        screen='14.2"',
        resolution="3024x1964",
        graphic="Apple M3 10-core GPU",
        processors=("Apple M3 8-core",),
        ram=("8 GB", "16 GB", "24 GB"),
        storage=("512 GB SSD", "1 TB SSD"),
        year="2023",
        ports=_APPLE_PORTS,
        colors=("Space Gray", "Silver"),
    ),
    _laptop(
        "MacBook Pro 16 M3 Pro",
        "Apple",
        "apple",
        12990,
        299_900,
        4,
        os=("macOS",),
        screen='16.2"',
        resolution="3456x2234",
        graphic="Apple M3 Pro 18-core GPU",
        processors=("Apple M3 Pro 12-core",),
        ram=("18 GB", "36 GB"),
        storage=("512 GB SSD", "1 TB SSD"),
        year="2023",
        ports=_APPLE_PORTS,
        colors=("Space Black", "Silver"),
    ),
    _laptop(
        "MacBook Air 13 M2",
        "Apple",
        "apple",
        5990,
        129_900,
        10,
        os=("macOS",),
        screen='13.6"',
        resolution="2560x1664",
        graphic="Apple M2 8-core GPU",
        processors=("Apple M2 8-core",),
        ram=("8 GB", "16 GB"),
        storage=("256 GB SSD", "512 GB SSD"),
        year="2022",
        ports=_AIR_PORTS,
        colors=("Midnight", "Starlight", "Space Gray", "Silver"),
    ),
    _laptop(
        "MacBook Air 15 M3",
        "Apple",
        "apple",
        6990,
        159_900,
        6,
        os=("macOS",),
        screen='15.3"',
        resolution="2880x1864",
        graphic="Apple M3 10-core GPU",
        processors=("Apple M3 8-core",),
        ram=("16 GB", "24 GB"),
        storage=("512 GB SSD",),
        year="2024",
        ports=_AIR_PORTS,
        colors=("Midnight", "Starlight"),
    ),
    _laptop(
        "Dell Latitude 7440",
        "Dell",
        "dell",
        5490,
        169_900,
        10,
        os=("Windows",),
        screen='14"',
        resolution="1920x1200",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1345U", "Intel Core i7-1365U"),
        ram=("16 GB", "32 GB"),
        storage=("256 GB SSD", "512 GB SSD"),
        year="2023",
        ports=_PC_PORTS,
        colors=("Gray",),
    ),
    _laptop(
        "Dell Latitude 5540",
        "Dell",
        "dell",
        3990,
        119_900,
        8,
        os=("Windows",),
        screen='15.6"',
        resolution="1920x1080",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1335U", "Intel Core i7-1355U"),
        ram=("8 GB", "16 GB"),
        storage=("256 GB SSD", "512 GB SSD"),
        year="2023",
        ports=_PC_PORTS,
        colors=("Gray",),
    ),
    _laptop(
        "Dell XPS 13 Plus",
        "Dell",
        "dell",
        6490,
        179_900,
        3,
        os=("Linux", "Windows"),
        screen='13.4"',
        resolution="2880x1800",
        graphic="Intel Iris Xe",
        processors=("Intel Core i7-1360P",),
        ram=("16 GB", "32 GB"),
        storage=("512 GB SSD", "1 TB SSD"),
        year="2023",
        ports=("Thunderbolt 4",),
        colors=("Platinum", "Graphite"),
    ),
    _laptop(
        "Lenovo ThinkPad X1 Carbon Gen 11",
        "Lenovo",
        "lenovo",
        6490,
        189_900,
        7,
        os=("Windows", "Windows", "Linux"),
        screen='14"',
        resolution="1920x1200",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1335U", "Intel Core i7-1365U"),
        ram=("16 GB", "32 GB"),
        storage=("512 GB SSD", "1 TB SSD"),
        year="2023",
        ports=_PC_PORTS,
        colors=("Deep Black",),
    ),
    _laptop(
        "Lenovo ThinkPad T14 Gen 4",
        "Lenovo",
        "lenovo",
        4490,
        139_900,
        7,
        os=("Windows",),
        screen='14"',
        resolution="1920x1200",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1335U", "AMD Ryzen 7 PRO 7840U"),
        ram=("16 GB", "32 GB"),
        storage=("256 GB SSD", "512 GB SSD"),
        year="2023",
        ports=_PC_PORTS,
        colors=("Thunder Black",),
    ),
    _laptop(
        "HP EliteBook 840 G10",
        "HP",
        "hp",
        4790,
        149_900,
        5,
        os=("Windows",),
        screen='14"',
        resolution="1920x1200",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1345U", "Intel Core i7-1355U"),
        ram=("16 GB", "32 GB"),
        storage=("512 GB SSD",),
        year="2023",
        ports=_PC_PORTS,
        colors=("Silver",),
    ),
    _laptop(
        "Microsoft Surface Laptop 5",
        "Microsoft",
        "microsoft",
        5290,
        159_900,
        3,
        os=("Windows",),
        screen='13.5"',
        resolution="2256x1504",
        graphic="Intel Iris Xe",
        processors=("Intel Core i5-1245U", "Intel Core i7-1265U"),
        ram=("8 GB", "16 GB"),
        storage=("256 GB SSD", "512 GB SSD"),
        year="2022",
        ports=("USB-C", "USB-A", "Surface Connect"),
        colors=("Platinum", "Matte Black", "Sage"),
    ),
    DeviceModel(
        name="iMac 24 M3",
        brand="Apple",
        type=DeviceType.DESKTOP,
        category=DeviceCategory.COMPUTER,
        serial_style="apple",
        monthly_rent=7990,
        purchase_price=179_900,
        weight=2,
        os_platforms=("macOS",),
        keyboard=True,
        fixed={
            "screen_size": '24"',
            "resolution": "4480x2520",
            "graphic": "Apple M3 10-core GPU",
            "processor": "Apple M3 8-core",
            "model_year": "2023",
            "connectivity": "Wi-Fi 6E, Bluetooth 5.3",
            "has_microphone": True,
            "has_webcam": True,
            "has_screen": True,
            "compliance": _LAPTOP_COMPLIANCE,
            "connection_type": ("Thunderbolt 3", "USB-C", "Ethernet"),
        },
        options={
            "ram": ("8 GB", "16 GB"),
            "storage": ("256 GB SSD", "512 GB SSD"),
            "color": ("Blue", "Green", "Silver", "Pink"),
        },
    ),
    DeviceModel(
        name="Mac mini M2",
        brand="Apple",
        type=DeviceType.DESKTOP,
        category=DeviceCategory.COMPUTER,
        serial_style="apple",
        monthly_rent=3490,
        purchase_price=79_900,
        weight=1,
        os_platforms=("macOS",),
        keyboard=True,
        fixed={
            "graphic": "Apple M2 10-core GPU",
            "processor": "Apple M2 8-core",
            "model_year": "2023",
            "connectivity": "Wi-Fi 6E, Bluetooth 5.3",
            "has_screen": False,
            "compliance": _LAPTOP_COMPLIANCE,
            "connection_type": ("Thunderbolt 4", "HDMI", "USB-A", "Ethernet"),
        },
        options={
            "ram": ("8 GB", "16 GB"),
            "storage": ("256 GB SSD", "512 GB SSD"),
            "color": ("Silver",),
        },
    ),
    DeviceModel(
        name="Dell OptiPlex 7010",
        brand="Dell",
        type=DeviceType.DESKTOP,
        category=DeviceCategory.COMPUTER,
        serial_style="dell",
        monthly_rent=2990,
        purchase_price=99_900,
        weight=2,
        os_platforms=("Windows",),
        keyboard=True,
        fixed={
            "graphic": "Intel UHD Graphics 770",
            "model_year": "2023",
            "connectivity": "Wi-Fi 6, Bluetooth 5.2",
            "has_screen": False,
            "compliance": _LAPTOP_COMPLIANCE,
            "connection_type": ("USB-C", "USB-A", "DisplayPort", "HDMI", "Ethernet"),
        },
        options={
            "processor": ("Intel Core i5-13500", "Intel Core i7-13700"),
            "ram": ("16 GB", "32 GB"),
            "storage": ("512 GB SSD",),
            "color": ("Black",),
        },
    ),
    _phone(
        "iPhone 15",
        "Apple",
        "apple",
        3990,
        96_900,
        9,
        os="iOS",
        screen='6.1"',
        resolution="2556x1179",
        processor="Apple A16 Bionic",
        ram="6 GB",
        storage=("128 GB", "256 GB"),
        year="2023",
        port="USB-C",
        colors=("Black", "Blue", "Green", "Pink"),
    ),
    _phone(
        "iPhone 15 Pro",
        "Apple",
        "apple",
        4990,
        122_900,
        5,
        os="iOS",
        screen='6.1"',
        resolution="2556x1179",
        processor="Apple A17 Pro",
        ram="8 GB",
        storage=("128 GB", "256 GB", "512 GB"),
        year="2023",
        port="USB-C",
        colors=("Natural Titanium", "Black Titanium", "Blue Titanium"),
    ),
    _phone(
        "iPhone 14",
        "Apple",
        "apple",
        2990,
        76_900,
        5,
        os="iOS",
        screen='6.1"',
        resolution="2532x1170",
        processor="Apple A15 Bionic",
        ram="6 GB",
        storage=("128 GB",),
        year="2022",
        port="Lightning",
        colors=("Midnight", "Starlight"),
    ),
    _phone(
        "iPhone SE",
        "Apple",
        "apple",
        1990,
        52_900,
        3,
        os="iOS",
        screen='4.7"',
        resolution="1334x750",
        processor="Apple A15 Bionic",
        ram="4 GB",
        storage=("64 GB", "128 GB"),
        year="2022",
        port="Lightning",
        colors=("Midnight",),
    ),
    _phone(
        "Samsung Galaxy S24",
        "Samsung",
        "samsung",
        3490,
        89_900,
        5,
        os="Android",
        screen='6.2"',
        resolution="2340x1080",
        processor="Exynos 2400",
        ram="8 GB",
        storage=("128 GB", "256 GB"),
        year="2024",
        port="USB-C",
        colors=("Onyx Black", "Marble Grey", "Cobalt Violet"),
    ),
    _phone(
        "Samsung Galaxy A54",
        "Samsung",
        "samsung",
        1790,
        44_900,
        3,
        os="Android",
        screen='6.4"',
        resolution="2340x1080",
        processor="Exynos 1380",
        ram="8 GB",
        storage=("128 GB",),
        year="2023",
        port="USB-C",
        colors=("Awesome Graphite", "Awesome White"),
    ),
    _phone(
        "Google Pixel 8",
        "Google",
        "google",
        2990,
        79_900,
        2,
        os="Android",
        screen='6.2"',
        resolution="2400x1080",
        processor="Google Tensor G3",
        ram="8 GB",
        storage=("128 GB", "256 GB"),
        year="2023",
        port="USB-C",
        colors=("Obsidian", "Hazel"),
    ),
    DeviceModel(
        name="iPad Air",
        brand="Apple",
        type=DeviceType.TABLET,
        category=DeviceCategory.TABLET,
        serial_style="apple",
        monthly_rent=2990,
        purchase_price=69_900,
        weight=4,
        os_platforms=("iOS",),
        fixed={
            "screen_size": '10.9"',
            "resolution": "2360x1640",
            "processor": "Apple M1",
            "ram": "8 GB",
            "model_year": "2022",
            "connectivity": "Wi-Fi 6, Bluetooth 5.0",
            "has_microphone": True,
            "has_webcam": True,
            "has_premium_tablet": False,
            "compliance": _PHONE_COMPLIANCE,
            "connection_type": ("USB-C",),
        },
        options={"storage": ("64 GB", "256 GB"), "color": ("Space Gray", "Blue", "Starlight")},
    ),
    DeviceModel(
        name="iPad Pro 12.9",
        brand="Apple",
        type=DeviceType.TABLET,
        category=DeviceCategory.TABLET,
        serial_style="apple",
        monthly_rent=4990,
        purchase_price=144_900,
        weight=2,
        os_platforms=("iOS",),
        fixed={
            "screen_size": '12.9"',
            "resolution": "2732x2048",
            "processor": "Apple M2",
            "ram": "8 GB",
            "model_year": "2022",
            "connectivity": "Wi-Fi 6E, 5G",
            "has_microphone": True,
            "has_webcam": True,
            "has_premium_tablet": True,
            "compliance": _PHONE_COMPLIANCE,
            "connection_type": ("Thunderbolt 4",),
        },
        options={"storage": ("256 GB", "512 GB"), "color": ("Space Gray", "Silver")},
    ),
    DeviceModel(
        name="iPad 10th generation",
        brand="Apple",
        type=DeviceType.TABLET,
        category=DeviceCategory.TABLET,
        serial_style="apple",
        monthly_rent=1990,
        purchase_price=48_900,
        weight=2,
        os_platforms=("iOS",),
        fixed={
            "screen_size": '10.9"',
            "resolution": "2360x1640",
            "processor": "Apple A14 Bionic",
            "ram": "4 GB",
            "model_year": "2022",
            "connectivity": "Wi-Fi 6, Bluetooth 5.2",
            "has_microphone": True,
            "has_webcam": True,
            "has_premium_tablet": False,
            "compliance": _PHONE_COMPLIANCE,
            "connection_type": ("USB-C",),
        },
        options={"storage": ("64 GB", "256 GB"), "color": ("Blue", "Silver", "Yellow")},
    ),
    DeviceModel(
        name="Samsung Galaxy Tab S9",
        brand="Samsung",
        type=DeviceType.TABLET,
        category=DeviceCategory.TABLET,
        serial_style="samsung",
        monthly_rent=2990,
        purchase_price=89_900,
        weight=1,
        os_platforms=("Android",),
        fixed={
            "screen_size": '11"',
            "resolution": "2560x1600",
            "processor": "Snapdragon 8 Gen 2",
            "ram": "8 GB",
            "model_year": "2023",
            "connectivity": "Wi-Fi 6E, Bluetooth 5.3",
            "has_microphone": True,
            "has_webcam": True,
            "has_premium_tablet": True,
            "compliance": _PHONE_COMPLIANCE,
            "connection_type": ("USB-C",),
        },
        options={"storage": ("128 GB", "256 GB"), "color": ("Graphite", "Beige")},
    ),
    DeviceModel(
        name="Microsoft Surface Pro 9",
        brand="Microsoft",
        type=DeviceType.TABLET,
        category=DeviceCategory.TABLET,
        serial_style="microsoft",
        monthly_rent=5490,
        purchase_price=139_900,
        weight=1,
        os_platforms=("Windows",),
        keyboard=True,
        fixed={
            "screen_size": '13"',
            "resolution": "2880x1920",
            "graphic": "Intel Iris Xe",
            "model_year": "2022",
            "connectivity": "Wi-Fi 6E, Bluetooth 5.1",
            "has_microphone": True,
            "has_webcam": True,
            "has_premium_tablet": True,
            "compliance": _LAPTOP_COMPLIANCE,
            "connection_type": ("Thunderbolt 4", "Surface Connect"),
        },
        options={
            "processor": ("Intel Core i5-1235U", "Intel Core i7-1255U"),
            "ram": ("8 GB", "16 GB"),
            "storage": ("256 GB SSD", "512 GB SSD"),
            "color": ("Platinum", "Graphite"),
        },
    ),
    _screen(
        "Dell UltraSharp U2723QE",
        "Dell",
        "dell",
        1490,
        62_900,
        7,
        size='27"',
        resolution="3840x2160",
        ports=("USB-C", "HDMI", "DisplayPort"),
        year="2022",
    ),
    _screen(
        "Dell P2423D",
        "Dell",
        "dell",
        790,
        29_900,
        5,
        size='24"',
        resolution="2560x1440",
        ports=("HDMI", "DisplayPort"),
        year="2022",
    ),
    _screen(
        "LG UltraFine 27UN880",
        "LG",
        "lg",
        1390,
        59_900,
        3,
        size='27"',
        resolution="3840x2160",
        ports=("USB-C", "HDMI", "DisplayPort"),
        year="2021",
    ),
    _screen(
        "Samsung ViewFinity S8",
        "Samsung",
        "samsung",
        1290,
        49_900,
        2,
        size='27"',
        resolution="3840x2160",
        ports=("USB-C", "HDMI", "DisplayPort"),
        year="2022",
    ),
    _screen(
        "Apple Studio Display",
        "Apple",
        "apple",
        3490,
        174_900,
        1,
        size='27"',
        resolution="5120x2880",
        ports=("Thunderbolt 3", "USB-C"),
        year="2022",
        webcam=True,
    ),
    _screen(
        "Lenovo ThinkVision T27h",
        "Lenovo",
        "lenovo",
        990,
        39_900,
        3,
        size='27"',
        resolution="2560x1440",
        ports=("USB-C", "HDMI", "DisplayPort"),
        year="2021",
    ),
    DeviceModel(
        name="Jabra Evolve2 65",
        brand="Jabra",
        type=DeviceType.HEADSET,
        category=DeviceCategory.AUDIO,
        serial_style="jabra",
        monthly_rent=590,
        purchase_price=22_900,
        weight=3,
        fixed={
            "connectivity": "Bluetooth 5.0",
            "has_microphone": True,
            "noise_cancellation": True,
            "compliance": ("CE", "Microsoft Teams certified"),
            "connection_type": ("Bluetooth", "USB-A dongle"),
        },
        options={"color": ("Black", "Beige")},
    ),
    DeviceModel(
        name="Apple AirPods Pro",
        brand="Apple",
        type=DeviceType.HEADSET,
        category=DeviceCategory.AUDIO,
        serial_style="apple",
        monthly_rent=490,
        purchase_price=27_900,
        weight=2,
        fixed={
            "connectivity": "Bluetooth 5.3",
            "has_microphone": True,
            "noise_cancellation": True,
            "model_year": "2023",
            "compliance": ("CE",),
            "connection_type": ("Bluetooth",),
            "color": "White",
        },
    ),
    DeviceModel(
        name="Poly Voyager Focus 2",
        brand="Poly",
        type=DeviceType.HEADSET,
        category=DeviceCategory.AUDIO,
        serial_style="poly",
        monthly_rent=490,
        purchase_price=24_900,
        weight=1,
        fixed={
            "connectivity": "Bluetooth 5.1",
            "has_microphone": True,
            "noise_cancellation": True,
            "compliance": ("CE", "Zoom certified"),
            "connection_type": ("Bluetooth", "USB-C dongle"),
            "color": "Black",
        },
    ),
    DeviceModel(
        name="Logitech Rally Bar",
        brand="Logitech",
        type=DeviceType.VIDEO_CONFERENCE,
        category=DeviceCategory.MEETING_ROOM,
        serial_style="logitech",
        monthly_rent=8990,
        purchase_price=399_900,
        weight=0.6,
        fixed={
            "has_video_package": True,
            "has_screen": False,
            "has_microphone": True,
            "has_webcam": True,
            "noise_cancellation": True,
            "seats_number": "12",
            "resolution": "3840x2160",
            "connection_type": ("HDMI", "USB-C", "Ethernet"),
            "compliance": ("CE", "Microsoft Teams certified", "Zoom certified"),
        },
        options={"color": ("Graphite", "White")},
    ),
    DeviceModel(
        name="Logitech MeetUp Room Kit",
        brand="Logitech",
        type=DeviceType.VIDEO_CONFERENCE,
        category=DeviceCategory.MEETING_ROOM,
        serial_style="logitech",
        monthly_rent=6490,
        purchase_price=249_900,
        weight=0.6,
        fixed={
            "has_video_package": True,
            "has_screen": True,
            "screen_size": '55"',
            "has_microphone": True,
            "has_webcam": True,
            "seats_number": "6",
            "resolution": "3840x2160",
            "connection_type": ("HDMI", "USB-C"),
            "compliance": ("CE", "Microsoft Teams certified"),
        },
        options={"assembly": ("WALL_MOUNTED", "ON_CART")},
    ),
    DeviceModel(
        name="Flexispot E7 Standing Desk",
        brand="Flexispot",
        type=DeviceType.FURNITURE,
        category=DeviceCategory.FURNITURE,
        serial_style="flexispot",
        monthly_rent=1990,
        purchase_price=54_900,
        weight=1.5,
        fixed={"compliance": ("CE", "EN 527-1")},
        options={
            "color": ("Black", "White", "Oak"),
            "assembly": ("ASSEMBLED", "TO_ASSEMBLE"),
            "has_stool": (True, False),
        },
    ),
)

MODELS_BY_TYPE: dict[DeviceType, tuple[DeviceModel, ...]] = {
    device_type: tuple(model for model in MODELS if model.type is device_type)
    for device_type in DeviceType
}


def model_weights(brand_bias: Mapping[str, float]) -> Weighted[DeviceModel]:
    """The catalog as a weighted choice, with a tenant's brand preferences applied."""
    return Weighted((model, model.weight * brand_bias.get(model.brand, 1.0)) for model in MODELS)


def typed_weights(
    device_type: DeviceType, brand_bias: Mapping[str, float], *, mdm_only: bool = False
) -> Weighted[DeviceModel]:
    """The models of one type as a weighted choice (only MDM-managed ones with `mdm_only`)."""
    return Weighted(
        (model, model.weight * brand_bias.get(model.brand, 1.0))
        for model in MODELS_BY_TYPE[device_type]
        if model.manages_mdm or not mdm_only
    )
