# OpenIOP: thin wrappers; see README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo worker totp run test test-fast test-browser lint schema bench bench-load clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

# One command for a newcomer: environment, database, demo program, server.
demo: install
	@mkdir -p .local
	@test -s .local/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .local/secret_key
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 ALLOWED_HOSTS=$(HOST),localhost \
	  $(BIN)/openiop migrate --no-input -v 0
	@# The logins are new for each database and printed once: keep the file that has them.
	@umask 077; SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 \
	  $(BIN)/openiop demo-data --if-empty --patients 150 --seed 7 > .local/demo-data.out; \
	  status=$$?; cat .local/demo-data.out; \
	  if grep -q "TOTP key" .local/demo-data.out; then mv .local/demo-data.out .local/demo-logins.txt; \
	  else rm -f .local/demo-data.out; fi; exit $$status
	@echo "Serving OpenIOP at http://$(HOST):$(PORT)/  (Ctrl-C to stop; logins above, also in .local/demo-logins.txt)"
	@# No worker process in the demo: the web process runs the task queue in a background thread.
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 ALLOWED_HOSTS=$(HOST),localhost \
	  SCHEDULE_INLINE_FALLBACK=1 $(BIN)/openiop runserver $(HOST):$(PORT) --noreload

# A task worker on the demo database (schedule solves, compliance runs), e.g. in a second
# terminal beside `make demo`; production runs `openiop db_worker` (see README).
worker: install
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 \
	  $(BIN)/openiop db_worker

# Current 6-digit code of a demo user: make totp USER=director
totp: install
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 \
	  $(BIN)/openiop demo-totp $(USER)

# The whole suite: unit and integration tests, then the browser tests (headless Chromium).
test: install
	$(BIN)/pytest -n 2
	$(BIN)/pytest -m browser

test-fast: install
	$(BIN)/pytest -n 2

test-browser: install
	$(BIN)/pytest -m browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy openiop
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=openiop.config.settings_test $(BIN)/openiop makemigrations --check --dry-run
	$(MAKE) --no-print-directory schema-check

schema: install
	DJANGO_SETTINGS_MODULE=openiop.config.settings_test $(BIN)/openiop spectacular --file docs/openapi.yaml --validate --fail-on-warn

schema-check: install
	@DJANGO_SETTINGS_MODULE=openiop.config.settings_test $(BIN)/openiop spectacular --file /tmp/openiop-openapi.yaml --validate --fail-on-warn
	@diff -q docs/openapi.yaml /tmp/openiop-openapi.yaml >/dev/null || (echo "docs/openapi.yaml is stale: run 'make schema'"; exit 1)

bench: install
	$(BIN)/python bench/compliance/run.py
	$(BIN)/python bench/compliance/app.py
	$(BIN)/python bench/scheduling/run.py
	$(BIN)/python bench/locator/run.py
	$(BIN)/python bench/patients/run.py
	$(BIN)/python bench/billing/run.py
	$(BIN)/python bench/reports/run.py
	@echo "Load benchmark (PostgreSQL, gunicorn, simulated staff; minutes): make bench-load"

# Load benchmark: gunicorn on PostgreSQL with the 5,000-patient demo, 10, 25 and 50 simulated
# staff (bench/load/run.py). BENCH_LOAD_ARGS=--reuse keeps a demo built by an earlier run.
BENCH_LOAD_DB   ?= postgres://postgres@127.0.0.1:5432/bench_load
BENCH_LOAD_ARGS ?=
bench-load: install
	DATABASE_URL=$(BENCH_LOAD_DB) $(BIN)/python bench/load/run.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) openiop.sqlite3* staticfiles .local
