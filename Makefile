# Tollgate developer entry points.
#   make run    install, then serve the demo on http://127.0.0.1:5000 (SQLite, nothing else needed)
#   make test   the whole suite as CI runs it: SQLite, then a throwaway PostgreSQL, then browser tests
#   make lint / make bench / make system-deps / make install
# Every recipe is one bash script (.ONESHELL) with strict error handling.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := install

VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# PostgreSQL port for the test server; empty picks a free loopback port.
PG_PORT ?=
# Debian packages: Chromium for Playwright, Writer for headless document conversion, the
# PostgreSQL server for the second test phase, and metric-compatible fonts for rendering.
SYSTEM_PACKAGES := chromium libreoffice-writer postgresql fonts-liberation2

.PHONY: install system-deps run test bench lint

install: $(VENV)/.installed node_modules/.installed

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# Stamp files keep a repeated `make install` instant; editing the manifests re-installs.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -e ".[test,dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p
	done | xargs)
	if [ -z "$$missing" ]; then echo "system-deps: all present"; exit 0; fi
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	    echo "system-deps: skipped (needs root and apt-get); missing: $$missing"; exit 0
	fi
	echo "system-deps: installing $$missing"
	apt-get update -qq
	# No recommends: they drag in systemd, udev, avahi and a few hundred other packages.
	log=$$(mktemp)
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing >"$$log" 2>&1 ||
	    { tail -30 "$$log"; exit 1; }
	rm -f "$$log"

run: install
	exec $(VENV)/bin/tollgate demo

# Runs every phase even after a failure, prints a timing summary, exits 1 if any phase failed.
test: system-deps install
	@status=0; summary=
	phase() {
	    local name=$$1 t=$$SECONDS rc=0; shift
	    echo "=== $$name"
	    "$$@" || rc=$$?
	    summary+=$$(printf '%-9s %-10s %5ss' "$$name" "$$([ $$rc = 0 ] && echo ok || echo "FAILED($$rc)")" $$((SECONDS - t)))$$'\n'
	    [ $$rc = 0 ] || status=1
	}
	sqlite() { env -u TOLLGATE_TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS); }
	# The server always stops, even when pytest or make is interrupted (EXIT trap).
	pg_dir=$$(mktemp -d /tmp/tollgate-pg-XXXXXX)
	trap 'scripts/pg-test-server stop "$$pg_dir" >/dev/null 2>&1 || true' EXIT
	trap 'exit 130' INT TERM
	postgres() {
	    local port=$(strip $(PG_PORT))
	    [ -n "$$port" ] || port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	    local url; url=$$(scripts/pg-test-server start "$$pg_dir" "$$port") || return 1
	    echo "PostgreSQL at $$url"
	    local pytest_rc=0
	    TOLLGATE_TEST_DATABASE_URL=$$url $(PY) -m pytest $(PYTEST_ARGS) || pytest_rc=$$?
	    scripts/pg-test-server stop "$$pg_dir"
	    return $$pytest_rc
	}
	# pytest exits 5 when it collects nothing: no browser tests yet is not a failure.
	browser() {
	    env -u TOLLGATE_TEST_DATABASE_URL $(PY) -m pytest -m browser $(PYTEST_ARGS) && return 0
	    local pytest_rc=$$?; [ $$pytest_rc = 5 ] || return $$pytest_rc
	}
	phase sqlite sqlite
	phase postgres postgres
	phase browser browser
	printf '=== summary\n%s%-20s %5ss\n' "$$summary" "tests, total" $$SECONDS
	exit $$status

bench: install
	$(PY) tests/benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check .
