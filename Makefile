# Two commands on a fresh machine:  `make demo`  and  `make test`;  `make docs` builds the site.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test docs docs-check clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned first so pip takes the CPU wheel instead of a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test,plot]"
	touch $@

$(VENV)/.docs-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[docs]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/skpanda reproduce --quick --out skpanda-results

# One pytest-xdist worker per logical CPU (`make test WORKERS=4` to choose); a test file runs
# whole on one worker, so its module fixtures are built once. Serial: .venv/bin/python -m pytest
WORKERS ?= logical

test: install
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile

# The site in docs/_build/html: warnings are errors (-W), every example in examples/plot_*.py
# runs (one thread each), then every local link and image of the built site is checked.
docs: $(VENV)/.docs-installed
	OMP_NUM_THREADS=1 $(BIN)/python -m sphinx -b html -W --keep-going docs docs/_build/html
	$(BIN)/python docs/check_site.py docs/_build/html

# The built site in headless Chromium (installed from Debian's packages when missing):
# no JavaScript error, no missing image; screenshots in docs/_build/screenshots.
docs-check: docs
	$(BIN)/python docs/browser_check.py docs/_build/html

clean:
	rm -rf $(VENV) skpanda-results docs/_build docs/generated docs/auto_examples \
		docs/api/backreferences docs/sg_execution_times.rst
