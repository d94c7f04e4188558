# Hostkontor — `make run` installs and starts everything on the embedded default (SQLite);
# `make demo` the same with demo data in its own database;
# `make test` runs lint and the whole test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# System libraries: WeasyPrint's text stack (Pango), fonts, gettext for translations.
SYSTEM_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext
# Services the tests drive for real (installed by .ci/run; skipped with a reason elsewhere).
TEST_SYSTEM_PACKAGES := chromium dovecot-pop3d dovecot-imapd poppler-utils

.PHONY: run demo test lint install system-deps test-system-deps bench messages clean

$(VENV)/.installed: pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,redis]'
	touch $@

install: $(VENV)/.installed

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing system packages. Run as root:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

test-system-deps:
	@missing=$$(for p in $(TEST_SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Tests that need $$missing will skip. Install with: sudo apt-get install -y $$missing"; \
	  fi; \
	fi

run: install
	$(PY) manage.py start

# Try Hostkontor: demo data in its own database (var/demo.sqlite3), marked Demo everywhere.
demo: install
	HOSTKONTOR_DEMO=1 $(PY) manage.py start

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

test: install test-system-deps lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m hostkontor.benchmarks

# Every app keeps its own German catalog (hostkontor/<app>/locale/de); update them all.
messages: install
	for app in hostkontor/*/locale; do (cd $$(dirname $$app) && ../../$(PY) ../../manage.py makemessages -l de --no-obsolete && ../../$(PY) ../../manage.py compilemessages); done

clean:
	rm -rf $(VENV) var/test.sqlite3
