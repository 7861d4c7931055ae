"""Structured logs: one JSON object per line, and one line per request.

Every line written while a request runs carries its `requestId` (set by
`app/observability/requests.py`). Secrets are kept out as a last line of defence, whatever a
caller passes: fields named like a credential or a PIN are replaced, and anything shaped like a
JWT or a bearer credential is masked in messages and tracebacks.
"""

import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

# Record attributes that are not ours to print (uvicorn adds an ANSI-coloured copy of its message).
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}

# The id of the request being served in this context (None outside requests).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED = "[redacted]"
_SECRET_WORDS = frozenset(
    {"authorization", "token", "tokens", "secret", "password", "passcode", "pin", "pins"}
    | {"cookie", "jwt", "credential", "credentials", "apikey"}
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SECRET_TEXT = re.compile(
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT (header.payload.sig)
    r"|(?i:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"  # an Authorization credential
)


def is_secret_field(name: str) -> bool:
    """`pin`, `jwtSecret`, `upstream_token`: a field whose value must not be logged."""
    return any(word.lower() in _SECRET_WORDS for word in _WORDS.findall(name))


def redact(text: str) -> str:
    """Mask JWTs and bearer/basic credentials inside free text."""
    return _SECRET_TEXT.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        current = request_id.get()
        if current is not None:
            entry["requestId"] = current
        for key, value in record.__dict__.items():
            if key in _RESERVED:
                continue
            entry[key] = REDACTED if is_secret_field(key) else value
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The gateway writes its own line per request (with operation and statement count).
    logging.getLogger("uvicorn.access").disabled = True
