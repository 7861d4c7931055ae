"""Running the `clients/` Node project's scripts from tests: real client libraries and a real
browser against a served gateway. Missing Node, `clients/node_modules` or Chromium skips such a
test locally and fails it in CI (`.ci/run` installs all three)."""

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is missing (make test installs the Node packages when npm is present)")


def require_node() -> None:
    """Skips (fails in CI) unless Node and the locked `clients/` packages are installed."""
    if shutil.which("node") is None:
        _missing("Node")
    if not (CLIENTS / "node_modules" / ".package-lock.json").is_file():
        _missing("clients/node_modules (`npm ci` in clients/)")


def require_chromium() -> None:
    require_node()
    if not Path(CHROMIUM).is_file():
        _missing(f"Chromium ({CHROMIUM}, Debian's `chromium` package)")


async def run_node(
    script: str,
    *args: str,
    seconds: float = 120,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> Any:
    """Runs `clients/<script>` (with `stdin` as its input) and returns the JSON it prints on
    its last line of stdout."""
    process = await asyncio.create_subprocess_exec(
        "node",
        script,
        *args,
        cwd=CLIENTS,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"{script} failed:\n{stderr.decode()}\n{stdout.decode()}"
    lines = stdout.decode().strip().splitlines()
    assert lines, f"{script} printed nothing:\n{stderr.decode()}"
    return orjson.loads(lines[-1])
