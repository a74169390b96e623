# Two commands on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned first so pip takes the CPU wheel instead of a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test,plot]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/skpanda reproduce --quick --out skpanda-results

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) skpanda-results
