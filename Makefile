# The two commands a fresh clone needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
RUN := $(UV) run --frozen
DATA_DIR ?= .data
BENCH ?=
PYTEST_ARGS ?=
ASYNCAPI_CHECK := contracts/asyncapi-check
TUS_NODE := bench/tus-node

.PHONY: help install system-deps run test lint typecheck contracts contracts-check bench clean update-scalar

help:
	@echo "make run        start broker + all services with a demo school (data in $(DATA_DIR)/)"
	@echo "make test       lint, layering, types, contract checks (fresh, compatible, AsyncAPI), all tests"
	@echo "make bench      every benchmark (BENCH=<suite> for one: kit, directory, locker, mail, transfer, schoollife, gateway)"
	@echo "make contracts  regenerate contracts/schemas (JSON Schema + AsyncAPI)"

# Installs uv with pip when missing, then the locked workspace into .venv, compiled: each
# process (a service, a test's subprocess) then loads its ~1,400 modules from bytecode
# instead of compiling them again, which cost ~2 s of CPU each where Python may not write
# its bytecode cache (PYTHONDONTWRITEBYTECODE, as in CI).
install: .venv/.synced
.venv/.synced: uv.lock pyproject.toml */pyproject.toml services/*/pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --all-packages --frozen --compile-bytecode
	@touch $@

# clamd for tests/integration/test_clamd.py, which starts its own on its own ports: when this
# installs it, the package's own daemon and freshclam (a large download) are stopped, disabled.
# DejaVu fonts for the school-life report cards' PDF (the container image installs them too).
# Chromium and its driver for the web app's browser tests (tests/browser, selenium).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
system-deps:
	@command -v /usr/sbin/clamd >/dev/null || ( \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon && \
	  ($(SUDO) systemctl disable --now clamav-daemon.socket clamav-daemon clamav-freshclam 2>/dev/null || true))
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || ( \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core)
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || ( \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver)

run: install
	$(RUN) python -m ent_devstack --data-dir $(DATA_DIR)

# ruff, then the layering contracts of pyproject.toml ([tool.importlinter]).
lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports --no-cache

typecheck: install
	$(RUN) mypy

contracts: install
	$(RUN) python -m ent_contracts.export

# Export up to date, compatible with the last release (contracts/releases/), and the
# AsyncAPI document loads in the official parser (node; npm ci only when the lock changed).
contracts-check: install $(ASYNCAPI_CHECK)/node_modules/.installed
	$(RUN) python -m ent_contracts.export --check
	$(RUN) python -m ent_contracts.compat
	node $(ASYNCAPI_CHECK)/check.mjs

$(ASYNCAPI_CHECK)/node_modules/.installed: $(ASYNCAPI_CHECK)/package.json $(ASYNCAPI_CHECK)/package-lock.json
	@echo "npm ci in $(ASYNCAPI_CHECK) (the AsyncAPI parser)"
	@cd $(ASYNCAPI_CHECK) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

# pytest exits 5 when it collected nothing: make treats that as the failure it is.
test: lint typecheck contracts-check system-deps
	$(RUN) pytest --durations=15 $(PYTEST_ARGS)

# Another Scalar release for the API docs pages, from npm, hash-checked:
#   make update-scalar VERSION=1.77.0 INTEGRITY=sha384-…
update-scalar: install
	$(RUN) python scripts/update_scalar.py $(VERSION) $(if $(INTEGRITY),--integrity $(INTEGRITY))

bench: install $(TUS_NODE)/node_modules/.installed
	$(RUN) python -m bench $(BENCH)

# The transfer suite's peer: the reference tus server (npm), with its file store.
$(TUS_NODE)/node_modules/.installed: $(TUS_NODE)/package.json $(TUS_NODE)/package-lock.json
	@echo "npm ci in $(TUS_NODE) (@tus/server, the transfer benchmark's peer)"
	@cd $(TUS_NODE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache $(ASYNCAPI_CHECK)/node_modules $(TUS_NODE)/node_modules
