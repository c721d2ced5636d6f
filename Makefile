# DocClean: `make run` opens the app, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.setup-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup setup-runtime run test lint bench fuzz train train-ablations evaluate experiments package screenshot icons system-packages clean

# Runtime only: enough to run the app and the command line.
$(VENV)/.setup-runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

setup-runtime: $(VENV)/.setup-runtime

# Everything: runtime, training, development tools and Ray (the cluster command).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[train,dev,cluster]"
	# augraphy's metadata pulls the non-headless OpenCV wheel; its other needs are in [train].
	$(PIP) install -q --no-deps "augraphy>=8.2.6"
	$(PY) scripts/check_environment.py
	rm -f $(VENV)/.setup-*[0-9a-f]
	touch $@ $(VENV)/.setup-runtime

setup: $(STAMP)

# Debian tools that evaluation needs (OCR). Installed only where missing.
system-packages:
	@command -v tesseract >/dev/null || { \
	  echo "Installing tesseract-ocr (used by evaluation)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; }

run: setup-runtime
	$(VENV)/bin/docclean-gui

test: setup system-packages
	$(MAKE) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: setup system-packages
	$(PY) -m engine.bench
	$(PY) -m engine.cluster_bench
	$(PY) -m engine.memory_bench
	$(PY) -m training.evaluate

# A long fuzz run of the image readers (make test runs a short one); findings go to fuzz-findings/.
fuzz: setup
	$(PY) -m tests.engine.fuzzing --cases 50000 --keep fuzz-findings

train: setup
	$(PY) -m training.train --config training/configs/seed_reference.toml
	$(PY) -m training.train --config training/configs/seed.toml
	$(PY) -m training.train --config training/configs/production_low_resolution.toml
	$(PY) -m training.train --config training/configs/production.toml

# The comparisons behind the shipped recipe (docs/results.md): MSE fine-tuning (starts from
# the low-resolution model's run: `make train` first), the previous full-resolution-head
# network, and with it scale jitter and synthetic pages.
train-ablations: setup
	$(PY) -m training.train --config training/configs/ablations/lighting_every_patch.toml
	$(PY) -m training.train --config training/configs/ablations/no_lighting.toml
	$(PY) -m training.train --config training/configs/ablations/mse_finetune.toml
	$(PY) -m training.train --config training/configs/ablations/full_resolution_head.toml
	$(PY) -m training.train --config training/configs/ablations/scale_jitter.toml
	$(PY) -m training.train --config training/configs/ablations/synthetic.toml

evaluate: setup system-packages
	$(PY) -m training.evaluate

experiments: setup
	$(PY) -m training.experiments

package: setup
	$(PY) packaging/build.py

screenshot: setup
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshot.py

icons: setup
	$(PY) scripts/render_icon.py

clean:
	rm -rf build dist .pytest_cache .ruff_cache
