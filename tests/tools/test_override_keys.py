"""Tools reject a misspelled ``key=value`` override at once, naming it and the closest keys."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "configs/demo/faster_rcnn_r18_fpn_400it_synthetic_shapes.py"
DFF_CONFIG = REPO / "projects/DFF/configs/dff_faster_rcnn_tiny_400it_synthetic.py"
MOT_CONFIG = REPO / "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py"


def run_failing(tool, *args, cwd):
    """Run ``tools/<tool>``; it must fail (well before the timeout), with no traceback."""
    cmd = [sys.executable, str(REPO / "tools" / tool), *map(str, args)]
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0, result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    return result.stderr


def test_train_net_rejects_misspelled_key_before_training(tmp_path):
    out = tmp_path / "out"
    stderr = run_failing(
        "lazyconfig_train_net.py",
        "--config-file",
        DEMO_CONFIG,
        f"train.output_dir={out}",
        "train.max_itr=3",
        cwd=tmp_path,
    )
    assert "unknown config key 'train.max_itr'" in stderr
    assert "did you mean: train.max_iter" in stderr and "'+train.max_itr=3'" in stderr
    assert not out.exists(), "nothing may be set up or trained"


@pytest.mark.parametrize(
    "tool, config, key, suggestion",
    [
        ("demo/demo_vid.py", DFF_CONFIG, "model.key_frame_intervl", "model.key_frame_interval"),
        ("demo/demo_mot_vis.py", MOT_CONFIG, "model.tracker.init_trak_thr", "init_track_thr"),
    ],
)
def test_demo_tools_reject_misspelled_key(tmp_path, tool, config, key, suggestion):
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "000000.jpg"), np.zeros((32, 32, 3), np.uint8))
    args = ["--config-file", config, "--input", frames, "--output", tmp_path / "o.mp4"]
    if tool == "demo/demo_vid.py":
        args += ["--weights", tmp_path / "never_loaded.pth"]
    stderr = run_failing(tool, *args, f"{key}=1", cwd=tmp_path)
    assert f"error: unknown config key '{key}'" in stderr
    assert f"did you mean: {'model.tracker.' if 'tracker' in key else ''}{suggestion}" in stderr
