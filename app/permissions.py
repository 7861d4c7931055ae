"""Who may call which mutation: one table, the same as the README's.

The role each device action needs follows the permission the MDM provider's document names for
the call behind it ("Device Actions or Device Management", "Device Management", tenant admin).
Roles are ordered (`app.enums.Role`): each includes the ones below it. Reads are open to every
role of the tenant.
"""

from app.enums import Role

MUTATION_ROLES: dict[str, Role] = {
    # The provider's "Device Actions or Device Management" calls.
    "lockDevices": Role.DEVICE_ACTIONS,
    "forceCheckinDevices": Role.DEVICE_ACTIONS,
    "scheduleOsUpdate": Role.DEVICE_ACTIONS,
    # The provider's "Device Management" calls.
    "replaceCustomAttributes": Role.DEVICE_MANAGEMENT,
    "patchCustomAttributes": Role.DEVICE_MANAGEMENT,
    "removeCustomAttributes": Role.DEVICE_MANAGEMENT,
    "enableLostMode": Role.DEVICE_MANAGEMENT,
    "disableLostMode": Role.DEVICE_MANAGEMENT,
    "relinquishOwnership": Role.DEVICE_MANAGEMENT,
    "cancelRelinquishOwnership": Role.DEVICE_MANAGEMENT,
    # The rental platform's own records of the fleet.
    "createDevices": Role.DEVICE_MANAGEMENT,
    "updateDevice": Role.DEVICE_MANAGEMENT,
    "syncDeviceSummaries": Role.DEVICE_MANAGEMENT,
    # Calls the provider reserves for tenant admins.
    "assignDevice": Role.TENANT_ADMIN,
    "unassignDevice": Role.TENANT_ADMIN,
    "wipeDevices": Role.TENANT_ADMIN,
    "retireDevices": Role.TENANT_ADMIN,
    "deleteDevices": Role.TENANT_ADMIN,
    "unlockDevices": Role.TENANT_ADMIN,
    "restartDevices": Role.TENANT_ADMIN,
    "enterKioskMode": Role.TENANT_ADMIN,
    "exitKioskMode": Role.TENANT_ADMIN,
    "sendDeviceMessage": Role.TENANT_ADMIN,
    "logoutDeviceUsers": Role.TENANT_ADMIN,
    "excludeConfiguration": Role.TENANT_ADMIN,
    "repushConfiguration": Role.TENANT_ADMIN,
    "reinstallConfiguration": Role.TENANT_ADMIN,
    "syncCompliance": Role.TENANT_ADMIN,
}


def role_for(mutation: str) -> Role:
    """The weakest role that may call `mutation` (KeyError for a mutation missing here, so a
    new mutation cannot ship without its row)."""
    return MUTATION_ROLES[mutation]
