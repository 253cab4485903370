# The two commands a new user runs: `make demo` and `make test`.
# Both create .venv themselves; only Python 3.10+ is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BANK   := questions/itil4-foundation
OUT    := out

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install when the package metadata changes; editable, so code edits need no reinstall.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-demo

demo: $(VENV)/.installed-demo
	$(BIN)/qbank validate $(BANK)
	$(BIN)/qbank stats --bank $(BANK)
	$(BIN)/qbank build templates/itil4-foundation-mock.json --bank $(BANK) --seed 2026 --variants 3 --out $(OUT)/
	$(BIN)/qbank export moodle --bank $(BANK) -o $(OUT)/itil4-foundation.moodle.xml
	$(BIN)/qbank export qti --bank $(BANK) -o $(OUT)/itil4-foundation.qti21.zip

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-demo
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_lint.py

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info
