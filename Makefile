# OpenIOP: thin wrappers; see README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo totp run test test-fast test-browser lint schema bench clean

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
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 \
	  $(BIN)/openiop demo-data --if-empty --patients 150 --seed 7 | tee .local/demo-logins.txt
	@echo "Serving OpenIOP at http://$(HOST):$(PORT)/  (Ctrl-C to stop; logins above, also in .local/demo-logins.txt)"
	@SECRET_KEY=$$(cat .local/secret_key) OPENIOP_INSECURE_HTTP=1 OPENIOP_DEMO=1 ALLOWED_HOSTS=$(HOST),localhost \
	  $(BIN)/openiop runserver $(HOST):$(PORT) --noreload

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

clean:
	rm -rf $(VENV) openiop.sqlite3* staticfiles .local
