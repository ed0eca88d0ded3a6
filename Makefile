# `make run` and `make test` work on a fresh machine: each bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check-layers install clean bench fuzz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Lynk on :7242 and, beside it, two example shops of examples/merchant (two demo merchants, so a shopper
# can save her details with Link at one and pay in one click at the other): :4242 and :4243.
run: $(STAMP)
	$(BIN)/lynk demo
	$(BIN)/python examples/merchant/server.py & a=$$!; SHOP=second $(BIN)/python examples/merchant/server.py & b=$$!; \
	trap 'kill $$a $$b' EXIT INT TERM; $(BIN)/lynk serve

lint: $(STAMP)
	$(BIN)/ruff check lynk tests bench
	$(BIN)/ruff format --check lynk tests bench
	$(BIN)/mypy lynk
	$(BIN)/lint-imports

test: lint
	scripts/ensure-browser
	$(BIN)/python -m pytest

# The contract fuzz at larger bounds than the suite's (every operation of /openapi.json; see the test's docstring).
fuzz: $(STAMP)
	LYNK_CONTRACT_EXAMPLES=$${LYNK_CONTRACT_EXAMPLES:-40} LYNK_CONTRACT_BOUNDARIES=$${LYNK_CONTRACT_BOUNDARIES:-200} \
		$(BIN)/python -m pytest tests/api/test_openapi_contract.py -q

bench: $(STAMP)
	$(BIN)/python bench/api_baseline.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
