"""The Relay `Node` interface and opaque global IDs.

A global ID is the URL-safe base64 of `Type:databaseId`. It is opaque to clients but not secret:
anyone can forge one, so the loaders' tenant scope (not the ID) decides what a client may see.
"""

import base64
import binascii
import re
from typing import ClassVar

import strawberry

from app.errors import InvalidIdError
from schema.rows import FromRow

_GLOBAL_ID = re.compile(r"^[A-Za-z0-9_-]{4,88}$")
_DECODED = re.compile(r"^([A-Z][A-Za-z]{0,40}):([1-9][0-9]{0,17})$")
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def to_global_id(type_name: str, database_id: int) -> str:
    # `urlsafe_b64encode` without its wrappers (every object of a page has an ID).
    encoded = binascii.b2a_base64(f"{type_name}:{database_id}".encode(), newline=False)
    return encoded.translate(_URL_SAFE).decode().rstrip("=")


def from_global_id(raw: str, argument: str = "id") -> tuple[str, int]:
    """Decode a global ID into its type name and database id; a clear error if it is not one."""
    match = None
    if _GLOBAL_ID.match(raw):
        try:
            text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
            match = _DECODED.match(text)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            match = None
    if match is None:
        raise InvalidIdError(
            f"`{argument}` is not a valid global ID: {raw[:100]!r}.", argument=argument
        )
    return match.group(1), int(match.group(2))


def expect_global_id(raw: str, type_name: str, argument: str) -> int:
    """The database id behind a global ID that must name an object of `type_name`."""
    found, database_id = from_global_id(raw, argument)
    if found != type_name:
        raise InvalidIdError(
            f"`{argument}` must be the ID of a {type_name}, not of a {found}.", argument=argument
        )
    return database_id


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node(FromRow):
    id: strawberry.Private[int]
    # The DataLoader (an attribute of `Loaders`) that reads this type by database id.
    loader_name: ClassVar[str]

    @strawberry.field(name="id", description="The object's global ID, for `node(id:)`.")
    def global_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(self).__name__, self.id))

    @strawberry.field(description="The object's primary key in the gateway's database.")
    def database_id(self) -> int:
        return self.id
