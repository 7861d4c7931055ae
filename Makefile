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

.PHONY: install run migrate seed token audit-deps test bench schema lint format clean

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

# The GraphQL-over-HTTP audit's Node dependencies (pinned by its lock file), when npm is here.
AUDIT := clients/audit
$(AUDIT)/node_modules/.installed: $(AUDIT)/package.json $(AUDIT)/package-lock.json
	cd $(AUDIT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

audit-deps:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(AUDIT)/node_modules/.installed; \
	else echo "npm not found: the GraphQL-over-HTTP audit test will be skipped"; fi

test: install audit-deps
	$(PY) -m pytest

bench: install
	$(PY) -m bench

schema: install
	$(PY) -m app export-schema --output schema.graphql

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .ruff_cache $(AUDIT)/node_modules
