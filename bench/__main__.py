"""`python -m bench`: prepare the data sets, measure each backend, print the report.

Progress goes to stderr; the report (Markdown tables, then the `BENCH {json}` line) to stdout.
The exit status is 0 whenever the figures were produced: a missed target (statements that vary
with the page size) or a failed check (a floor that did not fetch the gateway's rows) is printed
and recorded in the JSON (`statements_constant_*`, `floor_matches_*`), not turned into a failure.
"""

import asyncio
import time

import uvloop

from bench.config import BenchConfig
from bench.datasets import Dataset, backend_label, postgres_unreachable, prepare
from bench.deep import deep_figures, deep_report, measure_deep
from bench.machine import sample_cpu
from bench.report import backend_report, bench_figures, bench_line, busy_note, side_by_side
from bench.results import BenchRun
from bench.runner import measure_backend, note
from bench.targets import (
    measure_http_targets,
    measure_upstream_target,
    soak_seconds,
    targets_figures,
    targets_report,
)
from bench.upstreams import measure_upstreams, upstream_figures, upstream_report
from bench.viewer import bench_viewer
from bench.workers import measure_workers, workers_figures, workers_report

# Sampling how busy the machine is, before each backend and at the end.
CPU_SAMPLE_S = 1.0


async def datasets(config: BenchConfig, run: BenchRun) -> list[Dataset]:
    """The databases to measure, migrated and seeded (PostgreSQL only when reachable)."""
    urls = [config.sqlite_url]
    if config.postgres_url is None:
        run.skipped["postgres"] = "turned off (BENCH_POSTGRES_URL)"
    elif config.postgres_url != config.sqlite_url:
        reason = await postgres_unreachable(config.postgres_url)
        if reason is None:
            urls.append(config.postgres_url)
        else:
            run.skipped["postgres"] = f"unreachable at {config.postgres_url}: {reason}"
            print(f"Note: PostgreSQL skipped ({run.skipped['postgres']}).\n", flush=True)
    found: list[Dataset] = []
    for url in urls:
        label = backend_label(url)
        if any(dataset.backend == label for dataset in found):
            label = f"{label}{len(found) + 1}"
        note(f"preparing {label}: migrate, seed {config.devices} devices if empty ...")
        dataset = await prepare(url, config.devices, label)
        if dataset.devices < 101:
            print(
                f"Note: {label} holds only {dataset.devices} devices: pages of 100 are short "
                "and hasNextPage is false.",
                flush=True,
            )
        found.append(dataset)
    return found


async def bench(config: BenchConfig) -> BenchRun:
    started = time.perf_counter()
    sample_s = CPU_SAMPLE_S / 2 if config.quick else CPU_SAMPLE_S
    run = BenchRun(config.quick, cpus=(await sample_cpu(0.01)).cpus)
    ready = await datasets(config, run)
    for dataset in ready:
        busy = await sample_cpu(sample_s)
        note(f"measuring {dataset.backend} ...")
        result = await measure_backend(dataset, config.budget)
        result.cpu_busy_before_pct = busy.busy_pct
        print(backend_report(result) + "\n", flush=True)
        run.results.append(result)
    if ready:
        note(f"measuring upstream fields on {ready[0].backend} ...")
        run.upstreams = await measure_upstreams(ready[0], config.quick)
        print(upstream_report(run.upstreams) + "\n", flush=True)
    postgres = next((dataset for dataset in ready if dataset.backend == "postgres"), None)
    if postgres is not None:
        note("measuring 1 and 2 workers on postgres with Redis, and Redis per call ...")
        viewer = await bench_viewer(postgres.url)
        run.workers = await measure_workers(postgres.url, viewer.token, config.quick)
        print(workers_report(run.workers) + "\n", flush=True)
    if postgres is not None:
        note("measuring the HTTP targets on postgres: fast path, reference, plain endpoint ...")
        budget = config.budget
        run.http_targets = await measure_http_targets(
            postgres, config.quick, budget.http_requests, budget.http_cap_s, soak_seconds()
        )
    if ready:
        target = postgres or ready[0]
        note(f"measuring upstream fields against their floor on {target.backend} ...")
        run.upstream_target = await measure_upstream_target(target, config.quick)
    if run.http_targets is not None or run.upstream_target is not None:
        print(targets_report(run.http_targets, run.upstream_target) + "\n", flush=True)
    run.cpu_busy_after_pct = (await sample_cpu(sample_s)).busy_pct
    run.runtime_s = time.perf_counter() - started
    return run


def main() -> None:
    config = BenchConfig.from_env()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        run = runner.run(bench(config))
        note("measuring deep keyset pages on the large PostgreSQL database (BENCH_LARGE_URL) ...")
        deep = runner.run(measure_deep(config.quick))
    print(deep_report(deep) + "\n", flush=True)
    if run.results:
        print("## Side by side\n")
        print(side_by_side(run.results))
    quick = " (BENCH_QUICK=1: smoke figures, do not quote)" if config.quick else ""
    print(f"\nTotal bench time: {run.runtime_s:.0f} s{quick}. {busy_note(run)}\n")
    for result in run.results:
        if not result.statements_constant:
            print(
                f"Target missed: SQL statements per request vary with page size ({result.backend})."
            )
        if not result.floor_matches:
            print(f"Check failed: the floor did not fetch the gateway's rows ({result.backend}).")
    figures = bench_figures(run) | upstream_figures(run.upstreams) | workers_figures(run.workers)
    figures |= targets_figures(run.http_targets, run.upstream_target)
    figures |= deep_figures(deep)
    print(bench_line(figures), flush=True)


if __name__ == "__main__":
    main()
