"""Static tables the MDM data is drawn from: hardware identifiers, OS releases, carriers, offices,
and the templates of each partition's configurations, compliance policies, groups and CAs.
"""

from dataclasses import dataclass

from app.seed.rng import Weighted

# The gateway's `os_platform` -> the provider's `platformType`. Other platforms (Windows,
# Linux ...) are not enrolled in this MDM: the provider does not know those devices.
PLATFORMS: dict[str, str] = {"iOS": "IOS", "Android": "ANDROID", "macOS": "OSX"}

MANUFACTURERS: dict[str, str] = {"Apple": "Apple Inc.", "Google": "Google", "Samsung": "samsung"}


@dataclass(frozen=True, slots=True)
class Hardware:
    device_model: str  # the identifier the device reports (`deviceModel`)
    pretty_model: str  # what the console shows (`prettyModel`)


# By the seed's model name. Samsung devices report their model code as the pretty model too.
HARDWARE: dict[str, Hardware] = {
    "iPhone 14": Hardware("iPhone14,7", "iPhone 14"),
    "iPhone 15": Hardware("iPhone15,4", "iPhone 15"),
    "iPhone 15 Pro": Hardware("iPhone16,1", "iPhone 15 Pro"),
    "iPhone SE": Hardware("iPhone14,6", "iPhone SE 3rd gen"),
    "iPad 10th generation": Hardware("iPad13,18", "iPad 10th gen"),
    "iPad Air": Hardware("iPad13,16", "iPad Air 5th gen"),
    "iPad Pro 12.9": Hardware("iPad14,5", "iPad Pro 12.9-inch 6th gen"),
    "Mac mini M2": Hardware("Mac14,3", "Mac mini (M2, 2023)"),
    "iMac 24 M3": Hardware("Mac15,4", "iMac 24-inch (M3, 2023)"),
    "MacBook Air 13 M2": Hardware("Mac14,2", "MacBook Air 13-inch (M2, 2022)"),
    "MacBook Air 15 M3": Hardware("Mac15,13", "MacBook Air 15-inch (M3, 2024)"),
    "MacBook Pro 14 M3": Hardware("Mac15,3", "MacBook Pro 14-inch (M3, 2023)"),
    "MacBook Pro 16 M3 Pro": Hardware("Mac15,7", "MacBook Pro 16-inch (M3 Pro, 2023)"),
    "Google Pixel 8": Hardware("Pixel 8", "Pixel 8"),
    "Samsung Galaxy A54": Hardware("SM-A546B", "SM-A546B"),
    "Samsung Galaxy S24": Hardware("SM-S921B", "SM-S921B"),
    "Samsung Galaxy Tab S9": Hardware("SM-X710", "SM-X710"),
}


@dataclass(frozen=True, slots=True)
class OsRelease:
    version: str
    build: str
    next_version: str | None = None  # the update the device is offered, if any
    security_patch: str | None = None  # Android only


OS_RELEASES: dict[str, Weighted[OsRelease]] = {
    "IOS": Weighted(
        [
            (OsRelease("17.7.1", "21H216", "18.1"), 15),
            (OsRelease("18.0.1", "22A3370", "18.1"), 35),
            (OsRelease("18.1", "22B83", "18.1.1"), 50),
        ]
    ),
    "OSX": Weighted(
        [
            (OsRelease("14.7.1", "23H222", "15.1"), 25),
            (OsRelease("15.0.1", "24A348", "15.1"), 30),
            (OsRelease("15.1", "24B83", "15.1.1"), 45),
        ]
    ),
    "ANDROID": Weighted(
        [
            (OsRelease("13", "TQ3A.230901.001", "14", "2024-06-01"), 15),
            (OsRelease("14", "AP2A.240905.003", "15", "2024-09-05"), 55),
            (OsRelease("15", "AP3A.241005.015", None, "2024-10-05"), 30),
        ]
    ),
}

# The mobile client app (Ivanti Go) on Android; from 92 on it accepts alphanumeric unlock PINs.
ANDROID_CLIENT_VERSIONS = Weighted([("93.0.0.7", 55), ("92.1.0.3", 30), ("90.0.0.14", 15)])
IOS_CLIENT_VERSIONS = Weighted([(None, 40), ("94.0.0", 60)])


@dataclass(frozen=True, slots=True)
class Carrier:
    name: str
    mcc: str
    mnc: str
    country_code: str
    country_name: str


CARRIERS: dict[str, Weighted[Carrier]] = {
    "acme": Weighted(
        [
            (Carrier("Orange F", "208", "01", "FR", "France"), 25),
            (Carrier("SFR", "208", "10", "FR", "France"), 15),
            (Carrier("Bouygues Telecom", "208", "20", "FR", "France"), 10),
            (Carrier("Telekom.de", "262", "01", "DE", "Germany"), 10),
            (Carrier("Vodafone.de", "262", "02", "DE", "Germany"), 5),
            (Carrier("movistar", "214", "07", "ES", "Spain"), 9),
            (Carrier("TIM", "222", "01", "IT", "Italy"), 7),
            (Carrier("KPN", "204", "08", "NL", "Netherlands"), 5),
            (Carrier("vodafone UK", "234", "15", "GB", "United Kingdom"), 6),
            (Carrier("EE", "234", "30", "GB", "United Kingdom"), 8),
        ]
    ),
    "globex": Weighted(
        [
            (Carrier("Verizon", "311", "480", "US", "United States"), 40),
            (Carrier("AT&T", "310", "410", "US", "United States"), 30),
            (Carrier("T-Mobile", "310", "260", "US", "United States"), 20),
            (Carrier("Rogers", "302", "720", "CA", "Canada"), 10),
        ]
    ),
}
# Where a roaming device currently is.
ROAMING_CARRIERS = Weighted(
    [
        (Carrier("Swisscom", "228", "01", "CH", "Switzerland"), 30),
        (Carrier("Vodafone.de", "262", "02", "DE", "Germany"), 20),
        (Carrier("AT&T", "310", "410", "US", "United States"), 20),
        (Carrier("NTT DOCOMO", "440", "10", "JP", "Japan"), 15),
        (Carrier("SingTel", "525", "01", "SG", "Singapore"), 15),
    ]
)

# Office coordinates per tenant: where devices are last located (with some jitter).
OFFICES: dict[str, tuple[tuple[float, float], ...]] = {
    "acme": (
        (48.8738, 2.3319),
        (45.7640, 4.8357),
        (52.5200, 13.3880),
        (40.4183, -3.6990),
        (45.4642, 9.1800),
        (52.3702, 4.8890),
        (38.7197, -9.1450),
        (47.3717, 8.5390),
        (51.5220, -0.0860),
    ),
    "globex": (
        (40.7484, -73.9857),
        (37.7936, -122.3958),
        (41.8789, -87.6359),
        (30.2672, -97.7431),
        (43.6487, -79.3817),
    ),
}
TIME_ZONES: dict[str, str] = {"acme": "Europe/Paris", "globex": "America/New_York"}
LOCALES: dict[str, str] = {"acme": "fr_FR", "globex": "en_US"}
PHONE_PREFIXES: dict[str, str] = {"acme": "+336", "globex": "+1212555"}


@dataclass(frozen=True, slots=True)
class ConfigTemplate:
    name: str  # `{company}` is the client's short name
    description: str | None
    policy_type: str
    priority: int
    platforms: frozenset[str]
    enabled: bool = True


_MOBILE = frozenset({"IOS", "ANDROID"})
_APPLE = frozenset({"IOS", "OSX"})
_ALL = frozenset({"IOS", "ANDROID", "OSX"})

# Each partition's configurations, after the document's example (`/configs`).
CONFIGS: tuple[ConfigTemplate, ...] = (
    ConfigTemplate("Passcode Config", "Corporate device passcode config", "PASSCODE", 1, _ALL),
    ConfigTemplate(
        "Identity for the App Catalog",
        "The Identity used by this device to access the iOS App Catalog securely.",
        "IDENTITY_CERTIFICATE_DG",
        1,
        frozenset({"IOS"}),
    ),
    ConfigTemplate("{company} Corp Wifi", "WiFi for {company} corporate", "WIFI", 1, _ALL),
    ConfigTemplate("Cloud-Exchange-MS2", "", "EXCHANGE", 2, _MOBILE),
    ConfigTemplate(
        "App Catalog", "Access the iOS App Catalog via this Web Clip.", "WEBCLIP", 1, _APPLE
    ),
    ConfigTemplate("{company} Corporate SSL", None, "VPN", 1, _ALL),
    ConfigTemplate(
        "{company} Legacy VPN", "Replaced by the corporate SSL VPN", "VPN", 3, _APPLE, False
    ),
)


@dataclass(frozen=True, slots=True)
class PolicyTemplate:
    name: str
    description: str
    rule_type: str
    priority: int


# Each partition's compliance policies, as the document's `/policies` example.
POLICIES: tuple[PolicyTemplate, ...] = (
    PolicyTemplate(
        "Compromised Devices", "Checks for devices which are compromised.", "COMPROMISED", 1
    ),
    PolicyTemplate(
        "MDM / Device Administration Disabled",
        "Checks for devices which do not have MDM/Device Administration Enabled.",
        "MDM_DISABLED",
        3,
    ),
    PolicyTemplate(
        "Out of Contact",
        "Checks for devices which have been out of contact for the specified time.",
        "OUT_OF_CONTACT",
        4,
    ),
    PolicyTemplate(
        "International Roaming Devices",
        "Checks for devices which are currently roaming.",
        "ROAMING",
        2,
    ),
)
OUT_OF_CONTACT_DAYS = 30


@dataclass(frozen=True, slots=True)
class GroupTemplate:
    name: str
    description: str
    system_name: str | None
    rule: tuple[str, str] | None  # (facet field, value) of the group's LEAF rule


GROUPS: tuple[GroupTemplate, ...] = (
    GroupTemplate("All Devices", "Targets any type of device.", "ALL_DEVICES", None),
    GroupTemplate("iOS Devices", "Targets all iOS devices", "IOS_DEVICES", ("PLATFORMTYPE", "IOS")),
    GroupTemplate(
        "Android Devices",
        "Targets all Android devices",
        "ANDROID_DEVICES",
        ("PLATFORMTYPE", "ANDROID"),
    ),
    GroupTemplate(
        "macOS Devices", "Targets all macOS devices", "MACOS_DEVICES", ("PLATFORMTYPE", "OSX")
    ),
    GroupTemplate(
        "Supervised Devices", "Supervised iOS and macOS devices", None, ("SUPERVISED", "true")
    ),
)

# The provider's own CAs (names from the document) and each client's issuing CA.
MDM_CA = ("iOSMDMCA", "CN=na1-0006.mobileiron.net,OU=iOSMDMCA,UID=1386198471671")
APP_STORE_CA = (
    "AppStoreFrontCA",
    "CN=na1-0006.mobileiron.net,OU=AppStoreFrontCA,UID=1386198466755",
)

# DEP profiles: (name, department, supervised, multi-user, skip setup items). Together they
# skip every item the document lists. The multi-user one enrolls the Shared iPads.
DEP_PROFILES: tuple[tuple[str, str, bool, bool, tuple[str, ...]], ...] = (
    (
        "{company} Corporate",
        "IT",
        True,
        False,
        ("Location", "Restore", "Android", "AppleID", "TOS", "Siri", "Diagnostics"),
    ),
    (
        "{company} Shared iPad",
        "Retail",
        True,
        True,
        ("Biometric", "Payment", "Zoom", "Passcode", "TOS"),
    ),
)
