"""One HTTP client per upstream: connection limits, a timeout per call, the request's deadline,
retries for idempotent reads (jittered backoff, honouring Retry-After), and a circuit breaker.

The same code talks to a real provider and to the simulators; only the base URL (or, in tests, the
transport) differs. Every HTTP attempt is counted in the request's `upstreamCalls`.
"""

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from circuitbreaker import CircuitBreaker
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from app import stats
from app.observability import metrics, tracing
from app.upstreams.cache import ReadCache
from app.upstreams.errors import (
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)

logger = logging.getLogger("gateway.upstream")

# Failures that count against the breaker (the upstream is unwell, not the request).
_BREAKING = (UpstreamTimeout, UpstreamUnavailable, UpstreamRateLimited, UpstreamBadResponse)
# Failures worth another attempt of an idempotent read.
_RETRYABLE = (UpstreamTimeout, UpstreamUnavailable, UpstreamRateLimited)


@dataclass(frozen=True, slots=True)
class UpstreamConfig:
    name: str  # as clients read it in messages: "MDM provider", "device inventory"
    base_url: str
    timeout_seconds: float = 2.0
    retries: int = 2
    backoff_seconds: float = 0.1
    backoff_max_seconds: float = 1.0
    max_connections: int = 20
    breaker_failures: int = 5
    breaker_recovery_seconds: float = 15.0


class Deadline:
    """When the GraphQL request that needs this read must have its answer."""

    __slots__ = ("at",)

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()


class UpstreamClient:
    def __init__(
        self,
        config: UpstreamConfig,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        limits = httpx.Limits(
            max_connections=config.max_connections,
            max_keepalive_connections=config.max_connections,
        )
        self.http = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=config.timeout_seconds,
            limits=limits,
            transport=transport,
        )
        self.breaker = CircuitBreaker(
            failure_threshold=config.breaker_failures,
            recovery_timeout=config.breaker_recovery_seconds,
            expected_exception=_BREAKING,
            name=config.name,
        )
        # Metrics labels, resolved once: calls, failures and latency by upstream and code.
        self.label = metrics.upstream_label(config.name)
        self._breaker_gauge = metrics.BREAKER_OPEN.labels(self.label)
        self._seconds = metrics.UPSTREAM_SECONDS.labels(self.label)
        self._breaker_gauge.set(0)

    async def aclose(self) -> None:
        await self.http.aclose()

    @property
    def breaker_open(self) -> bool:
        return bool(self.breaker.opened)

    async def get_json(
        self, path: str, deadline: Deadline, params: Mapping[str, Any] | None = None
    ) -> Any | None:
        """GET and decode JSON; None when the upstream answers 404 (it does not know the object).

        Retried while the deadline allows; fails fast with UPSTREAM_UNAVAILABLE while the
        breaker is open.
        """
        if self.breaker_open:
            self._refused_by_breaker()
        try:
            return await self.breaker.call_async(self._get_with_retries, path, deadline, params)
        finally:
            self._breaker_gauge.set(1 if self.breaker_open else 0)

    async def send(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any | None:
        """A call that changes something: never retried (a lost answer does not mean the change
        was not made), but timed, counted and guarded by the breaker like a read. None on 404."""
        if self.breaker_open:
            self._refused_by_breaker()
        try:
            return await self.breaker.call_async(
                self._send_once, method, path, deadline, params, data, json
            )
        finally:
            self._breaker_gauge.set(1 if self.breaker_open else 0)

    def _refused_by_breaker(self) -> None:
        self._breaker_gauge.set(1)
        metrics.UPSTREAM_FAILURES.labels(self.label, "BREAKER_OPEN").inc()
        raise UpstreamUnavailable(self.config.name, breaker="open")

    async def _get_with_retries(
        self, path: str, deadline: Deadline, params: Mapping[str, Any] | None
    ) -> Any | None:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_RETRYABLE),
            stop=stop_after_attempt(self.config.retries + 1),
            wait=self._wait,
            before_sleep=lambda state: self._give_up_unless_time(state, deadline),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._get_once(path, deadline, params)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, UpstreamRateLimited) and error.retry_after is not None:
            return error.retry_after
        backoff = wait_random_exponential(
            multiplier=self.config.backoff_seconds, max=self.config.backoff_max_seconds
        )
        return float(backoff(state))

    def _give_up_unless_time(self, state: RetryCallState, deadline: Deadline) -> None:
        """Stop retrying when the wait and another attempt would not fit in the deadline."""
        wait = state.next_action.sleep if state.next_action else 0.0
        if deadline.remaining() < wait + min(self.config.timeout_seconds, 0.05):
            error = state.outcome.exception() if state.outcome else None
            assert isinstance(error, UpstreamError)
            raise error

    async def _get_once(
        self, path: str, deadline: Deadline, params: Mapping[str, Any] | None
    ) -> Any | None:
        return await self._send_once("GET", path, deadline, params)

    async def _send_once(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any | None:
        budget = min(self.config.timeout_seconds, deadline.remaining())
        if budget <= 0:
            raise UpstreamTimeout(self.config.name)
        figures = stats.current()
        if figures is not None:
            figures.upstream_calls += 1
        code = "cancelled"  # until the call ends one way or another
        started = time.perf_counter()
        with tracing.upstream_span(self.label, method, path) as span:
            try:
                async with asyncio.timeout(budget):
                    response = await self.http.request(
                        method, path, params=params, data=data, json=json, timeout=budget
                    )
                code = str(response.status_code)
                if span is not None:
                    span.set_attribute("http.response.status_code", response.status_code)
                return self._decode(response, path)
            except (TimeoutError, httpx.TimeoutException):
                code = "timeout"
                self._failed(UpstreamTimeout.code)
                raise UpstreamTimeout(self.config.name) from None
            except httpx.TransportError as error:
                code = "unreachable"
                logger.warning(
                    "upstream unreachable",
                    extra={"upstream": self.config.name, "error": type(error).__name__},
                )
                self._failed(UpstreamUnavailable.code)
                raise UpstreamUnavailable(self.config.name) from None
            except UpstreamError as error:
                self._failed(error.code)
                raise
            finally:
                self._seconds.observe(time.perf_counter() - started)
                metrics.UPSTREAM_CALLS.labels(self.label, code).inc()

    def _failed(self, code: str) -> None:
        metrics.UPSTREAM_FAILURES.labels(self.label, code).inc()

    def _decode(self, response: httpx.Response, path: str) -> Any | None:
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            logger.critical(
                "upstream refused the gateway's credentials: check its configuration",
                extra={"upstream": self.config.name, "status": status, "path": path},
            )
            raise UpstreamUnauthorized(self.config.name)
        if status == 429:
            raise UpstreamRateLimited(self.config.name, _retry_after(response))
        if status >= 500:
            raise UpstreamUnavailable(self.config.name, status=status)
        if status != 200:
            logger.error(
                "upstream refused the gateway's request",
                extra={"upstream": self.config.name, "status": status, "path": path},
            )
            raise UpstreamBadResponse(self.config.name, status=status)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise UpstreamBadResponse(self.config.name) from None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form); None when absent or a date."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class UpstreamAdapter:
    """What one upstream's adapter holds: its client and the shared per-tenant read cache."""

    def __init__(self, client: UpstreamClient, cache: ReadCache) -> None:
        self.client = client
        self.cache = cache

    @property
    def name(self) -> str:
        return self.client.config.name
