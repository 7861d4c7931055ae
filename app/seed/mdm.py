"""A device's MDM enrollment rows, as the rental API's `mdm` object and its history.

The current row follows the status's story (subscribed, profile downloaded, identified,
enrolled, unenrolled, wipe pending) with dates in that order; some devices also keep an
older, soft-deleted enrollment, or a newer DRAFT row that must not hide the current one.
"""

import random
from datetime import datetime

from app.enums import MdmEnrollmentStatus
from app.seed.catalog import COMPUTER_TYPES, DeviceModel
from app.seed.identifiers import windows_host_name
from app.seed.lifecycle import DAY, REF, DeviceLife, IdSequence, Row, between_minutes, clamp
from app.seed.people import person_name
from app.seed.rng import between, chance
from app.seed.scenarios import ENROLLED_LIKE, MdmPlan
from app.seed.tenants import TenantPlan

Mdm = MdmEnrollmentStatus

MDM_FLAGS = (
    "firewall_enabled",
    "os_updates_enabled",
    "is_encrypted",
    "screenlock_enabled",
    "is_compromised",
    "os_updates_available",
    "disk_encryption_profile_installed",
)


class MdmRows:
    """Builds MDM enrollment rows for one tenant, drawing from the tenant's random stream."""

    def __init__(self, plan: TenantPlan, rng: random.Random, ids: IdSequence) -> None:
        self.plan = plan
        self.rng = rng
        self.ids = ids

    def rows(self, device: DeviceLife, mdm: MdmPlan) -> list[Row]:
        """The device's rows, oldest first: maybe a deleted one, the current one, maybe a DRAFT."""
        if mdm.status is None:
            return []
        rng = self.rng
        rows: list[Row] = []
        begin = device.created_at + between_minutes(rng, 30, 2 * 24 * 60)
        if mdm.deleted_before and device.delivered_at is not None:
            old_enrolled = device.delivered_at + between_minutes(rng, 10, 240)
            old_unenrolled = old_enrolled + between_minutes(rng, 60, 3 * 24 * 60)
            deleted_at = old_unenrolled + between_minutes(rng, 10, 24 * 60)
            rows.append(
                self._row(
                    device,
                    Mdm.UNENROLLED,
                    created_at=device.created_at + between_minutes(rng, 10, 600),
                    download=old_enrolled - between_minutes(rng, 1, 10),
                    enrolled=old_enrolled,
                    unenrolled=old_unenrolled,
                    last_seen=old_unenrolled - between_minutes(rng, 1, 60),
                    deleted_at=deleted_at,
                    updated_at=deleted_at,
                )
            )
            begin = deleted_at + between_minutes(rng, 30, 600)
        rows.append(self._current(device, mdm, clamp(begin)))
        if mdm.draft_after:
            draft_at = between(rng, rows[-1]["updated_at"], REF)
            rows.append(self._row(device, Mdm.DRAFT, created_at=draft_at, updated_at=draft_at))
        return rows

    def _current(self, device: DeviceLife, mdm: MdmPlan, begin: datetime) -> Row:
        rng = self.rng
        status = mdm.status
        assert status is not None
        if status in (Mdm.DRAFT, Mdm.SUBSCRIBED):
            return self._row(device, status, created_at=begin, updated_at=begin)
        arrived = max(begin, device.delivered_at or begin)
        download = clamp(arrived + between_minutes(rng, 5, 24 * 60))
        if status is Mdm.DOWNLOADED:
            return self._row(device, status, created_at=begin, download=download)
        if status in (Mdm.IDENTIFIED, Mdm.ENROLLMENT_IN_PROGRESS):
            last_seen = between(rng, download, device.active_until)
            return self._row(
                device,
                status,
                created_at=begin,
                download=download,
                last_seen=last_seen,
                local_name=self._local_name(device),
                flags=self._flags(device, partial=True),
            )
        enrolled = clamp(download + between_minutes(rng, 2, 180))
        until = device.active_until
        unenrolled = None
        if status is Mdm.UNENROLLED:
            unenrolled = between(rng, min(enrolled + 7 * DAY, until), until)
            last_seen = between(rng, max(enrolled, unenrolled - 2 * DAY), unenrolled)
        elif status is Mdm.DEVICE_WIPE_PENDING:
            last_seen = between(rng, enrolled, until)
        elif until >= REF:
            last_seen = between(rng, max(enrolled, REF - 3 * DAY), REF)
        else:
            last_seen = between(rng, max(enrolled, until - 2 * DAY), until)
        lock_date = None
        if mdm.locked:
            lock_date = between(rng, enrolled, min(REF, last_seen + 2 * DAY))
        return self._row(
            device,
            status,
            created_at=begin,
            download=download,
            enrolled=enrolled,
            unenrolled=unenrolled,
            last_seen=last_seen,
            locked=mdm.locked if status is not Mdm.UNENROLLED else False,
            lock_date=lock_date if status is not Mdm.UNENROLLED else None,
            local_name=self._local_name(device),
            flags=self._flags(device, partial=False),
        )

    def _row(
        self,
        device: DeviceLife,
        status: MdmEnrollmentStatus,
        *,
        created_at: datetime,
        download: datetime | None = None,
        enrolled: datetime | None = None,
        unenrolled: datetime | None = None,
        last_seen: datetime | None = None,
        locked: bool | None = None,
        lock_date: datetime | None = None,
        local_name: str | None = None,
        flags: dict[str, bool | None] | None = None,
        deleted_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Row:
        rng = self.rng
        created_at = clamp(created_at)
        last_sync = None
        if last_seen is not None and enrolled is not None:
            last_sync = max(enrolled, last_seen - between_minutes(rng, 0, 30))
        if status in ENROLLED_LIKE and locked is None:
            locked = False
        moments = [created_at, download, enrolled, unenrolled, last_seen, lock_date, deleted_at]
        row: Row = {
            "id": self.ids.take(),
            "client_id": self.plan.client_id,
            "device_id": device.id,
            "status": status.value,
            "local_name": local_name,
            "is_locked": locked,
            "lock_date": lock_date,
            **dict.fromkeys(MDM_FLAGS),
            **(flags or {}),
            "enrollment_date": enrolled,
            "unenrollment_date": unenrolled,
            "download_date": download,
            "last_seen_date": last_seen,
            "last_sync_date": last_sync,
            "deleted_at": deleted_at,
            "created_at": created_at,
            "updated_at": clamp(updated_at or max(m for m in moments if m is not None)),
        }
        return row

    def _flags(self, device: DeviceLife, *, partial: bool) -> dict[str, bool | None]:
        rng = self.rng
        computer = device.model.type in COMPUTER_TYPES or device.os_platform in ("macOS", "Windows")
        phone_like = device.os_platform in ("iOS", "Android")
        encrypted = chance(rng, 0.93)
        if partial:
            return {"is_encrypted": encrypted, "screenlock_enabled": chance(rng, 0.9)}
        return {
            "firewall_enabled": chance(rng, 0.92) if computer else None,
            "os_updates_enabled": chance(rng, 0.85),
            "is_encrypted": encrypted,
            "screenlock_enabled": chance(rng, 0.96),
            "is_compromised": chance(rng, 0.03 if phone_like else 0.01),
            "os_updates_available": chance(rng, 0.35),
            "disk_encryption_profile_installed": (encrypted and chance(rng, 0.9))
            if computer
            else None,
        }

    def _local_name(self, device: DeviceLife) -> str:
        model, os_platform = device.model, device.os_platform
        if os_platform == "Windows":
            return windows_host_name(self.plan.profile.short_name.upper(), self.rng)
        short = _short_model_name(model)
        if device.user_index is None:
            return short
        first = person_name(self.plan, device.user_index).first
        return f"{first}'s {short}"


def _short_model_name(model: DeviceModel) -> str:
    for short in ("iPhone", "iPad", "iMac", "Mac mini", "MacBook Pro", "MacBook Air"):
        if model.name.startswith(short):
            return short
    return model.name.removeprefix(f"{model.brand} ")
