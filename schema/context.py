"""The typed `info` every resolver receives."""

import strawberry

from resolvers.context import RequestContext

Info = strawberry.Info[RequestContext, None]
