"""Counts of the fleet per value, as the MDM provider's `facetedResults`, from the local mirror."""

import strawberry

from resolvers.devices import DeviceFacet, facet_counts
from resolvers.loaders import Condition
from schema.context import Info


@strawberry.type(description="How many devices hold one value (null: no value known).")
class FacetCount:
    value: str | None
    count: int


async def _counts(
    info: Info, facet: DeviceFacet, conditions: tuple[Condition, ...]
) -> list[FacetCount]:
    found = await facet_counts(info.context.scope, facet, conditions)
    return [FacetCount(value=value, count=count) for value, count in found]


@strawberry.type(description="The filtered fleet counted per value; each facet is one query.")
class DeviceFacets:
    conditions: strawberry.Private[tuple[Condition, ...]]

    @strawberry.field(description="Per MDM registration state.")
    async def registration_state(self, info: Info) -> list[FacetCount]:
        return await _counts(info, DeviceFacet.REGISTRATION_STATE, self.conditions)

    @strawberry.field(description="Per MDM platform.")
    async def platform_type(self, info: Info) -> list[FacetCount]:
        return await _counts(info, DeviceFacet.PLATFORM_TYPE, self.conditions)

    @strawberry.field(description="Per rental client status.")
    async def client_status(self, info: Info) -> list[FacetCount]:
        return await _counts(info, DeviceFacet.CLIENT_STATUS, self.conditions)

    @strawberry.field(description="Per agent status.")
    async def agent_status(self, info: Info) -> list[FacetCount]:
        return await _counts(info, DeviceFacet.AGENT_STATUS, self.conditions)

    @strawberry.field(description="Per OS name the agent reports.")
    async def os_name(self, info: Info) -> list[FacetCount]:
        return await _counts(info, DeviceFacet.OS_NAME, self.conditions)
