# d2track: `make demo` runs the main job on built-in synthetic data, `make test` runs the tests.
# Both set up .venv on first use; setup re-runs only when its inputs change.
PY := .venv/bin/python
STAMP := .venv/.d2track-setup
SETUP_INPUTS := setup.py pyproject.toml scripts/setup.sh scripts/install_detectron2.py \
	$(wildcard d2track/compat/*.py)
LINT_PATHS := d2track configs projects tools datasets tests benchmarks scripts setup.py
DEMO_CONFIG := projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py
DEMO_OUT ?= output/demo
# frames of the first synthetic_vid_val video (generated with the split on first use)
DEMO_VIDEO = $$($(PY) -c "import os, d2track.data; from detectron2.data import DatasetCatalog; \
	print(os.path.dirname(DatasetCatalog.get('synthetic_vid_val')[0]['file_name']))" 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: setup test demo lint format env clean

setup: $(STAMP)

$(STAMP): $(SETUP_INPUTS)
	bash scripts/setup.sh
	@touch $(STAMP)

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

demo: setup
	$(PY) tools/lazyconfig_train_net.py --config-file $(DEMO_CONFIG) train.output_dir=$(DEMO_OUT)
	$(PY) tools/demo/demo_vid.py --config-file $(DEMO_CONFIG) --weights $(DEMO_OUT)/model_final.pth \
		--input "$(DEMO_VIDEO)" --output $(DEMO_OUT)/synthetic_vid_val_video0.mp4 --fps 5
	@echo "demo done: metrics in $(DEMO_OUT)/eval_results.json, detections drawn on a validation" \
		"video in $(DEMO_OUT)/synthetic_vid_val_video0.mp4"

lint: setup
	$(PY) -m black --check --quiet $(LINT_PATHS)
	$(PY) -m isort --check-only --quiet $(LINT_PATHS)
	$(PY) -m flake8 $(LINT_PATHS)

format: setup
	$(PY) -m black --quiet $(LINT_PATHS)
	$(PY) -m isort --quiet $(LINT_PATHS)

env: setup
	$(PY) -m d2track.utils.collect_env

clean:
	rm -rf output .pytest_cache
