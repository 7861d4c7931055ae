"""The employees of each tenant: names, e-mail addresses, teams, roles and upstream ids.

A user is a pure function of its tenant and index, so any user can be rebuilt on its own.
Names come from Faker's name lists for the tenant's locales; the `index`-th user gets the
(first name, last name) pair a keyed permutation maps the index to, which keeps e-mail
addresses unique without remembering the ones already given.
"""

import importlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from app.enums import Role
from app.seed.identifiers import mdm_account_id
from app.seed.rng import (
    HISTORY_START,
    REFERENCE_TIME,
    Permutation,
    Weighted,
    between,
    chance,
    rng_for,
    uuid4,
)
from app.seed.tenants import TenantPlan

Row = dict[str, Any]

TEAMS = Weighted(
    [
        ("Engineering", 28),
        ("Sales", 16),
        ("Support", 10),
        ("Operations", 8),
        ("Marketing", 8),
        ("Product", 6),
        ("Design", 6),
        ("Finance", 6),
        ("People", 5),
        ("Data", 4),
        ("IT", 3),
        ("Legal", 2),
    ]
)
ROLE_TEAMS: dict[Role, Weighted[str]] = {
    Role.TENANT_ADMIN: Weighted([("IT", 3), ("Operations", 1)]),
    Role.DEVICE_MANAGEMENT: Weighted([("IT", 3), ("Operations", 1)]),
    Role.DEVICE_ACTIONS: Weighted([("IT", 2), ("Support", 2), ("Operations", 1)]),
    Role.READ_ONLY: Weighted([("Finance", 2), ("People", 2), ("Operations", 1), ("Legal", 1)]),
}

_NOT_IN_EMAIL = re.compile(r"[^a-z-]")


def email_key(name: str) -> str:
    """The e-mail form of a name: ASCII, lower case, letters and hyphens only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_IN_EMAIL.sub("", ascii_name.lower().replace(" ", "-")).strip("-")


@dataclass(frozen=True, slots=True)
class NamePool:
    """First and last names of some locales, deduplicated by their e-mail form."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]

    @property
    def pairs(self) -> int:
        return len(self.first_names) * len(self.last_names)


def _unique_by_key(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        key = email_key(name)
        if key and key not in seen:
            seen[key] = name
    return tuple(seen[key] for key in sorted(seen))


@cache
def name_pool(locales: tuple[str, ...]) -> NamePool:
    first: list[str] = []
    last: list[str] = []
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first.extend(provider.first_names)
        last.extend(provider.last_names)
    return NamePool(_unique_by_key(first), _unique_by_key(last))


@cache
def _pair_permutation(slug: str, pairs: int) -> Permutation:
    return Permutation(pairs, "names", slug)


@dataclass(frozen=True, slots=True)
class PersonName:
    first: str
    last: str
    email: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


def person_name(plan: TenantPlan, user_index: int) -> PersonName:
    """The name and e-mail address of the tenant's `user_index`-th user."""
    pool = name_pool(plan.profile.name_locales)
    lap, position = divmod(user_index, pool.pairs)
    pair = _pair_permutation(plan.slug, pool.pairs)(position)
    last_index, first_index = divmod(pair, len(pool.first_names))
    first, last = pool.first_names[first_index], pool.last_names[last_index]
    suffix = str(lap + 1) if lap else ""
    email = f"{email_key(first)}.{email_key(last)}{suffix}@{plan.profile.domain}"
    return PersonName(first, last, email)


def user_row(plan: TenantPlan, user_index: int) -> Row:
    """The `user_index`-th user of the tenant, as a `users` row."""
    rng = rng_for(plan.slug, "user", user_index)
    user_id = plan.user_id(user_index)
    name = person_name(plan, user_index)
    role = plan.role_of(user_index)
    if role is not None:
        team: str | None = ROLE_TEAMS[role].pick(rng)
        # Role holders were set up when the tenant was onboarded.
        created_at = between(rng, plan.profile.created_at, HISTORY_START + timedelta(days=30))
    else:
        team = None if chance(rng, 0.03) else TEAMS.pick(rng)
        created_at = between(rng, HISTORY_START, REFERENCE_TIME - timedelta(days=3))
    updated_at = created_at if chance(rng, 0.4) else between(rng, created_at, REFERENCE_TIME)
    # A few new hires are not synchronised to the upstreams yet.
    synced = role is not None or not chance(rng, 0.03)
    account = mdm_account_id(user_id, rng) if synced else None
    inventory_id = uuid4(rng) if synced or chance(rng, 0.5) else None
    return {
        "id": user_id,
        "client_id": plan.client_id,
        "name": name.full,
        "email": name.email,
        "team": team,
        "role": role.value if role is not None else None,
        "mdm_account_id": account,
        "inventory_user_id": inventory_id,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def iter_users(plan: TenantPlan) -> Iterator[Row]:
    for user_index in range(plan.users):
        yield user_row(plan, user_index)
