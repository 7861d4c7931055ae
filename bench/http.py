"""The gateway over HTTP on loopback: uvicorn in a subprocess and a bounded load loop.

The server is what `python -m app serve` runs: uvicorn with uvloop and httptools, one worker,
serving `app.main:create_app`, with `DATABASE_URL` pointing at the bench database and
`LOG_LEVEL=WARNING` (so the per-request log line is not written).

The load loop uses a small asyncio HTTP/1.1 keep-alive client (one connection per concurrent
worker) rather than httpx: `client_overhead` measures both on `/healthz`, and the loop records
the client's own CPU time, so the report shows how much of the two cores the client took.
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from app.settings import PROJECT_ROOT
from bench.timing import Latency

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class ServerError(RuntimeError):
    """The server did not start, or died."""


# The bench measures execution, not the budget: one tenant's sustained load of 100-device pages
# (1,600 points each) outruns the default refill of 50,000 points a second.
UNLIMITED = {"RATE_LIMIT_CAPACITY": "1000000000", "RATE_LIMIT_REFILL_PER_SECOND": "1000000000"}


@asynccontextmanager
async def uvicorn_server(
    database_url: str, *, app: str = "app.main:create_app", env: dict[str, str] | None = None
) -> AsyncIterator[tuple[int, int]]:
    """Serve `app` (a factory) over `database_url` with uvloop, httptools and one worker (the
    server process is the worker) on a free loopback port; yield (port, pid) once `/readyz`
    answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_ROOT),
        **UNLIMITED,
        **(env or {}),
    }
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            await _wait_ready(process, port)
            yield port, process.pid
            if process.returncode is not None:
                raise ServerError(f"the server exited with {process.returncode} during the run")
        except BaseException as error:
            log.seek(0)
            tail = log.read()[-3000:].decode(errors="replace")
            if tail.strip() and not isinstance(error, KeyboardInterrupt):
                print(f"--- server output ---\n{tail}\n---", file=sys.stderr)
            raise
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_ready(process: asyncio.subprocess.Process, port: int) -> None:
    deadline = time.perf_counter() + READY_TIMEOUT_S
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=2.0) as client:
        while time.perf_counter() < deadline:
            if process.returncode is not None:
                raise ServerError(f"the server exited with {process.returncode} before ready")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise ServerError(f"/readyz did not answer 200 within {READY_TIMEOUT_S:.0f} s")


def post_request(port: int, path: str, body: bytes, token: str) -> bytes:
    """A complete HTTP/1.1 POST request with a JSON body and a bearer token, ready to write."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def get_request(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()


class RawConnection:
    """One keep-alive HTTP/1.1 connection: write a request, read status and body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(HOST, self.port)
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length: int | None = None
        chunked, keep_alive = False, True
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                keep_alive = b"close" not in value.lower()
        if chunked:
            body = await _read_chunked(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            keep_alive = False
        if not keep_alive:
            self.close()
        return status, body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


@dataclass(frozen=True, slots=True)
class LoadRun:
    page_size: int
    concurrency: int
    ok: int
    errors: int
    seconds: float
    latency: Latency
    client_cpu_us: float  # the bench process's CPU time per request

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def _failed(status: int, body: bytes) -> bool:
    # Inside a JSON string a quote is escaped, so `"errors":` can only be the top-level key.
    return status != 200 or b'"errors":' in body


async def load_level(
    port: int, request: bytes, page_size: int, concurrency: int, requests: int, cap_s: float
) -> LoadRun:
    """Send up to `requests` requests from `concurrency` keep-alive connections, for at most
    `cap_s` seconds (requests in flight at the deadline still complete)."""
    remaining = requests
    samples: list[int] = []
    errors = 0
    deadline = time.perf_counter() + cap_s

    async def worker() -> None:
        nonlocal remaining, errors
        connection = RawConnection(port)
        try:
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                started = time.perf_counter_ns()
                try:
                    status, body = await connection.send(request)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    errors += 1
                    connection.close()
                    continue
                if _failed(status, body):
                    errors += 1
                else:
                    samples.append(time.perf_counter_ns() - started)
        finally:
            connection.close()

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    done = len(samples) + errors
    return LoadRun(
        page_size,
        concurrency,
        len(samples),
        errors,
        seconds,
        Latency.of(samples),
        cpu / done * 1e6 if done else 0.0,
    )


async def warm_up(port: int, request: bytes, requests: int, cap_s: float) -> None:
    """Send up to `requests` requests one by one (at most `cap_s` seconds); fail loudly if the
    gateway answers with an error."""
    deadline = time.perf_counter() + cap_s
    connection = RawConnection(port)
    try:
        for _ in range(requests):
            status, body = await connection.send(request)
            if _failed(status, body):
                raise ServerError(f"HTTP {status}: {body[:500]!r}")
            if time.perf_counter() > deadline:
                break
    finally:
        connection.close()


@dataclass(frozen=True, slots=True)
class ClientOverhead:
    """Mean round trip of `GET /healthz` (a trivial endpoint) with each client, in µs."""

    requests: int
    httpx_us: float
    raw_us: float


async def client_overhead(port: int, requests: int) -> ClientOverhead:
    """How much each client adds per request, measured on a trivial endpoint."""
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
        for _ in range(10):
            await client.get("/healthz")
        started = time.perf_counter()
        for _ in range(requests):
            (await client.get("/healthz")).raise_for_status()
        httpx_s = time.perf_counter() - started
    connection = RawConnection(port)
    request = get_request(port, "/healthz")
    try:
        for _ in range(10):
            await connection.send(request)
        started = time.perf_counter()
        for _ in range(requests):
            await connection.send(request)
        raw_s = time.perf_counter() - started
    finally:
        connection.close()
    return ClientOverhead(requests, httpx_s / requests * 1e6, raw_s / requests * 1e6)
