"""The inventory's records: devices (OS, hardware, extensions, agent), users, observations.

Records are mutable dataclasses kept by the store, so a test or a later feature can change
state (an agent going inactive, a user seen again); `to_json` writes the documented payloads.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BROWSERS: tuple[str, ...] = ("chrome", "edge", "firefox")
DEVICE_STATUSES: tuple[str, ...] = ("active", "inactive", "pending")


def iso(moment: datetime | None) -> str | None:
    """A UTC instant as the API writes it: `2026-02-24T21:23:53.082Z` (milliseconds, `Z`)."""
    if moment is None:
        return None
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{moment.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class Hardware:
    manufacturer: str
    model: str
    cpu_model: str
    cpu_cores: int
    ram: int  # bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "manufacturer": self.manufacturer,
            "model": self.model,
            "cpu_model": self.cpu_model,
            "cpu_cores": self.cpu_cores,
            "ram": self.ram,
        }


@dataclass(slots=True)
class Extension:
    """The agent's browser extension in one browser."""

    version: str | None = None
    installed: bool = False
    auto_update: bool = False
    last_activity_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "installed": self.installed,
            "auto_update": self.auto_update,
            "last_activity_at": iso(self.last_activity_at),
        }


@dataclass(slots=True)
class DeviceRecord:
    """A device the agent runs on; `id` is the seed's `inventory_device_id`."""

    id: str
    name: str
    status: str
    serial_number: str | None
    unique_key: str
    os_name: str
    os_version: str
    last_seen_at: datetime
    installed_at: datetime
    agent_version: str
    hardware: Hardware
    extensions: dict[str, Extension]
    created_at: datetime
    updated_at: datetime
    seed_device_id: int = 0  # the gateway's primary key, for tracing only (never sent)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "serial_number": self.serial_number,
            "unique_key": self.unique_key,
            "os_name": self.os_name,
            "os_version": self.os_version,
            "last_seen_at": iso(self.last_seen_at),
            "installed_at": iso(self.installed_at),
            "agent_version": self.agent_version,
            "hardware": self.hardware.to_json(),
            "extensions": {
                browser: self.extensions.get(browser, Extension()).to_json() for browser in BROWSERS
            },
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(slots=True)
class UserRecord:
    """A user the agent observed; `id` is the seed user's `inventory_user_id`."""

    id: str
    username: str
    user_key: str
    desktop_at: datetime | None
    web_at: datetime | None
    seed_user_id: int = 0  # the gateway's primary key, for tracing only (never sent)

    @property
    def last_activity_at(self) -> datetime | None:
        moments = [m for m in (self.desktop_at, self.web_at) if m is not None]
        return max(moments) if moments else None

    def ref_json(self) -> dict[str, Any]:
        """The `UserRef` part of a `DeviceUserRef`."""
        return {
            "id": self.id,
            "username": self.username,
            "user_key": self.user_key,
            "last_activity": {
                "at": iso(self.last_activity_at),
                "desktop_at": iso(self.desktop_at),
                "web_at": iso(self.web_at),
            },
        }


@dataclass(slots=True)
class Observation:
    """One row of the `user_devices` junction: a user seen on a device."""

    user_id: str
    enrolled_at: datetime
    last_seen_at: datetime


@dataclass(slots=True)
class DeviceUser:
    """A `DeviceUserRef`: the user and the junction's dates for one device."""

    user: UserRecord
    observation: Observation

    def to_json(self) -> dict[str, Any]:
        return {
            **self.user.ref_json(),
            "enrolled_at": iso(self.observation.enrolled_at),
            "last_seen_at": iso(self.observation.last_seen_at),
        }


@dataclass(slots=True)
class ClientData:
    """One client organisation's inventory: its devices, users and who was seen where."""

    id: str
    slug: str
    name: str
    devices: dict[str, DeviceRecord] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)
    # device id -> the users observed on it; user id -> the devices they were observed on.
    observations: dict[str, list[Observation]] = field(default_factory=dict)
    devices_by_user: dict[str, set[str]] = field(default_factory=dict)

    def device_users(self, device_id: str) -> list[DeviceUser]:
        return [
            DeviceUser(self.users[obs.user_id], obs) for obs in self.observations.get(device_id, [])
        ]
