"""The parameters of a remote action, read as the provider reads them.

The document sends action parameters as a form body (`--data-urlencode 'ids=22002'`, `--form
'ids="22000"'`) and says "you can issue them as query parameters, and the server will parse them
into a request body", so the query string and the body are one bag of parameters here: a
url-encoded or multipart form, or (for clients that prefer it) a JSON object. A list parameter
(`ids`, `guids`, `deviceIds`, `policyIds`) may be repeated (`ids=1&ids=2`), comma-separated
(`ids=22015,22002`, `deviceIds=370872%2C383279`) or both, with blanks around the commas.

Starlette's own form parser needs `python-multipart`, which the project does not install, so the
two form encodings are decoded with the standard library. Every malformed value is a 400 with a
field error, as the provider answers its Spring-bound parameters.
"""

from collections import defaultdict
from collections.abc import Iterable
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from app.simulators.mdm.errors import ApiError, bad_field

TRUE = frozenset({"true", "on", "yes", "1"})
FALSE = frozenset({"false", "off", "no", "0", ""})


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "The form body is not UTF-8") from None
    return parse_qsl(text, keep_blank_values=True)


def _multipart_pairs(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The fields of a `multipart/form-data` body (a file part's content counts as its text)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts = message.get_payload()
    if not message.is_multipart() or not isinstance(parts, list):
        raise ApiError(400, "Malformed multipart body")
    pairs: list[tuple[str, str]] = []
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        pairs.append((name, text))
    return pairs


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _json_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Malformed JSON body") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The JSON body must be an object")
    pairs: list[tuple[str, str]] = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            text = _scalar(item)
            if text is None and item is not None:
                raise bad_field(name, "TypeMismatch", f"{name} must be a value or a list of them")
            if text is not None:
                pairs.append((name, text))
    return pairs


class Params:
    """The query string and the body's parameters, merged (query first)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._values[name].append(value)

    @classmethod
    async def read(cls, request: Request) -> "Params":
        pairs = list(request.query_params.multi_items())
        body = await request.body()
        if body.strip():
            content_type = request.headers.get("content-type", "")
            media = content_type.split(";", 1)[0].strip().lower()
            if media in ("", "application/x-www-form-urlencoded"):
                pairs.extend(_form_pairs(body))
            elif media == "multipart/form-data":
                pairs.extend(_multipart_pairs(content_type, body))
            elif media == "application/json" or media.endswith("+json"):
                pairs.extend(_json_pairs(body))
            else:
                raise ApiError(415, f"Content type '{media}' not supported")
        return cls(pairs)

    def has(self, name: str) -> bool:
        return name in self._values

    def text(self, name: str) -> str | None:
        """The first value of `name` (None when absent)."""
        values = self._values.get(name)
        return values[0] if values else None

    def required_text(self, name: str) -> str:
        """The first value of `name`, which must not be blank."""
        value = self.text(name)
        if value is None or not value.strip():
            raise bad_field(name, "NotBlank", "may not be empty")
        return value

    def items(self, name: str) -> list[str]:
        """Every value of a list parameter: repeated and comma-separated, blanks dropped."""
        return [
            item.strip()
            for value in self._values.get(name, [])
            for item in value.split(",")
            if item.strip()
        ]

    def ids(self, name: str) -> list[int]:
        """A list of numeric ids (400 when one is not a number); may be empty."""
        found: list[int] = []
        for item in self.items(name):
            if not (item.isascii() and item.isdigit()):
                raise bad_field(name, "TypeMismatch", f"{name} must be numeric ids: {item!r}")
            if int(item) not in found:
                found.append(int(item))
        return found

    def required_ids(self, name: str) -> list[int]:
        found = self.ids(name)
        if not found:
            raise bad_field(name, "NotNull", "may not be null")
        return found

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = (self.text(name) or "").strip()
        if not value:
            if required:
                raise bad_field(name, "NotNull", "may not be null")
            return None
        if not (value.isascii() and value.isdigit()):
            raise bad_field(name, "TypeMismatch", f"{name} must be a number")
        return int(value)

    def flag(self, name: str) -> bool:
        """A boolean (`true` / `false`, as Spring binds them); absent or blank is false."""
        value = (self.text(name) or "").strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise bad_field(name, "TypeMismatch", f"{name} must be true or false")
