"""`make bench` (`python -m bench`): what the nested device view costs, against a floor.

For each backend (SQLite always; PostgreSQL when reachable) the bench prepares a data set, then:

1. **In process**: drives the ASGI app through `httpx.ASGITransport` with the nested device view
   (`tests.queries.NESTED_DEVICE_VIEW`) at 10, 50 and 100 devices per page: SQL statements per
   request (from `extensions.stats`, checked constant across page sizes, with what each statement
   read), median and p90 latency.
2. **The floor**, measured in the same loop (one floor run before or after each gateway request,
   so drift in the machine's speed hits both alike): the same rows fetched with one plain SQL
   query per table (SQLAlchemy Core on the gateway's own engine) and encoded with `orjson`. The
   floor's ids and counts are checked against the gateway's response; ratio = gateway median /
   floor median.
3. **Over HTTP**: serves the gateway with uvicorn (uvloop, httptools, one worker) on a free
   loopback port, and runs a bounded load loop (a request budget and a time cap per level) at
   concurrency 1 and 16, 100 and 10 devices per page: requests per second, p50, p99, errors.

It samples how busy the CPUs are (with other work) before each backend and at the end, prints a
Markdown table per backend, both backends side by side, then one line `BENCH {json}`. A missed
target or a failed check is printed and recorded in the JSON; the exit status stays 0.

Environment knobs:

- `BENCH_DATABASE_URL`: the database measured first (normally SQLite); default `DATABASE_URL`,
  i.e. the gateway's dev database `var/gateway.sqlite3`. Migrated, and seeded only when empty.
- `BENCH_DEVICES`: how many devices `app.seed` puts into an empty database (default 1400). A
  database that already holds data is reused as it is, whatever its size.
- `BENCH_POSTGRES_URL`: the PostgreSQL database measured as well (default
  `postgresql+asyncpg://postgres@127.0.0.1:5432/gateway_bench`); created if missing (through the
  `postgres` maintenance database), migrated, seeded when empty. Skipped with a printed note
  when unreachable; `BENCH_POSTGRES_URL=off` (or empty) skips it on purpose.
- `BENCH_QUICK=1`: a smoke run (about 25 s instead of about 2 minutes) with a handful of
  requests per measurement; its figures are noise, not results.
"""
