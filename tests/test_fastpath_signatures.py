"""What the fast path relies on outside its own code, pinned: graphql-core's and Strawberry's
internals (their minor versions and the signatures it calls or overrides) and the resolvers it
calls for a whole level (reviewed, by a fingerprint of their source)."""

import tomllib

from app.settings import PROJECT_ROOT
from schema.fastpath import incompatibilities
from schema.fastpath.known import _entries, known_resolvers, review


def test_graphql_core_and_strawberry_internals_are_the_ones_the_fast_path_was_written_for() -> None:
    # A failure names what moved (a method's parameters, a version, a Strawberry name): adapt
    # schema/fastpath/ to it, then update schema/fastpath/compat.py. Until then the gateway runs
    # every operation on the reference executor (it checks this at start-up).
    assert incompatibilities() == []


def test_their_versions_are_pinned_to_the_minor() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    dependencies = project["project"]["dependencies"]
    assert "strawberry-graphql==0.341.*" in dependencies
    assert "graphql-core==3.3.*" in dependencies


def test_the_known_resolvers_are_the_reviewed_ones() -> None:
    # A resolver edited since it was reviewed runs on the reference executor. Check that it still
    # reads nothing of `info` but `info.context` and that its `Batch` in schema/fastpath/known.py
    # loads what it reads, then put its new fingerprint there.
    assert review() == [], "review these resolvers and update their fingerprints"
    assert len(known_resolvers()) == len(_entries())
