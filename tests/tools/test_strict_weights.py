"""The tools refuse a checkpoint of another model, and a tracking model without weights."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import instantiate

from d2track.checkpoint import CheckpointMismatchError, MissingWeightsError
from d2track.config import get_config

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "lazyconfig_train_net.py"
DETECTOR = REPO / "configs" / "demo" / "faster_rcnn_r18_fpn_400it_synthetic_shapes.py"
TINY = [
    "dataloader.test.dataset.names=synthetic_shapes_mini",
    "dataloader.test.num_workers=0",
]
MOT = REPO / "projects" / "SORT" / "configs" / "sort_faster_rcnn_tiny_synthetic_mot.py"


@pytest.fixture(scope="module")
def reid_checkpoint(tmp_path_factory):
    """The state dict of the tiny ReID model: a checkpoint of another model for a detector."""
    path = tmp_path_factory.mktemp("ckpt") / "reid.pth"
    model = instantiate(get_config("reid/reid_tiny_400it_synthetic.py").model)
    torch.save({"model": model.state_dict()}, path)
    return path


def eval_only(config, *args, output_dir):
    cmd = [sys.executable, str(TOOL), "--config-file", str(config), "--eval-only", *args]
    cmd += [f"train.output_dir={output_dir}"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_eval_only_refuses_a_checkpoint_of_another_model(reid_checkpoint, tmp_path):
    out = tmp_path / "eval"
    result = eval_only(DETECTOR, f"train.init_checkpoint={reid_checkpoint}", *TINY, output_dir=out)
    assert result.returncode != 0
    assert f"model weights found in {reid_checkpoint}" in result.stderr
    assert "CheckpointMismatchError" in result.stderr and "--allow-partial" in result.stderr
    assert "Start inference" not in result.stdout + result.stderr
    assert not (out / "eval_results.json").exists()


def test_eval_only_allow_partial_proceeds(reid_checkpoint, tmp_path):
    out = tmp_path / "eval"
    result = eval_only(
        DETECTOR, "--allow-partial", f"train.init_checkpoint={reid_checkpoint}", *TINY,
        "model.roi_heads.box_predictor.test_score_thresh=0.0", output_dir=out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    assert "AP" in json.loads((out / "eval_results.json").read_text())["bbox"]


def test_eval_only_refuses_a_tracking_model_without_detector_weights(tmp_path):
    result = eval_only(MOT, output_dir=tmp_path / "mot")
    assert result.returncode != 0
    assert "MissingWeightsError" in result.stderr
    assert "model.detector_weights=PATH" in result.stderr
    assert "Start inference" not in result.stdout + result.stderr


def run_demo_mot_vis(*args):
    argv = sys.argv
    sys.argv = ["tools/demo/demo_mot_vis.py", *map(str, args)]
    try:
        return runpy.run_path(str(REPO / "tools/demo/demo_mot_vis.py"), run_name="tool")["main"]()
    finally:
        sys.argv = argv


def test_demo_refuses_mismatched_weights_and_missing_ones(reid_checkpoint, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), np.zeros((32, 32, 3), np.uint8))
    common = ["--config-file", MOT, "--input", folder, "--output", tmp_path / "out", "--device"]
    common.append("cpu")
    with pytest.raises(CheckpointMismatchError, match=f"found in {reid_checkpoint}"):
        run_demo_mot_vis(*common, "--weights", reid_checkpoint)
    with pytest.raises(MissingWeightsError, match="the detector has no weights"):
        run_demo_mot_vis(*common)
    assert not (tmp_path / "out").exists()
