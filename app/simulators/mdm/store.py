"""The simulator's mutable state: each partition's accounts, catalogs and devices.

Only the partition ids are computed up front; a partition is built from the seed on first use
(about 0.1 s for the 482 devices of the default data set's largest one) and kept until
`reset()`, which drops every change. A device is found by id without building other partitions
(the seed's MDM ids encode the device's primary key, hence its tenant); a GUID may need them all.

The clock starts at the seed's reference time and runs with the wall clock, so the seed's dates
(check-ins, registrations) keep their meaning for `lastCheckin<'hh:mm:ss'` searches.
"""

import time
from collections.abc import Iterator

from app.seed import DEFAULT_DEVICES, TenantSeed, generate
from app.seed.identifiers import device_id_from_mdm
from app.simulators.mdm.data import build_partition
from app.simulators.mdm.draw import REF_MS
from app.simulators.mdm.enums import ConfigStatus
from app.simulators.mdm.records import MdmDevice, Partition


class MdmStore:
    """Every partition of the seed of `total_devices` devices."""

    def __init__(self, total_devices: int = DEFAULT_DEVICES) -> None:
        self.total_devices = total_devices
        self._tenants: dict[int, TenantSeed] = {}
        for tenant in generate(total_devices).tenants:
            self._tenants[tenant.client()["mdm_partition_id"]] = tenant
        self._partitions: dict[int, Partition] = {}
        self._started = time.monotonic()

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
        """Forget every change: partitions are rebuilt from the seed on next use."""
        self._partitions.clear()
        self._started = time.monotonic()


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
