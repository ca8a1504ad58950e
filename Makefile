# The one place that lists carefund's commands; CI (.ci/run) runs `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: the server with a demo district on the embedded SQLite database (./carefund.db)
run: $(STAMP)
	$(BIN)/carefund serve --demo

## test: the whole suite, on SQLite and, when one answers on 127.0.0.1:5432, on PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check carefund api receipts tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## bench: every benchmark (quick; BENCH_ARGS=--full for the large sizes), one table of figures
## against same-run baselines and targets (bench.peer, a year statement against
## `hledger balance` on the same books, is skipped without hledger)
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## fuzz: long property-based runs (FUZZ_EXAMPLES per property, FUZZ_API_EXAMPLES per API
## operation): money, the import parser and RRULEs with hypothesis; every API operation and
## call sequences with schemathesis in-process; then a full schemathesis run (all phases,
## all checks) against `carefund serve`. `make test` runs short versions of the first two.
FUZZ_EXAMPLES ?= 3000
FUZZ_API_EXAMPLES ?= 300
fuzz: $(STAMP)
	CAREFUND_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) CAREFUND_FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) \
		$(BIN)/python -m pytest --hypothesis-profile=fuzz tests/test_fuzz.py tests/test_money.py \
		tests/test_api_schemathesis.py tests/test_api_stateful.py
	$(BIN)/python -m tests.fuzz_server --max-examples $(FUZZ_API_EXAMPLES)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis schemathesis-report
