"""The simulator's mutable state: each partition's accounts, catalogs and devices.

Only the partition ids are computed up front; a partition is built from the seed on first use
(about 0.1 s for the 482 devices of the default data set's largest one) and kept until
`reset()`, which drops every change. A device is found by id without building other partitions
(the seed's MDM ids encode the device's primary key, hence its tenant); a GUID may need them all.

The clock starts at the seed's reference time and runs with the wall clock, so the seed's dates
(check-ins, registrations) keep their meaning for `lastCheckin<'hh:mm:ss'` searches.

Remote actions the provider completes later (reassignment, wipe, retire, relinquish, a
configuration's re-push) are `Transition`s due at a time of that clock. No task runs them: a
partition applies its due ones whenever it is read (`partition()`, hence `find()`, the search
and every device call), so a test sees the same order of events however fast it polls. Their
delay (`ActionSettings`) comes from `MDM_SIM_ASYNC_MS` and `PUT /_sim/actions`.
"""

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from app.seed import DEFAULT_DEVICES, TenantSeed, generate
from app.seed.identifiers import device_id_from_mdm
from app.simulators.mdm.data import build_partition
from app.simulators.mdm.draw import REF_MS
from app.simulators.mdm.enums import ConfigStatus
from app.simulators.mdm.records import MdmDevice, Partition

DEFAULT_ASYNC_MS = 1_500
REASSIGNMENT_OUTCOMES = ("SUCCESS", "FAILED")


@dataclass(slots=True)
class ActionSettings:
    """How the simulated provider completes asynchronous actions.

    `delay_ms`: how long after the call a transition is due. `reassignment`: the outcome every
    reassignment gets (`SUCCESS` / `FAILED`), or None for the natural rule (a device silent for
    more than 30 days never answers, so its reassignment fails). A reassignment keeps the outcome
    forced when it was called.
    """

    delay_ms: int = DEFAULT_ASYNC_MS
    reassignment: str | None = None

    @classmethod
    def from_env(cls, prefix: str) -> "ActionSettings":
        """`MDM_SIM_ASYNC_MS` for prefix `MDM` (default 1,500 ms)."""
        raw = os.environ.get(f"{prefix}_SIM_ASYNC_MS", "").strip()
        delay = int(raw) if raw else DEFAULT_ASYNC_MS
        if delay < 0:
            raise ValueError(f"{prefix}_SIM_ASYNC_MS must be >= 0")
        return cls(delay_ms=delay)


# Completes a transition: (partition, device, the time it completed at, in ms).
Completion = Callable[[Partition, MdmDevice, int], None]


@dataclass(slots=True)
class Transition:
    """A change of one device the provider makes later; one pending per (device, kind)."""

    due_ms: int
    device_id: int
    kind: str  # "registration", "reassignment", "relinquish", "config:<id>"
    complete: Completion


class MdmStore:
    """Every partition of the seed of `total_devices` devices."""

    def __init__(
        self, total_devices: int = DEFAULT_DEVICES, actions: ActionSettings | None = None
    ) -> None:
        self.total_devices = total_devices
        self._tenants: dict[int, TenantSeed] = {}
        for tenant in generate(total_devices).tenants:
            self._tenants[tenant.client()["mdm_partition_id"]] = tenant
        self._partitions: dict[int, Partition] = {}
        self._started = time.monotonic()
        self._default_actions = actions if actions is not None else ActionSettings()
        self.actions = replace(self._default_actions)
        self._pending: dict[int, list[Transition]] = {}  # per partition id, in due order

    @property
    def partition_ids(self) -> list[int]:
        """The `dmPartitionId` of each client, in the seed's tenant order."""
        return list(self._tenants)

    def now_ms(self) -> int:
        """The provider's clock: the seed's reference time plus the time since the last reset."""
        return REF_MS + int((time.monotonic() - self._started) * 1000)

    def partition(self, partition_id: int) -> Partition | None:
        """A partition (built on first use), or None when there is no such device space."""
        partition = self._partitions.get(partition_id)
        if partition is None:
            tenant = self._tenants.get(partition_id)
            if tenant is None:
                return None
            partition = self._partitions[partition_id] = build_partition(tenant)
        if self._pending.get(partition_id):
            self._settle(partition)
        return partition

    def partitions(self) -> Iterator[Partition]:
        for partition_id in self._tenants:
            partition = self.partition(partition_id)
            if partition is not None:
                yield partition

    def _partition_of_id(self, mdm_id: int) -> Partition | None:
        seed_id = device_id_from_mdm(mdm_id)
        for partition_id, tenant in self._tenants.items():
            if seed_id in tenant.plan.device_ids:
                return self.partition(partition_id)
        return None

    def find(self, key: str) -> tuple[Partition, MdmDevice] | None:
        """A live device by id or GUID, with its partition."""
        key = key.strip()
        if key.isascii() and key.isdigit():
            partition = self._partition_of_id(int(key))
            device = None if partition is None else partition.find(key)
            return None if partition is None or device is None else (partition, device)
        for partition in self.partitions():
            device = partition.find(key)
            if device is not None:
                return partition, device
        return None

    def load_all(self) -> None:
        """Build every partition now (e.g. before serving, so the first request is not slow)."""
        for _ in self.partitions():
            pass

    def reset(self) -> None:
        """Forget every change: partitions are rebuilt from the seed on next use, pending
        transitions are dropped and the action settings are the start-up ones again."""
        self._partitions.clear()
        self._pending.clear()
        self.actions = replace(self._default_actions)
        self._started = time.monotonic()

    # -- asynchronous completion ------------------------------------------------------------

    def schedule(
        self, partition: Partition, device: MdmDevice, kind: str, complete: Completion
    ) -> None:
        """Complete `kind` on `device` after the configured delay, replacing a pending one of
        the same kind (a second wipe restarts the wait, it does not complete twice)."""
        self.cancel(partition, device, kind)
        due = self.now_ms() + self.actions.delay_ms
        pending = self._pending.setdefault(partition.id, [])
        pending.append(Transition(due, device.id, kind, complete))
        pending.sort(key=lambda transition: transition.due_ms)

    def cancel(self, partition: Partition, device: MdmDevice, kind: str | None = None) -> bool:
        """Drop the device's pending transition of `kind` (every one when None); whether one was
        pending."""
        pending = self._pending.get(partition.id, [])
        kept = [
            t for t in pending if t.device_id != device.id or (kind is not None and t.kind != kind)
        ]
        self._pending[partition.id] = kept
        return len(kept) != len(pending)

    def _settle(self, partition: Partition) -> None:
        """Apply the partition's due transitions, oldest first (a deleted device's are dropped)."""
        now = self.now_ms()
        pending = self._pending[partition.id]
        due = [t for t in pending if t.due_ms <= now]
        if not due:
            return
        self._pending[partition.id] = [t for t in pending if t.due_ms > now]
        for transition in due:
            device = partition.devices.get(transition.device_id)
            if device is not None and not device.deleted:
                transition.complete(partition, device, transition.due_ms)


def config_counts(partition: Partition) -> dict[int, tuple[int, int, int]]:
    """Per configuration: devices it is assigned to, installed on, and failing on."""
    counts: dict[int, list[int]] = {config_id: [0, 0, 0] for config_id in partition.configs}
    for device in partition.live_devices():
        for config in device.configs:
            entry = counts.setdefault(config.config_id, [0, 0, 0])
            entry[0] += 1
            entry[1] += config.status == ConfigStatus.INSTALLED.value
            entry[2] += config.status == ConfigStatus.ERROR.value
    return {config_id: (a, b, c) for config_id, (a, b, c) in counts.items()}


def policy_counts(partition: Partition) -> dict[int, tuple[int, int, int]]:
    """Per compliance policy: devices it applies to (twice: total and installed) and violators."""
    counts: dict[int, list[int]] = {policy_id: [0, 0] for policy_id in partition.policies}
    for device in partition.live_devices():
        for verdict in device.policies:
            entry = counts.setdefault(verdict.policy_id, [0, 0])
            entry[0] += 1
            entry[1] += not verdict.compliant
    return {policy_id: (total, total, bad) for policy_id, (total, bad) in counts.items()}
