"""Persisted documents: Apollo's automatic persisted queries (APQ) and trusted documents.

A request may name its document instead of sending it:
- `extensions.persistedQuery { version: 1, sha256Hash }` (Apollo's protocol, POST or GET): the
  gateway answers `PERSISTED_QUERY_NOT_FOUND` for a hash it does not know, and the client sends
  the hash again with the text, which is checked against the hash and stored;
- `documentId` (GraphQL over HTTP's persisted documents, `sha256:<hex>` or a manifest's own key):
  looked up in the trusted documents manifest.

Trusted documents are a manifest of allowed operations, hash -> document, as the Relay compiler
(`persistConfig`), GraphQL Codegen (`persistedDocuments`) or Apollo's manifest generator emit it.
With `TRUSTED_DOCUMENTS_ONLY` (on in production when a manifest is set) only those run: ad hoc
text and APQ registration are refused with `PERSISTED_QUERY_REQUIRED`.

APQ texts live in a `PersistedQueryStore`: bounded and in process by default, in Redis (shared by
every worker, with a TTL) when `REDIS_URL` is set. Stored texts are not secret (any client may
register one), and never trusted: every document still goes through validation and the limits.
"""

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from cachetools import LRUCache

from app.redis_client import connect
from app.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryError(Exception):
    """A persisted-document request the gateway refuses, before any GraphQL runs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueryStore(Protocol):
    """Where APQ texts are kept, by the SHA-256 of their text."""

    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, document: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryPersistedQueryStore:
    """The most recently used `maxsize` documents of this process."""

    def __init__(self, maxsize: int) -> None:
        self._documents: LRUCache[str, str] = LRUCache(maxsize=maxsize)

    async def get(self, sha256: str) -> str | None:
        return self._documents.get(sha256)

    async def put(self, sha256: str, document: str) -> None:
        self._documents[sha256] = document

    async def aclose(self) -> None:
        self._documents.clear()


class RedisPersistedQueryStore:
    """Documents in Redis, shared by every worker; each expires `ttl_seconds` after its last
    registration or use (Redis evicts them like any other key under memory pressure)."""

    def __init__(self, url: str, prefix: str, ttl_seconds: int) -> None:
        self.redis: Redis = connect(url)
        self.prefix = prefix
        self.ttl = ttl_seconds

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}:apq:{sha256}"

    async def get(self, sha256: str) -> str | None:
        found = await self.redis.getex(self._key(sha256), ex=self.ttl)
        return None if found is None else bytes(found).decode()

    async def put(self, sha256: str, document: str) -> None:
        await self.redis.set(self._key(sha256), document.encode(), ex=self.ttl)

    async def aclose(self) -> None:
        await self.redis.aclose()


def create_persisted_query_store(settings: Settings) -> PersistedQueryStore:
    if settings.redis_url:
        return RedisPersistedQueryStore(
            settings.redis_url, settings.redis_prefix, settings.apq_ttl_seconds
        )
    return MemoryPersistedQueryStore(settings.apq_cache_size)


def load_manifest(path: Path) -> dict[str, str]:
    """hash -> document from a manifest file: a JSON object `{hash: document}` (Relay compiler,
    GraphQL Codegen's client preset) or Apollo's `{"format": "apollo-persisted-query-manifest",
    "operations": [{"id", "body"}]}`."""
    content = orjson.loads(path.read_bytes())
    if isinstance(content, dict) and content.get("format") == "apollo-persisted-query-manifest":
        operations = content.get("operations")
        if not isinstance(operations, list):
            raise ValueError(f"{path}: `operations` must be a list")
        content = {op.get("id"): op.get("body") for op in operations if isinstance(op, dict)}
    if not isinstance(content, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in content.items()
    ):
        raise ValueError(f"{path}: a trusted documents manifest maps hashes to documents")
    return content


class PersistedDocuments:
    """Turns a request's persisted-document reference into its text, or refuses it."""

    def __init__(
        self,
        store: PersistedQueryStore,
        manifest: Mapping[str, str],
        *,
        apq: bool,
        trusted_only: bool,
        max_document_bytes: int,
    ) -> None:
        self.store = store
        self.manifest = manifest
        self.apq = apq
        self.trusted_only = trusted_only
        self.max_document_bytes = max_document_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> "PersistedDocuments":
        manifest = load_manifest(settings.trusted_documents) if settings.trusted_documents else {}
        return cls(
            create_persisted_query_store(settings),
            manifest,
            apq=settings.persisted_queries,
            trusted_only=settings.trusted_documents_enforced,
            max_document_bytes=settings.max_query_bytes,
        )

    async def aclose(self) -> None:
        await self.store.aclose()

    async def resolve(self, data: Mapping[str, Any], *, text_allowed: bool) -> str | None:
        """The document text to run for one request's parameters (None: the request has none,
        which Strawberry refuses). `text_allowed` is False where ad hoc text must not run (GET
        in production); trusted-only mode refuses it everywhere."""
        query = data.get("query")
        text = query if isinstance(query, str) and query.strip() else None
        document_id = data.get("documentId")
        extensions = data.get("extensions")
        apq = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
        if document_id is not None:
            if not isinstance(document_id, str):
                raise PersistedQueryError("BAD_REQUEST", "`documentId` must be a string.")
            return await self._by_document_id(document_id, text)
        if apq is not None:
            return await self._by_apq(apq, text, text_allowed=text_allowed)
        if text is not None and (self.trusted_only or not text_allowed):
            raise PersistedQueryError(
                "PERSISTED_QUERY_REQUIRED",
                "Only persisted documents run here: send `extensions.persistedQuery` or "
                "`documentId` (and POST for ad hoc text outside trusted-documents mode).",
            )
        return query if isinstance(query, str) else None

    async def _by_document_id(self, document_id: str, text: str | None) -> str:
        if text is not None:
            raise PersistedQueryError(
                "BAD_REQUEST", "Send either `documentId` or `query`, not both."
            )
        key = document_id.removeprefix("sha256:")
        found = self.manifest.get(document_id) or self.manifest.get(key)
        if found is None and _SHA256.match(key) and not self.trusted_only:
            found = await self.store.get(key)
        if found is None:
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_FOUND", f"No persisted document with id {document_id!r}."
            )
        return found

    async def _by_apq(self, apq: object, text: str | None, *, text_allowed: bool) -> str:
        if not isinstance(apq, Mapping) or apq.get("version") != 1:
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_SUPPORTED",
                "Only `extensions.persistedQuery { version: 1, sha256Hash }` is supported.",
            )
        sha = apq.get("sha256Hash")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise PersistedQueryError(
                "BAD_REQUEST", "`persistedQuery.sha256Hash` must be 64 lower-case hex digits."
            )
        if text is None:
            found = self.manifest.get(sha)
            if found is None and self.apq and not self.trusted_only:
                found = await self.store.get(sha)
            if found is None:
                if not self.apq and not self.manifest:
                    raise PersistedQueryError(
                        "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported"
                    )
                # Apollo's clients read this exact message and code, then send the text.
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return found
        # A registration: the text with its hash.
        if sha256_hex(text) != sha:
            raise PersistedQueryError(
                "PERSISTED_QUERY_HASH_MISMATCH",
                "`persistedQuery.sha256Hash` is not the SHA-256 of `query`.",
            )
        if sha in self.manifest:
            return text
        if self.trusted_only or not text_allowed:
            raise PersistedQueryError(
                "PERSISTED_QUERY_REQUIRED",
                "This document is not a trusted one."
                if self.trusted_only
                else "Register a persisted query over POST; GET accepts its hash only.",
            )
        if not self.apq:
            raise PersistedQueryError("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
        if len(text.encode()) <= self.max_document_bytes:
            await self.store.put(sha, text)
        return text
