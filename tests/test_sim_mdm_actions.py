"""The MDM simulator's remote actions, driven over HTTP as the gateway drives them.

Checks each action of the document (path, method, parameters, envelope), its effect on the
device's records, the viability checks and the platform rules behind their
`actionExceptionCodes`, the 400s of bad parameters, the roles of the narrower credentials, the
asynchronous completion of reassignment, wipe, retire, relinquish and configuration pushes (and
`/_sim/actions`, which sets its delay and forces a reassignment's outcome), and that
`/_sim/reset` forgets every change.

Devices are picked from the store by their properties, never by id. The 240-device data set has
no iOS device older than 17 and no Android device without device-owner mode, so the tests of
those rules first change one device's record in the store.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from app.enums import ActionExceptionCode
from app.simulators.faults import FaultState
from app.simulators.mdm import DEFAULT_PASSWORD, DEFAULT_USERNAME, create_app
from app.simulators.mdm.draw import DAY_MS
from app.simulators.mdm.enums import ACTION_EXCEPTION_CODES, REASSIGNMENT_STATUSES
from app.simulators.mdm.fields import SEARCH_FIELDS
from app.simulators.mdm.records import MdmDevice, Partition
from app.simulators.mdm.store import DEFAULT_ASYNC_MS
from tests.test_sim_mdm import ACME, AUTH, DEVICES, GLOBEX, assert_error, simulator
from tests.test_sim_mdm import Sim as BaseSim

T = TypeVar("T")

DEVICE = "/api/v1/device"
READ_ONLY = httpx.BasicAuth(f"{DEFAULT_USERNAME}-readonly", DEFAULT_PASSWORD)
ACTIONS = httpx.BasicAuth(f"{DEFAULT_USERNAME}-actions", DEFAULT_PASSWORD)
MANAGEMENT = httpx.BasicAuth(f"{DEFAULT_USERNAME}-management", DEFAULT_PASSWORD)
FAST_MS = 300  # long enough to see the intermediate state, short enough to poll to the end

PLATFORM = ActionExceptionCode.PLATFORM_NOT_SUPPORTED.value
SUPERVISION = ActionExceptionCode.NOT_SUPERVISED.value
TOO_OLD = ActionExceptionCode.OS_VERSION_TOO_OLD.value
REGISTRATION = ActionExceptionCode.WRONG_REGISTRATION_STATE.value
STATE = ActionExceptionCode.WRONG_STATE.value
PREREQUISITE = ActionExceptionCode.MISSING_PREREQUISITE.value

Predicate = Callable[[MdmDevice], bool]


# --- device predicates -------------------------------------------------------------------------


def active(device: MdmDevice) -> bool:
    """Registered and fully managed (ACTIVE, and it checked in at least once)."""
    return device.registration_state == "ACTIVE" and device.last_checkin is not None


def ios(device: MdmDevice) -> bool:
    return device.platform_type == "IOS"


def android(device: MdmDevice) -> bool:
    return device.platform_type == "ANDROID"


def macos(device: MdmDevice) -> bool:
    return device.platform_type == "OSX"


def state(name: str) -> Predicate:
    return lambda device: device.registration_state == name


def both(*tests: Predicate) -> Predicate:
    return lambda device: all(test(device) for test in tests)


ACTIVE_IOS = both(active, ios)
SUPERVISED_IOS = both(active, ios, lambda d: bool(d.supervised))
UNSUPERVISED_IOS = both(active, ios, lambda d: not d.supervised)
MANAGED_ANDROID = both(android, lambda d: d.managed)
ACTIVE_MAC = both(active, macos)
LOST_IOS = both(ios, lambda d: d.managed and bool(d.lost_mode_enabled))
FOUND_IOS = both(ACTIVE_IOS, lambda d: not d.lost_mode_enabled)
KIOSK_ON = both(MANAGED_ANDROID, lambda d: d.kiosk_state == "ACTIVE")
KIOSK_OFF = both(MANAGED_ANDROID, lambda d: d.kiosk_state != "ACTIVE")
COMPANY_ANDROID = both(MANAGED_ANDROID, lambda d: d.ownership_type == "COMPANY")
SHARED_IPAD = both(ios, lambda d: d.managed and bool(d.multi_user))
SINGLE_USER_IOS = both(ACTIVE_IOS, lambda d: not d.multi_user)
RETIRED = state("RETIRED")
WIPED = state("WIPED")
WIPE_PENDING = state("WIPE_PENDING")


# --- the simulator -----------------------------------------------------------------------------


class Sim(BaseSim):
    """The read-side helpers, and the action calls."""

    def partition(self, partition_id: int = ACME) -> Partition:
        partition = self.store.partition(partition_id)
        assert partition is not None
        return partition

    def pick(self, test: Predicate, partition: int = ACME, skip: int = 0) -> MdmDevice:
        """The `skip`-th live device of the partition (id order) that passes `test`."""
        found = [device for device in self.partition(partition).live_devices() if test(device)]
        assert len(found) > skip, "the data set has no such device"
        return found[skip]

    async def details(self, device: MdmDevice | int) -> dict[str, Any]:
        key = device if isinstance(device, int) else device.id
        result: dict[str, Any] = result_of(await self.http.get(f"{DEVICE}/{key}"))
        return result

    async def put(self, action: str, auth: httpx.BasicAuth = AUTH, **data: Any) -> httpx.Response:
        """`PUT /api/v1/device/{action}` with a url-encoded form body."""
        return await self.http.put(f"{DEVICE}/{action}", data=data, auth=auth)

    async def act(self, action: str, **data: Any) -> Any:
        return result_of(await self.put(action, **data))

    async def check(self, action: str, *devices: MdmDevice, **params: Any) -> dict[str, Any]:
        """`GET /api/v1/device/{action}?checkViability=true&ids=...`."""
        query = {"checkViability": "true", "ids": [d.id for d in devices], **params}
        result: dict[str, Any] = result_of(await self.http.get(f"{DEVICE}/{action}", params=query))
        return result

    async def settings(self, **body: Any) -> dict[str, Any]:
        response = await self.http.put("/_sim/actions", json=body, auth=None)
        assert response.status_code == 200, response.text
        settings: dict[str, Any] = response.json()
        return settings


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    async with simulator(Sim) as opened:
        yield opened


def result_of(response: httpx.Response) -> Any:
    """The `result` of a successful answer, in the provider's envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"errors", "result"}
    assert body["errors"] is None
    return body["result"]


def assert_field_error(response: httpx.Response, field: str, code: str | None = None) -> str:
    """A 400 about one parameter; returns its message."""
    errors = assert_error(response, 400)
    assert errors["globalErrors"] is None
    [error] = errors["fieldErrors"]
    assert error["field"] == field
    if code is not None:
        assert error["code"] == code
    message: str = error["message"]
    return message


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 3.0
) -> T:
    """Poll `probe` every 20 ms until `done` holds (fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        value = await probe()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still {value!r} after {seconds} s"
        await asyncio.sleep(0.02)


# --- routing -----------------------------------------------------------------------------------


async def test_delete_shares_the_search_path(sim: Sim) -> None:
    retired = sim.pick(RETIRED)
    searched = result_of(await sim.http.get(DEVICE, params={"dmPartitionId": ACME, "rows": 1}))
    assert searched["limit"] == 1
    assert result_of(await sim.http.delete(DEVICE, params={"deviceIds": retired.id})) == 1
    assert_error(await sim.http.put(DEVICE), 405, "MethodNotAllowed")


async def test_action_paths_do_not_fall_through_to_device_details(sim: Sim) -> None:
    # Without a documented check, a GET is the wrong method rather than "device restart".
    response = await sim.http.get(f"{DEVICE}/restart", params={"ids": 1})
    assert_error(response, 405, "MethodNotAllowed")
    assert response.headers["Allow"] == "PUT"
    assert_error(await sim.http.post(f"{DEVICE}/lock", data={"ids": 1}), 405)
    assert_error(await sim.http.get(f"{DEVICE}/compliance/sync"), 405)
    device = sim.pick(ACTIVE_IOS)
    assert (await sim.details(device))["id"] == device.id


# --- lock, unlock, force check-in --------------------------------------------------------------


async def test_lock_by_ids_and_guids_then_unlock(sim: Sim) -> None:
    first, second, third = (sim.pick(ACTIVE_IOS, skip=n) for n in range(3))
    for device in (first, second, third):
        device.locked = False
    assert await sim.act("lock", ids=first.id) == 1
    # "You can issue them as query parameters": GUIDs, repeated.
    response = await sim.http.put(
        f"{DEVICE}/lock", params=[("guids", second.guid), ("guids", third.guid.upper())]
    )
    assert result_of(response) == 2
    assert first.locked
    assert second.locked
    assert third.locked
    assert first.locked_at is not None
    assert await sim.act("unlock", ids=[first.id, second.id], deviceUnlockPin="123ab400") == 2
    assert not first.locked
    assert not second.locked
    assert third.locked
    assert first.locked_at is None
    # A blank PIN is the legacy unlock code.
    assert await sim.act("unlock", ids=third.id, deviceUnlockPin="") == 1
    assert not third.locked


async def test_unlock_takes_a_multipart_form(sim: Sim) -> None:
    device = sim.pick(ACTIVE_IOS)
    device.locked = True
    # As the document's example: `--form 'ids="22000"' --form 'deviceUnlockPin="Pin"'`.
    form = {"ids": (None, str(device.id)), "deviceUnlockPin": (None, "Pin123")}
    assert result_of(await sim.http.put(f"{DEVICE}/unlock", files=form)) == 1
    assert not device.locked


@pytest.mark.parametrize("pin", ["12345", "123456789", "abc!defg", "Pin 12"])
async def test_unlock_pin_must_match_the_documented_pattern(sim: Sim, pin: str) -> None:
    device = sim.pick(ACTIVE_IOS)
    response = await sim.put("unlock", ids=device.id, deviceUnlockPin=pin)
    assert_field_error(response, "deviceUnlockPin", "Pattern")


async def test_force_checkin_sets_the_last_checkin(sim: Sim) -> None:
    device = sim.pick(both(MANAGED_ANDROID, lambda d: d.last_checkin is not None))
    before = (await sim.details(device))["lastCheckin"]
    assert await sim.act("forceCheckin", guids=device.guid) == 1
    details = await sim.details(device)
    assert details["lastCheckin"] > before
    assert details["lastCheckin"] >= sim.store.now_ms() - 5_000
    assert details["clientLastCheckin"] == details["lastCheckin"]


async def test_ids_repeated_comma_separated_in_query_or_body(sim: Sim) -> None:
    a, b, c = (sim.pick(ACTIVE_IOS, skip=n) for n in range(3))
    assert await sim.act("lock", ids=f"{a.id}, {b.id}") == 2
    assert await sim.act("lock", ids=[a.id, b.id, c.id]) == 3
    response = await sim.http.put(f"{DEVICE}/lock?ids={a.id}%2C{b.id}&ids={c.id}")
    assert result_of(response) == 3
    # The same device twice, by id and GUID, is acted on once.
    response = await sim.http.put(f"{DEVICE}/forceCheckin", params={"ids": a.id, "guids": a.guid})
    assert result_of(response) == 1
    # A JSON body works too.
    response = await sim.http.put(f"{DEVICE}/lock", json={"ids": [a.id, b.id]})
    assert result_of(response) == 2


# --- viability checks --------------------------------------------------------------------------

VIABILITY_CASES = [
    # (action, an ineligible device, its codes, an eligible device, extra parameters)
    ("scheduleOSUpdate", MANAGED_ANDROID, [PLATFORM], SUPERVISED_IOS, {}),
    ("forceCheckin", RETIRED, [REGISTRATION], ACTIVE_MAC, {}),
    ("wipe", WIPE_PENDING, [REGISTRATION], ACTIVE_IOS, {}),
    ("lock", WIPED, [REGISTRATION], MANAGED_ANDROID, {}),
    ("retire", RETIRED, [REGISTRATION], ACTIVE_IOS, {}),
    ("logoutUser", ACTIVE_MAC, [PLATFORM], MANAGED_ANDROID, {}),
    ("enterKioskMode", KIOSK_ON, [STATE], KIOSK_OFF, {}),
    ("disableLostMode", FOUND_IOS, [STATE], LOST_IOS, {}),
]


@pytest.mark.parametrize(
    ("action", "bad", "codes", "good", "params"),
    VIABILITY_CASES,
    ids=[case[0] for case in VIABILITY_CASES],
)
async def test_viability_check_lists_the_ineligible_devices(
    sim: Sim,
    action: str,
    bad: Predicate,
    codes: list[str],
    good: Predicate,
    params: dict[str, Any],
) -> None:
    ineligible, eligible = sim.pick(bad), sim.pick(good)
    before = await sim.details(ineligible)
    result = await sim.check(action, ineligible, eligible, **params)
    assert set(result) == {"totalCount", "queryTime", "searchResults", "offset", "limit"}
    assert (result["totalCount"], result["offset"], result["limit"]) == (1, 0, 1)
    [record] = result["searchResults"]
    assert list(record) == list(SEARCH_FIELDS)
    assert record["id"] == ineligible.id
    assert record["actionExceptionCodes"] == codes
    assert set(codes) <= set(ACTION_EXCEPTION_CODES)
    # A check changes nothing.
    assert await sim.details(ineligible) == before
    viable = await sim.check(action, eligible)
    assert viable == {
        "totalCount": 0,
        "queryTime": 0,
        "searchResults": [],
        "offset": 0,
        "limit": 0,
    }


async def test_logout_check_is_the_documented_example(sim: Sim) -> None:
    """`logoutUser?checkViability=true`: a device that cannot log out is PLATFORM_NOT_SUPPORTED."""
    mac, ipad, phone = sim.pick(ACTIVE_MAC), sim.pick(SHARED_IPAD), sim.pick(SINGLE_USER_IOS)
    android_device = sim.pick(MANAGED_ANDROID)
    result = await sim.check("logoutUser", mac, ipad, phone, android_device)
    codes = {record["id"]: record["actionExceptionCodes"] for record in result["searchResults"]}
    assert codes == {mac.id: [PLATFORM], phone.id: [PLATFORM]}
    assert await sim.act("logoutUser", ids=[ipad.id, android_device.id, mac.id]) == 2
    assert ipad.last_logout_at is not None
    assert mac.last_logout_at is None


async def test_unmanaged_devices_collect_every_code(sim: Sim) -> None:
    retired_mac = sim.pick(both(RETIRED, macos))
    result = await sim.check("logoutUser", retired_mac)
    assert result["searchResults"][0]["actionExceptionCodes"] == [REGISTRATION, PLATFORM]


async def test_check_needs_check_viability_true(sim: Sim) -> None:
    device = sim.pick(ACTIVE_IOS)
    response = await sim.http.get(f"{DEVICE}/lock", params={"ids": device.id})
    assert_field_error(response, "checkViability")
    response = await sim.http.put(
        f"{DEVICE}/lock", params={"ids": device.id, "checkViability": "true"}
    )
    assert_field_error(response, "checkViability")
    assert device.locked_at is None


async def test_relinquish_check_is_a_put_answering_the_eligible_count(sim: Sim) -> None:
    company, ipad = sim.pick(COMPANY_ANDROID), sim.pick(ACTIVE_IOS)
    params = {"checkViability": "true", "ids": f"{company.id},{ipad.id}"}
    response = await sim.http.put(f"{DEVICE}/relinquishOwnership", params=params)
    assert result_of(response) == 1
    assert not company.relinquish_pending  # only checked
    response = await sim.http.put(
        f"{DEVICE}/relinquishOwnership", params={**params, "ids": ipad.id}
    )
    assert result_of(response) == 0


# --- mixed runs leave codes on the skipped devices ---------------------------------------------


async def test_action_on_a_mix_marks_the_skipped_devices(sim: Sim) -> None:
    supervised, unsupervised, mac = (
        sim.pick(SUPERVISED_IOS),
        sim.pick(UNSUPERVISED_IOS),
        sim.pick(ACTIVE_MAC),
    )
    assert await sim.act("restart", ids=[supervised.id, unsupervised.id, mac.id]) == 1
    assert supervised.last_restart_at is not None
    assert unsupervised.last_restart_at is None
    assert (await sim.details(unsupervised))["actionExceptionCodes"] == [SUPERVISION]
    assert (await sim.details(mac))["actionExceptionCodes"] == [PLATFORM]
    assert (await sim.details(supervised))["actionExceptionCodes"] == []
    # The search shows them too.
    search = result_of(
        await sim.http.get(DEVICE, params={"dmPartitionId": ACME, "fq": f"id={mac.id}"})
    )
    assert search["searchResults"][0]["actionExceptionCodes"] == [PLATFORM]
    # An action that succeeds on the device clears them.
    assert await sim.act("lock", ids=mac.id) == 1
    assert (await sim.details(mac))["actionExceptionCodes"] == []


async def test_unknown_or_invisible_devices_are_skipped(sim: Sim) -> None:
    acme, globex = sim.pick(ACTIVE_IOS), sim.pick(lambda d: d.managed, GLOBEX)
    assert await sim.act("lock", ids=[acme.id, 1, 19_999_999]) == 1
    scoped = httpx.BasicAuth(f"{DEFAULT_USERNAME}-{ACME}", DEFAULT_PASSWORD)
    response = await sim.put("forceCheckin", auth=scoped, ids=[acme.id, globex.id])
    assert result_of(response) == 1
    assert_error(await sim.put("forceCheckin", auth=scoped, ids=globex.id), 404, "NotFound")
    assert_error(await sim.put("lock", ids=[1, 2]), 404, "NotFound")
    response = await sim.http.put(f"{DEVICE}/lock", params={"guids": "no-such-guid"})
    assert_error(response, 404)


# --- platform rules ----------------------------------------------------------------------------


async def test_assign_rules(sim: Sim) -> None:
    supervised, unsupervised = sim.pick(SUPERVISED_IOS), sim.pick(UNSUPERVISED_IOS)
    mac, owner_mode = sim.pick(ACTIVE_MAC), sim.pick(MANAGED_ANDROID)
    no_owner_mode = sim.pick(MANAGED_ANDROID, skip=1)
    no_owner_mode.extras["androidDeviceOwnerModeEnabled"] = False  # absent from the data set
    retired = sim.pick(both(RETIRED, ios))
    account = next(iter(sim.partition().accounts))
    devices = [supervised, unsupervised, mac, owner_mode, no_owner_mode, retired]
    result = await sim.act(
        "updateAccount", accountId=account, deviceIds=",".join(str(d.id) for d in devices)
    )
    assert set(result) == {"searchResults", "totalCount", "offset", "limit"}
    assert (result["totalCount"], result["offset"], result["limit"]) == (4, 0, 0)
    codes = {record["id"]: record["actionExceptionCodes"] for record in result["searchResults"]}
    assert codes == {
        unsupervised.id: [SUPERVISION],
        mac.id: [PLATFORM],
        no_owner_mode.id: [SUPERVISION],
        retired.id: [REGISTRATION],
    }
    for device in (supervised, owner_mode):
        assert (await sim.details(device))["lastReassignmentStatus"] == "INITIATED"
    assert (await sim.details(mac))["lastReassignmentStatus"] is None


async def test_assign_needs_an_account_of_the_partition(sim: Sim) -> None:
    device = sim.pick(SUPERVISED_IOS)
    foreign = next(iter(sim.partition(GLOBEX).accounts))
    response = await sim.put("updateAccount", accountId=foreign, deviceIds=device.id)
    assert_field_error(response, "accountId", "Invalid")
    assert_field_error(await sim.put("updateAccount", deviceIds=device.id), "accountId")
    response = await sim.put("updateAccount", accountId="someone", deviceIds=device.id)
    assert_field_error(response, "accountId", "TypeMismatch")
    response = await sim.put("updateAccount", accountId=foreign)
    assert_field_error(response, "deviceIds", "NotNull")
    assert device.last_reassignment_status is None


async def test_restart_is_for_supervised_ios_only(sim: Sim) -> None:
    android_device, unsupervised = sim.pick(MANAGED_ANDROID), sim.pick(UNSUPERVISED_IOS)
    assert await sim.act("restart", ids=[android_device.id, unsupervised.id]) == 0
    assert android_device.action_exception_codes == [PLATFORM]
    assert unsupervised.action_exception_codes == [SUPERVISION]
    assert await sim.act("restart", ids=sim.pick(SUPERVISED_IOS).id) == 1


async def test_lost_mode_on_and_off(sim: Sim) -> None:
    device, android_device = sim.pick(FOUND_IOS), sim.pick(MANAGED_ANDROID)
    data = {
        "ids": [device.id, android_device.id],
        "message": "This device has been lost. Please call the number below.",
        "phoneNumber": "555-555-5555",
        "changeFootnote": "false",
        "footnote": "Lost Phone",
    }
    assert await sim.act("enableLostMode", **data) == 1
    assert android_device.action_exception_codes == [PLATFORM]
    assert (await sim.details(device))["lostModeEnabled"] is True
    assert device.lost_mode is not None
    assert device.lost_mode.message == data["message"]
    assert device.lost_mode.phone_number == "555-555-5555"
    assert device.lost_mode.footnote is None  # only with changeFootnote=true
    # Already on: WRONG_STATE.
    assert await sim.act("enableLostMode", ids=device.id, message="again") == 0
    assert device.action_exception_codes == [STATE]
    assert await sim.act("disableLostMode", ids=device.id) == 1
    assert (await sim.details(device))["lostModeEnabled"] is False
    assert device.lost_mode is None
    # Already off: WRONG_STATE.
    assert await sim.act("disableLostMode", ids=device.id) == 0
    assert device.action_exception_codes == [STATE]
    data |= {"ids": device.id, "changeFootnote": "true"}
    assert await sim.act("enableLostMode", **data) == 1
    assert device.lost_mode is not None
    assert device.lost_mode.footnote == "Lost Phone"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"message": "  "}, "message"),
        ({}, "message"),
        ({"message": "Lost", "changeFootnote": "true", "footnote": "x" * 16}, "footnote"),
        ({"message": "Lost", "changeFootnote": "perhaps"}, "changeFootnote"),
    ],
)
async def test_lost_mode_parameters(sim: Sim, data: dict[str, str], field: str) -> None:
    device = sim.pick(FOUND_IOS)
    assert_field_error(await sim.put("enableLostMode", ids=device.id, **data), field)
    assert not device.lost_mode_enabled


async def test_kiosk_mode_is_android_only_and_follows_the_state(sim: Sim) -> None:
    off, on, iphone = sim.pick(KIOSK_OFF), sim.pick(KIOSK_ON), sim.pick(ACTIVE_IOS)
    assert await sim.act("enterKioskMode", ids=[off.id, on.id, iphone.id]) == 1
    assert (await sim.details(off))["kioskState"] == "ACTIVE"
    assert on.action_exception_codes == [STATE]
    assert iphone.action_exception_codes == [PLATFORM]
    assert await sim.act("exitKioskMode", ids=[off.id, on.id]) == 2
    assert (await sim.details(off))["kioskState"] == "INACTIVE"
    assert await sim.act("exitKioskMode", ids=off.id) == 0
    assert off.action_exception_codes == [STATE]


async def test_schedule_os_update(sim: Sim) -> None:
    device, mac = sim.pick(SUPERVISED_IOS), sim.pick(ACTIVE_MAC)
    major = int(device.platform_version.split(".")[0])
    older = f"{major - 1}.9"
    assert await sim.act("scheduleOSUpdate", ids=device.id, version=older) == 0
    assert device.action_exception_codes == [STATE]
    assert await sim.act("scheduleOSUpdate", ids=device.id, version=device.platform_version) == 0
    newer = f"{major}.99"
    assert await sim.act("scheduleOSUpdate", ids=[device.id, mac.id], version=newer) == 1
    assert device.scheduled_os_version == newer
    assert mac.action_exception_codes == [PLATFORM]
    # The GET check compares a version when it is given.
    result = await sim.check("scheduleOSUpdate", device, version=older)
    assert result["searchResults"][0]["actionExceptionCodes"] == [STATE]


@pytest.mark.parametrize("version", [None, "", "fifteen", "15.x", "15..1"])
async def test_schedule_os_update_needs_a_version(sim: Sim, version: str | None) -> None:
    device = sim.pick(SUPERVISED_IOS)
    data = {} if version is None else {"version": version}
    assert_field_error(await sim.put("scheduleOSUpdate", ids=device.id, **data), "version")


async def test_wipe_options_rules(sim: Sim) -> None:
    iphone, old_iphone = sim.pick(ACTIVE_IOS), sim.pick(ACTIVE_IOS, skip=1)
    older_iphone, android_device = sim.pick(ACTIVE_IOS, skip=2), sim.pick(MANAGED_ANDROID)
    old_iphone.platform_version = "11.2.6"  # the data set has nothing older than iOS 17
    older_iphone.platform_version = "10.3.3"
    devices = (iphone, old_iphone, older_iphone, android_device)

    async def codes(**options: Any) -> dict[int, list[str]]:
        result = await sim.check("wipe", *devices, **options)
        return {r["id"]: r["actionExceptionCodes"] for r in result["searchResults"]}

    assert await codes(iosDisallowProximitySetup="true") == {
        old_iphone.id: [TOO_OLD],
        older_iphone.id: [TOO_OLD],
        android_device.id: [PLATFORM],
    }
    assert await codes(iosPreserveDataPlan="true") == {
        older_iphone.id: [TOO_OLD],
        android_device.id: [PLATFORM],
    }
    assert await codes(iosDisallowProximitySetup="false", iosPreserveDataPlan="false") == {}


async def test_return_to_service_needs_an_assigned_wifi_configuration(sim: Sim) -> None:
    partition = sim.partition()
    wifi = next(c.id for c in partition.configs.values() if c.policy_type == "WIFI")
    passcode = next(c.id for c in partition.configs.values() if c.policy_type == "PASSCODE")
    device = sim.pick(
        both(
            ACTIVE_IOS,
            lambda d: any(c.config_id == wifi and c.status != "EXCLUDED" for c in d.configs),
        )
    )
    options = {"returnToServiceEnabled": "true"}
    for extra in ({}, {"wifiPolicyId": passcode}, {"wifiPolicyId": 1}):
        result = await sim.check("wipe", device, **options, **extra)
        assert result["searchResults"][0]["actionExceptionCodes"] == [PREREQUISITE]
    assert (await sim.check("wipe", device, **options, wifiPolicyId=wifi))["totalCount"] == 0
    assert_field_error(await sim.put("wipe", ids=device.id, wifiPolicyId="wifi"), "wifiPolicyId")
    assert_field_error(await sim.put("wipe", ids=device.id, osxWipePin="12"), "osxWipePin")
    response = await sim.put(
        "wipe",
        ids=device.id,
        osxWipePin="",
        iosDisallowProximitySetup="false",
        iosPreserveDataPlan="false",
        message="Decommissioning",
        returnToServiceEnabled="true",
        wifiPolicyId=wifi,
    )
    assert result_of(response) == 1
    assert device.wipe_request is not None
    assert device.wipe_request.message == "Decommissioning"
    assert device.wipe_request.wifi_policy_id == wifi


async def test_relinquish_and_cancel(sim: Sim) -> None:
    await sim.settings(delay_ms=FAST_MS)
    device, iphone = sim.pick(COMPANY_ANDROID), sim.pick(ACTIVE_IOS)
    assert await sim.act("relinquishOwnership", ids=[device.id, iphone.id]) == 1
    assert iphone.action_exception_codes == [PLATFORM]
    assert device.relinquish_pending
    # Once pending, not again.
    assert await sim.act("relinquishOwnership", ids=device.id) == 0
    assert device.action_exception_codes == [STATE]
    assert await sim.act("relinquishOwnershipCancel", ids=device.id) == 1
    assert not device.relinquish_pending
    assert await sim.act("relinquishOwnershipCancel", ids=device.id) == 0
    assert device.action_exception_codes == [STATE]
    await asyncio.sleep(FAST_MS / 1000 + 0.05)
    assert (await sim.details(device))["ownershipType"] == "COMPANY"  # cancelled in time


async def test_relinquish_completes_after_the_delay(sim: Sim) -> None:
    await sim.settings(delay_ms=FAST_MS)
    device = sim.pick(COMPANY_ANDROID)
    assert await sim.act("relinquishOwnership", ids=device.id) == 1
    assert (await sim.details(device))["ownershipType"] == "COMPANY"
    details = await eventually(
        lambda: sim.details(device), lambda d: d["ownershipType"] == "EMPLOYEE"
    )
    assert details["androidWorkProfileEnabled"] is False
    assert details["androidDeviceOwnerModeEnabled"] is False
    assert not device.relinquish_pending
    # A personal device cannot be relinquished again.
    assert await sim.act("relinquishOwnership", ids=device.id) == 0
    assert device.action_exception_codes == [STATE]


# --- asynchronous completion -------------------------------------------------------------------


async def test_reassignment_succeeds_after_the_delay(sim: Sim) -> None:
    await sim.settings(delay_ms=FAST_MS)
    recent = sim.store.now_ms() - 20 * DAY_MS
    device = sim.pick(both(SUPERVISED_IOS, lambda d: (d.last_checkin or 0) > recent))
    account = next(a for a in sim.partition().accounts if a != device.owner_id)
    result = await sim.act("updateAccount", accountId=account, deviceIds=device.id)
    assert result == {"searchResults": [], "totalCount": 0, "offset": 0, "limit": 0}
    details = await sim.details(device)
    assert details["lastReassignmentStatus"] == "INITIATED"
    assert details["ownerId"] != account
    details = await eventually(
        lambda: sim.details(device), lambda d: d["lastReassignmentStatus"] != "INITIATED"
    )
    assert details["lastReassignmentStatus"] == "SUCCESS"
    assert details["ownerId"] == account
    assert details["emailAddress"] == sim.partition().accounts[account].email
    assert set(REASSIGNMENT_STATUSES) == {"INITIATED", "SUCCESS", "FAILED"}
    found = result_of(
        await sim.http.get(
            DEVICE, params={"dmPartitionId": ACME, "fq": "lastReassignmentStatus=SUCCESS"}
        )
    )
    assert [d["id"] for d in found["searchResults"]] == [device.id]


async def test_forced_reassignment_failure(sim: Sim) -> None:
    assert await sim.settings(delay_ms=20, reassignment="FAILED") == {
        "delay_ms": 20,
        "reassignment": "FAILED",
    }
    device = sim.pick(SUPERVISED_IOS)
    owner = device.owner_id
    account = next(a for a in sim.partition().accounts if a != owner)
    await sim.act("updateAccount", accountId=account, deviceIds=device.id)
    details = await eventually(
        lambda: sim.details(device), lambda d: d["lastReassignmentStatus"] != "INITIATED"
    )
    assert details["lastReassignmentStatus"] == "FAILED"
    assert details["ownerId"] == owner


async def test_a_silent_device_never_answers_a_reassignment(sim: Sim) -> None:
    await sim.settings(delay_ms=20, reassignment=None)
    device = sim.pick(SUPERVISED_IOS)
    device.last_checkin = sim.store.now_ms() - 31 * DAY_MS
    owner = device.owner_id
    account = next(a for a in sim.partition().accounts if a != owner)
    await sim.act("updateAccount", accountId=account, deviceIds=device.id)
    details = await eventually(
        lambda: sim.details(device), lambda d: d["lastReassignmentStatus"] != "INITIATED"
    )
    assert (details["lastReassignmentStatus"], details["ownerId"]) == ("FAILED", owner)


@pytest.mark.parametrize(
    ("action", "pending", "final"),
    [("wipe", "WIPE_PENDING", "WIPED"), ("retire", "RETIRE_PENDING", "RETIRED")],
)
async def test_wipe_and_retire_complete_after_the_delay(
    sim: Sim, action: str, pending: str, final: str
) -> None:
    await sim.settings(delay_ms=FAST_MS)
    device = sim.pick(ACTIVE_IOS)
    assert device.configs
    assert await sim.act(action, ids=device.id) == 1
    assert (await sim.details(device))["registrationState"] == pending
    details = await eventually(
        lambda: sim.details(device), lambda d: d["registrationState"] == final
    )
    assert details["registrationState"] == final
    configs = result_of(await sim.http.get(f"{DEVICE}/{device.id}/configs"))
    assert configs["searchResults"] == []
    # Gone: no action but delete applies any more.
    assert await sim.act("lock", ids=device.id) == 0
    assert device.action_exception_codes == [REGISTRATION]


async def test_a_wipe_pending_device_is_not_wiped_again(sim: Sim) -> None:
    device = sim.pick(WIPE_PENDING)
    assert await sim.act("wipe", ids=device.id) == 0
    assert device.action_exception_codes == [REGISTRATION]


async def test_async_delay_from_settings_and_environment(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://mdm")
    async with anonymous:
        current = (await anonymous.get("/_sim/actions")).json()
        assert current == {"delay_ms": DEFAULT_ASYNC_MS, "reassignment": None}
        for bad in (
            {"delay_ms": -1},
            {"delay_ms": "soon"},
            {"reassignment": "MAYBE"},
            {"x": 1},
            [],
        ):
            response = await anonymous.put("/_sim/actions", json=bad)
            assert response.status_code == 400, bad
        assert (await anonymous.get("/_sim/actions")).json() == current
        partial = (await anonymous.put("/_sim/actions", json={"reassignment": "SUCCESS"})).json()
        assert partial == {"delay_ms": DEFAULT_ASYNC_MS, "reassignment": "SUCCESS"}
    monkeypatch.setenv("MDM_SIM_ASYNC_MS", "40")
    app = create_app(DEVICES, faults=FaultState())
    assert app.state.store.actions.delay_ms == 40
    monkeypatch.setenv("MDM_SIM_ASYNC_MS", "-5")
    with pytest.raises(ValueError, match="MDM_SIM_ASYNC_MS"):
        create_app(DEVICES, faults=FaultState())


# --- delete ------------------------------------------------------------------------------------


async def test_delete_only_devices_no_longer_active(sim: Sim) -> None:
    retired, wiped = sim.pick(RETIRED), sim.pick(WIPED)
    live, wiping = sim.pick(ACTIVE_IOS), sim.pick(WIPE_PENDING)
    response = await sim.http.delete(DEVICE, params={"deviceIds": [live.id, wiping.id]})
    message = assert_field_error(response, "deviceIds", "Invalid")
    assert str(live.id) in message
    assert str(wiping.id) in message
    assert live.action_exception_codes == [REGISTRATION]
    response = await sim.http.delete(
        DEVICE, params={"deviceIds": f"{retired.id},{live.id},{wiped.id}"}
    )
    assert result_of(response) == 2
    for gone in (retired, wiped):
        assert_error(await sim.http.get(f"{DEVICE}/{gone.id}"), 404, "NotFound")
        assert_error(await sim.http.get(f"{DEVICE}/{gone.guid}"), 404)
    search = result_of(await sim.http.get(DEVICE, params={"dmPartitionId": ACME, "rows": 500}))
    assert retired.id not in {d["id"] for d in search["searchResults"]}
    assert (await sim.details(live))["registrationState"] == "ACTIVE"
    # Deleted devices are unknown to every call.
    assert_error(await sim.http.delete(DEVICE, params={"deviceIds": retired.id}), 404)
    assert_field_error(await sim.http.delete(DEVICE), "deviceIds", "NotNull")


async def test_retire_then_delete(sim: Sim) -> None:
    await sim.settings(delay_ms=0)
    device = sim.pick(ACTIVE_MAC)
    assert await sim.act("retire", ids=device.id) == 1
    await eventually(lambda: sim.details(device), lambda d: d["registrationState"] == "RETIRED")
    assert result_of(await sim.http.delete(DEVICE, params={"deviceIds": device.id})) == 1
    assert_error(await sim.http.get(f"{DEVICE}/{device.id}"), 404)


# --- message, compliance sync, configurations --------------------------------------------------


async def test_send_a_message(sim: Sim) -> None:
    first, second = sim.pick(ACTIVE_IOS), sim.pick(MANAGED_ANDROID)
    globex = sim.pick(lambda d: d.managed, GLOBEX)
    # The document's body, with its url-encoded comma.
    body = (
        "sendPushNotification=true&pushNotificationMessage=Docs+test+of+bulk+messages"
        f"&sendEmail=false&emailSubject=&emailBody=&dmPartitionId={ACME}"
        f"&deviceIds={first.id}%2C{second.id}%2C{globex.id}"
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await sim.http.put(f"{DEVICE}/message", content=body, headers=headers)
    assert result_of(response) is True
    for device in (first, second):
        assert device.last_message is not None
        assert device.last_message.push == "Docs test of bulk messages"
        assert device.last_message.email_subject is None
    assert globex.last_message is None  # of another device space


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sendPushNotification": "true", "pushNotificationMessage": "hi"}, "dmPartitionId"),
        ({"dmPartitionId": ACME, "sendPushNotification": "true"}, "pushNotificationMessage"),
        ({"dmPartitionId": ACME, "sendEmail": "true", "emailBody": "b"}, "emailSubject"),
        ({"dmPartitionId": ACME, "sendPushNotification": "false"}, "sendPushNotification"),
        ({"dmPartitionId": "acme", "sendPushNotification": "true"}, "dmPartitionId"),
    ],
)
async def test_message_parameters(sim: Sim, data: dict[str, Any], field: str) -> None:
    device = sim.pick(ACTIVE_IOS)
    assert_field_error(await sim.put("message", deviceIds=device.id, **data), field)


async def test_message_to_another_device_space_is_404(sim: Sim) -> None:
    device = sim.pick(ACTIVE_IOS)
    data = {"dmPartitionId": GLOBEX, "sendPushNotification": "true"}
    response = await sim.put("message", deviceIds=device.id, pushNotificationMessage="x", **data)
    assert_error(response, 404)


async def test_compliance_sync_applies_the_pending_verdicts(sim: Sim) -> None:
    device = sim.pick(
        lambda d: active(d) and any(p.compliant != p.pending_compliant for p in d.policies)
    )
    path = f"{DEVICE}/compliance/sync"
    response = await sim.http.post(path, params={"vendor": "GoogleBC"}, data={"ids": device.id})
    assert result_of(response) == 1
    policies = result_of(await sim.http.get(f"{DEVICE}/{device.id}/policies"))["searchResults"]
    assert all(p["compliant"] == p["pendingCompliant"] for p in policies)
    failing = [p["id"] for p in policies if not p["compliant"]]
    details = await sim.details(device)
    assert details["violatedPolicies"] == failing
    assert details["complianceState"] == (not failing)
    response = await sim.http.post(f"{path}?vendor=Intune&ids={device.id}")
    assert result_of(response) == 1


@pytest.mark.parametrize("vendor", [None, "", "Jamf", "googlebc"])
async def test_compliance_sync_needs_a_known_vendor(sim: Sim, vendor: str | None) -> None:
    device = sim.pick(ACTIVE_IOS)
    params = {} if vendor is None else {"vendor": vendor}
    response = await sim.http.post(
        f"{DEVICE}/compliance/sync", params=params, data={"ids": device.id}
    )
    assert_field_error(response, "vendor")


async def config_statuses(sim: Sim, device: MdmDevice) -> dict[int, str]:
    result = result_of(await sim.http.get(f"{DEVICE}/{device.id}/configs"))
    return {entry["id"]: entry["status"] for entry in result["searchResults"]}


async def test_exclude_re_push_and_re_install_configurations(sim: Sim) -> None:
    await sim.settings(delay_ms=FAST_MS)
    device = sim.pick(
        both(ACTIVE_IOS, lambda d: sum(c.status == "INSTALLED" for c in d.configs) >= 2)
    )
    first, second = [c.config_id for c in device.configs if c.status == "INSTALLED"][:2]
    path = f"{DEVICE}/{device.id}/uninstallconfigs"
    assert result_of(await sim.http.put(path, data={"policyIds": f"{first},{second}"})) is True
    statuses = await config_statuses(sim, device)
    assert statuses[first] == statuses[second] == "EXCLUDED"
    # Re-push the excluded ones (DELETE, `policyIds` in the query): PENDING, then INSTALLED.
    response = await sim.http.delete(path, params={"policyIds": first})
    assert result_of(response) is True
    assert (await config_statuses(sim, device))[first] == "PENDING"
    statuses = await eventually(
        lambda: config_statuses(sim, device), lambda s: s[first] == "INSTALLED"
    )
    assert statuses[second] == "EXCLUDED"
    # Re-pushing one that is not excluded is refused.
    message = assert_field_error(
        await sim.http.delete(path, params={"policyIds": first}), "policyIds", "Invalid"
    )
    assert "not excluded" in message
    # Re-install (by GUID): PENDING, then INSTALLED.
    reinstall = f"{DEVICE}/{device.guid}/reinstallconfigs"
    assert result_of(await sim.http.put(reinstall, data={"policyIds": first})) is True
    assert (await config_statuses(sim, device))[first] == "PENDING"
    await eventually(lambda: config_statuses(sim, device), lambda s: s[first] == "INSTALLED")


async def test_configuration_calls_need_assigned_configurations(sim: Sim) -> None:
    device = sim.pick(both(MANAGED_ANDROID, lambda d: bool(d.configs)))
    # A configuration of the partition for Apple devices only.
    foreign = next(c.id for c in sim.partition().configs.values() if "ANDROID" not in c.platforms)
    calls = (
        ("PUT", "uninstallconfigs"),
        ("DELETE", "uninstallconfigs"),
        ("PUT", "reinstallconfigs"),
    )
    for method, suffix in calls:
        path = f"{DEVICE}/{device.id}/{suffix}"
        response = await sim.http.request(method, path, params={"policyIds": foreign})
        assert "not assigned" in assert_field_error(response, "policyIds", "Invalid")
        assert_field_error(await sim.http.request(method, path), "policyIds", "NotNull")
        response = await sim.http.request(method, path, params={"policyIds": "wifi"})
        assert_field_error(response, "policyIds", "TypeMismatch")
    assert_error(await sim.http.put(f"{DEVICE}/1/reinstallconfigs", data={"policyIds": 1}), 404)


# --- parameters and roles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({}, "ids", "NotNull"),
        ({"ids": ""}, "ids", "NotNull"),
        ({"ids": "abc"}, "ids", "TypeMismatch"),
        ({"ids": "1,x"}, "ids", "TypeMismatch"),
    ],
)
async def test_bad_ids_are_400(sim: Sim, data: dict[str, str], field: str, code: str) -> None:
    assert_field_error(await sim.put("retire", **data), field, code)


async def test_bad_flag_and_media_type(sim: Sim) -> None:
    device = sim.pick(ACTIVE_IOS)
    response = await sim.put("wipe", ids=device.id, iosPreserveDataPlan="maybe")
    assert_field_error(response, "iosPreserveDataPlan", "TypeMismatch")
    response = await sim.http.put(
        f"{DEVICE}/lock", content=b"ids=1", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415, "UnsupportedMediaType")
    assert device.registration_state == "ACTIVE"


ROLE_CASES = [
    # (method, action, extra parameters, roles that may call it besides tenant admins)
    ("PUT", "lock", {}, {"actions", "management"}),
    ("PUT", "forceCheckin", {}, {"actions", "management"}),
    ("PUT", "scheduleOSUpdate", {"version": "99.0"}, {"actions", "management"}),
    ("PUT", "enableLostMode", {"message": "Lost"}, {"management"}),
    ("PUT", "disableLostMode", {}, {"management"}),
    ("GET", "disableLostMode", {"checkViability": "true"}, {"management"}),
    ("PUT", "relinquishOwnership", {}, {"management"}),
    ("PUT", "relinquishOwnershipCancel", {}, {"management"}),
    ("PUT", "unlock", {}, set()),
    ("PUT", "wipe", {}, set()),
    ("PUT", "retire", {}, set()),
    ("PUT", "restart", {}, set()),
    ("PUT", "enterKioskMode", {}, set()),
    ("PUT", "exitKioskMode", {}, set()),
    ("PUT", "logoutUser", {}, set()),
    ("GET", "lock", {"checkViability": "true"}, set()),
    ("GET", "forceCheckin", {"checkViability": "true"}, set()),
    ("GET", "scheduleOSUpdate", {"checkViability": "true"}, set()),
    ("GET", "wipe", {"checkViability": "true"}, set()),
    ("GET", "retire", {"checkViability": "true"}, set()),
    ("GET", "logoutUser", {"checkViability": "true"}, set()),
    ("GET", "enterKioskMode", {"checkViability": "true"}, set()),
]
CREDENTIALS = {"readonly": READ_ONLY, "actions": ACTIONS, "management": MANAGEMENT}


@pytest.mark.parametrize(
    ("method", "action", "params", "allowed"),
    ROLE_CASES,
    ids=[f"{case[0]} {case[1]}" for case in ROLE_CASES],
)
async def test_roles_of_the_bulk_actions(
    sim: Sim, method: str, action: str, params: dict[str, str], allowed: set[str]
) -> None:
    device = sim.pick(ACTIVE_IOS)
    for name, auth in CREDENTIALS.items():
        response = await sim.http.request(
            method, f"{DEVICE}/{action}", params={"ids": device.id, **params}, auth=auth
        )
        if name in allowed:
            assert response.status_code == 200, (name, response.text)
        else:
            assert_error(response, 403, "AccessDenied")
    response = await sim.http.request(
        method, f"{DEVICE}/{action}", params={"ids": device.id, **params}
    )
    assert response.status_code == 200, response.text


async def test_the_other_actions_need_a_tenant_admin(sim: Sim) -> None:
    device, retired = sim.pick(ACTIVE_IOS), sim.pick(RETIRED)
    config = device.configs[0].config_id
    account = next(iter(sim.partition().accounts))
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", f"{DEVICE}/updateAccount", {"accountId": account, "deviceIds": device.id}),
        ("DELETE", DEVICE, {"deviceIds": retired.id}),
        (
            "PUT",
            f"{DEVICE}/message",
            {
                "dmPartitionId": ACME,
                "deviceIds": device.id,
                "sendPushNotification": "true",
                "pushNotificationMessage": "hi",
            },
        ),
        ("POST", f"{DEVICE}/compliance/sync", {"vendor": "Intune", "ids": device.id}),
        ("PUT", f"{DEVICE}/{device.id}/uninstallconfigs", {"policyIds": config}),
        ("DELETE", f"{DEVICE}/{device.id}/uninstallconfigs", {"policyIds": config}),
        ("PUT", f"{DEVICE}/{device.id}/reinstallconfigs", {"policyIds": config}),
    ]
    for method, path, params in calls:
        for auth in CREDENTIALS.values():
            response = await sim.http.request(method, path, params=params, auth=auth)
            assert_error(response, 403, "AccessDenied")
        response = await sim.http.request(method, path, params=params)
        assert response.status_code == 200, (method, path, response.text)


# --- reset -------------------------------------------------------------------------------------


async def test_reset_forgets_every_action(sim: Sim) -> None:
    await sim.settings(delay_ms=10_000, reassignment="FAILED")
    device, retired = sim.pick(SUPERVISED_IOS), sim.pick(RETIRED)
    original = await sim.details(device)
    account = next(a for a in sim.partition().accounts if a != device.owner_id)
    await sim.act("updateAccount", accountId=account, deviceIds=device.id)
    await sim.act("wipe", ids=device.id)
    await sim.act("restart", ids=sim.pick(MANAGED_ANDROID).id)
    assert result_of(await sim.http.delete(DEVICE, params={"deviceIds": retired.id})) == 1
    changed = await sim.details(device)
    assert changed["registrationState"] == "WIPE_PENDING"
    assert changed["lastReassignmentStatus"] == "INITIATED"
    assert (await sim.http.post("/_sim/reset")).json() == {"reset": True}
    assert await sim.details(device.id) == original
    assert (await sim.details(retired.id))["registrationState"] == "RETIRED"
    assert (await sim.http.get("/_sim/actions")).json() == {
        "delay_ms": DEFAULT_ASYNC_MS,
        "reassignment": None,
    }
    # The old records are gone with their pending transitions.
    fresh = sim.pick(SUPERVISED_IOS)
    assert fresh is not device
    assert fresh.last_reassignment_status is None


async def test_action_settings_need_no_credentials_when_mounted() -> None:
    app = Starlette(routes=[Mount("/mdm", create_app(DEVICES, faults=FaultState()))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://simulators") as http:
        response = await http.put("/mdm/_sim/actions", json={"delay_ms": 5})
        assert response.json() == {"delay_ms": 5, "reassignment": None}
        assert (await http.put("/mdm/api/v1/device/lock", data={"ids": 1})).status_code == 401
