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
## against same-run baselines and targets
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
