# DocClean: `make run` opens the app, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.setup-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup setup-runtime run test test-engine-alone lint quantise bench fuzz train train-previous training-fonts train-ablations evaluate experiments package screenshot icons system-packages clean

# Runtime only: enough to run the app and the command line.
$(VENV)/.setup-runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[gui]"
	touch $@

setup-runtime: $(VENV)/.setup-runtime

# Everything: runtime, training, development tools and Ray (the cluster command).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[gui,train,dev,cluster]"
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

# Qt's window needs X11 libraries that a fresh system may lack: installed where missing.
run: setup-runtime
	$(PY) -m app.system_libraries --install
	$(VENV)/bin/docclean-gui

test: setup system-packages training-fonts
	$(MAKE) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest
	$(MAKE) test-engine-alone

# The engine's tests where only the engine is installed, as on a server or a cluster worker:
# no Qt, no OpenCV, no TensorFlow (the import contracts promise it; this proves it).
ENGINE_VENV := .venv-engine
test-engine-alone:
	test -x $(ENGINE_VENV)/bin/python || $(PYTHON) -m venv $(ENGINE_VENV)
	$(ENGINE_VENV)/bin/python -m pip install -q -e ".[test]"
	$(ENGINE_VENV)/bin/python scripts/check_engine_alone.py
	$(ENGINE_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/engine

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: setup system-packages training-fonts
	$(PY) -m benchmarks.speed
	$(PY) -m benchmarks.cluster
	$(PY) -m benchmarks.memory
	$(PY) -m benchmarks.pdf_sizes
	$(PY) -m training.evaluate

# A long fuzz run of the image readers (make test runs a short one); findings go to fuzz-findings/.
fuzz: setup
	$(PY) -m tests.engine.fuzzing --cases 50000 --keep fuzz-findings

# Serif, typewriter and hand-written faces for the synthetic pages (training.synthetic); the
# tests of the colour test set and the calibration render their pages in them too.
TRAINING_FONTS := fonts-ebgaramond fonts-courier-prime fonts-liberation fonts-joscelyn \
	fonts-dancingscript fonts-kristi fonts-humor-sans fonts-dkg-handwriting
training-fonts:
	@dpkg -s $(TRAINING_FONTS) >/dev/null 2>&1 || { \
	  echo "Installing the fonts synthetic training pages use"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TRAINING_FONTS) >/dev/null; }

train: setup training-fonts system-packages
	$(PY) -m training.train --config training/configs/seed_reference.toml
	$(PY) -m training.train --config training/configs/seed.toml
	$(PY) -m training.train --config training/configs/production.toml
	$(PY) -m training.quantise || echo "no INT8 version: it falls short of the float model"

# The model shipped before, trained on DDD only (a baseline in docs/results.md), and its
# companion for low-resolution pages.
train-previous: setup
	$(PY) -m training.train --config training/configs/ddd_only_low_resolution.toml
	$(PY) -m training.train --config training/configs/ddd_only.toml

# What each part of the real-documents recipe adds (docs/results.md): 25-epoch runs of the
# shipped recipe with one part taken out each, two at full length, and 30-epoch fine-tunes of
# the shipped model's run (runs/docclean: `make train` first). Then the comparisons behind the DDD-only
# model's recipe: MSE fine-tuning (starts from its low-resolution run: `make train-previous`
# first), the previous full-resolution-head network, and with it scale jitter and synthetic
# pages.
train-ablations: setup training-fonts
	$(PY) -m training.train --config training/configs/ablations/documents_25_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_paper_normalisation.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_dibco.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_synthetic.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_faint.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_show_through.toml
	$(PY) -m training.train --config training/configs/ablations/documents_dilated.toml
	$(PY) -m training.train --config training/configs/ablations/documents_logit_skip.toml
	$(PY) -m training.train --config training/configs/ablations/documents_no_faint_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_colour_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_dilated_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_quarter48_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_sharp_show_through.toml
	$(PY) -m training.train --config training/configs/ablations/documents_ink_weight_1_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_engine_scales_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_soft_scans_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_engine_scales_soft_scans_160_epochs.toml
	# The recipe shipped since 2026-12-07 is production.toml's: its row scores the shipped model
	# (`make train`), not a second training of the same recipe and seed.
	mkdir -p runs/documents_engine_scales_some_soft_scans_160_epochs
	for part in onnx json md; do cp resources/models/docclean.$$part \
		runs/documents_engine_scales_some_soft_scans_160_epochs/model.$$part; done
	$(PY) -m training.train --config training/configs/ablations/documents_logit_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/documents_figures_logit_160_epochs.toml
	$(PY) -m training.train --config training/configs/ablations/finetune_control.toml
	$(PY) -m training.train --config training/configs/ablations/finetune_more_ddd.toml
	$(PY) -m training.train --config training/configs/ablations/finetune_more_clean.toml
	$(PY) -m training.train --config training/configs/ablations/finetune_soft_dibco_truth.toml
	$(PY) -m training.train --config training/configs/ablations/finetune_grey_colour.toml
	$(PY) -m training.evaluate --ablations
	$(PY) -m training.train --config training/configs/ablations/lighting_every_patch.toml
	$(PY) -m training.train --config training/configs/ablations/no_lighting.toml
	$(PY) -m training.train --config training/configs/ablations/mse_finetune.toml
	$(PY) -m training.train --config training/configs/ablations/full_resolution_head.toml
	$(PY) -m training.train --config training/configs/ablations/scale_jitter.toml
	$(PY) -m training.train --config training/configs/ablations/synthetic.toml

# The shipped model's INT8 version, written only where its quality holds (training.quantise;
# its OCR gate reads with Tesseract).
quantise: setup system-packages
	$(PY) -m training.quantise

evaluate: setup system-packages training-fonts
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
