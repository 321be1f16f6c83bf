# d2track: `make demo` runs the main job on built-in synthetic data, `make test` runs the tests.
# Both set up .venv on first use; setup re-runs only when its inputs change.
PY := .venv/bin/python
STAMP := .venv/.d2track-setup
SETUP_INPUTS := setup.py pyproject.toml scripts/setup.sh scripts/install_detectron2.py \
	$(wildcard d2track/compat/*.py)
LINT_PATHS := d2track configs projects tools datasets tests benchmarks scripts setup.py
# make demo [TASK=vid|mot|sot|vis]: the video detection (default), multiple or single object tracking,
# or video instance segmentation demo
TASK ?= vid
DEMO_CONFIG := projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py
DEMO_OUT ?= output/demo
MOT_DETECTOR_CONFIG := configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py
MOT_CONFIG := projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py
MOT_OUT ?= output/demo_mot
SOT_CONFIG := projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py
SOT_OUT ?= output/demo_sot
VIS_CONFIG := projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py
VIS_OUT ?= output/demo_vis
# frames of the first video of a synthetic split (generated with the split on first use)
first_video = $$($(PY) -c "import os, d2track.data; from detectron2.data import DatasetCatalog; \
	print(os.path.dirname(DatasetCatalog.get('$(1)')[0]['file_name']))" 2>/dev/null)
# x,y,w,h of the target on the first frame of that video
first_box = $$($(PY) -c "import d2track.data; from detectron2.data import DatasetCatalog; \
	from detectron2.structures import BoxMode as M; a = DatasetCatalog.get('$(1)')[0]['annotations'][0]; \
	print(','.join('%g' % v for v in M.convert(list(a['bbox']), a['bbox_mode'], M.XYWH_ABS)))" 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: setup test demo demo-vid demo-mot demo-sot demo-vis lint format env clean

setup: $(STAMP)

$(STAMP): $(SETUP_INPUTS)
	bash scripts/setup.sh
	@touch $(STAMP)

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

demo: demo-$(TASK)

demo-vid: setup
	$(PY) tools/lazyconfig_train_net.py --config-file $(DEMO_CONFIG) train.output_dir=$(DEMO_OUT)
	$(PY) tools/demo/demo_vid.py --config-file $(DEMO_CONFIG) --weights $(DEMO_OUT)/model_final.pth \
		--input "$(call first_video,synthetic_vid_val)" \
		--output $(DEMO_OUT)/synthetic_vid_val_video0.mp4 --fps 5
	@echo "demo done: metrics in $(DEMO_OUT)/eval_results.json, detections drawn on a validation" \
		"video in $(DEMO_OUT)/synthetic_vid_val_video0.mp4"

# train the tiny pedestrian detector, track synthetic_mot_val with ByteTrack, draw one video
demo-mot: setup
	$(PY) tools/lazyconfig_train_net.py --config-file $(MOT_DETECTOR_CONFIG) \
		train.output_dir=$(MOT_OUT)/detector
	$(PY) tools/lazyconfig_train_net.py --eval-only --config-file $(MOT_CONFIG) \
		model.detector_weights=$(MOT_OUT)/detector/model_final.pth train.output_dir=$(MOT_OUT)/bytetrack
	$(PY) tools/demo/demo_mot_vis.py --config-file $(MOT_CONFIG) \
		--input "$(call first_video,synthetic_mot_val)" \
		--output $(MOT_OUT)/synthetic_mot_val_video0.mp4 --fps 5 \
		model.detector_weights=$(MOT_OUT)/detector/model_final.pth
	@$(PY) -c "import json; r = json.load(open('$(MOT_OUT)/bytetrack/eval_results.json'))['mot']; \
		print('ByteTrack on synthetic_mot_val: HOTA %.2f MOTA %.2f IDF1 %.2f' % \
		(r['HOTA'], r['MOTA'], r['IDF1']))"
	@echo "demo done: tracks drawn in $(MOT_OUT)/synthetic_mot_val_video0.mp4"

# train the tiny SiamRPN++ (seed 0), score synthetic_sot_val (OPE, VOT, lost-target rates) against
# two baselines, draw one video
demo-sot: setup
	$(PY) tools/analysis/sot_synthetic_table.py --output $(SOT_OUT) --seeds 0
	$(PY) tools/demo/demo_sot.py --config-file $(SOT_CONFIG) --weights $(SOT_OUT)/seed0/model_final.pth \
		--input "$(call first_video,synthetic_sot_val)" --init-box $(call first_box,synthetic_sot_val) \
		--output $(SOT_OUT)/synthetic_sot_val_video0.mp4 --fps 5
	@echo "demo done: table in $(SOT_OUT)/table.json, the tracked target drawn in" \
		"$(SOT_OUT)/synthetic_sot_val_video0.mp4"

# train the tiny MaskTrack R-CNN (seed 0), score synthetic_vis_val with its tracker, the embedding
# tracker and the mask-IoU baseline, draw one video
demo-vis: setup
	$(PY) tools/analysis/vis_synthetic_table.py --output $(VIS_OUT) --seeds 0
	$(PY) tools/demo/demo_mot_vis.py --config-file $(VIS_CONFIG) --weights $(VIS_OUT)/seed0/model_final.pth \
		--input "$(call first_video,synthetic_vis_val)" --score-thr 0.3 \
		--output $(VIS_OUT)/synthetic_vis_val_video0.mp4 --fps 5
	@echo "demo done: table in $(VIS_OUT)/table.json, tracked masks drawn in" \
		"$(VIS_OUT)/synthetic_vis_val_video0.mp4"

lint: setup
	$(PY) -m black --check --quiet $(LINT_PATHS)
	$(PY) -m isort --check-only --quiet $(LINT_PATHS)
	$(PY) -m flake8 $(LINT_PATHS)
	$(dir $(PY))lint-imports --no-cache

format: setup
	$(PY) -m black --quiet $(LINT_PATHS)
	$(PY) -m isort --quiet $(LINT_PATHS)

env: setup
	$(PY) -m d2track.utils.collect_env

clean:
	rm -rf output .pytest_cache
