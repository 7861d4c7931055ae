"""The inventory's demo data, derived from the gateway's deterministic seed (`app.seed`).

A device is in the inventory iff the seed gives it an `inventory_device_id`; its name and serial
number are the seed's, its OS is the seed's `os_platform`, its RAM the seed's `ram`
characteristic in bytes. Users are the seed's `device_observed_users` rows, keyed by the seed
user's `inventory_user_id`. Everything the seed does not hold (agent status, versions,
extensions, last activity) is drawn from `rng_for("inventory-sim", ...)`, per device or user, so
the same device count gives the same inventory in every process.
"""

import random
import re
from collections import defaultdict
from datetime import datetime, timedelta

from app.seed import REFERENCE_TIME, Row, TenantSeed
from app.seed.catalog import MODELS
from app.seed.identifiers import windows_host_name
from app.seed.rng import Weighted, between, chance, rng_for, uuid4
from app.simulators.inventory.records import (
    ClientData,
    DeviceRecord,
    Extension,
    Hardware,
    Observation,
    UserRecord,
)

SEED_KEY = "inventory-sim"
REF = REFERENCE_TIME
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
GIB = 1024**3
# Seed statuses whose device left service: the agent stopped reporting when it did.
RETIRED = frozenset({"ARCHIVED", "OUT_OF_SERVICE"})
# Seed statuses of devices not yet handed out: the agent may still await approval.
PENDING_CHANCE = {"DELIVERED": 0.55, "AVAILABLE": 0.3, "IN_MAINTENANCE": 0.1}
# An agent that has not reported for this long is inactive.
INACTIVE_AFTER = timedelta(days=14)

MANUFACTURERS = {
    "Apple": "Apple Inc.",
    "Dell": "Dell Inc.",
    "Lenovo": "LENOVO",
    "HP": "HP",
    "Microsoft": "Microsoft Corporation",
}
OS_VERSIONS: dict[str, Weighted[str]] = {
    "Windows": Weighted([("10.0.19045", 15), ("10.0.22631", 50), ("10.0.26100", 35)]),
    "macOS": Weighted([("13.6.9", 10), ("14.7.1", 45), ("15.1", 45)]),
    "Linux": Weighted([("22.04", 55), ("24.04", 45)]),
}
AGENT_CURRENT = Weighted([("1.4.2", 60), ("1.4.1", 25), ("1.3.0", 15)])
AGENT_OLD = Weighted([("1.3.0", 40), ("1.2.3", 40), ("1.1.8", 20)])
EXTENSION_VERSIONS = Weighted([("1.11.0", 60), ("1.10.2", 30), ("1.9.0", 10)])
# How likely the extension is installed in each browser, per OS.
EXTENSION_CHANCE: dict[str, dict[str, float]] = {
    "Windows": {"chrome": 0.85, "edge": 0.55, "firefox": 0.15},
    "macOS": {"chrome": 0.85, "edge": 0.1, "firefox": 0.2},
    "Linux": {"chrome": 0.7, "edge": 0.0, "firefox": 0.6},
}
HOST_PREFIXES = {"Windows": "DESKTOP", "macOS": "MAC", "Linux": "LINUX"}
# Physical cores of the seed's processors (Intel hybrid parts count P and E cores).
CPU_CORES = {
    "Intel Core i5-1235U": 10,
    "Intel Core i7-1255U": 10,
    "Intel Core i5-1245U": 10,
    "Intel Core i7-1265U": 10,
    "Intel Core i5-1335U": 10,
    "Intel Core i7-1355U": 10,
    "Intel Core i5-1345U": 10,
    "Intel Core i7-1365U": 10,
    "Intel Core i7-1360P": 12,
    "Intel Core i5-13500": 14,
    "Intel Core i7-13700": 16,
    "AMD Ryzen 7 PRO 7840U": 8,
}
_APPLE_CPU = re.compile(r"^(Apple .+?) (\d+)-core$")
_NOT_KEY = re.compile(r"[^A-Z0-9]+")


def ram_bytes(ram: str | None) -> int:
    """`"16 GB"` -> 17179869184 (the agent reports binary gigabytes, in bytes)."""
    if not ram:
        return 0
    number, _, unit = ram.partition(" ")
    factor = {"TB": 1024 * GIB, "GB": GIB, "MB": 1024**2}.get(unit.strip().upper(), GIB)
    return int(float(number) * factor)


def cpu(processor: str | None) -> tuple[str, int]:
    """The agent's CPU model string and core count for the seed's `processor`."""
    if not processor:
        return "Unknown CPU", 4
    match = _APPLE_CPU.match(processor)
    if match:
        return match.group(1), int(match.group(2))
    cores = CPU_CORES.get(processor, 8)
    if processor.startswith("Intel Core "):
        return "Intel(R) Core(TM) " + processor.removeprefix("Intel Core "), cores
    return processor, cores


def catalog_name(device: Row, characteristics: Row) -> str | None:
    """The model name of a device the seed left unnamed, from its brand, type and specs."""
    for model in MODELS:
        if model.brand != device["brand"] or model.type.value != device["type"]:
            continue
        fixed = all(
            characteristics.get(key) == (list(value) if isinstance(value, tuple) else value)
            for key, value in model.fixed.items()
        )
        options = all(characteristics.get(key) in values for key, values in model.options.items())
        if fixed and options:
            return model.name
    return None


def hardware_model(brand: str, model_name: str | None) -> str:
    """`Dell Latitude 7440` -> `Latitude 7440`; Apple names have no brand prefix."""
    if not model_name:
        return "Unknown"
    return model_name.removeprefix(f"{brand} ")


def unique_key(name: str, serial: str | None, fallback: str) -> str:
    """`NAME-HWID-SERIAL`, as in the documented example (`DESKTOP-DEV-ALICE-HWID-5CG1234567`)."""
    return f"{_NOT_KEY.sub('-', name.upper()).strip('-')}-HWID-{serial or fallback}"


def with_millis(rng: random.Random, moment: datetime) -> datetime:
    return moment + timedelta(milliseconds=rng.randrange(1000))


def agent_status(
    rng: random.Random, client_status: str, last_seen_at: datetime
) -> tuple[str, datetime]:
    """The agent's status and last check-in, coherent with the seed's lifecycle."""
    if client_status in RETIRED or last_seen_at < REF - INACTIVE_AFTER:
        return "inactive", last_seen_at
    status = "pending" if chance(rng, PENDING_CHANCE.get(client_status, 0.03)) else "active"
    # A reporting agent checks in every few hours, whatever the users do.
    heartbeat = REF - timedelta(minutes=rng.randint(1, 36 * 60))
    return status, max(last_seen_at, heartbeat)


def extensions(
    rng: random.Random, os_name: str, installed_at: datetime, last_seen_at: datetime
) -> dict[str, Extension]:
    result: dict[str, Extension] = {}
    for browser, probability in EXTENSION_CHANCE[os_name].items():
        if not chance(rng, probability):
            result[browser] = Extension()
            continue
        activity = between(rng, max(installed_at, last_seen_at - 10 * DAY), last_seen_at)
        result[browser] = Extension(
            version=EXTENSION_VERSIONS.pick(rng),
            installed=True,
            auto_update=chance(rng, 0.7),
            last_activity_at=min(with_millis(rng, activity), last_seen_at),
        )
    return result


def build_device(slug: str, device: Row, characteristics: Row, seen: list[Row]) -> DeviceRecord:
    """The inventory record of one seed device (which has an `inventory_device_id`)."""
    rng = rng_for(SEED_KEY, slug, "device", device["id"])
    os_name: str = characteristics["os_platform"]
    brand: str = device["brand"]
    if seen:
        installed_at = min(row["enrolled_at"] for row in seen) - timedelta(
            minutes=rng.randint(5, 240)
        )
        users_seen_at = max(row["last_seen_at"] for row in seen)
    else:
        installed_at = min(device["created_at"] + rng.randint(2, 9) * DAY, REF - 2 * HOUR)
        users_seen_at = between(rng, installed_at + HOUR, REF - HOUR)
        if device["client_status"] in RETIRED:
            users_seen_at = between(
                rng, installed_at + HOUR, max(installed_at + HOUR, REF - 30 * DAY)
            )
    installed_at = max(installed_at, device["created_at"])
    status, last_seen_at = agent_status(rng, device["client_status"], users_seen_at)
    last_seen_at = min(with_millis(rng, last_seen_at), REF)
    model_name = device["name"] or catalog_name(device, characteristics)
    name = device["name"] or windows_host_name(HOST_PREFIXES.get(os_name, "HOST"), rng)
    cpu_model, cpu_cores = cpu(characteristics.get("processor"))
    agent_version = (AGENT_OLD if status == "inactive" else AGENT_CURRENT).pick(rng)
    return DeviceRecord(
        id=device["inventory_device_id"],
        name=name,
        status=status,
        serial_number=device["serial_number"],
        unique_key=unique_key(name, device["serial_number"], str(device["id"])),
        os_name=os_name,
        os_version=OS_VERSIONS[os_name].pick(rng),
        last_seen_at=last_seen_at,
        installed_at=installed_at,
        agent_version=agent_version,
        hardware=Hardware(
            manufacturer=MANUFACTURERS.get(brand, brand),
            model=hardware_model(brand, model_name),
            cpu_model=cpu_model,
            cpu_cores=cpu_cores,
            ram=ram_bytes(characteristics.get("ram")),
        ),
        extensions=extensions(rng, os_name, installed_at, last_seen_at),
        created_at=installed_at,
        updated_at=last_seen_at,
        seed_device_id=device["id"],
    )


def build_user(slug: str, user: Row, desktop_at: datetime) -> UserRecord:
    """The inventory user of a seed user the agent observed, last seen on a desktop at `desktop_at`.

    A few users are not synchronised to the gateway's side yet (no `inventory_user_id` in the
    seed); the agent saw them anyway, so they get an id of their own the gateway cannot link.
    """
    rng = rng_for(SEED_KEY, slug, "user", user["id"])
    user_id = user["inventory_user_id"] or uuid4(rng_for(SEED_KEY, slug, "unlinked", user["id"]))
    local = str(user["email"]).partition("@")[0]
    web_at = None
    if chance(rng, 0.7):
        web_at = with_millis(
            rng, between(rng, desktop_at - 10 * DAY, min(desktop_at + 3 * DAY, REF))
        )
        web_at = min(web_at, REF)
    return UserRecord(
        id=user_id,
        username=local.replace(".", ""),
        user_key=local,
        desktop_at=desktop_at,
        web_at=web_at,
        seed_user_id=user["id"],
    )


def build_client(tenant: TenantSeed) -> ClientData:
    """One tenant's whole inventory, from one pass over its seed rows."""
    client = tenant.client()
    slug = tenant.slug
    data = ClientData(id=client["inventory_client_id"], slug=slug, name=client["name"])
    seen_by_user: dict[int, list[tuple[str, Row]]] = defaultdict(list)
    for batch in tenant.batches():
        characteristics = {row["device_id"]: row for row in batch.device_characteristics}
        observed: dict[int, list[Row]] = defaultdict(list)
        for row in batch.device_observed_users:
            observed[row["device_id"]].append(row)
        for device in batch.devices:
            if not device["inventory_device_id"]:
                continue
            seen = observed.get(device["id"], [])
            device_record = build_device(slug, device, characteristics[device["id"]], seen)
            data.devices[device_record.id] = device_record
            for row in seen:
                seen_by_user[row["user_id"]].append((device_record.id, row))
    if not seen_by_user:
        return data
    for user in tenant.users():
        sightings = seen_by_user.get(user["id"])
        if not sightings:
            continue
        desktop_at = max(row["last_seen_at"] for _, row in sightings)
        user_record = build_user(slug, user, desktop_at)
        data.users[user_record.id] = user_record
        for device_id, row in sightings:
            data.observations.setdefault(device_id, []).append(
                Observation(user_record.id, row["enrolled_at"], row["last_seen_at"])
            )
            data.devices_by_user.setdefault(user_record.id, set()).add(device_id)
    return data
