# Two commands do all the set-up (see README): `make course` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: course test lint book assignments edition clean

# Create the environment once, and again whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m affirming_care.tools.lab_settings
	touch $(STAMP)

## Open the course in JupyterLab at the welcome notebook, as a learner sees it: nbgrader's
## instructor tools are off (deploy/learner); instructors use `affirming_care grade formgrader`.
LEARNER_CONFIG := $(CURDIR)/deploy/learner
course: $(STAMP)
	JUPYTER_CONFIG_PATH="$(LEARNER_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) notebooks/m00-welcome.ipynb

## pytest runs in TEST_WORKERS processes (pytest-xdist); each module, and each notebook, stays in one,
## so its module-scoped fixtures are made once. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2
## Run every test: lint, content validation, unit tests, notebooks (nbval), nbgrader, the book, the browser.
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks book/_theme
	$(BIN)/ruff format --check src tests benchmarks book/_theme
	$(BIN)/mypy src/affirming_care
	$(BIN)/affirming_care check
	$(BIN)/affirming_care assignments --check
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# JupyterHub's proxy for the JupyterHub test: configurable-http-proxy, pinned in deploy/proxy (Node.js, npm).
PROXY  := deploy/proxy/node_modules/.bin/configurable-http-proxy
$(PROXY): deploy/proxy/package.json deploy/proxy/package-lock.json
	npm ci --prefix deploy/proxy --no-audit --no-fund
	touch $(PROXY)
test: $(PROXY)

# The LMS package tests' SCORM runtime (scorm-again) and SCORM schemas, pinned in tests/lms (npm).
LMS_RUNTIME := tests/lms/node_modules/scorm-again/dist/scorm12.min.js
$(LMS_RUNTIME): tests/lms/package.json tests/lms/package-lock.json
	npm ci --prefix tests/lms --no-audit --no-fund
	touch $(LMS_RUNTIME)
test: $(LMS_RUNTIME)

## Build the book into _build/html (the tests build it in a temporary folder).
book: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter-book build . -W -n --keep-going

## Rewrite assignments/source from the content after changing a module.
assignments: $(STAMP)
	$(BIN)/affirming_care assignments

## Build the learner edition into build/learner-edition: what learners, Binder and the hub image get
## (notebooks, content, the wheel, the released assignments; no post-test keys, no grading material).
## Publish that folder as the branch `learner-edition` (deploy/README.md); links and hubs point there.
EDITION := build/learner-edition
edition: $(STAMP)
	$(BIN)/affirming_care edition --out $(EDITION) --force

clean:
	rm -rf _build .pytest_cache .ruff_cache .mypy_cache build dist src/*.egg-info
