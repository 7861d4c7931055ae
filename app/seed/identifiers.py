"""Identifiers in their owners' styles: serial, tracking and order numbers, upstream ids.

Serial numbers are unique by construction: the part after a brand's prefix is a keyed
permutation of the device's primary key written in the brand's alphabet, so two devices never
share a serial number, whatever the size of the data set, and nothing needs remembering. Each
style has its own length or its own literal prefix, so styles cannot collide with each other.
"""

import random
import string
from dataclasses import dataclass
from functools import cache

from app.seed.rng import Permutation, encode, radix_size

DIGITS = string.digits
LETTERS = string.ascii_uppercase
ALNUM = DIGITS + LETTERS
HEX = "0123456789ABCDEF"
APPLE_CHARS = "".join(c for c in ALNUM if c not in "IO")
DELL_CHARS = "".join(c for c in ALNUM if c not in "AEIOU")


@dataclass(frozen=True, slots=True)
class SerialStyle:
    """A manufacturer's serial number shape: a prefix drawn at random, then a unique body."""

    prefixes: tuple[str, ...]
    body: tuple[str, ...]

    @property
    def length(self) -> int:
        return len(self.prefixes[0]) + len(self.body)


SERIAL_STYLES: dict[str, SerialStyle] = {
    # Apple, 12 characters, e.g. C02G1234MD6T (no I or O).
    "apple": SerialStyle(
        ("C02", "C07", "C1M", "FVF", "F5K", "DMP", "GG7", "H4T", "DX3"), (APPLE_CHARS,) * 9
    ),
    # Dell service tag, 7 characters.
    "dell": SerialStyle(("",), (DELL_CHARS,) * 7),
    # Lenovo, 8 characters, e.g. PF3ABC12.
    "lenovo": SerialStyle(("PF", "PC", "R9", "MP"), (ALNUM,) * 6),
    # HP, 10 characters, e.g. 5CG2213XYZ.
    "hp": SerialStyle(("5CG", "5CD", "CND"), (DIGITS,) * 4 + (ALNUM,) * 3),
    # Microsoft Surface, 12 digits.
    "microsoft": SerialStyle(("0",), (DIGITS,) * 11),
    # Samsung, 11 characters, e.g. R58N123ABCD.
    "samsung": SerialStyle(("R58", "R5C", "R3C", "RF8"), (ALNUM,) * 8),
    # Google Pixel, 14 characters.
    "google": SerialStyle(("1A", "2B", "3C", "8A"), (HEX,) * 12),
    # LG monitors, 12 characters: three digits, four letters, five characters.
    "lg": SerialStyle(("",), (DIGITS,) * 3 + (LETTERS,) * 4 + (ALNUM,) * 5),
    # Accessories: a literal brand prefix no other style starts with.
    "jabra": SerialStyle(("JB",), (DIGITS,) * 10),
    "poly": SerialStyle(("PLY",), (ALNUM,) * 9),
    "logitech": SerialStyle(("",), (DIGITS,) * 4 + ("L",) + ("Z",) + (ALNUM,) * 6),
    "flexispot": SerialStyle(("FSE7",), (DIGITS,) * 8),
}


@cache
def _serial_permutation(style: str) -> Permutation:
    return Permutation(radix_size(SERIAL_STYLES[style].body), "serial", style)


def serial_number(style: str, device_id: int, rng: random.Random) -> str:
    """The serial number of device `device_id` in `style` (unique per style and device id)."""
    shape = SERIAL_STYLES[style]
    prefix = shape.prefixes[0] if len(shape.prefixes) == 1 else rng.choice(shape.prefixes)
    return prefix + encode(_serial_permutation(style)(device_id), shape.body)


# MDM ids grow with the device's (or user's) key, with a little jitter so they look organic;
# `(id - base) // stride` recovers the key, which the simulators can use.
MDM_DEVICE_ID_BASE, MDM_DEVICE_ID_STRIDE = 20_000, 7
MDM_ACCOUNT_ID_BASE, MDM_ACCOUNT_ID_STRIDE = 10_500_000, 13


def mdm_device_id(device_id: int, rng: random.Random) -> int:
    return (
        MDM_DEVICE_ID_BASE + device_id * MDM_DEVICE_ID_STRIDE + rng.randrange(MDM_DEVICE_ID_STRIDE)
    )


def mdm_account_id(user_id: int, rng: random.Random) -> int:
    return (
        MDM_ACCOUNT_ID_BASE + user_id * MDM_ACCOUNT_ID_STRIDE + rng.randrange(MDM_ACCOUNT_ID_STRIDE)
    )


def device_id_from_mdm(mdm_id: int) -> int:
    """The primary key of the device whose MDM id is `mdm_id` (inverse of `mdm_device_id`)."""
    return (mdm_id - MDM_DEVICE_ID_BASE) // MDM_DEVICE_ID_STRIDE


def user_id_from_mdm_account(account_id: int) -> int:
    """The primary key of the user whose MDM account is `account_id`."""
    return (account_id - MDM_ACCOUNT_ID_BASE) // MDM_ACCOUNT_ID_STRIDE


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _chars(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choices(alphabet, k=count))


def tracking(carrier: str, rng: random.Random) -> tuple[str, str]:
    """A tracking number in `carrier`'s format and its public tracking page."""
    if carrier == "UPS":
        number = "1Z" + _chars(rng, ALNUM, 6) + _digits(rng, 10)
        return number, f"https://www.ups.com/track?loc=en_US&tracknum={number}"
    if carrier == "FedEx":
        number = _digits(rng, 12)
        return number, f"https://www.fedex.com/fedextrack/?trknbr={number}"
    if carrier == "Chronopost":
        number = _chars(rng, LETTERS, 2) + _digits(rng, 9) + "FR"
        return (
            number,
            f"https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
        )
    if carrier == "Colissimo":
        number = rng.choice(("6A", "8R", "6C")) + _digits(rng, 11)
        return number, f"https://www.laposte.fr/outils/suivre-vos-envois?code={number}"
    if carrier == "DHL":
        number = _digits(rng, 10)
        return (
            number,
            f"https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
        )
    raise ValueError(f"unknown carrier {carrier!r}")


def order_number(year: int, order_id: int) -> str:
    """E.g. ORD-2026-000123 (the platform numbers orders across clients, so ids are unique)."""
    return f"ORD-{year}-{order_id:06d}"


def contract_number(slug: str, year: int, order_id: int) -> str:
    return f"CTR-{slug.upper()}-{year}-{order_id:06d}"


def invoice_number(year: int, rng: random.Random) -> str:
    return f"INV-{year}-{_digits(rng, 6)}"


def lease_contract_number(rng: random.Random) -> str:
    return f"{rng.choice(('LSE', 'GRK', 'BNP'))}-{_digits(rng, 8)}"


def windows_host_name(prefix: str, rng: random.Random) -> str:
    return f"{prefix}-{_chars(rng, DELL_CHARS, 7)}"
