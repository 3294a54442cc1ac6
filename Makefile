# Every task of the project. `make help` lists them.
# The two set-up commands for a new machine are `make up` and `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11 || command -v python3))
# Rasa 3.6 needs Python 3.10 (pyenv has it on these machines).
# pyenv's shim for python3.10 fails unless 3.10 is selected, so take the
# interpreter itself when pyenv has one.
PY310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
VENV := .venv
RASA_VENV := .venv-rasa
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: help install up browser test audit test-fast fuzz lint format typecheck catalogs catalogs-update model nlu-accuracy bench bench-inbox bench-learners faults clean

help: ## List the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints/app.txt
	$(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip
	$(VENV)/bin/pip install $(PIP_QUIET) -c constraints/app.txt -e '.[dev]'
	touch $@

$(RASA_VENV)/.installed: constraints/rasa.txt
	@test -n "$(PY310)" || { echo "Python 3.10 is needed for Rasa 3.6 (pyenv install 3.10)"; exit 1; }
	$(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) --upgrade pip wheel
	$(RASA_VENV)/bin/pip install $(PIP_QUIET) -c constraints/rasa.txt rasa==3.6.21
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(RASA_VENV)/.installed node_modules/.installed catalogs model ## Install both environments, compile catalogs, train the model if nlu/ changed
	$(VENV)/bin/lessonbot db upgrade

up: install ## Install everything and run the whole system locally (SQLite, local channel)
	$(VENV)/bin/lessonbot up

browser: ## Debian's chromium for the browser tests (Playwright never downloads its own here)
	@command -v chromium > /dev/null || { apt-get update -qq && apt-get install -y -qq chromium > /dev/null; }

test: install browser audit ## Install everything and run the whole test suite (audit, lint, fast tests, Rasa integration, browser)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lessonbot lessons check
	cd nlu && ../$(RASA_VENV)/bin/rasa data validate --fail-on-warnings
	$(VENV)/bin/pytest
	$(VENV)/bin/python scripts/rasa_nlu_accuracy.py --stories

audit: $(VENV)/.installed ## pip-audit both constraint files; a finding not in constraints/audit-ignore.txt fails
	@# No advisory source reachable: one line says so and the build goes on (scripts/dependency_audit.py).
	$(VENV)/bin/python scripts/dependency_audit.py

test-fast: $(VENV)/.installed catalogs ## Only the fast tests (no Rasa server)
	$(VENV)/bin/pytest -m "not rasa"

fuzz: $(VENV)/.installed catalogs ## Fuzz the webhooks, staff forms and dashboard filters: 10,000 inputs per endpoint (`make test` runs 150)
	LESSONBOT_FUZZ_EXAMPLES=$${LESSONBOT_FUZZ_EXAMPLES:-10000} $(VENV)/bin/pytest -m fuzz -p no:cacheprovider tests/fuzz

lint: $(VENV)/.installed ## ruff lint and format check, mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

catalogs: $(VENV)/.installed ## Compile the gettext catalogs (.po -> .mo)
	$(VENV)/bin/pybabel compile -d bot/translations -D messages > /dev/null

catalogs-update: $(VENV)/.installed ## Extract new strings and merge them into every catalog
	$(VENV)/bin/pybabel extract --no-location --sort-output -F babel.cfg -k lazy_gettext -o bot/translations/messages.pot bot lessons nlu/actions scheduler
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i bot/translations/messages.pot -d bot/translations -D messages

model: $(VENV)/.installed $(RASA_VENV)/.installed ## Train the Rasa model, only when its inputs changed
	$(VENV)/bin/python scripts/rasa_train.py

nlu-accuracy: model ## Intent accuracy per language: dev split, independent, opt-out and hand-off sets
	$(VENV)/bin/python scripts/rasa_nlu_accuracy.py

bench: $(VENV)/.installed $(RASA_VENV)/.installed catalogs model ## Benchmarks vs bare Rasa and Rasa's Twilio connector, due-lesson dispatch (~22 min, loopback only): table + bench/results.json
	@# py-spy profiles the worker, Rasa and the actions; a benchmark-only tool, not an app dependency.
	@test -x $(VENV)/bin/py-spy || $(VENV)/bin/pip install $(PIP_QUIET) 'py-spy==0.4.3'
	@# yappi: the same from inside the worker, where py-spy cannot attach (BENCH_YAPPI=1).
	@$(VENV)/bin/python -c 'import yappi' 2>/dev/null || $(VENV)/bin/pip install $(PIP_QUIET) 'yappi==1.7.6'
	$(VENV)/bin/python -m bench.run
	$(VENV)/bin/python scripts/bench_dispatch.py --learners 5000 --out bench/results.json

bench-inbox: $(VENV)/.installed ## Inbox list and badge with 10,000 open conversations, 1,000,000 messages, SQLite and PostgreSQL (~5 min): table + bench/inbox.json
	$(VENV)/bin/python scripts/bench_inbox.py

bench-learners: $(VENV)/.installed ## Learner directory search with 100,000 learners, SQLite and PostgreSQL (under a minute): table + bench/learners.json
	$(VENV)/bin/python scripts/bench_learners.py

faults: $(VENV)/.installed $(RASA_VENV)/.installed catalogs model ## Fault injection at the issue's sizes (about 70 min): kills, outages, Twilio faults; table + test-artifacts/faults.json
	@# The small run is part of `make test`; this one is 2,000 messages and a 5,000-recipient broadcast.
	LESSONBOT_FAULTS_SCALE=full $(VENV)/bin/pytest -m faults -p no:cacheprovider; status=$$?; \
		$(VENV)/bin/python -m tests.faults.report; exit $$status

clean: ## Remove build outputs (environments, model, compiled catalogs, local data)
	rm -rf $(VENV) $(RASA_VENV) node_modules nlu/models nlu/results var
	find bot/translations -name '*.mo' -delete
