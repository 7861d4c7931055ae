"""Postal addresses (parcel pickup and reception points)."""

from typing import ClassVar

import strawberry

from schema.node import Node


@strawberry.type(description="A postal address.")
class Address(Node):
    loader_name: ClassVar[str] = "address"
    client_id: strawberry.Private[int]

    label: str | None = strawberry.field(description='What the place is, e.g. "Paris office".')
    recipient: str | None
    street: str
    postal_code: str | None
    city: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
