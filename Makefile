# The gateway's commands. `make run` and `make test` install what they need; both are idempotent.

SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
DEVICES ?= 1400

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := $(CURDIR)

.PHONY: install run migrate seed token node-deps graphiql-assets test bench bench-large schema lint format clean deploy-check

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Installs the locked dependencies (uv.lock) into .venv; re-runs only when they change.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) -m app migrate

# Migrates, seeds the demo data when the database is empty, and serves GraphiQL with the
# upstream simulators beside it (seeded with the same DEVICES).
run: migrate
	$(PY) -m app seed --if-empty --devices $(DEVICES) --progress
	@echo "GraphiQL header, tenant acme, TENANT_ADMIN (make token TENANT=globex ROLE=READ_ONLY for others):"
	@echo "  {\"Authorization\": \"Bearer $$($(PY) -m app token --tenant acme --role TENANT_ADMIN 2>/dev/null)\"}"
	SIMULATOR_DEVICES=$(DEVICES) $(PY) -m app serve

# Replaces the data with a fresh deterministic data set of DEVICES devices (e.g. for `make bench`).
seed: migrate
	$(PY) -m app seed --devices $(DEVICES) --progress

# Prints a bearer token (its last line) for a user of TENANT holding ROLE.
TENANT ?= acme
ROLE ?= TENANT_ADMIN
token: migrate
	$(PY) -m app token --tenant $(TENANT) --role $(ROLE)

# The Node project of client tests (clients/: the GraphQL-over-HTTP audit, Relay, Apollo Client,
# graphql-ws, Playwright driving Chromium), exactly as its lock file pins it, when npm is here.
CLIENTS := clients
$(CLIENTS)/node_modules/.installed: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(CLIENTS)/node_modules/.installed; \
	else echo "npm not found: the client library tests (clients/) will be skipped"; fi

# Re-vendors GraphiQL's browser builds into app/graphiql/static/vendor from the locked packages.
graphiql-assets: node-deps
	cd $(CLIENTS) && npm run --silent vendor-graphiql

test: install node-deps
	$(PY) -m pytest

bench: install
	$(PY) -m bench

# The 1,000,000-device PostgreSQL database (BENCH_LARGE_URL) of the bench's deep paging
# measurement: created, migrated, seeded and analysed once (about 8 minutes).
bench-large: install
	nice -n 19 $(PY) -m bench.deep --prepare

# Validates deploy/ without a container engine: the compose file against the Compose spec's
# schema, the Kubernetes manifests against the API schemas (strict). Nothing is built or started.
deploy-check: install
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml
	$(VENV)/bin/kubernetes-validate --strict deploy/k8s/*.yaml

schema: install
	$(PY) -m app export-schema --output schema.graphql

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .ruff_cache $(CLIENTS)/node_modules $(CLIENTS)/relay/__generated__
