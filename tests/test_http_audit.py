"""The GraphQL-over-HTTP audit (`serverAudits` of the npm package `graphql-http`) against the
served gateway: every MUST passes. Needs Node and `npm ci` in `clients/audit` (`.ci/run` and
`make test` do it when Node is present)."""

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.serving import serving_in_thread
from tests.conftest import GraphQLClient

AUDIT = Path(__file__).resolve().parent.parent / "clients" / "audit"


async def run_audit(url: str, token: str) -> list[dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        "node",
        "audit.mjs",
        url,
        token,
        cwd=AUDIT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    return orjson.loads(stdout)


async def test_every_must_of_the_graphql_over_http_audit_passes(client: GraphQLClient) -> None:
    if shutil.which("node") is None or not (AUDIT / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("the audit must run in CI: install Node and `npm ci` in clients/audit")
        pytest.skip("Node or clients/audit/node_modules missing (make test installs them)")
    async with serving_in_thread(client.backend.app) as base_url:
        results = await run_audit(f"{base_url}/graphql", client.token or "")
    musts = [r for r in results if r["name"].startswith("MUST")]
    assert musts, "the audit ran"
    failed = [r for r in musts if r["status"] != "ok"]
    assert failed == [], failed
