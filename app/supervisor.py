"""Several worker processes on one port, each with its own listening socket.

uvicorn's supervisor binds one socket and every worker inherits it: one accept queue, and the
worker that wakes first takes every connection of a burst (measured: 8 keep-alive connections
opened together all landed on one of two workers, so two workers served no more than one). It
also leaves the socket's protocol unset, so accepted connections keep Nagle's algorithm
(uvicorn#3149). Here each worker binds its own `SO_REUSEPORT` socket on the same address: the
kernel spreads new connections over the workers' queues by their addresses' hash.

uvicorn's supervisor still starts, watches, restarts and stops the workers. What it hands each
worker it starts, or restarts, is a `WorkerListener` in place of the shared socket: pickled into
the new process, it arrives there as that process's own listening socket.
"""

import socket
import sys
from dataclasses import dataclass
from typing import Any

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with `SO_REUSEPORT` (joining the workers' group)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(frozen=True, slots=True)
class WorkerListener:
    """The listening socket of a worker yet to start: unpickled in that worker, a new
    `listening_socket(host, port)`."""

    host: str
    port: int

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return listening_socket, (self.host, self.port)


def reuse_port_supported() -> bool:
    # Linux balances a SO_REUSEPORT group; elsewhere the last socket bound takes everything.
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def run_workers(config: Config) -> None:
    """Serve `config.app` with `config.workers` processes on (config.host, config.port)."""
    try:
        # Fail here, once, if the address is taken (a worker's own bind would fail each restart).
        listening_socket(config.host, config.port).close()
    except OSError as error:
        print(f"cannot listen on {config.host}:{config.port}: {error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    listener: Any = WorkerListener(config.host, config.port)
    Multiprocess(config, sockets=[listener]).run()
