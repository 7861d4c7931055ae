"""Deterministic demo data: two tenants, their employees and device fleets, and a bulk loader.

    from app.seed import generate, seed, seed_if_empty

    data = generate(1_400)  # pure: the same count gives the same rows everywhere
    summary = await seed(engine, 1_400, progress=True)  # into an empty, migrated database

`python -m app.seed --help` does the same from the command line.
"""

from app.seed.generate import (
    DEFAULT_BATCH_DEVICES,
    TABLES,
    Batch,
    Row,
    SeedData,
    TenantSeed,
    generate,
    iter_tenants,
)
from app.seed.identifiers import device_id_from_mdm, user_id_from_mdm_account
from app.seed.load import (
    DatabaseNotEmptyError,
    SeedSummary,
    database_is_empty,
    seed,
    seed_if_empty,
)
from app.seed.rng import REFERENCE_TIME
from app.seed.tenants import (
    DEFAULT_DEVICES,
    MIN_DEVICES_FOR_FULL_COVERAGE,
    TenantPlan,
    plan_tenants,
)

__all__ = [
    "DEFAULT_BATCH_DEVICES",
    "DEFAULT_DEVICES",
    "MIN_DEVICES_FOR_FULL_COVERAGE",
    "REFERENCE_TIME",
    "TABLES",
    "Batch",
    "DatabaseNotEmptyError",
    "Row",
    "SeedData",
    "SeedSummary",
    "TenantPlan",
    "TenantSeed",
    "database_is_empty",
    "device_id_from_mdm",
    "generate",
    "iter_tenants",
    "plan_tenants",
    "seed",
    "seed_if_empty",
    "user_id_from_mdm_account",
]
