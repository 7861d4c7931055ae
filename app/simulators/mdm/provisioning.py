"""What is provisioned on a device: custom attributes, configurations, compliance verdicts and
certificates, each in states that follow the device's registration state.
"""

import random
from typing import Any

from app.seed import Row
from app.seed.rng import Weighted, chance
from app.simulators.mdm import catalog
from app.simulators.mdm.draw import (
    DAY_MS,
    GONE_STATES,
    LEAVING_STATES,
    PRE_REGISTRATION,
    RARE,
    REF_MS,
    Context,
)
from app.simulators.mdm.enums import ConfigStatus
from app.simulators.mdm.records import (
    Certificate,
    CertificateAuthority,
    DeviceConfig,
    DevicePolicy,
    MdmDevice,
)

CONFIG_STATUS = Weighted(
    [
        (ConfigStatus.INSTALLED.value, 92),
        (ConfigStatus.PENDING.value, 3),
        (ConfigStatus.ERROR.value, 2),
        (ConfigStatus.EXCLUDED.value, 3),
    ]
)
CERT_WHEN_LEAVING = Weighted([("Pending_Revoke", 70), ("Active", 30)])
CERT_WHEN_GONE = Weighted(
    [("Revoked", 70), ("Deleted", 15), ("Manual_Revoke", 10), ("Revoke_Failed", 5)]
)
LEASE_MONTHS = Weighted([("24", 30), ("36", 55), ("48", 15)])


def custom_attributes(
    ctx: Context, device: MdmDevice, row: Row, rng: random.Random
) -> dict[str, list[str]]:
    """A few string attributes and `_#` numeric ones, as an admin would have set them."""
    if device.ownership_type == "EMPLOYEE":
        return {"byodAgreement": ["signed"]} if chance(rng, 0.7) else {}
    if chance(rng, 0.08):
        return {}
    attrs: dict[str, list[str]] = {"assetTag": [f"{ctx.slug.upper()}-{row['id']:06d}"]}
    owner = ctx.partition.accounts.get(device.owner_id)
    if owner is not None and len(owner.groups) > 1:
        attrs["costCenter"] = [f"CC-{owner.groups[1][:3].upper()}-{100 + len(owner.groups[1])}"]
    if row["source"] in ("RENTAL", "EXTERNAL_RENTAL"):
        attrs["leaseMonths_#"] = [LEASE_MONTHS.pick(rng)]
    if device.platform_type == "OSX":
        attrs["batteryCycleCount_#"] = [str(rng.randrange(20, 900))]
    if chance(rng, 0.25):
        attrs["carrier"] = [device.extras.get("subscriberCarrierNetwork") or "UNKNOWN"]
    return attrs


def configs(ctx: Context, device: MdmDevice, status: str, rng: random.Random) -> list[DeviceConfig]:
    """The configurations of the device's platform, each with its status on the device."""
    if device.registration_state in GONE_STATES:
        return []  # a retired or wiped device keeps no configuration
    registered = device.last_registration_time
    configs = []
    for config in ctx.partition.configs.values():
        if device.platform_type not in config.platforms:
            continue
        if status in PRE_REGISTRATION or not config.enabled:
            value = ConfigStatus.PENDING.value
        elif status in ("IDENTIFIED", "ENROLLMENT_IN_PROGRESS"):
            value = (ConfigStatus.INSTALLED if chance(rng, 0.5) else ConfigStatus.PENDING).value
        else:
            value = ctx.showcase.pick("config-status", CONFIG_STATUS, rng)
        changed = None if registered is None else registered + rng.randrange(1, 3_600_000)
        configs.append(DeviceConfig(config.id, value, changed))
    return configs


def policies(ctx: Context, device: MdmDevice, rng: random.Random) -> list[DevicePolicy]:
    """The compliance policies' verdicts, for devices that registered and are still here."""
    if device.last_registration_time is None or device.registration_state in GONE_STATES:
        return []
    out_of_contact = device.last_checkin is None or (
        device.last_checkin < REF_MS - catalog.OUT_OF_CONTACT_DAYS * DAY_MS
    )
    failing = {
        "COMPROMISED": device.jailbroken,
        "MDM_DISABLED": not device.managed,
        "OUT_OF_CONTACT": out_of_contact,
        "ROAMING": device.roaming,
    }
    verdicts = []
    for policy in ctx.partition.policies.values():
        compliant = not failing.get(policy.rule_type, False)
        pending = compliant
        if ctx.showcase.pick("pending-compliant", RARE, rng):
            pending = not compliant
        verdicts.append(DevicePolicy(policy.id, compliant, pending))
    return verdicts


def certificates(
    ctx: Context, device: MdmDevice, status: str, rng: random.Random
) -> list[Certificate]:
    """The MDM identity (Apple), the App Catalog identity (iOS) and a Wi-Fi user
    certificate from the client's CA, in states that follow the device's."""
    issued = device.last_registration_time
    if issued is None or status in PRE_REGISTRATION:
        return []
    state = device.registration_state
    if state in GONE_STATES:
        cert_state = ctx.showcase.pick("cert-gone", CERT_WHEN_GONE, rng)
    elif state in LEAVING_STATES:
        cert_state = ctx.showcase.pick("cert-leaving", CERT_WHEN_LEAVING, rng)
    elif status in ("IDENTIFIED", "ENROLLMENT_IN_PROGRESS"):
        cert_state = "Pending"
    else:
        cert_state = "Active"
    authorities = ctx.partition.authorities
    configs = {c.config_id: c for c in device.configs}
    by_type = {
        config.policy_type: config.id
        for config in ctx.partition.configs.values()
        if config.id in configs
    }
    owner = ctx.partition.accounts[device.owner_id]
    udid = device.extras.get("udid") or device.guid
    certs: list[Certificate] = []

    def issue(ca: CertificateAuthority, subject: str, **options: Any) -> None:
        ctx.cert_serial += 1 + rng.randrange(3)
        ctx.cert_store_id += 1 + rng.randrange(3)
        begin = options.pop("begin", issued)
        certs.append(
            Certificate(
                store_id=ctx.cert_store_id,
                ca=ca,
                subject=subject,
                not_before=begin,
                not_after=options.pop("end", begin + 730 * DAY_MS),
                serial=ctx.cert_serial,
                state=options.pop("state", cert_state),
                **options,
            )
        )

    if device.platform_type in ("IOS", "OSX"):
        issue(authorities["mdm"], f"CN={udid}")
    if "IDENTITY_CERTIFICATE_DG" in by_type:
        issue(
            authorities["app_store"],
            f"CN={udid}",
            configuration_id=by_type["IDENTITY_CERTIFICATE_DG"],
        )
    if "WIFI" in by_type:
        team = owner.groups[1] if len(owner.groups) > 1 else "Staff"
        wifi_state = cert_state
        if configs[by_type["WIFI"]].status == ConfigStatus.PENDING.value:
            wifi_state = "Pending" if cert_state == "Active" else cert_state
        issue(
            authorities["issuing"],
            f"CN={owner.email},OU={team},O={ctx.company}",
            configuration_id=by_type["WIFI"],
            private_key=True,
            account_id=owner.id,
            state=wifi_state,
        )
    if cert_state == "Active" and ctx.showcase.pick("cert-expired", RARE, rng):
        begin = issued - 760 * DAY_MS
        issue(
            authorities["issuing"],
            f"CN={owner.email},O={ctx.company}",
            begin=begin,
            end=begin + 730 * DAY_MS,
            state="Expired",
            account_id=owner.id,
        )
    return certs
