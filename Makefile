# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
# Test processes (pytest-xdist): one per CPU by default; each has its own database.
# `make pytest PYTEST_WORKERS=0` runs the suite in one process; PYTEST_ARGS adds pytest options.
PYTEST_WORKERS ?= auto

.PHONY: demo test check pytest setup messages audit

demo: ## set up, build the demo district, and serve it on http://127.0.0.1:5000
	@scripts/setup.sh
	@scripts/demo.sh

test: ## set up everything and run lint + the whole test suite (SQLite; DATABASE_URL for PostgreSQL)
	@scripts/setup.sh --with-browser
	@$(MAKE) --no-print-directory check pytest

check:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# PYTHONDONTWRITEBYTECODE (set on these machines) also stops pytest keeping the test modules it
# rewrites for its assertions: every worker would parse and rewrite all of them again, 3.4 s of
# each worker's 6.2 s collection. The files go to __pycache__, which git ignores.
pytest:
	PYTHONDONTWRITEBYTECODE= .venv/bin/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

messages: ## extract every translatable string, and add the new ones (untranslated) to each language's .po
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o consent/translations/messages.pot .
	.venv/bin/pybabel update -i consent/translations/messages.pot -d consent/translations --no-fuzzy-matching --ignore-obsolete

audit: ## check installed packages against known vulnerabilities (needs a reachable advisory database)
	.venv/bin/python -m pip install --quiet pip-audit
	.venv/bin/pip-audit --strict --skip-editable
