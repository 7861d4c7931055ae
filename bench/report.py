"""The bench's output: Markdown tables (pasteable into a README) and the `BENCH {json}` line."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from bench.config import HTTP_CONCURRENCY, HTTP_PAGE_SIZES, PAGE_SIZES
from bench.results import BackendResult, BenchRun

# Above this share of the CPUs busy with other work, the report calls its figures noisy.
BUSY_WARNING_PCT = 15.0


def table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A Markdown table; `align` holds one `l` or `r` per column (default: first l, rest r)."""
    align = align or "l" + "r" * (len(header) - 1)
    cells = [[str(cell) for cell in header], *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        padded = (
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(row, widths, align, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + (":" if side == "r" else "-")
            for width, side in zip(widths, align, strict=True)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def backend_report(result: BackendResult) -> str:
    dataset = result.dataset
    seeded = (
        f"seeded now in {dataset.seeded_seconds:.1f} s"
        if dataset.seeded_seconds is not None
        else "reused"
    )
    parts = [f"## {result.backend}: {dataset.display_url} ({dataset.devices} devices, {seeded})"]
    if result.cpu_busy_before_pct is not None:
        parts.append(
            f"\nCPUs busy with other work just before: {result.cpu_busy_before_pct:.0f}%"
            + (" (noisy figures)" if result.cpu_busy_before_pct > BUSY_WARNING_PCT else "")
        )
    parts.append(
        "\nIn process (httpx ASGITransport -> the whole app; floor = one plain SQL query per "
        "table on the same engine + orjson):\n"
    )
    rows = []
    for page in result.pages:
        run, floor = page.gateway, page.floor
        counts = sorted(run.statement_counts)
        rows.append(
            [
                run.page_size,
                "/".join(map(str, counts)),
                ms(run.latency.median_ms),
                ms(run.latency.p90_ms),
                floor.statements,
                ms(floor.latency.median_ms),
                f"{page.ratio:.1f}x",
                f"{run.body_bytes / 1024:.0f}",
                run.latency.count,
                "yes" if page.mismatch is None else "NO",
            ]
        )
    parts.append(
        table(
            [
                "devices/page",
                "SQL stmts/req",
                "gateway p50 ms",
                "gateway p90 ms",
                "floor stmts",
                "floor p50 ms",
                "ratio",
                "response KiB",
                "runs",
                "same rows",
            ],
            rows,
            "r" * 9 + "l",
        )
    )
    if result.reference_pages:
        parts.append(reference_table(result))
    verdict = (
        "constant across page sizes (a small page skips a relation none of its devices has)"
        if result.statements_constant
        else "NOT constant across page sizes"
    )
    parts.append(f"\nSQL statements per request: {verdict}. What they read:")
    breakdowns = {
        page.gateway.page_size: breakdown(page.gateway.statement_labels) for page in result.pages
    }
    if len(set(breakdowns.values())) == 1:
        parts.append(f"- every page size: {next(iter(breakdowns.values()))}")
    else:
        parts.extend(f"- {size} devices/page: {text}" for size, text in breakdowns.items())
    if result.asgi_overhead_us is not None:
        parts.append(
            "\nThe in-process client's share, at most: GET /healthz (a trivial route, through "
            f"the same middleware) via httpx.ASGITransport takes {result.asgi_overhead_us:.0f} µs."
        )
    for page in result.pages:
        if page.mismatch is not None:
            size = page.gateway.page_size
            parts.append(f"Floor and gateway differ at {size} devices/page: {page.mismatch}")
    parts.append(http_report(result))
    return "\n".join(parts)


def reference_table(result: BackendResult) -> str:
    """The reference executor (`FAST_PATH=false`) beside the fast path, page by page."""
    rows = []
    for reference in result.reference_pages:
        size = reference.gateway.page_size
        fast = result.page(size)
        rows.append(
            [
                size,
                ms(reference.gateway.latency.median_ms),
                ms(reference.floor.latency.median_ms),
                f"{reference.ratio:.1f}x",
                ms(fast.gateway.latency.median_ms) if fast else "-",
                f"{fast.ratio:.1f}x" if fast else "-",
                f"{reference.gateway.latency.median_ms / fast.gateway.latency.median_ms:.1f}x"
                if fast
                else "-",
                "yes" if reference.mismatch is None else "NO",
            ]
        )
    header = [
        "devices/page",
        "reference p50 ms",
        "floor p50 ms",
        "reference ratio",
        "fast path p50 ms",
        "fast path ratio",
        "speed-up",
        "same rows",
    ]
    return (
        "\nThe reference executor (FAST_PATH=false) beside the fast path (each measured against "
        "its own interleaved floor runs):\n\n" + table(header, rows, "r" * 7 + "l")
    )


def breakdown(labels: Sequence[str]) -> str:
    """`devices, devices count, users x2, ...` in first-seen order."""
    counts = Counter(labels)
    return ", ".join(
        label if counts[label] == 1 else f"{label} x{counts[label]}" for label in counts
    )


def http_report(result: BackendResult) -> str:
    if result.http_error is not None:
        return f"\nOver HTTP: not measured ({result.http_error})."
    parts = [
        "\nOver HTTP (uvicorn, uvloop + httptools, 1 worker, 127.0.0.1; asyncio keep-alive "
        "client, one connection per concurrent request):\n"
    ]
    rows = [
        [
            run.page_size,
            run.concurrency,
            run.ok,
            run.errors,
            f"{run.seconds:.1f}",
            f"{run.rps:.1f}",
            ms(run.latency.median_ms),
            ms(run.latency.p99_ms),
            f"{run.latency.p99_ms / run.latency.median_ms:.2f}" if run.ok else "-",
            f"{run.client_cpu_us:.0f}",
        ]
        for run in result.load
    ]
    parts.append(
        table(
            [
                "devices/page",
                "concurrency",
                "ok",
                "errors",
                "seconds",
                "req/s",
                "p50 ms",
                "p99 ms",
                "p99/p50",
                "client CPU µs/req",
            ],
            rows,
        )
    )
    if result.overhead is not None:
        overhead = result.overhead
        parts.append(
            f"\nClient cost, GET /healthz round trip over {overhead.requests} requests: "
            f"httpx {overhead.httpx_us:.0f} µs, asyncio client {overhead.raw_us:.0f} µs."
        )
    return "\n".join(parts)


def side_by_side(results: Sequence[BackendResult]) -> str:
    """The headline figures of every backend in one table."""
    names = [result.backend for result in results]
    rows: list[list[str]] = []

    def add(label: str, values: Iterable[str]) -> None:
        rows.append([label, *values])

    add(
        "SQL statements/request (10/50/100)",
        (
            "/".join(
                str(page.gateway.statements) if (page := r.page(size)) else "-"
                for size in PAGE_SIZES
            )
            for r in results
        ),
    )
    for size in PAGE_SIZES:
        add(
            f"reference executor: in-process median ms @{size} (floor ms, ratio)",
            (
                f"{ms(page.gateway.latency.median_ms)} "
                f"({ms(page.floor.latency.median_ms)}, {page.ratio:.1f}x)"
                if (page := r.reference_page(size))
                else "-"
                for r in results
            ),
        )
    for size in PAGE_SIZES:
        add(
            f"fast path: in-process median ms @{size} (floor ms, ratio)",
            (
                f"{ms(page.gateway.latency.median_ms)} "
                f"({ms(page.floor.latency.median_ms)}, {page.ratio:.1f}x)"
                if (page := r.page(size))
                else "-"
                for r in results
            ),
        )
    for size in HTTP_PAGE_SIZES:
        for concurrency in HTTP_CONCURRENCY:
            add(
                f"HTTP req/s @{size} c{concurrency} (p50 / p99 ms)",
                (
                    f"{run.rps:.1f} ({ms(run.latency.median_ms)} / {ms(run.latency.p99_ms)})"
                    if (run := r.level(size, concurrency))
                    else "-"
                    for r in results
                ),
            )
    return table(["", *names], rows, "l" + "r" * len(names))


def busy_note(run: BenchRun) -> str:
    """How busy the machine was around the measurements (other processes)."""
    samples = [r.cpu_busy_before_pct for r in run.results] + [run.cpu_busy_after_pct]
    known = [sample for sample in samples if sample is not None]
    if not known:
        return f"{run.cpus} CPUs."
    text = "/".join(f"{sample:.0f}%" for sample in known)
    note = f"{run.cpus} CPUs, busy with other work before each backend and after: {text}"
    if max(known) > BUSY_WARNING_PCT:
        note += " -- other processes competed for the CPUs: treat these figures as noisy"
    return note + "."


def _round(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(value, 3)


def bench_figures(run: BenchRun) -> dict[str, Any]:
    """The flat figures of the `BENCH` line: `<figure>_<page size>_<backend>` and so on."""
    figures: dict[str, Any] = {
        "quick": run.quick,
        "runtime_s": round(run.runtime_s, 1),
        "cpus": run.cpus,
        "cpu_busy_after_pct": _maybe_round(run.cpu_busy_after_pct),
    }
    for result in run.results:
        b = result.backend
        figures[f"devices_{b}"] = result.dataset.devices
        figures[f"cpu_busy_before_pct_{b}"] = _maybe_round(result.cpu_busy_before_pct)
        figures[f"statements_constant_{b}"] = result.statements_constant
        figures[f"floor_matches_{b}"] = result.floor_matches
        for page in result.pages:
            n = page.gateway.page_size
            figures[f"statements_{n}_{b}"] = page.gateway.statements
            figures[f"median_ms_{n}_{b}"] = _round(page.gateway.latency.median_ms)
            figures[f"p90_ms_{n}_{b}"] = _round(page.gateway.latency.p90_ms)
            figures[f"floor_statements_{n}_{b}"] = page.floor.statements
            figures[f"floor_ms_{n}_{b}"] = _round(page.floor.latency.median_ms)
            figures[f"ratio_{n}_{b}"] = _round(page.ratio)
            figures[f"runs_{n}_{b}"] = page.gateway.latency.count
        for page in result.reference_pages:
            n = page.gateway.page_size
            figures[f"reference_median_ms_{n}_{b}"] = _round(page.gateway.latency.median_ms)
            figures[f"reference_floor_ms_{n}_{b}"] = _round(page.floor.latency.median_ms)
            figures[f"reference_ratio_{n}_{b}"] = _round(page.ratio)
        for load in result.load:
            # Page size 100 carries the plain names; other page sizes add `_p<size>`.
            suffix = f"c{load.concurrency}" + (
                "" if load.page_size == 100 else f"_p{load.page_size}"
            )
            p50, p99 = load.latency.median_ms, load.latency.p99_ms
            figures[f"http_rps_{suffix}_{b}"] = _round(load.rps)
            figures[f"http_p50_ms_{suffix}_{b}"] = _round(p50)
            figures[f"http_p99_ms_{suffix}_{b}"] = _round(p99)
            figures[f"http_p99_p50_{suffix}_{b}"] = _round(p99 / p50) if load.ok else None
            figures[f"http_errors_{suffix}_{b}"] = load.errors
            figures[f"http_requests_{suffix}_{b}"] = load.ok + load.errors
        if result.overhead is not None:
            figures[f"client_httpx_us_{b}"] = _round(result.overhead.httpx_us)
            figures[f"client_raw_us_{b}"] = _round(result.overhead.raw_us)
        if result.asgi_overhead_us is not None:
            figures[f"client_asgi_us_{b}"] = _round(result.asgi_overhead_us)
        if result.http_error is not None:
            figures[f"http_error_{b}"] = result.http_error
    for backend, reason in run.skipped.items():
        figures[f"skipped_{backend}"] = reason
    return figures


def _maybe_round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def bench_line(figures: dict[str, Any]) -> str:
    return "BENCH " + orjson.dumps(figures).decode()
