"""The demo tenants (Acme Corporation, Globex Industries) and how the devices are split.

A `TenantPlan` is pure arithmetic over the total device count: how many devices, users and
addresses each tenant gets and where each tenant's primary keys start. Every tenant has its
own id ranges (sized for the most rows a device can produce), so one tenant's rows can be
regenerated without generating the others.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from app.enums import KeyboardLayout, Role
from app.seed.rng import Weighted

DEFAULT_DEVICES = 1_400
MAX_DEVICES = 10_000_000
# The fixed showcase at the head of each tenant needs this many devices per tenant, so every
# enum value is present in each tenant from this total on.
MIN_DEVICES_FOR_FULL_COVERAGE = 60

# The most rows of each kind one device can produce; a tenant's id range is this times its devices.
MAX_MDM_ROWS_PER_DEVICE = 3
MAX_PARCELS_PER_DEVICE = 3
MAX_OBSERVED_USERS_PER_DEVICE = 3
DEVICES_PER_USER = 1.5


@dataclass(frozen=True, slots=True)
class Site:
    """An office (or the returns warehouse) of a tenant."""

    label: str
    street: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True, slots=True)
class TenantProfile:
    """What does not depend on the size: names, domain, currency, offices, local habits."""

    slug: str
    name: str
    short_name: str
    domain: str
    currency: str
    # Prices in the catalog are EUR; this converts them to the tenant's currency.
    price_factor: float
    share: float
    mdm_partition_id: int
    created_at: datetime
    offices: tuple[Site, ...]
    warehouse: Site
    # Faker locales whose first and last names make the employees' names.
    name_locales: tuple[str, ...]
    # Faker locale, ISO country and weight of the employees' home addresses.
    home_locales: tuple[tuple[str, str, int], ...]
    keyboard_layouts: Weighted[KeyboardLayout]
    carriers: Weighted[str]
    # Weight multipliers by brand, on top of the catalog's popularity.
    brand_bias: tuple[tuple[str, float], ...] = ()


ACME = TenantProfile(
    slug="acme",
    name="Acme Corporation",
    short_name="Acme",
    domain="acme.example",
    currency="EUR",
    price_factor=1.0,
    share=0.75,
    mdm_partition_id=23504,
    created_at=datetime(2024, 9, 16, 8, 30, tzinfo=UTC),
    offices=(
        Site("Paris HQ", "12 rue de la Chaussée-d'Antin", "75009", "Paris", "FR"),
        Site("Lyon office", "48 cours Lafayette", "69003", "Lyon", "FR"),
        Site("Berlin office", "Friedrichstraße 123", "10117", "Berlin", "DE"),
        Site("Madrid office", "Calle de Alcalá 45", "28014", "Madrid", "ES"),
        Site("Milan office", "Via Torino 61", "20123", "Milano", "IT"),
        Site("Amsterdam office", "Herengracht 182", "1016 BR", "Amsterdam", "NL"),
        Site("Lisbon office", "Avenida da Liberdade 110", "1250-146", "Lisboa", "PT"),
        Site("Zurich office", "Bahnhofstrasse 21", "8001", "Zürich", "CH"),
        Site("London office", "30 Finsbury Square", "EC2A 1AG", "London", "GB"),
    ),
    warehouse=Site(
        "Returns warehouse", "5 rue de la Haye, ZI Paris Nord 2", "95700", "Roissy-en-France", "FR"
    ),
    name_locales=("fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_PT", "en_GB"),
    home_locales=(
        ("fr_FR", "FR", 40),
        ("de_DE", "DE", 15),
        ("es_ES", "ES", 10),
        ("it_IT", "IT", 8),
        ("nl_NL", "NL", 6),
        ("pt_PT", "PT", 4),
        ("de_CH", "CH", 4),
        ("en_GB", "GB", 13),
    ),
    keyboard_layouts=Weighted(
        [
            (KeyboardLayout.FRENCH_AZERTY, 36),
            (KeyboardLayout.GERMAN_QWERTZ, 14),
            (KeyboardLayout.SPANISH_QWERTY, 9),
            (KeyboardLayout.ITALIAN_QWERTY, 7),
            (KeyboardLayout.DUTCH_QWERTY, 5),
            (KeyboardLayout.PORTUGUESE_QWERTY, 4),
            (KeyboardLayout.SWISS_QWERTZ, 4),
            (KeyboardLayout.ENGLISH_QWERTY, 9),
            (KeyboardLayout.INTERNATIONAL_ENGLISH_QWERTY, 7),
            (KeyboardLayout.AMERICAN_ENGLISH_QWERTY, 4),
            (KeyboardLayout.CANADIAN_ENGLISH_QWERTY, 1),
        ]
    ),
    carriers=Weighted(
        [("DHL", 30), ("UPS", 20), ("Chronopost", 25), ("Colissimo", 15), ("FedEx", 10)]
    ),
    brand_bias=(("HP", 0.6), ("Google", 0.6)),
)

GLOBEX = TenantProfile(
    slug="globex",
    name="Globex Industries",
    short_name="Globex",
    domain="globex.example",
    currency="USD",
    price_factor=1.08,
    share=0.25,
    mdm_partition_id=23511,
    created_at=datetime(2024, 10, 21, 14, 0, tzinfo=UTC),
    offices=(
        Site("New York HQ", "350 Fifth Avenue, Floor 41", "10118", "New York", "US"),
        Site("San Francisco office", "101 Market Street", "94105", "San Francisco", "US"),
        Site("Chicago office", "233 South Wacker Drive", "60606", "Chicago", "US"),
        Site("Austin office", "500 West 2nd Street", "78701", "Austin", "US"),
        Site("Toronto office", "100 King Street West", "M5X 1A9", "Toronto", "CA"),
    ),
    warehouse=Site("Returns warehouse", "1200 Logistics Parkway", "07114", "Newark", "US"),
    name_locales=("en_US", "es_MX"),
    home_locales=(("en_US", "US", 90), ("en_CA", "CA", 10)),
    keyboard_layouts=Weighted(
        [
            (KeyboardLayout.AMERICAN_ENGLISH_QWERTY, 72),
            (KeyboardLayout.CANADIAN_ENGLISH_QWERTY, 9),
            (KeyboardLayout.INTERNATIONAL_ENGLISH_QWERTY, 6),
            (KeyboardLayout.ENGLISH_QWERTY, 4),
            (KeyboardLayout.SPANISH_QWERTY, 3),
            (KeyboardLayout.FRENCH_AZERTY, 2),
            (KeyboardLayout.GERMAN_QWERTZ, 1),
            (KeyboardLayout.ITALIAN_QWERTY, 1),
            (KeyboardLayout.PORTUGUESE_QWERTY, 1),
            (KeyboardLayout.DUTCH_QWERTY, 0.5),
            (KeyboardLayout.SWISS_QWERTZ, 0.5),
        ]
    ),
    carriers=Weighted([("UPS", 45), ("FedEx", 35), ("DHL", 20)]),
    brand_bias=(("Dell", 1.5), ("HP", 1.6), ("Microsoft", 1.5), ("Apple", 0.8)),
)

PROFILES: tuple[TenantProfile, ...] = (ACME, GLOBEX)

# The most privileged roles come first, so a tenant's first user is always a tenant admin.
ROLE_ORDER: tuple[Role, ...] = (
    Role.TENANT_ADMIN,
    Role.DEVICE_MANAGEMENT,
    Role.DEVICE_ACTIONS,
    Role.READ_ONLY,
)


def role_counts(users: int) -> dict[Role, int]:
    """How many users hold each role: a handful each, the rest (most employees) none."""
    floor = 2 if users >= 20 else 1
    return {
        Role.TENANT_ADMIN: min(12, max(2, users // 200)),
        Role.DEVICE_MANAGEMENT: min(40, max(floor, users // 120)),
        Role.DEVICE_ACTIONS: min(80, max(floor, users // 60)),
        Role.READ_ONLY: min(60, max(floor, users // 80)),
    }


@dataclass(frozen=True, slots=True)
class TenantPlan:
    """One tenant's share of a data set: counts and the first primary key of each table."""

    profile: TenantProfile
    client_id: int
    devices: int
    users: int
    home_addresses: int
    device_id_start: int
    user_id_start: int
    address_id_start: int
    order_id_start: int
    mdm_enrollment_id_start: int
    parcel_id_start: int
    observed_user_id_start: int

    @property
    def slug(self) -> str:
        return self.profile.slug

    @property
    def addresses(self) -> int:
        return len(self.profile.offices) + 1 + self.home_addresses

    @property
    def device_ids(self) -> range:
        return range(self.device_id_start, self.device_id_start + self.devices)

    @property
    def user_ids(self) -> range:
        return range(self.user_id_start, self.user_id_start + self.users)

    @property
    def address_ids(self) -> range:
        return range(self.address_id_start, self.address_id_start + self.addresses)

    @property
    def warehouse_address_id(self) -> int:
        return self.address_id_start + len(self.profile.offices)

    def office_address_id(self, office_index: int) -> int:
        return self.address_id_start + office_index

    # Remote workers: every HOME_EVERY-th user has a home address on file.
    HOME_EVERY = 8

    def home_address_id(self, user_index: int) -> int | None:
        """The id of the user's home address, when the user works from home."""
        slot, rest = divmod(user_index, self.HOME_EVERY)
        if rest or slot >= self.home_addresses:
            return None
        return self.address_id_start + len(self.profile.offices) + 1 + slot

    def user_id(self, user_index: int) -> int:
        return self.user_id_start + user_index

    def role_of(self, user_index: int) -> Role | None:
        """The role of the tenant's `user_index`-th user: role holders come first."""
        start = 0
        for role, count in role_counts(self.users).items():
            if user_index < start + count:
                return role
            start += count
        return None

    def role_holders(self) -> int:
        return sum(role_counts(self.users).values())

    def first_user_id(self, role: Role) -> int:
        """The id of the tenant's first user with `role` (handy for tests and demos)."""
        start = 0
        for held, count in role_counts(self.users).items():
            if held is role:
                return self.user_id_start + start
            start += count
        raise ValueError(f"no user holds {role}")


def split_devices(total_devices: int) -> tuple[int, ...]:
    """Devices per tenant: Acme about three quarters, Globex the rest."""
    if not 2 <= total_devices <= MAX_DEVICES:
        raise ValueError(f"the number of devices must be between 2 and {MAX_DEVICES}")
    acme = min(total_devices - 1, max(1, round(total_devices * ACME.share)))
    return (acme, total_devices - acme)


def plan_tenants(total_devices: int = DEFAULT_DEVICES) -> tuple[TenantPlan, ...]:
    """The tenants of a data set of `total_devices` devices, with their id ranges."""
    plans: list[TenantPlan] = []
    devices_before = users_before = addresses_before = 0
    for client_id, (profile, devices) in enumerate(
        zip(PROFILES, split_devices(total_devices), strict=True), start=1
    ):
        users = max(12, round(devices / DEVICES_PER_USER))
        home_addresses = -(-users // TenantPlan.HOME_EVERY)
        plan = TenantPlan(
            profile=profile,
            client_id=client_id,
            devices=devices,
            users=users,
            home_addresses=home_addresses,
            device_id_start=devices_before + 1,
            user_id_start=users_before + 1,
            address_id_start=addresses_before + 1,
            order_id_start=devices_before + 1,
            mdm_enrollment_id_start=devices_before * MAX_MDM_ROWS_PER_DEVICE + 1,
            parcel_id_start=devices_before * MAX_PARCELS_PER_DEVICE + 1,
            observed_user_id_start=devices_before * MAX_OBSERVED_USERS_PER_DEVICE + 1,
        )
        plans.append(plan)
        devices_before += devices
        users_before += users
        addresses_before += plan.addresses
    return tuple(plans)
