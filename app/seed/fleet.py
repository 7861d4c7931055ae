"""A tenant's fleet as rows: orders, devices, characteristics, MDM rows, parcels, observed users.

`FleetBuilder.groups()` streams one `GroupRows` per order or import, in id order, from one
random stream per tenant, so memory stays flat whatever the number of devices.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from app.enums import DeviceClientStatus, KeyboardLayout, MdmEnrollmentStatus, OrderClientStatus
from app.seed.catalog import (
    AGENT_PLATFORMS,
    COMPUTER_TYPES,
    MDM_PLATFORMS,
    MDM_TYPES,
    DeviceModel,
    DeviceSource,
    DeviceType,
    model_weights,
    typed_weights,
)
from app.seed.identifiers import (
    contract_number,
    invoice_number,
    lease_contract_number,
    mdm_device_id,
    order_number,
    serial_number,
    tracking,
)
from app.seed.lifecycle import DAY, HOUR, REF, DeviceLife, IdSequence, Row, clamp
from app.seed.mdm import MdmRows
from app.seed.observed import ObservedUserRows
from app.seed.parcels import ParcelRows
from app.seed.rng import (
    Permutation,
    Weighted,
    between,
    chance,
    days_before,
    rng_for,
    uuid4,
)
from app.seed.scenarios import (
    ASSIGNED_PROBABILITY,
    PRE_DELIVERY,
    RETIRED,
    UNSIGNED,
    DevicePlan,
    GroupPlan,
    MdmPlan,
    draw_comment,
    draw_group,
    draw_mdm,
    draw_parcels,
    order_date,
    showcase,
)
from app.seed.tenants import (
    MAX_MDM_ROWS_PER_DEVICE,
    MAX_OBSERVED_USERS_PER_DEVICE,
    MAX_PARCELS_PER_DEVICE,
    TenantPlan,
)

Dev = DeviceClientStatus
Mdm = MdmEnrollmentStatus

UPSTREAM_SUMMARY_COLUMNS = (
    "os_name",
    "agent_status",
    "last_seen_at",
    "installed_at",
    "registration_state",
    "platform_type",
    "compliant",
    "last_checkin_at",
    "synced_at",
)


# Devices of one family go round the users one by one, so most people hold one laptop, some
# a phone too, fewer a screen: about 1.5 devices per user, as in a real company.
FAMILIES: dict[DeviceType, str] = {
    DeviceType.LAPTOP: "computer",
    DeviceType.DESKTOP: "computer",
    DeviceType.SMARTPHONE: "phone",
    DeviceType.TABLET: "tablet",
    DeviceType.SCREEN: "screen",
    DeviceType.HEADSET: "audio",
    DeviceType.FURNITURE: "furniture",
}
NEVER_ASSIGNED = frozenset({DeviceType.VIDEO_CONFERENCE})

CHARACTERISTICS = (
    "screen_size",
    "graphic",
    "processor",
    "ram",
    "storage",
    "model_year",
    "connectivity",
    "keyboard_layout",
    "resolution",
    "has_microphone",
    "has_webcam",
    "noise_cancellation",
    "compliance",
    "connection_type",
    "has_stool",
    "has_video_package",
    "has_screen",
    "has_premium_tablet",
    "color",
    "seats_number",
    "assembly",
    "os_platform",
)
KEYBOARD_CYCLE: tuple[KeyboardLayout, ...] = tuple(KeyboardLayout)

KIT_SIZES = Weighted([(1, 50), (2, 35), (3, 15)])


@dataclass(slots=True)
class GroupRows:
    """The rows of one order or import, per table."""

    orders: list[Row] = field(default_factory=list)
    devices: list[Row] = field(default_factory=list)
    device_characteristics: list[Row] = field(default_factory=list)
    mdm_enrollments: list[Row] = field(default_factory=list)
    parcels: list[Row] = field(default_factory=list)
    device_observed_users: list[Row] = field(default_factory=list)

    def extend(self, other: "GroupRows") -> None:
        for table in fields(self):
            getattr(self, table.name).extend(getattr(other, table.name))

    def tables(self) -> Iterator[tuple[str, list[Row]]]:
        """(table, rows) pairs in foreign-key order (the order of the fields above)."""
        for table in fields(self):
            yield table.name, getattr(self, table.name)


def _marketing_price(amount: float, step: int) -> int:
    """A shop price in minor units: rounded to `step`, minus ten cents (89.90, 1 299.00 ...)."""
    rounded = max(step, round(amount / step) * step)
    return rounded - (10 if step <= 100 else 100)


class FleetBuilder:
    """Builds one tenant's orders and devices with their dependent rows, group by group."""

    def __init__(self, plan: TenantPlan) -> None:
        self.plan = plan
        self.profile = plan.profile
        self.rng = rng_for(plan.slug, "fleet")
        bias = dict(self.profile.brand_bias)
        self.models = model_weights(bias)
        self.typed = {t: typed_weights(t, bias) for t in DeviceType}
        self.typed_mdm = {t: typed_weights(t, bias, mdm_only=True) for t in MDM_TYPES}
        self.next_device_id = plan.device_id_start
        self.next_order_id = plan.order_id_start
        self.mdm_ids = IdSequence(plan.mdm_enrollment_id_start)
        self.parcel_ids = IdSequence(plan.parcel_id_start)
        self.observed_ids = IdSequence(plan.observed_user_id_start)
        self.mdm = MdmRows(plan, self.rng, self.mdm_ids)
        self.parcels = ParcelRows(plan, self.rng, self.parcel_ids)
        self.observed = ObservedUserRows(plan, self.rng, self.observed_ids)
        self.keyboards = 0
        self.assigned: dict[str, int] = {}
        self.assignment = {
            family: Permutation(plan.users, plan.slug, "assign", family)
            for family in sorted(set(FAMILIES.values()))
        }

    # --- groups --------------------------------------------------------------------------

    def groups(self) -> Iterator[GroupRows]:
        """Every group of the tenant, showcase first, until its device count is reached."""
        remaining = self.plan.devices
        for group in showcase(remaining):
            remaining -= len(group.devices)
            yield self.build_group(group)
        while remaining > 0:
            group = draw_group(self.rng, remaining)
            remaining -= len(group.devices)
            yield self.build_group(group)
        self._check_budgets()

    def _check_budgets(self) -> None:
        plan = self.plan
        limits = (
            (self.next_device_id, plan.device_id_start, 1),
            (self.next_order_id, plan.order_id_start, 1),
            (self.mdm_ids.next_id, plan.mdm_enrollment_id_start, MAX_MDM_ROWS_PER_DEVICE),
            (self.parcel_ids.next_id, plan.parcel_id_start, MAX_PARCELS_PER_DEVICE),
            (self.observed_ids.next_id, plan.observed_user_id_start, MAX_OBSERVED_USERS_PER_DEVICE),
        )
        for next_id, start, per_device in limits:
            if next_id - start > plan.devices * per_device:
                raise RuntimeError(f"{plan.slug}: an id range overflowed its budget")

    def build_group(self, group: GroupPlan) -> GroupRows:
        rng = self.rng
        rows = GroupRows()
        order_id: int | None = None
        placed_at: datetime | None = None
        if group.order_status is not None:
            order_id = self.next_order_id
            self.next_order_id += 1
            placed_at = order_date(group.order_status, rng)
            start = placed_at or days_before(rng, 60, 700, end=REF)
        else:
            start = days_before(rng, 30, 720, end=REF)
        kit = self._kit(group, rng)
        for device_plan in group.devices:
            self._build_device(rows, group, device_plan, kit, order_id, start)
        if order_id is not None and group.order_status is not None:
            rows.orders.append(self._order_row(order_id, group.order_status, placed_at, rows))
        return rows

    def _kit(self, group: GroupPlan, rng: random.Random) -> tuple[DeviceModel, ...]:
        """The models a group is made of: anything for small groups, a few models for big ones."""
        if len(group.devices) <= 3:
            return ()
        return tuple(self.models.pick(rng) for _ in range(KIT_SIZES.pick(rng)))

    def _order_row(
        self,
        order_id: int,
        status: OrderClientStatus,
        placed_at: datetime | None,
        rows: GroupRows,
    ) -> Row:
        rng = self.rng
        devices = rows.devices
        names = list(dict.fromkeys(d["name"] for d in devices if d["name"] is not None))
        created_at = placed_at or min(d["created_at"] for d in devices)
        year = (placed_at or created_at).year
        updated_at = max(created_at, *(d["created_at"] for d in devices))
        updated_at = clamp(updated_at + timedelta(minutes=rng.randint(5, 600)))
        return {
            "id": order_id,
            "client_id": self.plan.client_id,
            "client_status": status.value,
            "order_number": order_number(year, order_id),
            "contract_number": (
                None if status in UNSIGNED else contract_number(self.plan.slug, year, order_id)
            ),
            "order_date": placed_at,
            "rent_minor": sum(d["rent_minor"] or 0 for d in devices),
            "currency": self.profile.currency,
            "num_devices": len(devices),
            "device_names": names,
            "created_at": created_at,
            "updated_at": updated_at,
        }

    # --- devices -------------------------------------------------------------------------

    def _pick_model(
        self, device_plan: DevicePlan, kit: tuple[DeviceModel, ...], rng: random.Random
    ) -> DeviceModel:
        needs_mdm = device_plan.mdm is not None and device_plan.mdm.status is not None
        if device_plan.device_type is not None:
            table = self.typed_mdm if needs_mdm else self.typed
            return table[device_plan.device_type].pick(rng)
        if kit:
            return rng.choice(kit)
        return self.models.pick(rng)

    def _assign(self, device_type: DeviceType) -> int:
        family = FAMILIES[device_type]
        turn = self.assigned.get(family, 0)
        self.assigned[family] = turn + 1
        return self.assignment[family](turn % self.plan.users)

    def _build_device(
        self,
        rows: GroupRows,
        group: GroupPlan,
        device_plan: DevicePlan,
        kit: tuple[DeviceModel, ...],
        order_id: int | None,
        start: datetime,
    ) -> None:
        rng = self.rng
        status = device_plan.status
        device_id = self.next_device_id
        self.next_device_id += 1

        model = self._pick_model(device_plan, kit, rng)
        platforms = model.os_platforms
        if device_plan.mdm is not None and device_plan.mdm.status is not None:
            platforms = tuple(os for os in platforms if os in MDM_PLATFORMS)
        os_platform = rng.choice(platforms) if platforms else None

        # Timeline: created with the order (or import), delivered days later, maybe retired.
        created_at = clamp(between(rng, start, start + 2 * DAY))
        if created_at >= REF:
            created_at = REF - HOUR
        delivered_at = None
        if status not in PRE_DELIVERY:
            delivered_at = between(rng, created_at + 2 * DAY, created_at + 8 * DAY)
            delivered_at = min(delivered_at, REF - HOUR)
        retired_at = None
        if status in RETIRED and delivered_at is not None:
            retired_at = between(rng, min(delivered_at + 10 * DAY, REF - 2 * DAY), REF - DAY)
            retired_at = max(retired_at, delivered_at + HOUR)

        assigned = device_plan.assigned
        if assigned is None:
            assigned = chance(rng, ASSIGNED_PROBABILITY[status])
        if model.type in NEVER_ASSIGNED:
            assigned = False
        user_index = self._assign(model.type) if assigned else None

        serial: str | None = serial_number(model.serial_style, device_id, rng)
        if device_plan.null_serial or (
            status is Dev.PENDING_VALIDATION
            and group.order_status is not None
            and chance(rng, 0.25)
        ):
            serial = None

        device = DeviceLife(
            id=device_id,
            scenario=device_plan,
            model=model,
            os_platform=os_platform,
            user_index=user_index,
            serial=serial,
            created_at=created_at,
            delivered_at=delivered_at,
            retired_at=retired_at,
        )
        mdm_plan = device_plan.mdm
        if mdm_plan is None:
            mdm_plan = draw_mdm(status, rng) if self._manages_mdm(device) else MdmPlan(None)
        elif not self._manages_mdm(device):
            mdm_plan = MdmPlan(None)
        mdm_rows = self.mdm.rows(device, mdm_plan)
        story = device_plan.parcels
        if story is None:
            story = draw_parcels(status, rng) if delivered_at is not None else ()
        parcel_rows = self.parcels.rows(device, story)

        inventory_id = None
        if (
            model.type in COMPUTER_TYPES
            and os_platform in AGENT_PLATFORMS
            and delivered_at is not None
            and chance(rng, 0.92)
        ):
            inventory_id = uuid4(rng)
        observed_rows = self.observed.rows(device) if inventory_id else []

        exposed = [r for r in mdm_rows if r["status"] != Mdm.DRAFT.value]
        mdm_id = mdm_device_id(device_id, rng) if exposed else None
        mdm_guid = uuid4(rng) if exposed else None

        rows.devices.append(
            self._device_row(
                device, group, order_id, inventory_id, mdm_id, mdm_guid, mdm_rows, parcel_rows
            )
        )
        rows.device_characteristics.append(self._characteristics_row(device))
        rows.mdm_enrollments.extend(mdm_rows)
        rows.parcels.extend(parcel_rows)
        rows.device_observed_users.extend(observed_rows)

    def _manages_mdm(self, device: DeviceLife) -> bool:
        return device.model.type in MDM_TYPES and device.os_platform in MDM_PLATFORMS

    def _device_row(
        self,
        device: DeviceLife,
        group: GroupPlan,
        order_id: int | None,
        inventory_id: str | None,
        mdm_id: int | None,
        mdm_guid: str | None,
        mdm_rows: list[Row],
        parcel_rows: list[Row],
    ) -> Row:
        rng = self.rng
        plan, profile, model = self.plan, self.profile, device.model
        status = device.scenario.status
        source = group.source
        factor = profile.price_factor

        rent = None
        if source is DeviceSource.RENTAL:
            rent = _marketing_price(model.monthly_rent * factor * rng.uniform(0.92, 1.08), 100)

        tracking_number = tracking_url = None
        shipped = status is not Dev.PENDING_VALIDATION and (
            status is not Dev.IN_PREPARATION or chance(rng, 0.3)
        )
        if source is DeviceSource.RENTAL and shipped:
            tracking_number, tracking_url = tracking(profile.carriers.pick(rng), rng)

        purchase_price = purchase_date = warranty_end = invoice = None
        rental_price = rental_start = rental_end = lease = None
        if source is DeviceSource.CLIENT_OWNED:
            purchase_price = _marketing_price(model.purchase_price * factor, 1000)
            purchase_date = (device.created_at - timedelta(days=rng.randint(0, 400))).date()
            warranty_end = _add_years(purchase_date, rng.choice((1, 2, 3)))
            invoice = invoice_number(purchase_date.year, rng)
        elif source is DeviceSource.EXTERNAL_RENTAL:
            rental_price = _marketing_price(model.monthly_rent * factor * 1.15, 100)
            rental_start = (device.created_at - timedelta(days=rng.randint(0, 200))).date()
            rental_end = _add_years(rental_start, rng.choice((2, 3)))
            lease = lease_contract_number(rng)

        comment = device.scenario.comment or draw_comment(status, rng)
        name = None if device.scenario.null_name else model.name
        moments = [device.created_at, device.delivered_at, device.retired_at]
        moments += [r["updated_at"] for r in (*mdm_rows, *parcel_rows)]
        last_change = max(m for m in moments if m is not None)
        updated_at = clamp(last_change + timedelta(minutes=rng.randint(1, 180)))
        return {
            "id": device.id,
            "client_id": plan.client_id,
            "user_id": plan.user_id(device.user_index) if device.user_index is not None else None,
            "order_id": order_id,
            "name": name,
            "serial_number": device.serial,
            "rent_minor": rent,
            # The currency of every price of the device (rent, purchase, external rental).
            "rent_currency": profile.currency,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
            "client_status": status.value,
            "type": model.type.value,
            "category": model.category.value,
            "source": source.value,
            "comment": comment,
            "added_via": group.added_via.value,
            "brand": model.brand,
            "is_rented": source in (DeviceSource.RENTAL, DeviceSource.EXTERNAL_RENTAL),
            "client_purchase_price_minor": purchase_price,
            "client_purchase_date": purchase_date,
            "client_warranty_end_date": warranty_end,
            "client_rental_price_minor": rental_price,
            "client_rental_start_date": rental_start,
            "client_rental_end_date": rental_end,
            "client_contract_number": lease,
            "client_invoice_number": invoice,
            "mdm_device_id": mdm_id,
            "mdm_guid": mdm_guid,
            "inventory_device_id": inventory_id,
            # The upstream summary mirror starts empty: the gateway fills it from the upstreams
            # (app/mirror.py) at start, on `syncDeviceSummaries` and after actions.
            **dict.fromkeys(UPSTREAM_SUMMARY_COLUMNS),
            "created_at": device.created_at,
            "updated_at": updated_at,
        }

    def _characteristics_row(self, device: DeviceLife) -> Row:
        rng = self.rng
        row: Row = dict.fromkeys(CHARACTERISTICS)
        row.update(device.model.characteristics(rng))
        row["device_id"] = device.id
        row["client_id"] = self.plan.client_id
        row["os_platform"] = device.os_platform
        if device.model.keyboard:
            if self.keyboards < len(KEYBOARD_CYCLE):
                layout = KEYBOARD_CYCLE[self.keyboards]
            else:
                layout = self.profile.keyboard_layouts.pick(rng)
            self.keyboards += 1
            row["keyboard_layout"] = layout.value
        return row


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
