"""Deterministic draws shared by the data builders: the `Showcase` spread, random identifiers,
the vocabularies' weights, and the `Context` one partition's builders share.
"""

import random
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from app.seed import REFERENCE_TIME
from app.seed.rng import Weighted
from app.simulators.mdm import catalog
from app.simulators.mdm.enums import THREAT_STATUSES
from app.simulators.mdm.records import Partition, epoch_ms

T = TypeVar("T", bound=Hashable)

SEED_KEY = "mdm-sim"
REF_MS = epoch_ms(REFERENCE_TIME) or 0
DAY_MS = 86_400_000

# Seed statuses of devices that never talked to the provider yet (DEP-assigned, invited).
PRE_REGISTRATION = frozenset({"SUBSCRIBED", "DOWNLOADED"})
# Registration states of devices the provider let go, and of those it is letting go.
GONE_STATES = frozenset({"RETIRED", "WIPED"})
LEAVING_STATES = frozenset({"RETIRE_PENDING", "RETIRE_SENT", "WIPE_PENDING", "WIPE_SENT"})

YES_NO = Weighted([(True, 60), (False, 40)])
RARE = Weighted([(False, 94), (True, 6)])
THREAT = Weighted([(THREAT_STATUSES[0], 90), (THREAT_STATUSES[1], 10)])
COPE = Weighted([(False, 70), (True, 30)])  # work profile on a company-owned Android device


class Showcase:
    """Spreads values so each appears: the first draw of a kind takes each unseen value in
    order, later draws are weighted picks."""

    def __init__(self) -> None:
        self._seen: dict[str, set[Hashable]] = defaultdict(set)

    def pick(self, kind: str, choice: Weighted[T], rng: random.Random) -> T:
        seen = self._seen[kind]
        for value in choice.values:
            if value not in seen:
                seen.add(value)
                return value
        return choice.pick(rng)


def hex_digits(rng: random.Random, count: int) -> str:
    return f"{rng.getrandbits(4 * count):0{count}x}"


def digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def mac_address(rng: random.Random) -> str:
    return ":".join(f"{rng.randrange(256):02x}" for _ in range(6))


def ms(moment: datetime | None, rng: random.Random) -> int | None:
    """An instant in milliseconds, with the millisecond part the seed leaves out."""
    return None if moment is None else (epoch_ms(moment) or 0) + rng.randrange(1000)


@dataclass(slots=True)
class Context:
    """What the builders of one partition share: the partition, the client's names, the
    showcase and the certificate counters."""

    partition: Partition
    slug: str
    company: str  # the client's name, e.g. "Acme Corporation"
    client_id: int
    showcase: Showcase
    cert_serial: int = 0
    cert_store_id: int = 0

    def phone(self, rng: random.Random) -> str:
        prefix = catalog.PHONE_PREFIXES.get(self.slug, "+1555")
        return prefix + digits(rng, 12 - len(prefix) + 1)
