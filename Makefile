# Kexiang: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-test lock messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Kexiang needs Python 3.11 or newer (found " + sys.version.split()[0] + ").")'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV). On Debian: apt-get install python3-venv"; exit 1; }
	@$(BIN)/python -m pip install -q --upgrade pip

# The stamps make a second run skip the install when the lock files have not changed.
$(VENV)/.installed-base: requirements/base.lock | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/base.lock
	@touch $@

$(VENV)/.installed-test: requirements/test.lock | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements/test.lock
	@touch $@

install: $(VENV)/.installed-base
install-test: $(VENV)/.installed-test

## make run: set up and run the platform on its embedded default (SQLite, DB search,
## filesystem Celery transport with a local worker, media on disk) with demo content.
run: install
	PORT=$(PORT) BIN=$(BIN) scripts/run.sh

## make test: install the test dependencies and run the tests.
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make lock: re-resolve requirements/*.lock after changing pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile --python 3.11 --quiet --generate-hashes --no-header pyproject.toml -o requirements/base.lock
	$(BIN)/uv pip compile --python 3.11 --quiet --generate-hashes --no-header --extra test pyproject.toml -o requirements/test.lock

## make messages: refresh and compile the translations in site/locale after changing strings.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
