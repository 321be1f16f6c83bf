"""tools/demo/demo_sot.py with the tiny SiamRPN++ config on a few hand-made frames."""

import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.checkpoint import CheckpointMismatchError
from d2track.utils.testing import count_video_frames, run_tool_main

REPO = Path(__file__).resolve().parents[2]
TOOL = "tools/demo/demo_sot.py"
CONFIG = str(REPO / "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py")
NUM_FRAMES, H, W = 4, 96, 128


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_tool(*args):
    return run_tool_main(REPO / TOOL, *args)


def demo_module():
    return runpy.run_path(str(REPO / TOOL), run_name="demo_sot")


@pytest.fixture(scope="module")
def frames_folder(tmp_path_factory):
    """4 frames: a bright square moving right on a noisy grey background."""
    folder = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(0)
    for t in range(NUM_FRAMES):
        frame = rng.integers(90, 110, (H, W, 3)).astype(np.uint8)
        frame[30:60, 20 + 4 * t : 50 + 4 * t] = (40, 200, 240)
        cv2.imwrite(str(folder / f"frame{t + 1}.png"), frame)  # natural order: frame1..frame4
    return folder


@pytest.fixture(scope="module")
def weights(tiny_sot_weights):
    return tiny_sot_weights


def common(weights, frames_folder):
    return ["--config-file", CONFIG, "--weights", weights, "--input", frames_folder]


def test_two_targets_to_mp4_and_results(weights, frames_folder, tmp_path):
    out, results = tmp_path / "tracked.mp4", tmp_path / "results"
    boxes, visible = run_tool(
        *common(weights, frames_folder),
        "--output",
        out,
        "--results",
        results,
        "--init-box",
        "20,30,30,30",
        "--init-box",
        "70.5,10,20,25",
        "--device",
        "cpu",
    )
    assert count_video_frames(out) == NUM_FRAMES
    assert boxes.shape == (NUM_FRAMES, 2, 4) and visible.shape == (NUM_FRAMES, 2)
    for k, first in enumerate([[20, 30, 30, 30], [70.5, 10, 20, 25]]):
        rows = [line.split(",") for line in (results / f"target_{k}.txt").read_text().splitlines()]
        assert len(rows) == NUM_FRAMES and all(len(r) == 4 for r in rows)
        values = np.array(rows, dtype=float)
        np.testing.assert_allclose(values[0], first, atol=1e-3)  # frame 0: the given box
        np.testing.assert_allclose(values[:, 2:], boxes[:, k, 2:] - boxes[:, k, :2], atol=1e-3)
        assert (values[:, 2:] > 0).all()
        flags = (results / "visible" / f"target_{k}.txt").read_text().split()
        assert flags == [str(int(v)) for v in visible[:, k]] and flags[0] == "1"


def test_gt_file_to_folder(weights, frames_folder, tmp_path):
    gt = tmp_path / "groundtruth.txt"
    gt.write_text("20\t30\t30\t30\n24\t30\t30\t30\n")  # OTB-style tabs; only line 1 is used
    out = tmp_path / "out"
    boxes, _ = run_tool(
        *common(weights, frames_folder), "--gt", gt, "--output", out, "--max-frames", 3
    )
    assert sorted(p.name for p in out.iterdir()) == [f"{i:06d}.jpg" for i in range(3)]
    assert cv2.imread(str(out / "000000.jpg")).shape == (H, W, 3)
    np.testing.assert_allclose(boxes[0], [[20, 30, 50, 60]])
    # a VOT polygon's first line: its axis-aligned box of the same area (MMTracking quad2bbox)
    gt.write_text("20,30,50,30,50,60,20,60\n")
    boxes, _ = run_tool(*common(weights, frames_folder), "--gt", gt, "--output", out)
    np.testing.assert_allclose(boxes[0], [[20, 30, 50, 60]], atol=1e-4)


def test_draw_marks_lost_targets():
    draw = demo_module()["draw"]
    frame = np.full((H, W, 3), 100, np.uint8)
    out = Instances((H, W))
    out.pred_boxes = Boxes(torch.tensor([[10.0, 10, 40, 40], [60, 50, 100, 90]]))
    out.scores = torch.tensor([0.9, 0.1])
    out.visible = torch.tensor([True, False])
    out.ID = torch.arange(2)
    image = draw(frame, out)
    assert image.shape == frame.shape and image.dtype == np.uint8
    drawn = np.abs(image.astype(int) - 100).sum(axis=2) > 30
    # the lost target's box is dashed (its label covers the top): its bottom edge has gaps
    bottom = drawn[86:93, 62:98]
    assert bottom.any(axis=0).mean() > 0.4 and not bottom.any(axis=0).all()
    assert drawn[12:38, 10].all()  # the visible target's box is solid


@pytest.mark.parametrize(
    "box", ["1,2,3", "a,b,c,d", "10,10,0,5", "10,10,5,-1", "1,2,3,nan", "1;2;3;4"]
)
def test_bad_box_string_is_a_usage_error(box, weights, frames_folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        run_tool(*common(weights, frames_folder), "--output", tmp_path / "o", "--init-box", box)
    assert e.value.code == 2
    assert f"bad box {box!r}: expected x,y,w,h" in capsys.readouterr().err


def test_no_initial_box_is_a_usage_error(weights, frames_folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        run_tool(*common(weights, frames_folder), "--output", tmp_path / "o")
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "no initial box" in err and "--init-box x,y,w,h" in err


def test_selection_without_a_display_says_so(weights, frames_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(SystemExit) as e:
        run_tool(*common(weights, frames_folder), "--output", tmp_path / "o", "--show")
    assert e.value.code not in (0, None)
    message = str(e.value.code)
    assert "needs a display" in message and "--init-box x,y,w,h" in message
    assert not (tmp_path / "o").exists()


def test_weights_are_loaded_strictly(weights, frames_folder, tmp_path):
    state = torch.load(weights)["model"]
    state.pop(next(iter(state)))
    partial = tmp_path / "partial.pth"
    torch.save({"model": state}, partial)
    args = ["--config-file", CONFIG, "--input", frames_folder, "--output", tmp_path / "o.mp4"]
    with pytest.raises(CheckpointMismatchError):
        run_tool(*args, "--weights", partial, "--init-box", "20,30,30,30")
    with pytest.raises(Exception, match="--allow-partial"):  # no checkpoint at all
        run_tool(*args, "--init-box", "20,30,30,30")
    assert not (tmp_path / "o.mp4").exists()


def test_unusable_gt_file(weights, frames_folder, tmp_path):
    gt = tmp_path / "groundtruth.txt"
    gt.write_text("nan,nan,nan,nan\n")
    with pytest.raises(ValueError, match="groundtruth.txt: the first line is not a box"):
        run_tool(*common(weights, frames_folder), "--gt", gt, "--output", tmp_path / "o")
    gt.write_text("1,2,3\n")
    with pytest.raises(Exception, match=r"groundtruth.txt.*expected 4"):
        run_tool(*common(weights, frames_folder), "--gt", gt, "--output", tmp_path / "o")
