# The gateway's image: `python -m app serve` as a non-root user on a slim Python 3.11, with the
# exact dependency set of uv.lock (no dev tools). Build: docker build -t fleet-gateway .
# The same image runs the migration one-shot (`python -m app migrate`) and the simulators.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src
COPY pyproject.toml uv.lock ./
# Dependencies only (the project itself is plain source on PYTHONPATH), frozen to uv.lock.
# Add `--extra otlp` for TRACING=otlp.
RUN uv sync --frozen --no-dev --no-install-project

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin gateway
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY app ./app
COPY schema ./schema
COPY resolvers ./resolvers
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GATEWAY_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    SIMULATORS=false \
    METRICS_DIR=/tmp/gateway-metrics
USER 10001:10001
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["python", "-m", "app", "serve"]
