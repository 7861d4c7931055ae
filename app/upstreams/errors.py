"""Typed upstream failures. Messages are the gateway's own: no upstream body reaches a client."""

from app.errors import PublicError


class UpstreamError(PublicError):
    """An upstream could not answer; the field it backs resolves to null with this error."""

    code = "UPSTREAM_UNAVAILABLE"
    reason = "is unavailable"

    def __init__(self, upstream: str, **extensions: object) -> None:
        super().__init__(f"The {upstream} {self.reason}.", upstream=upstream, **extensions)
        self.upstream = upstream


class UpstreamTimeout(UpstreamError):
    code = "UPSTREAM_TIMEOUT"
    reason = "did not answer in time"


class UpstreamUnavailable(UpstreamError):
    code = "UPSTREAM_UNAVAILABLE"
    reason = "is unavailable"


class UpstreamRateLimited(UpstreamError):
    code = "UPSTREAM_RATE_LIMITED"
    reason = "is rate limiting the gateway"

    def __init__(self, upstream: str, retry_after: float | None) -> None:
        super().__init__(upstream, retryAfter=retry_after)
        self.retry_after = retry_after


class UpstreamBadResponse(UpstreamError):
    code = "UPSTREAM_BAD_RESPONSE"
    reason = "sent a response the gateway could not read"


class UpstreamUnauthorized(UpstreamError):
    """The upstream refused the gateway's credentials: a configuration problem, not the user's."""

    code = "UPSTREAM_UNAUTHORIZED"
    reason = "refused the gateway's credentials"
