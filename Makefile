# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup sdk-venv env migrate bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

# Attune's own client (attune-sdk) for the contract suite, tests/contract/. Its import package
# is also named `attune`, so it gets a virtualenv of its own, built once per requirements change.
export ATTUNE_SDK_VENV ?= .venv-sdk
SDK_STAMP := $(ATTUNE_SDK_VENV)/.installed

$(SDK_STAMP): requirements-sdk.txt
	test -x $(ATTUNE_SDK_VENV)/bin/python || $(PYTHON) -m venv $(ATTUNE_SDK_VENV)
	$(ATTUNE_SDK_VENV)/bin/python -m pip install --quiet -r requirements-sdk.txt
	touch $(SDK_STAMP)

sdk-venv: $(SDK_STAMP)

# .env holds this machine's settings; created once with a fresh secret key.
.env:
	sed "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env
	@echo "Wrote .env with a generated DJANGO_SECRET_KEY."

env: .env

LOAD_ENV := set -a && . ./.env && set +a

migrate: setup env
	$(LOAD_ENV) && $(BIN)/python manage.py migrate --noinput

# The web server on 127.0.0.1:$(PORT) and, beside it, the embedded worker that runs executions;
# Ctrl-C (or runserver exiting) stops both.
PORT ?= 8000

run: migrate
	$(LOAD_ENV) && $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(LOAD_ENV) && $(BIN)/python manage.py ensure_admin
	$(LOAD_ENV) && $(BIN)/python manage.py install_examples
	@echo "Serving on http://127.0.0.1:$(PORT)  -  API docs: http://127.0.0.1:$(PORT)/docs  -  admin: http://127.0.0.1:$(PORT)/admin"
	$(LOAD_ENV) && { $(BIN)/python manage.py attune_worker & WORKER=$$!; \
	  trap 'kill -TERM $$WORKER 2>/dev/null; wait $$WORKER' EXIT; trap 'exit 130' INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT); }

# Tests run with their own settings in the environment, never the developer's .env.
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-never-used-in-production DJANGO_DEBUG=false

test: setup sdk-venv
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(TEST_ENV) $(BIN)/python bench/list_workflows.py
	$(TEST_ENV) $(BIN)/python bench/load_pack.py
	$(TEST_ENV) $(BIN)/python bench/validate.py
	$(TEST_ENV) $(BIN)/python bench/graph.py
	$(TEST_ENV) $(BIN)/python bench/executions.py

# Schemathesis over /api/schema against a live server on a throwaway database (SQLite, or
# the empty PostgreSQL database in DATABASE_URL); FUZZ_MAX_TIME seconds, FUZZ_SEED.
.PHONY: fuzz
fuzz: setup
	BIN=$(BIN) .ci/fuzz_api

clean:
	rm -rf $(VENV) $(ATTUNE_SDK_VENV) staticfiles var .pytest_cache .ruff_cache
