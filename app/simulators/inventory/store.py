"""The simulator's mutable state: each client's inventory, built lazily from the seed.

Only the client ids are computed up front (cheap); a client's devices and users are built on
first use (about 0.2 s for the 1,050 devices of the default data set's largest client) and kept
until `reset()`, which drops every change and goes back to the seed.
"""

from collections.abc import Iterable

from app.seed import DEFAULT_DEVICES, TenantSeed, generate
from app.simulators.inventory.data import build_client
from app.simulators.inventory.records import ClientData, DeviceRecord


class InventoryStore:
    """Every client's inventory for the seed of `total_devices` devices."""

    def __init__(self, total_devices: int = DEFAULT_DEVICES) -> None:
        self.total_devices = total_devices
        self._tenants: dict[str, TenantSeed] = {}
        self._slugs: dict[str, str] = {}
        for tenant in generate(total_devices).tenants:
            client_id = tenant.client()["inventory_client_id"]
            self._tenants[client_id] = tenant
            self._slugs[tenant.slug] = client_id
        self._clients: dict[str, ClientData] = {}

    @property
    def client_ids(self) -> list[str]:
        """The inventory ids of the clients, in the seed's tenant order."""
        return list(self._tenants)

    @property
    def slugs(self) -> list[str]:
        """The seed slugs of the clients (`acme`, `globex`)."""
        return list(self._slugs)

    def client_id(self, slug_or_id: str) -> str | None:
        """The inventory id of a client given by seed slug (`acme`) or by inventory id."""
        if slug_or_id in self._tenants:
            return slug_or_id
        return self._slugs.get(slug_or_id)

    def resolve(self, slugs_or_ids: Iterable[str]) -> frozenset[str]:
        """Client ids for a token's scope; names that match no client are kept as given."""
        return frozenset(self.client_id(value) or value for value in slugs_or_ids)

    def client(self, client_id: str) -> ClientData | None:
        """A client's inventory (built on first use), or None when there is no such client."""
        client_id = client_id.lower()
        data = self._clients.get(client_id)
        if data is None:
            tenant = self._tenants.get(client_id)
            if tenant is None:
                return None
            data = self._clients[client_id] = build_client(tenant)
        return data

    def device(self, client_id: str, device_id: str) -> DeviceRecord | None:
        data = self.client(client_id)
        return None if data is None else data.devices.get(device_id.lower())

    def load_all(self) -> None:
        """Build every client now (e.g. before serving, so the first request is not slow)."""
        for client_id in self._tenants:
            self.client(client_id)

    def reset(self) -> None:
        """Forget every change: clients are rebuilt from the seed on next use."""
        self._clients.clear()
