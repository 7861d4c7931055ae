"""Postal addresses of each tenant: its offices, the returns warehouse, remote workers' homes.

Rows are laid out as `TenantPlan` says: offices first, then the warehouse, then one home
address for every `TenantPlan.HOME_EVERY`-th user. Home addresses come from Faker in the
employee's country, seeded per address.
"""

import importlib
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from typing import Any

from faker import Faker

from app.seed.people import person_name
from app.seed.rng import REFERENCE_TIME, Weighted, between, derive_seed, rng_for
from app.seed.tenants import Site, TenantPlan

Row = dict[str, Any]


# Faker builds some locales' city lists from a set, whose order changes with PYTHONHASHSEED:
# those cities are drawn from a sorted copy instead, with the same seeded random.
_SET_ORDERED_CITIES = ("it_IT",)


@cache
def _sorted_cities(locale: str) -> tuple[str, ...]:
    provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
    return tuple(sorted(provider.cities))


def _city(fake: Faker, locale: str) -> str:
    if locale in _SET_ORDERED_CITIES:
        return str(fake.random_element(_sorted_cities(locale)))
    return str(fake.city())


@cache
def faker_for(locale: str) -> Faker:
    """One Faker per locale for the whole process; callers seed it before each use."""
    return Faker(locale)


@cache
def _home_locales(options: tuple[tuple[str, str, int], ...]) -> Weighted[tuple[str, str]]:
    return Weighted(((locale, country), weight) for locale, country, weight in options)


def _site_row(plan: TenantPlan, address_id: int, site: Site, recipient: str) -> Row:
    return {
        "id": address_id,
        "client_id": plan.client_id,
        "label": site.label,
        "recipient": recipient,
        "street": site.street,
        "postal_code": site.postal_code,
        "city": site.city,
        "country": site.country,
        "created_at": plan.profile.created_at,
    }


def home_address_row(plan: TenantPlan, user_index: int) -> Row:
    """The home address of a remote worker (see `TenantPlan.home_address_id`)."""
    address_id = plan.home_address_id(user_index)
    if address_id is None:
        raise ValueError(f"user {user_index} of {plan.slug} has no home address")
    rng = rng_for(plan.slug, "home", user_index)
    locale, country = _home_locales(plan.profile.home_locales).pick(rng)
    fake = faker_for(locale)
    fake.seed_instance(derive_seed(plan.slug, "home", user_index, locale))
    street = fake.street_address().replace("\n", ", ")
    return {
        "id": address_id,
        "client_id": plan.client_id,
        "label": "Home",
        "recipient": person_name(plan, user_index).full,
        "street": street,
        "postal_code": fake.postcode(),
        "city": _city(fake, locale),
        "country": country,
        "created_at": between(rng, plan.profile.created_at, REFERENCE_TIME - timedelta(days=7)),
    }


def iter_addresses(plan: TenantPlan) -> Iterator[Row]:
    facilities = f"{plan.profile.short_name} Facilities"
    for office_index, office in enumerate(plan.profile.offices):
        yield _site_row(plan, plan.office_address_id(office_index), office, facilities)
    yield _site_row(plan, plan.warehouse_address_id, plan.profile.warehouse, "Fleet Returns Centre")
    for slot in range(plan.home_addresses):
        yield home_address_row(plan, slot * plan.HOME_EVERY)
