"""Every knob of the gateway, read from the environment (and an optional `.env` file) once."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "gateway.sqlite3"
DEV_JWT_SECRET = "development-only-secret-do-not-use-in-production"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """The gateway's settings: each field is the environment variable of its name, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    gateway_env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Worker processes `make run` serves the port with (uvicorn's process manager).
    workers: int = Field(default=1, ge=1, le=64)
    # Graceful shutdown (see app/observability/lifecycle.py): how long in-flight requests get
    # after SIGTERM (uvicorn's timeout_graceful_shutdown), and how long the process keeps
    # accepting, with /readyz failing, before it stops (time for a load balancer to notice).
    drain_timeout_seconds: int = Field(default=30, ge=0)
    drain_delay_seconds: float = Field(default=0.0, ge=0)
    # Operations (see app/observability/): `/metrics` needs `Authorization: Bearer
    # <METRICS_TOKEN>` when set, else answers loopback clients only; METRICS_DIR is the
    # multiprocess directory (default var/metrics when WORKERS>1); TRACING exports spans.
    metrics_token: SecretStr | None = None
    metrics_dir: Path | None = None
    tracing: Literal["off", "console", "otlp"] = "off"
    tracing_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    database_pool_size: int = Field(default=20, ge=1)
    database_echo: bool = False
    graphiql: bool | None = None
    introspection: bool | None = None
    log_level: str = "INFO"
    gc_tuning: bool = True
    # Bearer tokens (JWT). The default secret is for development only: production refuses it.
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "fleet-gateway"
    jwt_audience: str = "fleet-gateway"
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    parser_cache_size: int = Field(default=256, ge=1)
    validation_cache_size: int = Field(default=256, ge=1)
    # Upstreams. By default the simulators that `make run` starts (see SIMULATORS).
    mdm_base_url: str = "http://127.0.0.1:8100/mdm"
    mdm_username: str = "gateway"
    mdm_password: str = "gateway-secret"
    inventory_base_url: str = "http://127.0.0.1:8100/inventory/v2"
    inventory_token: str = "dev-inventory-token"
    upstream_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_deadline_seconds: float = Field(default=5.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, le=5)
    upstream_max_connections: int = Field(default=20, ge=1)
    upstream_concurrency: int = Field(default=16, ge=1)
    upstream_cache_ttl_seconds: float = Field(default=30.0, ge=0)
    upstream_cache_size: int = Field(default=1024, ge=1)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_recovery_seconds: float = Field(default=15.0, gt=0)
    simulators: bool = True
    simulators_host: str = "127.0.0.1"
    simulators_port: int = Field(default=8100, ge=1, le=65535)
    simulator_devices: int = Field(default=1400, ge=1)
    # What one request may ask (see schema/limits.py and the README's security model).
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_query_bytes: int = Field(default=50_000, ge=100)
    max_query_tokens: int = Field(default=5_000, ge=10)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=0)
    max_directives: int = Field(default=50, ge=0)
    max_query_cost: int = Field(default=25_000, ge=1)
    # Array batching (a JSON list of operations in one POST): 0 keeps it off.
    batch_max_operations: int = Field(default=0, ge=0, le=50)
    # Per-tenant budget of query cost (a token bucket); in Redis when REDIS_URL is set.
    rate_limit_capacity: int = Field(default=500_000, ge=1)
    rate_limit_refill_per_second: float = Field(default=50_000, gt=0)
    redis_url: str | None = None
    redis_prefix: str = "fleet-gateway"
    # Device actions (see app/actions/): targets per call, how often the follower looks at runs
    # still PENDING, and when a run that never finishes is failed.
    action_max_devices: int = Field(default=100, ge=1, le=500)
    action_poll_seconds: float = Field(default=2.0, gt=0)
    # Whether this process follows PENDING action runs (every worker may; the tests turn it on
    # only where they watch runs finish).
    action_follower: bool = True
    action_timeout_seconds: float = Field(default=600.0, gt=0)
    # The mirror of each device's upstream summary (see app/mirror.py): 0 turns the background
    # refresh off; one refresh of a tenant must fit in the deadline.
    mirror_refresh_seconds: float = Field(default=300.0, ge=0)
    mirror_deadline_seconds: float = Field(default=60.0, gt=0)
    # Subscriptions over WebSocket (graphql-transport-ws).
    ws_init_timeout_seconds: float = Field(default=10.0, gt=0)
    ws_max_subscriptions: int = Field(default=20, ge=1)
    # GraphQL over HTTP: responses of at least this many bytes are gzipped for clients that
    # accept it (0: every response).
    gzip_min_bytes: int = Field(default=1024, ge=0)
    # zlib's level: 4 compresses a 186 KB page of 100 devices 8.8x in about 1 ms; 9 (Starlette's
    # default) 10.1x in 3 ms.
    gzip_level: int = Field(default=4, ge=1, le=9)
    # Persisted documents (see app/persisted.py): automatic persisted queries (Apollo's
    # protocol; in Redis when REDIS_URL is set, else the most recent APQ_CACHE_SIZE in memory),
    # and a manifest of trusted documents, the only ones that run when enforced (by default in
    # production once a manifest is set).
    persisted_queries: bool = True
    apq_cache_size: int = Field(default=1000, ge=1)
    apq_ttl_seconds: int = Field(default=86_400, ge=60)
    trusted_documents: Path | None = None
    trusted_documents_only: bool | None = None
    default_page_size: int = Field(default=50, ge=1, le=100)
    max_page_size: int = Field(default=100, ge=1, le=100)
    # The fast path (schema/fastpath/): planned queries build their response without graphql-core's
    # per-field machinery; off, every operation runs on the reference executor. Plans are kept for
    # FAST_PATH_CACHE_SIZE operations (least recently used go first).
    fast_path: bool = True
    fast_path_cache_size: int = Field(default=256, ge=1)

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> "Settings":
        secret = self.jwt_secret.get_secret_value()
        if self.is_production and secret == DEV_JWT_SECRET:
            raise ValueError("GATEWAY_ENV=production needs JWT_SECRET (the default is public)")
        if self.jwt_algorithm.startswith("HS") and len(secret.encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes for HMAC (RFC 7518 3.2)")
        if self.trusted_documents_only and self.trusted_documents is None:
            raise ValueError("TRUSTED_DOCUMENTS_ONLY needs a TRUSTED_DOCUMENTS manifest")
        return self

    @property
    def is_production(self) -> bool:
        return self.gateway_env is Environment.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is served unless turned off, and off by default in production."""
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def introspection_enabled(self) -> bool:
        """`__schema` introspection: on unless turned off, and off by default in production."""
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def trusted_documents_enforced(self) -> bool:
        """Only the manifest's documents run: when asked, and by default in production once a
        manifest is set."""
        if self.trusted_documents_only is not None:
            return self.trusted_documents_only
        return self.is_production and self.trusted_documents is not None

    @property
    def stats_for_everyone(self) -> bool:
        """`X-Gateway-Stats: 1` works for every viewer outside production (for tenant admins
        only in production)."""
        return not self.is_production


@lru_cache
def get_settings() -> Settings:
    return Settings()
