# The SPBE Evaluation Portal's commands. The two that matter:
#   make run   - fresh machine with nothing but Python 3.11 -> portal with demo data at
#                http://127.0.0.1:8000 (SQLite + eager tasks; PostgreSQL + Redis + a Celery
#                worker and beat when DATABASE_URL and CELERY_BROKER_URL are set)
#   make test  - ruff, format check, missing-migrations check, manage.py check,
#                compilemessages, then pytest on PostgreSQL (what .ci/run calls)
# Every recipe runs in bash with -e -u -o pipefail.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The interpreter that creates .venv: python3.11 when present, else python3.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
RUFF := $(VENV)/bin/ruff
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (the machine has 2 cores); PYTEST_ARGS adds options.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
# The test database when DATABASE_URL is unset (pytest-django creates test_spbe).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/spbe

# Installed once per change of the requirement files.
STAMP := $(VENV)/.installed

.PHONY: help install system run serve seed migrate worker compilemessages test lint format \
	bench bench-quick bench-before-after check-deploy clean backup restore

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## create .venv and install requirements-dev.txt

# gettext (msgfmt) may be missing on a bare machine: `make run` then serves the English
# source strings with a warning; `make test` (COMPILEMESSAGES_STRICT=1) fails instead.
compilemessages: $(STAMP) ## compile locale/*.po into .mo
	@if ! compgen -G 'locale/*/LC_MESSAGES/*.po' >/dev/null; then \
		echo "No catalogs in locale/ yet: nothing to compile."; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore='$(VENV)' --ignore=node_modules -v 0; \
	elif [ "$${COMPILEMESSAGES_STRICT:-0}" = 1 ]; then \
		echo "error: msgfmt (gettext) is not installed" >&2; exit 1; \
	else \
		echo "warning: msgfmt (gettext) not found; skipping compilemessages," \
			"the portal shows its English source strings" >&2; \
	fi

migrate: $(STAMP) ## apply migrations
	$(MANAGE) migrate --noinput

seed: migrate ## load the frameworks, institutions, periods and demo accounts (idempotent)
	$(MANAGE) seed_demo

# WeasyPrint's libraries (Pango): installed as root, else the one command to run is printed.
system: ## install (or name) the system packages `make run` needs
	@scripts/ensure-system run

run: system compilemessages seed serve ## set everything up and serve at http://$(HOST):$(PORT)

# The development server; with CELERY_BROKER_URL set, a Celery worker and beat run beside
# it and are stopped when the server stops (Ctrl-C, or TERM to make). Each runs in its
# own session so that stopping it also stops its children (the autoreloader's server);
# further signals are ignored while stopping, so a second TERM cannot leave orphans.
serve: $(STAMP)
	@mkdir -p var/log
	@pids=(); \
	start() { if command -v setsid >/dev/null 2>&1; then setsid "$$@" & else "$$@" & fi; pids+=($$!); }; \
	stop() { trap '' INT TERM; trap - EXIT; \
		for p in "$${pids[@]}"; do kill -TERM -- "-$$p" 2>/dev/null || kill -TERM "$$p" 2>/dev/null || true; done; \
		wait || true; }; \
	trap 'stop; exit 143' INT TERM; trap stop EXIT; \
	if [ -n "$${CELERY_BROKER_URL:-}" ]; then \
		echo "Celery workers and beat on $$CELERY_BROKER_URL (logs: var/log/worker*.log, var/log/beat.log)"; \
		start $(VENV)/bin/celery -A spbe_portal worker -n interactive@%h -Q $${CELERY_INTERACTIVE_QUEUE:-interactive} \
			--loglevel=INFO --concurrency=1 >var/log/worker.log 2>&1; \
		start $(VENV)/bin/celery -A spbe_portal worker -n bulk@%h -Q $${CELERY_BULK_QUEUE:-bulk} \
			--loglevel=INFO --concurrency=1 >var/log/worker-bulk.log 2>&1; \
		start $(VENV)/bin/celery -A spbe_portal beat --loglevel=INFO \
			--schedule=var/celerybeat-schedule >var/log/beat.log 2>&1; \
	else \
		echo "No CELERY_BROKER_URL: background tasks run eagerly inside the web process."; \
	fi; \
	echo "Database: $${DATABASE_URL:-SQLite (db.sqlite3)}"; \
	echo "Serving at http://$(HOST):$(PORT)/ (Ctrl-C stops everything)"; \
	start $(MANAGE) runserver $(HOST):$(PORT); \
	wait "$${pids[-1]}"

worker: $(STAMP) ## run a Celery worker and beat in the foreground (needs CELERY_BROKER_URL)
	@test -n "$${CELERY_BROKER_URL:-}" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)" >&2; exit 1; }
	$(VENV)/bin/celery -A spbe_portal worker --beat --loglevel=INFO --concurrency=2 \
		-Q $${CELERY_INTERACTIVE_QUEUE:-interactive},$${CELERY_BULK_QUEUE:-bulk} \
		--schedule=var/celerybeat-schedule

lint: $(STAMP) ## ruff check, format check, missing migrations, manage.py check
	$(RUFF) check .
	$(RUFF) format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

format: $(STAMP) ## apply ruff's import sorting, fixes and formatting
	$(RUFF) check --fix .
	$(RUFF) format .

# The README's test command (and .ci/run's), with the deployment checks (`check --deploy`; its
# three warnings are deliberate: HSTS subdomains/preload are a deployment choice, and
# X_FRAME_OPTIONS is SAMEORIGIN for evidence PDFs framed on the scoring page).
# Browser tests need /usr/bin/chromium, the worker test a Redis on 127.0.0.1:6379:
# scripts/ensure-system brings them up (as root) or prints the command to run.
test: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test: export COMPILEMESSAGES_STRICT := 1
test: $(STAMP) ## the full check: lint, check --deploy, compilemessages, pytest on PostgreSQL
	@scripts/ensure-system test
	$(PY) scripts/ensure_database.py
	$(RUFF) check .
	$(RUFF) format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check
	$(MAKE) --no-print-directory check-deploy
	$(MAKE) --no-print-directory compilemessages
	$(VENV)/bin/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## the whole benchmark, about 35 minutes on 2 cores (see bench/README.md)
	$(PY) bench/run.py

bench-quick: $(BENCH_STAMP) ## a short benchmark run for checking a change (about 3.5 min)
	$(PY) bench/run.py --quick

# The campaign target is a ratio to the code it replaced, run again here (bench/README.md).
bench-before-after: $(BENCH_STAMP) ## the campaign of the code before and of this code, same machine (40-55 min)
	$(PY) bench/before_after.py

# Django's deployment checklist with production-like settings (no secrets needed).
check-deploy: $(STAMP) ## manage.py check --deploy with production-like environment
	DEBUG=False \
	SECRET_KEY="check-deploy-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	ALLOWED_HOSTS=spbe.example.go.id \
	CSRF_TRUSTED_ORIGINS=https://spbe.example.go.id \
	SITE_URL=https://spbe.example.go.id \
	SESSION_COOKIE_SECURE=True CSRF_COOKIE_SECURE=True \
	SECURE_SSL_REDIRECT=True SECURE_HSTS_SECONDS=31536000 \
	$(MANAGE) check --deploy

BACKUP_DIR ?= backups/$(shell date +%Y%m%d-%H%M%S)

backup: ## pg_dump of DATABASE_URL and a tarball of MEDIA_ROOT into BACKUP_DIR
	scripts/backup $(BACKUP_DIR)

restore: ## restore BACKUP=<dir> into an empty DATABASE_URL and MEDIA_ROOT
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<date-time>" >&2; exit 1; }
	scripts/restore $(BACKUP)

clean: ## remove caches and the SQLite database (keeps .venv)
	rm -rf db.sqlite3 staticfiles var/celerybeat-schedule* .ruff_cache .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

# --- Translations (locale/id) -----------------------------------------------------
# Source strings are English; Indonesian is the default language. `make messages`
# refreshes the catalog from the code and compiles it; `make messages-check` fails
# while the catalog has an untranslated or a fuzzy entry.
PO_ID := locale/id/LC_MESSAGES/django.po

.PHONY: messages messages-check

messages: $(STAMP) ## extract strings into locale/id (makemessages) and compile them
	$(MANAGE) makemessages -l id --ignore='$(VENV)' --ignore=staticfiles --ignore=node_modules \
		--no-obsolete
	$(MANAGE) compilemessages -l id --ignore='$(VENV)' -v 0

messages-check: ## fail when locale/id has untranslated or fuzzy entries
	@stats=$$(msgfmt --check --statistics -o /dev/null $(PO_ID) 2>&1) || { echo "$$stats" >&2; exit 1; }; \
	echo "$(PO_ID): $$stats"; \
	if echo "$$stats" | grep -qE 'fuzzy|untranslated'; then \
		msgattrib --untranslated --no-obsolete --no-wrap $(PO_ID) | grep '^msgid "[^"]' || true; \
		msgattrib --only-fuzzy --no-obsolete --no-wrap $(PO_ID) | grep '^msgid "[^"]' || true; \
		echo "error: translate the entries above (make messages, then edit $(PO_ID))" >&2; exit 1; \
	fi
