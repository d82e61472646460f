# Two commands matter: `make demo` and `make test`. Everything else is what they are made of.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app portal
export PORTAL_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: install translations demo serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -D messages --statistics 2>&1 | tail -n 2

# `make demo PORT=5001` serves on another port; e-mail links follow it (PORTAL_BASE_URL), unless it is set.
PORT ?= 5000
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)

demo: install
	$(FLASK) portal init
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(FLASK) portal seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Lint and type checks run beside the tests rather than inside pytest's own run; any failure fails
# `make test`, and mypy's report is printed only when it finds something. The tests run in TEST_WORKERS
# processes (pytest-xdist), a test module's tests in one process: each process has its own PostgreSQL schema,
# SQLite files, servers and queue names, so they share nothing but the services.
TEST_WORKERS ?= 2
test: install
	$(BIN)/ruff check portal questionnaires workers tests bench
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & mypy=$$!; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile; tests=$$?; \
	if ! wait $$mypy; then cat $(VENV)/mypy.log; echo "mypy found problems" >&2; exit 1; fi; \
	exit $$tests

lint: install
	$(BIN)/ruff check portal questionnaires workers tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
