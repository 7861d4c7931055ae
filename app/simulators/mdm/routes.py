"""The provider's endpoints, at the document's paths (`{key}` is a device id or GUID):

- `GET /api/v1/device?dmPartitionId=&rows=&start=&fq=&q=&searchAfterValues=`: search;
- `GET /api/v1/device/{key}`: device details;
- `GET /api/v1/device/{key}/configs`: configurations and their status on the device;
- `GET /api/v1/device/{key}/policies`: compliance policies and the device's verdicts;
- `GET /api/v1/device/{key}/certs/search?accountId=`: certificates (the owner's account only);
- `GET | POST | PATCH | DELETE /api/v1/device/{key}/customattributes`: read, replace, patch
  (`forceOverwrite`), remove; `DELETE /api/v1/device/customattributes`: remove from several;
- `GET /api/v1/depServer` and `GET /api/v1/depServer/{id}/profiles`: DEP servers, profiles;
- the remote actions (`actions.py`): `PUT /api/v1/device/lock` ..., their viability checks,
  `DELETE /api/v1/device?deviceIds=` and the per-device configuration calls.

Every device call takes an optional `dmPartitionId`: a device of another partition (or of one
the credential may not see) is answered as unknown, 404. Routes for the remote actions
(`/api/v1/device/lock` ...) must come before `/api/v1/device/{key}`; the delete shares the
search's path with another method (Starlette keeps looking past a route that matches the path
but not the method, and answers 405 only when no later route matches both).
"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.simulators.mdm import attributes
from app.simulators.mdm.actions import action_routes
from app.simulators.mdm.auth import principal_of, require
from app.simulators.mdm.enums import CERT_STATES, Role
from app.simulators.mdm.errors import ApiError, bad_field, not_found, ok
from app.simulators.mdm.records import (
    Json,
    MdmDevice,
    Partition,
    certificate_json,
    config_json,
    dep_profile_json,
    device_json,
    policy_json,
)
from app.simulators.mdm.search import search, search_params
from app.simulators.mdm.store import MdmStore, config_counts, policy_counts

API = "/api/v1"
READERS = (Role.DEVICE_MANAGEMENT, Role.DEVICE_READ_ONLY)
MANAGERS = (Role.DEVICE_MANAGEMENT,)
CERT_ROWS = 10  # the document's `limit` for a device's certificates


def _device(request: Request, store: MdmStore, key: str) -> tuple[Partition, MdmDevice]:
    """The device `key` names, if the caller may see it (else 404, as for an unknown one)."""
    found = store.find(key)
    principal = principal_of(request)
    wanted = request.query_params.get("dmPartitionId", "").strip()
    if (
        found is None
        or not principal.may_see(found[0].id)
        or (wanted and wanted != str(found[0].id))
    ):
        raise not_found(f"Device not found: {key}")
    return found


def _page(request: Request, default_rows: int) -> tuple[int, int]:
    params = request.query_params
    try:
        rows = int(params.get("rows") or default_rows)
        start = int(params.get("start") or 0)
    except ValueError:
        raise bad_field("rows", "TypeMismatch", "rows and start must be integers") from None
    if not 1 <= rows <= 500:
        raise bad_field("rows", "Range", "must be between 1 and 500")
    if start < 0:
        raise bad_field("start", "Range", "must be greater than or equal to 0")
    return rows, start


def _listing(entries: list[Json], **extra: object) -> Json:
    """The `result` of a per-device list call (`configs`, `policies`): everything in one page."""
    return {
        "totalCount": len(entries),
        "queryTime": 0,
        "searchResults": entries,
        "offset": 0,
        "limit": len(entries),
        **extra,
    }


def _attrs_result(device: MdmDevice) -> Json:
    return {"deviceId": device.id, "guid": device.guid, "attrs": device.custom_attributes}


def routes(store: MdmStore) -> list[Route]:
    """The API's routes over `store`."""

    async def search_devices(request: Request) -> Response:
        principal = require(request, Role.TENANT_ADMIN)
        params = search_params(request.query_params, store.now_ms())
        partition = store.partition(params.partition_id)
        if partition is None or not principal.may_see(params.partition_id):
            raise not_found(f"Device space not found: {params.partition_id}")
        return ok(search(partition, params))

    async def device_details(request: Request) -> Response:
        require(request, Role.TENANT_ADMIN)
        partition, device = _device(request, store, request.path_params["key"])
        return ok(device_json(device, partition))

    async def device_configs(request: Request) -> Response:
        require(request, Role.TENANT_ADMIN)
        partition, device = _device(request, store, request.path_params["key"])
        counts = config_counts(partition)
        entries = [
            config_json(partition.configs[entry.config_id], entry.status, counts[entry.config_id])
            for entry in device.configs
        ]
        return ok(_listing(entries))

    async def device_policies(request: Request) -> Response:
        require(request, Role.TENANT_ADMIN)
        partition, device = _device(request, store, request.path_params["key"])
        counts = policy_counts(partition)
        entries = [
            policy_json(partition.policies[verdict.policy_id], verdict, counts[verdict.policy_id])
            for verdict in device.policies
        ]
        return ok(_listing(entries))

    async def device_certificates(request: Request) -> Response:
        require(request, *READERS)
        partition, device = _device(request, store, request.path_params["key"])
        raw = request.query_params.get("accountId", "").strip()
        if not raw:
            raise bad_field("accountId", "NotNull", "may not be null")
        if not (raw.isascii() and raw.isdigit()):
            raise bad_field("accountId", "TypeMismatch", "accountId must be an account id")
        if int(raw) != device.owner_id:
            raise bad_field(
                "accountId", "Invalid", f"account {raw} is not the owner of device {device.id}"
            )
        rows, start = _page(request, CERT_ROWS)
        certificates = device.certificates
        states = dict.fromkeys(CERT_STATES, 0)
        for cert in certificates:
            states[cert.state] = states.get(cert.state, 0) + 1
        page = certificates[start : start + rows]
        return ok(
            {
                "totalCount": len(certificates),
                "searchResults": [certificate_json(c, device, partition) for c in page],
                "offset": start,
                "limit": rows,
                "queryTime": 0,
                "facetedResults": {"CERTSTORESTATE": states},
                "totalUnfilteredResultCount": len(certificates),
                "unfilteredFacetedResults": {},
            }
        )

    async def custom_attributes(request: Request) -> Response:
        method = request.method
        require(request, *(READERS if method == "GET" else MANAGERS))
        _, device = _device(request, store, request.path_params["key"])
        if method == "GET":
            return ok(_attrs_result(device))
        body = await attributes.json_body(request)
        if method == "POST":
            device.custom_attributes = attributes.replace(attributes.parse_attrs(body))
        elif method == "PATCH":
            new, overwrite = attributes.parse_attrs(body), attributes.force_overwrite(body)
            device.custom_attributes = attributes.patch(device.custom_attributes, new, overwrite)
        else:
            names = attributes.removal_names(body)
            device.custom_attributes = attributes.remove(device.custom_attributes, names)
        return ok(1)

    async def remove_custom_attributes(request: Request) -> Response:
        principal = require(request, *MANAGERS)
        ids, names = attributes.bulk_removal(await attributes.json_body(request))
        devices = []
        for key in ids:
            found = store.find(key)
            if found is not None and principal.may_see(found[0].id):
                devices.append(found[1])
        if not devices:
            raise not_found(f"Device not found: {', '.join(ids)}")
        for device in devices:
            device.custom_attributes = attributes.remove(device.custom_attributes, names)
        return ok(len(devices))

    async def dep_servers(request: Request) -> Response:
        principal = require(request, Role.TENANT_ADMIN)
        servers = []
        for partition in store.partitions():
            if not principal.may_see(partition.id) or not partition.dep_profiles:
                continue
            first = partition.dep_profiles[0]
            servers.append(
                {
                    "id": first.server_id,
                    "serverUuid": first.uuid.lower(),
                    "serverName": f"{partition.name} ABM",
                    "dmPartitionId": partition.id,
                }
            )
        return ok({"searchResults": servers, "totalCount": len(servers), "offset": 0, "limit": 50})

    async def dep_profiles(request: Request) -> Response:
        principal = require(request, Role.TENANT_ADMIN)
        server_id = request.path_params["server_id"]
        for partition in store.partitions():
            profiles = [p for p in partition.dep_profiles if p.server_id == server_id]
            if profiles and principal.may_see(partition.id):
                counts: dict[int, int] = {}
                for device in partition.live_devices():
                    profile_id = device.extras.get("depProfileId")
                    if profile_id is not None:
                        counts[profile_id] = counts.get(profile_id, 0) + 1
                return ok([dep_profile_json(p, counts.get(p.id, 0)) for p in profiles])
        raise ApiError(404, f"DEP server not found: {server_id}")

    device = f"{API}/device/{{key}}"
    return [
        Route(f"{API}/device", search_devices, methods=["GET"]),
        *action_routes(store, API),
        Route(f"{API}/device/customattributes", remove_custom_attributes, methods=["DELETE"]),
        Route(device, device_details, methods=["GET"]),
        Route(f"{device}/configs", device_configs, methods=["GET"]),
        Route(f"{device}/policies", device_policies, methods=["GET"]),
        Route(f"{device}/certs/search", device_certificates, methods=["GET"]),
        Route(
            f"{device}/customattributes",
            custom_attributes,
            methods=["GET", "POST", "PATCH", "DELETE"],
        ),
        Route(f"{API}/depServer", dep_servers, methods=["GET"]),
        Route(f"{API}/depServer/{{server_id:int}}/profiles", dep_profiles, methods=["GET"]),
        # The document's own spelling of the same path.
        Route(f"{API}/depServer{{server_id:int}}/profiles", dep_profiles, methods=["GET"]),
    ]
