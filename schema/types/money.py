"""Money: an exact decimal amount that never travels without its currency."""

from decimal import Decimal

import strawberry

# ISO 4217 currencies whose minor unit is not the cent.
_EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}


@strawberry.type(description="An amount of money in a currency.")
class Money:
    amount: str = strawberry.field(description='Exact decimal amount, e.g. "49.90".')
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")

    @classmethod
    def of(cls, minor: int | None, currency: str | None) -> "Money | None":
        """Money from an amount in minor units (cents); null when either part is unknown."""
        if minor is None or currency is None:
            return None
        exponent = _EXPONENTS.get(currency, 2)
        amount = Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))
        return cls(amount=str(amount), currency=currency)
