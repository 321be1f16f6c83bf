"""tools/analysis/benchmark.py on the tiny configs, a few frames of the synthetic splits."""

import argparse
import json
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog
from detectron2.utils.logger import setup_logger

from d2track.data.mappers.sot import sot_region

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools/analysis/benchmark.py"
VID = "configs/vid/faster_rcnn_tiny_400it_synthetic.py"
MOT = "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py"
SOT = "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py"
VIS = "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py"
FEW = ["--num-frames", "2", "--warmup", "1", "--device", "cpu"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tool():
    # The tool's logger set up now, on the session's stdout: set up inside a test using capsys,
    # it would write to that test's stream, closed afterwards.
    setup_logger(name="d2track")
    return runpy.run_path(str(TOOL), run_name="benchmark")


@pytest.fixture(scope="module")
def frames_folder(tmp_path_factory):
    """4 frames: a bright square moving right on a noisy grey background."""
    folder = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(0)
    for t in range(4):
        frame = rng.integers(90, 110, (96, 128, 3)).astype(np.uint8)
        frame[30:60, 20 + 4 * t : 50 + 4 * t] = (40, 200, 240)
        cv2.imwrite(str(folder / f"frame{t + 1}.png"), frame)
    return folder


def check_record(record, *, task, num_frames=2, repeats=1):
    assert record["task"] == task and record["device"] == "cpu"
    assert record["num_frames"] == num_frames and record["repeats"] == repeats
    assert len(record["fps_per_repeat"]) == repeats and record["fps"] > 0
    assert record["fps_min"] <= record["fps"] <= record["fps_max"]
    ms = record["ms_per_frame"]
    assert 0 < ms["min"] <= ms["p50"] <= ms["p90"] <= ms["p99"] <= ms["max"]


def test_vid_split_repeats_and_json(tool, tmp_path, capsys):
    out = tmp_path / "fps" / "vid.json"
    args = ["--config-file", VID, "--weights", "", "--split", "synthetic_vid_val", *FEW]
    record = tool["main"]([*args, "--repeats", "2", "--json", str(out)])
    check_record(record, task="vid", repeats=2)
    assert record["split"] == "synthetic_vid_val" and record["input"] is None
    assert record["weights"] == "" and record["frame_size"] == [256, 256]
    assert json.loads(out.read_text()) == record
    table = capsys.readouterr().out
    assert "fps" in table and "ms p50" in table and "2 x 2" in table


def test_mot_split(tool):
    args = ["--config-file", MOT, "--weights", "", "--split", "synthetic_mot_val", *FEW]
    check_record(tool["main"](args), task="mot")


def test_sot_split_with_weights(tool, tiny_sot_weights):
    args = ["--config-file", SOT, "--weights", str(tiny_sot_weights), *FEW]
    record = tool["main"]([*args, "--split", "synthetic_sot_val"])
    check_record(record, task="sot")
    assert record["weights"] == str(tiny_sot_weights)


def test_sot_input_with_init_box(tool, tiny_sot_weights, frames_folder):
    args = ["--config-file", SOT, "--weights", str(tiny_sot_weights), "--input", frames_folder]
    args = [*map(str, args), "--init-box", "20,30,30,30", "--num-frames", "3", "--warmup", "1"]
    record = tool["main"]([*args, "--device", "cpu"])  # all 4 frames: 1 warm-up + 3 timed
    check_record(record, task="sot", num_frames=3)
    assert record["input"] == str(frames_folder) and record["frame_size"] == [96, 128]


def test_vis_split(tool):
    args = ["--config-file", VIS, "--weights", "", "--split", "synthetic_vis_val", *FEW]
    top5 = "model.detector.roi_heads.box_predictor.test_topk_per_image=5"  # random masks: few
    check_record(tool["main"]([*args, top5]), task="vis")


def test_split_frames_cross_videos(tool):
    videos = tool["split_videos"]("synthetic_sot_val", 32, regions=True)
    assert [len(frames) for frames, _ in videos] == [30, 2]
    dicts = DatasetCatalog.get("synthetic_sot_val")
    firsts = [d for d in dicts if d["frame_id"] == 0][:2]
    for (frames, region), first in zip(videos, firsts):
        np.testing.assert_array_equal(region, sot_region(first))
        assert frames[0].shape == (256, 256, 3) and frames[0].dtype == np.uint8


def test_time_frames_skips_the_warmup(tool, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(tool["time"], "perf_counter", lambda: clock[0])
    durations, closed = [5.0, 4.0, 0.1, 0.2, 0.3, 9.0], []

    def steps():
        try:
            for d in durations:
                clock[0] += d
                yield
        finally:
            closed.append(True)

    times = tool["time_frames"](steps(), warmup=2, num_frames=3, device="cpu")
    assert times == pytest.approx([0.1, 0.2, 0.3]) and closed == [True]
    summary = tool["summarize"]([[0.1, 0.1], [0.2, 0.2]])
    assert summary["fps_per_repeat"] == pytest.approx([10.0, 5.0])
    assert (summary["fps"], summary["fps_std"]) == pytest.approx((7.5, 2.5))
    assert (summary["fps_min"], summary["fps_max"]) == pytest.approx((5.0, 10.0))
    assert summary["ms_per_frame"]["p50"] == pytest.approx(150.0)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--config-file", "configs/reid/reid_tiny_400it_synthetic.py", "--weights", ""],
            "cannot time it: dataloader.evaluator is ReIDEvaluator and model is ReID",
        ),
        (
            ["--config-file", "configs/common/mot_synthetic.py", "--weights", ""],
            "configs/common/mot_synthetic.py: model.tracker is not set",
        ),
        (["--config-file", "nope.py"], "nope.py: no such config file"),
        (["--config-file", VID], "No checkpoint given.*--weights '' times random weights"),
        (["--config-file", VID, "--weights", "", "--init-box", "1,2,3,4"], "--init-box goes with"),
    ],
)
def test_bad_config_is_a_clear_error(tool, args, message):
    with pytest.raises(SystemExit, match=message):
        tool["main"]([*args, "--split", "synthetic_mot_val", "--device", "cpu"])


def test_bad_input_is_a_clear_error(tool, frames_folder, tiny_sot_weights, tmp_path):
    common = ["--config-file", SOT, "--weights", str(tiny_sot_weights), "--device", "cpu"]
    with pytest.raises(SystemExit, match="give --init-box x,y,w,h"):
        tool["main"]([*common, "--input", str(frames_folder)])
    with pytest.raises(SystemExit, match=f"{frames_folder}: 4 frames, .* need 11"):
        tool["main"]([*common, "--input", str(frames_folder), "--init-box", "1,2,3,4"])
    with pytest.raises(SystemExit, match=f"input not found: {tmp_path / 'none.mp4'}"):
        tool["main"]([*common, "--input", str(tmp_path / "none.mp4"), "--init-box", "1,2,3,4"])
    with pytest.raises(SystemExit, match="--split nope: not a registered dataset"):
        tool["main"]([*common, "--split", "nope"])
    vid = ["--config-file", VID, "--weights", str(tiny_sot_weights), "--split", "synthetic_vid_val"]
    with pytest.raises(SystemExit, match=rf"\d+ of \d+ model weights found in {tiny_sot_weights}"):
        tool["main"]([*vid, "--device", "cpu"])


def test_bad_init_box_is_a_usage_error(tool, capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool["main"](["--config-file", SOT, "--input", "x", "--init-box", "1,2,3"])
    assert exit_info.value.code == 2
    assert "bad box '1,2,3': expected x,y,w,h" in capsys.readouterr().err
    with pytest.raises(argparse.ArgumentTypeError, match="w and h > 0"):
        tool["parse_xywh_box"]("0,0,5,0")  # w and h > 0


def test_help(tool, capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool["main"](["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--init-box" in out and "--num-frames" in out and "Examples::" in out
