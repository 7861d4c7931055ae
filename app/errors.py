"""Errors whose message and code are meant for the client.

Anything raised that is not a `PublicError` is masked before it leaves the gateway: the client
sees `INTERNAL_SERVER_ERROR` and the log keeps the details.
"""

from dataclasses import dataclass
from typing import Any

from app.enums import UserErrorCode


class PublicError(Exception):
    """An error the client caused or can act on. `code` becomes `extensions.code`."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extensions = extensions


class InvalidIdError(PublicError):
    code = "INVALID_ID"


class InvalidCursorError(PublicError):
    code = "INVALID_CURSOR"


class InvalidPaginationError(PublicError):
    code = "INVALID_PAGINATION"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a mutation's input: where (the path under `input`, list indexes
    included), a code clients can branch on, and a message people can read."""

    path: tuple[str | int, ...]
    code: UserErrorCode
    message: str


class Problems(list[Problem]):
    """The input problems of one mutation, collected before anything is changed or sent."""

    def add(self, path: tuple[str | int, ...], code: UserErrorCode, message: str) -> None:
        self.append(Problem(path, code, message))
