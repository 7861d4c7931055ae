"""Command line of the gateway: `python -m app {migrate,seed,serve,simulators,sync,token,
export-schema}`."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from app.seed.tenants import DEFAULT_DEVICES
from app.settings import PROJECT_ROOT, Settings, get_settings


def migrate(_args: argparse.Namespace) -> None:
    from app.db.migrate import upgrade

    upgrade(get_settings().database_url)


def seed(args: argparse.Namespace) -> None:
    from app.db.engine import create_engine
    from app.db.reset import reset
    from app.seed import database_is_empty
    from app.seed import seed as load
    from app.seed.load import summary_lines

    async def run() -> None:
        engine = create_engine(get_settings().database_url)
        try:
            if args.if_empty and not await database_is_empty(engine):
                print("database already holds data: not seeding", file=sys.stderr)
                return
            if not args.if_empty:
                await reset(engine)
            summary = await load(engine, args.devices, progress=args.progress)
            print("\n".join(summary_lines(summary)), file=sys.stderr)
        finally:
            await engine.dispose()

    asyncio.run(run())


def _metrics_directory(settings: Settings) -> None:
    """With several workers (or METRICS_DIR set), Prometheus metrics go through a directory
    every worker writes to (prometheus_client's multiprocess mode), emptied at start so no
    earlier run's samples are counted. Set before any worker imports prometheus_client."""
    import os

    directory = settings.metrics_dir
    if directory is None and settings.workers > 1:
        directory = PROJECT_ROOT / "var" / "metrics"
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _exit_cleanly_on_sigterm() -> None:
    """uvicorn drains on SIGTERM, then re-raises it with the handler it found: this one, so a
    drained shutdown exits 0 (the default handler would end the process with the signal)."""
    import signal

    def exit_zero(_sig: int, _frame: object) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, exit_zero)


def serve(_args: argparse.Namespace) -> None:
    """Serve the gateway. It never migrates: run `python -m app migrate` (`make migrate`, the
    deploy's migration job) once before starting any number of workers."""
    import subprocess

    import uvicorn

    from app.supervisor import reuse_port_supported, run_workers

    settings = get_settings()
    _metrics_directory(settings)
    _exit_cleanly_on_sigterm()
    simulators = None
    if settings.simulators:
        # The upstream simulators run in their own process, reached over real HTTP.
        simulators = subprocess.Popen([sys.executable, "-m", "app", "simulators"])
        print(
            f"simulators: http://{settings.simulators_host}:{settings.simulators_port}"
            " (/mdm, /inventory)",
            file=sys.stderr,
        )
    print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", file=sys.stderr)
    options: dict[str, Any] = {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,
        "log_config": None,
        # SIGTERM: stop accepting, give in-flight requests this long, then shut down.
        "timeout_graceful_shutdown": settings.drain_timeout_seconds,
    }
    try:
        if settings.workers > 1 and reuse_port_supported():
            # Each worker runs the whole app (its follower and mirror refresher included: their
            # work is claimed through the database, not per process) on its own socket.
            run_workers(uvicorn.Config("app.main:create_app", workers=settings.workers, **options))
        else:
            uvicorn.run("app.main:create_app", workers=settings.workers, **options)
    finally:
        if simulators is not None:
            simulators.terminate()
            simulators.wait(timeout=10)


def run_simulators(_args: argparse.Namespace) -> None:
    import uvicorn

    from app.simulators.serve import create_simulators

    settings = get_settings()
    uvicorn.run(
        create_simulators(settings.simulator_devices),
        host=settings.simulators_host,
        port=settings.simulators_port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
    )


def token(args: argparse.Namespace) -> None:
    """Print a bearer token for a user of TENANT holding ROLE (the last line of the output)."""
    from app.auth import token_for_first_user
    from app.db.engine import create_engine
    from app.enums import Role

    settings = get_settings()
    role = Role(args.role)

    async def find() -> tuple[int, int, str] | None:
        engine = create_engine(settings.database_url)
        try:
            return await token_for_first_user(engine, settings, args.tenant, role)
        finally:
            await engine.dispose()

    found = asyncio.run(find())
    if found is None:
        sys.exit(f"no user of tenant {args.tenant!r} holds {role.value}: run `make run` first")
    tenant_id, user_id, issued = found
    print(
        f"tenant {args.tenant} (id {tenant_id}), user {user_id}, role {role.value}:",
        file=sys.stderr,
    )
    print(issued)


def sync(_args: argparse.Namespace) -> None:
    """Re-read every tenant's device summaries from the upstreams now (the mirror that the
    agent and MDM filters of `devices` use; the running gateway also refreshes it itself)."""
    from app.db.engine import create_engine, reader
    from app.mirror import UpstreamMirror
    from app.upstreams.registry import create_upstreams

    settings = get_settings()

    async def run() -> tuple[int, bool]:
        engine = create_engine(settings.database_url)
        upstreams = create_upstreams(settings)
        try:
            return await UpstreamMirror(settings, reader(engine), engine, upstreams).refresh_all()
        finally:
            await upstreams.aclose()
            await engine.dispose()

    written, complete = asyncio.run(run())
    print(f"{written} device summaries written", file=sys.stderr)
    if not complete:
        sys.exit("an upstream failed: its part of the summaries kept its previous values")


def export_schema(args: argparse.Namespace) -> None:
    from schema import build_schema, sdl

    text = sdl(build_schema(get_settings()))
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply pending migrations").set_defaults(run=migrate)
    seeding = commands.add_parser("seed", help="fill the database with deterministic demo data")
    seeding.add_argument(
        "--devices", type=int, default=DEFAULT_DEVICES, help="devices in all tenants"
    )
    seeding.add_argument("--if-empty", action="store_true", help="only into an empty database")
    seeding.add_argument("--progress", action="store_true", help="show a progress bar")
    seeding.set_defaults(run=seed)
    commands.add_parser("serve", help="serve the gateway with uvicorn").set_defaults(run=serve)
    commands.add_parser("simulators", help="serve the MDM and inventory simulators").set_defaults(
        run=run_simulators
    )
    commands.add_parser(
        "sync", help="re-read every device's summary from the upstreams now"
    ).set_defaults(run=sync)
    tokens = commands.add_parser("token", help="print a bearer token for a tenant and role")
    tokens.add_argument("--tenant", default="acme", help="tenant slug (acme, globex)")
    tokens.add_argument("--role", default="TENANT_ADMIN", help="READ_ONLY ... TENANT_ADMIN")
    tokens.set_defaults(run=token)
    export = commands.add_parser("export-schema", help="print the schema's SDL")
    export.add_argument(
        "--output", help=f"write to this file (e.g. {PROJECT_ROOT / 'schema.graphql'})"
    )
    export.set_defaults(run=export_schema)
    args = parser.parse_args(argv)
    args.run(args)
