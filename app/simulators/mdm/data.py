"""The provider's demo data, derived from the gateway's deterministic seed (`app.seed`).

A device is known to the provider iff the seed gives it an `mdm_device_id` (its `id`, with the
seed's `mdm_guid` as `guid`) and its `os_platform` is one this MDM enrolls (iOS -> IOS,
Android -> ANDROID, macOS -> OSX). Its partition is its client's `mdm_partition_id`, its serial
number the seed's, its owner the assignee's `mdm_account_id` (a partition's staging account when
the device has no synchronised assignee), its dates the seed's current MDM enrollment row's.

The registration state follows the seed's enrollment status (ENROLLED -> ACTIVE,
DEVICE_WIPE_PENDING -> WIPE_PENDING, UNENROLLED -> RETIRED ...; the pre-registration statuses
SUBSCRIBED and DOWNLOADED -> ACTIVE without a check-in yet). Everything else is drawn from
`rng_for("mdm-sim", slug, "device", device_id)`, with a `Showcase`: the first devices of a
partition that may take a value take each value of the document's vocabularies once, in order,
so every value appears in each partition of the default data set (1,400 devices), then weighted
picks take over. The same device count gives the same data in every process.
"""

import random
from collections import defaultdict
from dataclasses import dataclass

from app.enums import Role
from app.seed import Row, TenantSeed
from app.seed.people import person_name
from app.seed.rng import Weighted, chance, rng_for, uuid4
from app.simulators.mdm import catalog, provisioning
from app.simulators.mdm.draw import (
    DAY_MS,
    PRE_REGISTRATION,
    RARE,
    REF_MS,
    SEED_KEY,
    YES_NO,
    Context,
    Showcase,
    hex_digits,
    ms,
)
from app.simulators.mdm.enums import COMPLIANCE_POLICY_TYPE
from app.simulators.mdm.extras import device_extras
from app.simulators.mdm.records import (
    MANAGED_STATES,
    Account,
    CertificateAuthority,
    ConfigDefinition,
    DepProfile,
    Group,
    LostMode,
    MdmDevice,
    Partition,
    epoch_ms,
)

# Ids of the provider's own objects, per client (`client_id` 1, 2 ...).
TENANT_ID_BASE = 42_400
CONFIG_ID_BASE = 35_000
POLICY_ID_BASE = 36_000
GROUP_ID_BASE = 40_100
PRIVACY_POLICY_ID_BASE = 42_500
TOS_ID_BASE = 50_950
DEP_SERVER_ID_BASE = 197
DEP_PROFILE_ID_BASE = 51_790
CA_ID_BASE = 18_100
# Staging accounts own the devices without a synchronised assignee; they sit below the seed's
# account ids (`app.seed.identifiers.MDM_ACCOUNT_ID_BASE`), so they never map to a seed user.
STAGING_ACCOUNT_ID_BASE = 10_400_000

# The seed's current enrollment status -> the provider's registration state.
REGISTRATION_BY_STATUS: dict[str, Weighted[str]] = {
    "ENROLLED": Weighted(
        [
            ("ACTIVE", 86),
            ("RETIRE_PENDING", 3),
            ("RETIRE_SENT", 2),
            ("RETIRE_CANCELED", 4),
            ("WIPE_CANCELED", 5),
        ]
    ),
    "DEVICE_WIPE_PENDING": Weighted([("WIPE_PENDING", 70), ("WIPE_SENT", 30)]),
    "UNENROLLED": Weighted([("RETIRED", 85), ("WIPED", 15)]),
}
OWNERSHIP = Weighted([("COMPANY", 88), ("UNKNOWN", 12)])
KIOSK = Weighted([("NOT_CONFIGURED", 80), ("ACTIVE", 10), ("INACTIVE", 10)])
LOST_MESSAGE = "This device has been lost. Please call the number below."


@dataclass(slots=True)
class SeedDevice:
    """The seed rows of one device the provider knows."""

    device: Row
    characteristics: Row
    enrollment: Row
    platform: str


def current_enrollment(rows: list[Row]) -> Row | None:
    """The seed's current enrollment: its newest row that is neither a DRAFT nor deleted."""
    exposed = [row for row in rows if row["status"] != "DRAFT" and row["deleted_at"] is None]
    return exposed[-1] if exposed else None


class PartitionBuilder:
    """Builds one client's partition from its seed rows, in one pass."""

    def __init__(self, tenant: TenantSeed) -> None:
        self.tenant = tenant
        self.plan = tenant.plan
        self.profile = tenant.plan.profile
        self.slug = tenant.slug
        self.showcase = Showcase()
        client = tenant.client()
        client_id: int = client["id"]
        self.client_id = client_id
        self.partition = Partition(
            id=client["mdm_partition_id"],
            name=client["name"],
            tenant_id=TENANT_ID_BASE + client_id,
            slug=self.slug,
            time_zone=catalog.TIME_ZONES.get(self.slug, "UTC"),
            locale=catalog.LOCALES.get(self.slug, "en_US"),
            admin_id=STAGING_ACCOUNT_ID_BASE + client_id,  # the tenant admin's, once read
            privacy_policy_id=PRIVACY_POLICY_ID_BASE + client_id,
            tos_id=TOS_ID_BASE + client_id,
        )
        self.users: dict[int, Row] = {}
        self.ctx = Context(
            self.partition,
            self.slug,
            self.profile.name,
            client_id,
            self.showcase,
            cert_serial=26_700 + 10_000 * client_id,
            cert_store_id=44_700 + 10_000 * client_id,
        )

    # -- the partition's own objects -------------------------------------------------------

    def build(self) -> Partition:
        self._accounts()
        self._catalogs()
        for seed_device in self._seed_devices():
            device = self._device(seed_device)
            self.partition.devices[device.id] = device
            self.partition.by_guid[device.guid] = device.id
        self._memberships()
        return self.partition

    def _accounts(self) -> None:
        partition, plan = self.partition, self.plan
        admin_user = plan.first_user_id(Role.TENANT_ADMIN)
        for user in self.tenant.users():
            self.users[user["id"]] = user
            if not user["mdm_account_id"]:
                continue
            if user["id"] == admin_user:
                partition.admin_id = int(user["mdm_account_id"])
            name = person_name(plan, user["id"] - plan.user_id_start)
            team = user["team"]
            ldap = {"mail": user["email"], "company": self.profile.name}
            if team:
                ldap["department"] = team
            partition.accounts[user["mdm_account_id"]] = Account(
                id=user["mdm_account_id"],
                email=user["email"],
                first_name=name.first,
                last_name=name.last,
                groups=("All Users", team) if team else ("All Users",),
                ldap=ldap,
                seed_user_id=user["id"],
            )
        staging = STAGING_ACCOUNT_ID_BASE + self.client_id
        partition.accounts[staging] = Account(
            id=staging,
            email=f"mdm-staging@{self.profile.domain}",
            first_name="Device",
            last_name="Staging",
            groups=("All Users", "IT Staging"),
            ldap={"mail": f"mdm-staging@{self.profile.domain}", "company": self.profile.name},
        )
        self.staging_id = staging

    def _catalogs(self) -> None:
        partition, company = self.partition, self.profile.short_name
        created = epoch_ms(self.profile.created_at) or 0
        for index, template in enumerate(catalog.CONFIGS):
            rng = rng_for(SEED_KEY, self.slug, "config", index)
            modified = chance(rng, 0.5)
            config = ConfigDefinition(
                id=CONFIG_ID_BASE + 100 * self.client_id + index,
                name=template.name.format(company=company),
                description=None
                if template.description is None
                else template.description.format(company=company),
                policy_type=template.policy_type,
                uuid=uuid4(rng),
                priority=template.priority,
                platforms=template.platforms,
                enabled=template.enabled,
                modified_at=created + rng.randrange(300 * DAY_MS) if modified else None,
                modified_by=partition.admin_id if modified else None,
            )
            partition.configs[config.id] = config
        for index, policy in enumerate(catalog.POLICIES):
            rng = rng_for(SEED_KEY, self.slug, "policy", index)
            definition = ConfigDefinition(
                id=POLICY_ID_BASE + 100 * self.client_id + index,
                name=policy.name,
                description=policy.description,
                policy_type=COMPLIANCE_POLICY_TYPE,
                uuid=uuid4(rng),
                priority=policy.priority,
                platforms=frozenset(catalog.PLATFORMS.values()),
                rule_type=policy.rule_type,
            )
            partition.policies[definition.id] = definition
        for index, group in enumerate(catalog.GROUPS):
            partition.groups[GROUP_ID_BASE + 100 * self.client_id + index] = Group(
                id=GROUP_ID_BASE + 100 * self.client_id + index,
                name=group.name,
                description=group.description,
                system_name=group.system_name,
                rule=group.rule,
                created_at=created,
                created_by=1 if group.system_name else partition.admin_id,
            )
        authorities = {
            "mdm": CertificateAuthority(18_004, *catalog.MDM_CA),
            "app_store": CertificateAuthority(18_001, *catalog.APP_STORE_CA),
            "issuing": CertificateAuthority(
                CA_ID_BASE + self.client_id,
                f"{company} Issuing CA",
                f"CN={self.profile.name} Issuing CA,O={self.profile.name}",
                tenant_id=partition.tenant_id,
            ),
        }
        partition.authorities.update(authorities)
        phone = catalog.PHONE_PREFIXES.get(self.slug, "+1555") + "0000"
        for index, entry in enumerate(catalog.DEP_PROFILES):
            name, department, supervised, multi_user, skipped = entry
            rng = rng_for(SEED_KEY, self.slug, "dep-profile", index)
            partition.dep_profiles.append(
                DepProfile(
                    id=DEP_PROFILE_ID_BASE + 10 * self.client_id + index,
                    uuid=hex_digits(rng, 32).upper(),
                    name=name.format(company=company),
                    department=department,
                    supervised=supervised,
                    skip_setup_items=skipped,
                    multi_user=multi_user,
                    server_id=DEP_SERVER_ID_BASE + self.client_id,
                    default=index == 0,
                    support_phone=phone,
                )
            )

    def _seed_devices(self) -> list[SeedDevice]:
        found: list[SeedDevice] = []
        for batch in self.tenant.batches():
            characteristics = {row["device_id"]: row for row in batch.device_characteristics}
            enrollments: dict[int, list[Row]] = defaultdict(list)
            for row in batch.mdm_enrollments:
                enrollments[row["device_id"]].append(row)
            for device in batch.devices:
                if not device["mdm_device_id"] or not device["mdm_guid"]:
                    continue
                traits = characteristics[device["id"]]
                platform = catalog.PLATFORMS.get(traits["os_platform"])
                enrollment = current_enrollment(enrollments.get(device["id"], []))
                if platform is None or enrollment is None:
                    continue
                found.append(SeedDevice(device, traits, enrollment, platform))
        found.sort(key=lambda seed: seed.device["mdm_device_id"])
        return found

    def _memberships(self) -> None:
        for device in self.partition.devices.values():
            for group_id in device.group_ids:
                self.partition.groups[group_id].member_ids.add(device.id)

    # -- one device ---------------------------------------------------------------------------

    def _owner(self, device: Row) -> int:
        user = self.users.get(device["user_id"]) if device["user_id"] else None
        if user is not None and user["mdm_account_id"]:
            return int(user["mdm_account_id"])
        return self.staging_id

    def _device(self, seed: SeedDevice) -> MdmDevice:
        row, traits, enrollment, platform = (
            seed.device,
            seed.characteristics,
            seed.enrollment,
            seed.platform,
        )
        rng = rng_for(SEED_KEY, self.slug, "device", row["id"])
        show = self.showcase
        status: str = enrollment["status"]
        choice = REGISTRATION_BY_STATUS.get(status)
        state = show.pick(f"registration:{status}", choice, rng) if choice else "ACTIVE"
        pre_registration = status in PRE_REGISTRATION
        managed = state in MANAGED_STATES and not pre_registration
        name = row["name"] or ""
        hardware = catalog.HARDWARE.get(name, catalog.Hardware(name, name))
        release = catalog.OS_RELEASES[platform].pick(rng)
        source = row["source"]
        is_ios, is_mac, is_android = platform == "IOS", platform == "OSX", platform == "ANDROID"
        byod = source == "BYOD"
        ownership = "EMPLOYEE" if byod else show.pick("ownership", OWNERSHIP, rng)
        cellular = "5G" in (traits.get("connectivity") or "") or "LTE" in (
            traits.get("connectivity") or ""
        )
        phone = row["type"] == "SMARTPHONE"

        dep_eligible = (is_ios or is_mac) and not byod and source != "CLIENT_OWNED"
        if (is_ios or is_mac) and source == "CLIENT_OWNED":
            dep_eligible = show.pick("dep-eligible", YES_NO, rng)
        dep_enrolled = dep_eligible and not pre_registration and chance(rng, 0.85)
        supervised: bool | None = None
        if is_ios or is_mac:
            supervised = dep_enrolled or (not byod and show.pick("supervised", YES_NO, rng))
        kiosk = "NOT_CONFIGURED"
        if is_android and managed and not byod:
            kiosk = show.pick("kiosk", KIOSK, rng)
        lost_mode_enabled: bool | None = None if is_android else False
        lost_mode = None
        if is_ios and managed and supervised:
            lost_mode_enabled = show.pick("lost-mode", RARE, rng)
        roaming = cellular and managed and show.pick("roaming", RARE, rng)
        jailbroken = bool(enrollment["is_compromised"]) and not is_mac
        quarantined = jailbroken and show.pick("quarantined", YES_NO, rng)
        multi_user: bool | None = None if is_android else False
        if row["type"] == "TABLET" and is_ios and not byod:
            multi_user = show.pick("multi-user", RARE, rng)

        registered_at = ms(enrollment["enrollment_date"], rng)
        if registered_at is None and not pre_registration:
            registered_at = ms(enrollment["download_date"] or enrollment["created_at"], rng)
        last_checkin = None if pre_registration else ms(enrollment["last_seen_date"], rng)
        if lost_mode_enabled:
            lost_mode = LostMode(
                LOST_MESSAGE, self.ctx.phone(rng), "Lost Phone", (last_checkin or REF_MS) - DAY_MS
            )

        owner_id = self._owner(row)
        device = MdmDevice(
            id=int(row["mdm_device_id"]),
            guid=str(row["mdm_guid"]).lower(),
            partition_id=self.partition.id,
            serial_number=row["serial_number"],
            platform_type=platform,
            platform_version=release.version,
            os_build_version=None if is_android else release.build,
            device_model=hardware.device_model,
            pretty_model=hardware.pretty_model,
            device_name=enrollment["local_name"] or hardware.pretty_model,
            manufacturer=catalog.MANUFACTURERS.get(row["brand"], row["brand"]),
            owner_id=owner_id,
            registration_state=state,
            last_checkin=last_checkin,
            last_registration_time=registered_at,
            ownership_type=ownership,
            kiosk_state=kiosk,
            supervised=supervised,
            lost_mode_enabled=lost_mode_enabled,
            lost_mode=lost_mode,
            roaming=roaming,
            jailbroken=jailbroken,
            quarantined=quarantined,
            multi_user=multi_user,
            dep_enrolled=dep_enrolled,
            dep_eligible=dep_eligible,
            locked=bool(enrollment["is_locked"]),
            extras={},
            seed_device_id=row["id"],
        )
        device.extras = device_extras(
            self.ctx, device, enrollment, traits, rng, release, cellular, phone
        )
        if managed and chance(rng, 0.6 if not is_mac else 0.15) and not byod:
            self._locate(device, rng)
        device.custom_attributes = provisioning.custom_attributes(self.ctx, device, row, rng)
        device.group_ids = self._group_ids(device)
        device.configs = provisioning.configs(self.ctx, device, status, rng)
        device.policies = provisioning.policies(self.ctx, device, rng)
        device.certificates = provisioning.certificates(self.ctx, device, status, rng)
        return device

    def _locate(self, device: MdmDevice, rng: random.Random) -> None:
        offices = catalog.OFFICES.get(self.slug, ((0.0, 0.0),))
        latitude, longitude = offices[rng.randrange(len(offices))]
        device.latitude = round(latitude + rng.uniform(-0.03, 0.03), 6)
        device.longitude = round(longitude + rng.uniform(-0.03, 0.03), 6)
        seen = device.last_checkin or REF_MS
        device.location_captured_at = seen - rng.randrange(6 * 3_600_000)

    def _group_ids(self, device: MdmDevice) -> list[int]:
        rules = {None, ("PLATFORMTYPE", device.platform_type)}
        if device.supervised:
            rules.add(("SUPERVISED", "true"))
        return [group.id for group in self.partition.groups.values() if group.rule in rules]


def build_partition(tenant: TenantSeed) -> Partition:
    """One client's whole partition, from one pass over its seed rows."""
    return PartitionBuilder(tenant).build()
