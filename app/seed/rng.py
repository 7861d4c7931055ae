"""Deterministic randomness for the demo data: named seeds, weighted picks, permutations, UUIDs.

Nothing here reads the clock or Python's per-process `hash()`, so the same names give the same
numbers in every process and on every machine.
"""

import hashlib
import random
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

ROOT_SEED = "fleet-gateway-demo-data/v1"

# The data's "now": every timestamp is computed from it, never from the clock.
REFERENCE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
# Activity is spread over the two years before the reference time.
HISTORY_START = REFERENCE_TIME - timedelta(days=730)


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from a path of names, e.g. `derive_seed("acme", "user", 12)`."""
    text = "\x1f".join([ROOT_SEED, *(str(part) for part in parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def rng_for(*parts: object) -> random.Random:
    """A fresh `random.Random` seeded from a path of names."""
    return random.Random(derive_seed(*parts))


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, as its canonical string."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second instant in `[start, end]` (`start`, rounded up, when the range is empty)."""
    if start.microsecond:
        start = start.replace(microsecond=0) + timedelta(seconds=1)
    span = int((end - start).total_seconds())
    if span <= 0:
        return start
    return start + timedelta(seconds=rng.randint(0, span))


def days_before(rng: random.Random, low: float, high: float, *, end: datetime) -> datetime:
    """A whole-second instant between `high` and `low` days before `end`."""
    return between(rng, end - timedelta(days=high), end - timedelta(days=low))


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


class Weighted(Generic[T]):
    """A fixed weighted choice, with the cumulative weights computed once."""

    __slots__ = ("_cumulative", "_total", "values")

    def __init__(self, options: Iterable[tuple[T, float]]) -> None:
        pairs = [(value, weight) for value, weight in options if weight > 0]
        if not pairs:
            raise ValueError("a weighted choice needs at least one positive weight")
        self.values: tuple[T, ...] = tuple(value for value, _ in pairs)
        self._cumulative = list(accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect_right(self._cumulative, rng.random() * self._total)
        return self.values[min(index, len(self.values) - 1)]


_MASK64 = (1 << 64) - 1


class Permutation:
    """A keyed bijection of `range(size)`: a balanced Feistel network with cycle walking.

    Used to turn sequential numbers (ids, indexes) into values that look random but never
    collide, without remembering what was handed out: unique serial numbers and e-mail
    addresses for any number of devices in constant memory.
    """

    __slots__ = ("_half_bits", "_half_mask", "_keys", "size")

    def __init__(self, size: int, *key: object, rounds: int = 4) -> None:
        if size < 2:
            raise ValueError("a permutation needs at least two values")
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self.size = size
        self._half_bits = bits // 2
        self._half_mask = (1 << self._half_bits) - 1
        key_rng = rng_for("permutation", *key)
        self._keys = tuple(key_rng.getrandbits(64) for _ in range(rounds))

    def _round(self, value: int, key: int) -> int:
        mixed = ((value ^ key) * 0x9E3779B97F4A7C15) & _MASK64
        mixed ^= mixed >> 29
        mixed = (mixed * 0xBF58476D1CE4E5B9) & _MASK64
        return (mixed ^ (mixed >> 32)) & self._half_mask

    def _encrypt(self, value: int) -> int:
        left, right = value >> self._half_bits, value & self._half_mask
        for key in self._keys:
            left, right = right, left ^ self._round(right, key)
        return (left << self._half_bits) | right

    def __call__(self, value: int) -> int:
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside the permutation's range 0..{self.size - 1}")
        value = self._encrypt(value)
        while value >= self.size:
            value = self._encrypt(value)
        return value


def encode(value: int, alphabets: Sequence[str]) -> str:
    """`value` in the mixed radix of one alphabet per position (the last varies fastest)."""
    chars: list[str] = []
    for alphabet in reversed(alphabets):
        value, digit = divmod(value, len(alphabet))
        chars.append(alphabet[digit])
    if value:
        raise ValueError("value does not fit in the given positions")
    return "".join(reversed(chars))


def radix_size(alphabets: Sequence[str]) -> int:
    """How many distinct strings `encode` can write with these positions."""
    size = 1
    for alphabet in alphabets:
        size *= len(alphabet)
    return size
