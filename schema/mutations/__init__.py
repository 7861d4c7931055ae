"""The root `Mutation`: one base class per family of mutations, each in its own module."""

import strawberry

from schema.mutations.actions import ActionMutations
from schema.mutations.devices import DeviceMutations
from schema.mutations.sync import SyncMutations


@strawberry.type(
    description="Changes to the fleet. Each mutation answers problems with its input as "
    "`userErrors` in its payload, and changes nothing because of them."
)
class Mutation(DeviceMutations, ActionMutations, SyncMutations):
    """Every mutation of the gateway. The bases hold the fields, one family per module (the
    rental platform's device records, the MDM device actions, the upstream mirror), so each
    is written and reviewed apart."""
