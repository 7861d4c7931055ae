"""The long tail of a device's record: identifiers, radios, platform specifics, privacy, terms.

None of these fields changes with the calls the simulator serves today; they are drawn once,
per device, from its seed rows and its random stream, and kept in `MdmDevice.extras`. A few
keys the records do not show (`androidWorkProfileOnCompanyOwnedDeviceEnabled`, `depProfileId`)
feed the facets and the DEP calls.
"""

import base64
import hashlib
import random
from typing import Any

from app.seed import Row
from app.seed.rng import chance, uuid4
from app.simulators.mdm import catalog
from app.simulators.mdm.draw import (
    COPE,
    DAY_MS,
    REF_MS,
    THREAT,
    Context,
    digits,
    hex_digits,
    mac_address,
)
from app.simulators.mdm.records import MAX_RESIDENT_USERS, MdmDevice


def capacity_gb(storage: str | None) -> float:
    """`"256 GB SSD"` -> the capacity a device reports, in GB (a little under the label)."""
    if not storage:
        return 64.0
    number, _, unit = storage.partition(" ")
    size = float(number) * (1000 if unit.upper().startswith("TB") else 1)
    return round(size * 0.931, 6)


def device_extras(
    ctx: Context,
    device: MdmDevice,
    enrollment: Row,
    traits: Row,
    rng: random.Random,
    release: catalog.OsRelease,
    cellular: bool,
    phone: bool,
) -> dict[str, Any]:
    """The static fields: identifiers, radios, platform specifics, privacy and terms."""
    platform = device.platform_type
    is_ios, is_mac, is_android = platform == "IOS", platform == "OSX", platform == "ANDROID"
    apple = is_ios or is_mac
    byod = device.ownership_type == "EMPLOYEE"
    samsung = device.manufacturer == "samsung"
    registered = device.last_registration_time
    total = capacity_gb(traits.get("storage"))
    carrier = roaming_in = None
    if cellular:
        carrier = catalog.CARRIERS.get(ctx.slug, catalog.CARRIERS["globex"]).pick(rng)
        roaming_in = catalog.ROAMING_CARRIERS.pick(rng) if device.roaming else carrier
    udid = hex_digits(rng, 40) if apple else None
    imei = None
    if cellular:
        number = "35" + digits(rng, 13)
        imei = f"{number[:2]} {number[2:8]} {number[8:14]} {number[14]}" if is_ios else number
    iccid = None
    if cellular:
        raw = "89" + (carrier.mcc if carrier else "000") + digits(rng, 14)
        iccid = " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if is_ios else raw
    updates_available = bool(enrollment["os_updates_available"]) and release.next_version
    updates = [release.next_version] if updates_available else []
    locate = "DISABLED" if byod else "ENABLED"
    client_version = None
    if is_android:
        client_version = catalog.ANDROID_CLIENT_VERSIONS.pick(rng)
    elif is_ios:
        client_version = catalog.IOS_CLIENT_VERSIONS.pick(rng)
    company_android = is_android and not byod
    cope = company_android and ctx.showcase.pick("cope", COPE, rng)
    firewall = enrollment["firewall_enabled"]
    encrypted = bool(enrollment["is_encrypted"])
    dep_profile = None
    if device.dep_enrolled and ctx.partition.dep_profiles:
        # The profile of the device's kind (a Shared iPad's is multi-user), else the default.
        profiles = ctx.partition.dep_profiles
        kind = [p for p in profiles if p.multi_user == bool(device.multi_user)]
        dep_profile = (kind or profiles)[0].id
    legal_owner = ctx.partition.accounts.get(ctx.partition.admin_id) if device.multi_user else None
    return {
        "mdmChannelId": uuid4(rng),
        "phoneNumber": ctx.phone(rng) if phone and cellular else None,
        "clientVersion": client_version,
        "imei": imei,
        "imei2": None,
        "imsi": (carrier.mcc + carrier.mnc + digits(rng, 9)) if carrier and is_android else None,
        "locatorServiceEnabled": locate == "ENABLED",
        "meid": imei.replace(" ", "")[:14] if imei and is_ios else None,
        "wifiMacAddress": mac_address(rng),
        "wifiMacAddressForInventory": None,
        "systemUpdateInformation": None,
        "altSerialNumber": None,
        "cellularTechnology": "GSM/CDMA" if cellular else "device__p_cellular_technology",
        "currentCarrierNetwork": roaming_in.name if roaming_in else "UNKNOWN",
        "subscriberCarrierNetwork": carrier.name if carrier else "UNKNOWN",
        "locale": ctx.partition.locale,
        "udid": udid,
        "clientLastCheckin": device.last_checkin if is_android else None,
        "iccid": iccid,
        "currentMcc": roaming_in.mcc if roaming_in else None,
        "currentMnc": roaming_in.mnc if roaming_in else None,
        "subscriberMcc": carrier.mcc if carrier else None,
        "subscriberMnc": carrier.mnc if carrier else None,
        "maxResidentUsers": MAX_RESIDENT_USERS if device.multi_user else None,
        "clientDeviceIdentifier": hex_digits(rng, 64) if is_android else None,
        "availableCapacity": round(total * rng.uniform(0.15, 0.8), 6),
        "totalCapacity": total,
        "clusterIdentifier": "CLOUD",
        "deviceSource": "CLOUD",
        "passcodeCompliant": bool(enrollment["screenlock_enabled"]) if is_ios else None,
        "passcodeCompliantWithProfiles": bool(enrollment["screenlock_enabled"])
        if not is_mac
        else None,
        "blocked": None if is_ios else False,
        "androidBuildFingerprint": (
            f"{device.manufacturer}/{device.device_model}:{release.version}/"
            f"{release.build}/{digits(rng, 8)}:user/release-keys"
        )
        if is_android
        else None,
        "androidBuildId": release.build if is_android else None,
        "androidZebraPatchLevel": None,
        "androidSystemUpdateStatus": None,
        "salesCode": ("XEF" if ctx.slug == "acme" else "XAA") if samsung else None,
        "firmwareVersion": None,
        "uptime": None,
        "userEnrolled": byod and is_ios,
        "androidWorkContainerEnabled": False,
        "androidWorkUid": None,
        "androidManagedByGoogle": company_android,
        "fcmEnabled": is_android,
        "supportLockMessage": is_ios,
        "legalOwnerId": legal_owner.id if legal_owner else None,
        "legalOwnerEmailAddress": legal_owner.email if legal_owner else None,
        "easDeviceIdentifiers": [f"Appl{device.serial_number}"]
        if is_ios
        else ([hex_digits(rng, 16)] if is_android else []),
        "appEasIdentifiers": None,
        "androidDeviceOwnerModeEnabled": company_android,
        "windowsDeviceType": None,
        "secureAppsStatus": "FALSE" if is_android else None,
        "secureAppsEncryptionStatus": "FALSE" if is_android else None,
        "secureAppsEncryptionMode": "NONE" if is_android else None,
        "tpmSpecificationVersion": None,
        "bridgeVersion": None,
        "bridgeDeviceDataLastCapturedAt": None,
        "lastHotfixId": None,
        "lastHotfixInstalledOn": None,
        "mamOnly": False,
        "authOnly": False,
        "ipAddress": f"10.{ctx.client_id}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        if device.last_checkin
        else None,
        "mobileThreatDefenseGeneralStatus": ctx.showcase.pick("mtd", THREAT, rng),
        "antiPhishingGeneralStatus": ctx.showcase.pick("anti-phishing", THREAT, rng),
        "samsungEfotaCapable": samsung,
        "currentCountryName": roaming_in.country_name if roaming_in else None,
        "currentCountryCode": roaming_in.country_code if roaming_in else None,
        "homeCountryName": carrier.country_name if carrier else None,
        "homeCountryCode": carrier.country_code if carrier else None,
        "userPreferenceCSVHeader": None,
        "androidSecurityPatchLevel": release.security_patch if is_android else None,
        "clientAppBundleId": None,
        "privacyPolicy": {
            "policyId": ctx.partition.privacy_policy_id + (100 if byod else 0),
            "policyName": "BYOD Privacy" if byod else "Privacy",
            "locateStatus": locate,
            "wipeDisabled": byod,
            "appInventoryCollectAllEnabled": not byod,
        },
        "tos": {
            "title": f"{ctx.company} acceptable use",
            "body": f"Devices managed by {ctx.company} follow the IT charter.",
        },
        "tosAcceptedTime": registered,
        "tosId": ctx.partition.tos_id if registered else None,
        "restrictions": None,
        "dataRoamingEnabled": cellular and not byod,
        "appConnectCheckInTime": None,
        "antiPhishingStatus": "UNKNOWN" if is_android else "NA",
        "mobileThreatDefenseStatus": "NA",
        "appFeedbackLastSync": None,
        "activationLockEnabled": bool(device.supervised) and chance(rng, 0.8) if apple else False,
        "bypassCode": bypass_code(udid) if apple and device.supervised and udid else None,
        "cloudBackupEnabled": is_ios and chance(rng, 0.7),
        "networkTethered": False,
        "lastCloudBackupDate": (device.last_checkin or REF_MS) - rng.randrange(3 * DAY_MS)
        if is_ios and device.last_checkin
        else None,
        "mirroringStatus": None,
        "voiceRoamingEnabled": cellular,
        "availableOSUpdate": updates[0] if updates and not is_mac else None,
        "availableOSUpdates": updates if not is_mac else [],
        "serviceSubscriptions": subscriptions(imei, iccid, carrier, phone) if is_ios else None,
        "timeZone": ctx.partition.time_zone,
        "osxFdeEnabled": encrypted if is_mac else False,
        "osxFdeHasInstitutionalRecoveryKey": is_mac and encrypted and not byod,
        "osxFdeHasPersonalRecoveryKey": is_mac and encrypted,
        "bootstrapTokenAvailable": bool(device.supervised) if is_mac else None,
        "osxFirewallSettings": {"firewallEnabled": bool(firewall), "blockAllIncoming": False}
        if is_mac
        else None,
        "osxSystemIntegrityProtectionEnabled": is_mac,
        "osxAutoAdminAccountShortName": None,
        "osxFirmwarePasswordStatus": None,
        "osxFirmwarePasswordCommandStatus": None,
        "availableMacOSUpdates": updates if is_mac else None,
        "passcodeLockGracePeriodEnforced": None,
        "androidId": hex_digits(rng, 16) if is_android else None,
        "androidWorkCapable": is_android,
        "androidWorkEnabled": is_android and (byod or cope),
        "androidZebraCapable": False,
        "helpAtWorkAvailable": False,
        "samsungSafeCapable": samsung,
        "androidEnterpriseKioskLogoutEnabled": False,
        "androidWorkProfileEnabled": is_android and (byod or cope),
        "androidDeviceOwnerEnabled": company_android,
        "androidWorkDeviceOwnerWithWorkProfileEnabled": cope,
        "aadDeviceId": None,
        "winDmClientChannelUri": None,
        "windowsEncrypted": False,
        "wipConfigured": False,
        "applockerConfigured": False,
        "wipMandatorySettingsConfigured": False,
        "batteryEstimatedChargeRemaining": None,
        "batteryEstimatedRuntime": None,
        "osPlatform": None,
        "osEdition": None,
        "deviceFamily": None,
        "androidSafetyNetAttestationType": "UNKNOWN" if is_android else None,
        "aadBulkEnrolled": False,
        "enrollerId": None,
        "changeOwnerCounter": 0,
        "aadEnrolled": False,
        "apnsCapable": apple,
        "clientRegistered": is_android,
        "mdmDeviceIdentifier": udid,
        "itunesAccountActive": apple and chance(rng, 0.8),
        "winServiceSubscriptions": None,
        # Not in the records, read by the facets and the DEP calls.
        "androidWorkProfileOnCompanyOwnedDeviceEnabled": cope,
        "depProfileId": dep_profile,
    }


def bypass_code(udid: str) -> str:
    """The Activation Lock bypass code a supervised Apple device escrows with its MDM (five
    groups of five characters), derived from the UDID so that it draws nothing from the
    device's random stream and every other field stays as it was."""
    digest = base64.b32encode(hashlib.sha256(f"bypass:{udid}".encode()).digest()).decode()
    return "-".join(digest[i : i + 5] for i in range(0, 25, 5))


def subscriptions(
    imei: str | None, iccid: str | None, carrier: catalog.Carrier | None, phone: bool
) -> list[dict[str, Any]]:
    if imei is None:
        return []
    return [
        {
            "carrierSettingsVersion": "60.0" if carrier else None,
            "currentCarrierNetwork": carrier.name if carrier else None,
            "currentMCC": carrier.mcc if carrier else None,
            "currentMNC": carrier.mnc if carrier else None,
            "esimIdentifier": None,
            "iccid": iccid,
            "imei": imei,
            "isDataPreferred": True,
            "isVoicePreferred": phone,
            "label": "Primary" if phone else None,
            "labelID": None,
            "phoneNumber": None,
            "slot": "CTSubscriptionSlotOne",
        }
    ]
