"""Schema evolution: `schema.graphql` against the last released schema (the latest tag, or,
without tags, the file's previous version in git), with graphql-core's `find_breaking_changes`.
A breaking change must be listed in `SCHEMA_CHANGELOG.md` (graphql-core's own sentence), and a
removed field or enum value must have been `@deprecated(reason:)` in the released schema."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from graphql import (
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema.graphql"
CHANGELOG = ROOT / "SCHEMA_CHANGELOG.md"


@dataclass(frozen=True)
class Problem:
    description: str
    why: str


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def released_schema() -> tuple[str, str] | None:
    """(where from, SDL) of the last released schema: the latest tag's file, else the newest
    earlier version of the file in git that differs from the working tree's (the previous
    commit's file; the committed one while the working tree changes it)."""
    current = SCHEMA.read_text()
    tag = (_git("describe", "--tags", "--abbrev=0") or "").strip()
    if tag:
        released = _git("show", f"{tag}:schema.graphql")
        if released is not None:
            return tag, released
    for commit in (_git("log", "--format=%H", "--", "schema.graphql") or "").split():
        released = _git("show", f"{commit}:schema.graphql")
        if released is not None and released != current:
            return commit[:12], released
    return None


# graphql-core's sentences for a removed field and a removed enum value.
_FIELD_REMOVED = re.compile(r"^(?:Field )?(\w+)\.(\w+) was removed\.$")
_VALUE_REMOVED = re.compile(
    r"^(?:Enum value (\w+)\.(\w+) was removed|(\w+) was removed from enum type (\w+))\.$"
)


def _deprecated_in(schema: GraphQLSchema, description: str, kind: BreakingChangeType) -> bool:
    """Whether the released schema deprecated what a removal's description names (any other
    breaking change needs no deprecation)."""
    if kind is BreakingChangeType.FIELD_REMOVED and (found := _FIELD_REMOVED.match(description)):
        owner, name = found.groups()
        named = schema.get_type(owner)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            field = named.fields.get(name)
            return field is not None and field.deprecation_reason is not None
        return False
    if kind is BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (
        found := _VALUE_REMOVED.match(description)
    ):
        owner, name, value_first, owner_last = found.groups()
        named = schema.get_type(owner or owner_last)
        if isinstance(named, GraphQLEnumType):
            value = named.values.get(name or value_first)
            return value is not None and value.deprecation_reason is not None
        return False
    return True


def unlisted_breaking_changes(released: str, current: str, changelog: str) -> list[Problem]:
    """Every breaking change from `released` to `current` that the changelog does not allow."""
    old = build_schema(released)
    listed = " ".join(changelog.split())  # a sentence may wrap across lines
    problems = []
    for change in find_breaking_changes(old, build_schema(current)):
        if " ".join(change.description.split()) not in listed:
            problems.append(Problem(change.description, "not listed in SCHEMA_CHANGELOG.md"))
        elif not _deprecated_in(old, change.description, change.type):
            problems.append(Problem(change.description, "removed without @deprecated first"))
    return problems


def test_schema_graphql_has_no_unlisted_breaking_change() -> None:
    released = released_schema()
    if released is None:
        pytest.skip("no earlier schema.graphql in git (a fresh or shallow clone)")
    source, sdl = released
    problems = unlisted_breaking_changes(sdl, SCHEMA.read_text(), CHANGELOG.read_text())
    assert problems == [], (
        f"breaking changes since {source}: list each in SCHEMA_CHANGELOG.md with graphql-core's "
        "sentence, after a release where it was @deprecated"
    )


RELEASED = """
type Query { device: Device }
type Device {
  name: String
  label: String @deprecated(reason: "Use `name`.")
  status: Status
}
enum Status { ACTIVE RETIRED OLD @deprecated(reason: "Never sent.") }
"""


def test_an_unlisted_breaking_change_is_found() -> None:
    current = RELEASED.replace("  name: String\n", "")
    assert unlisted_breaking_changes(RELEASED, current, "") == [
        Problem("Field Device.name was removed.", "not listed in SCHEMA_CHANGELOG.md")
    ]


def test_a_listed_removal_needs_a_deprecation_first() -> None:
    current = RELEASED.replace("  name: String\n", "").replace(" RETIRED", "")
    changelog = "- Field Device.name was removed.\n- Enum value Status.RETIRED was removed.\n"
    assert unlisted_breaking_changes(RELEASED, current, changelog) == [
        Problem("Field Device.name was removed.", "removed without @deprecated first"),
        Problem("Enum value Status.RETIRED was removed.", "removed without @deprecated first"),
    ]


def test_a_listed_removal_of_a_deprecated_field_passes() -> None:
    current = RELEASED.replace('  label: String @deprecated(reason: "Use `name`.")\n', "")
    current = current.replace(' OLD @deprecated(reason: "Never sent.")', "")
    changelog = "- Field Device.label was removed.\n- Enum value Status.OLD was removed.\n"
    assert unlisted_breaking_changes(RELEASED, current, changelog) == []
    # Other breaking changes (a type changed) need only their line in the changelog.
    changed = RELEASED.replace("  name: String\n", "  name: Int\n")
    assert unlisted_breaking_changes(RELEASED, changed, "") != []
    assert (
        unlisted_breaking_changes(
            RELEASED, changed, "Field Device.name changed type from String to Int."
        )
        == []
    )


def test_additions_are_not_breaking() -> None:
    current = RELEASED.replace("  name: String\n", "  name: String\n  serial: String\n")
    assert unlisted_breaking_changes(RELEASED, current, "") == []
