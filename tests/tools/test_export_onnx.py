"""tools/deploy/export_onnx.py (export, --check, refusals) and tools/demo/demo_mot_vis.py --onnx
(tracking with the exported detector gives the PyTorch detector's tracks)."""

from pathlib import Path

import cv2
import pytest
import torch

import d2track.engine.track_stream
from d2track.data.datasets.synthetic import synthetic_params, write_synthetic_videos
from d2track.export import OnnxModelError
from d2track.utils.testing import random_model, run_tool_main

REPO = Path(__file__).resolve().parents[2]
EXPORT = REPO / "tools/deploy/export_onnx.py"
DEMO = REPO / "tools/demo/demo_mot_vis.py"
DEEPSORT = str(REPO / "projects/DeepSORT/configs/deepsort_faster_rcnn_tiny_synthetic_mot.py")
BYTETRACK = str(REPO / "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py")
VID = str(REPO / "configs/vid/faster_rcnn_tiny_400it_synthetic.py")
REID = str(REPO / "configs/reid/reid_tiny_400it_synthetic.py")
RANDOM = ["model.detector_weights=null", "model.reid_weights=null"]
TRACK_STREAM = d2track.engine.track_stream.track_stream


def random_checkpoint(config, path, *overrides):
    """A whole-model checkpoint with seeded random weights whose detector likes class 0 (logit
    3), so that it keeps detections above the trackers' thresholds."""
    _, model = random_model(config, *RANDOM, *overrides, confident=True)
    torch.save({"model": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def frames_folder(tmp_path_factory):
    """4 frames (256x256 jpg) of a synthetic MOT video."""
    root = tmp_path_factory.mktemp("synthetic_mot")
    write_synthetic_videos(synthetic_params("mot", "test", num_videos=1, num_frames=4), root)
    return root / "images/video_0000"


def test_exports_and_checks_every_network(frames_folder, tmp_path, capsys, one_torch_thread):
    weights = random_checkpoint(DEEPSORT, tmp_path / "deepsort.pth", "model.reid_weights=null")
    result = run_tool_main(
        EXPORT,
        "--config-file",
        DEEPSORT,
        "--weights",
        weights,
        "--output",
        tmp_path / "onnx",
        "--check",
        "--input",
        frames_folder / "000001.jpg",
    )
    assert result["paths"] == {
        n: str(tmp_path / "onnx" / f"{n}.onnx") for n in ("detector", "reid")
    }
    assert all(Path(p).is_file() for p in result["paths"].values())
    for name, outputs in [("detector", ["boxes", "classes", "scores"]), ("reid", ["embeds"])]:
        assert len(result["diffs"][name]) == 2  # the frame and a narrower crop
        for diffs in result["diffs"][name]:
            assert [d.name for d in diffs] == outputs
            assert all(d.max_abs_diff <= 1e-4 and d.torch_shape == d.onnx_shape for d in diffs)
            assert diffs[0].torch_shape[0] > 0  # detections / crops to compare
    printed = capsys.readouterr().out
    assert "detector/boxes" in printed and "reid/embeds" in printed and "max|diff|" in printed


def test_default_sample_is_the_test_split(tmp_path, capsys, one_torch_thread):
    # no --input: the first crop of the config's test split (synthetic_reid_val, made on demand)
    args = ["--config-file", REID, "--allow-partial", "--output", tmp_path, "--check"]
    result = run_tool_main(EXPORT, *args)
    diffs = result["diffs"]["reid"][0]
    assert diffs[0].torch_shape == (2, 128) and diffs[0].max_abs_diff <= 1e-4
    assert "reid/embeds" in capsys.readouterr().out


def test_check_fails_above_the_tolerance(frames_folder, tmp_path, one_torch_thread):
    args = ["--config-file", VID, "--allow-partial", "--output", tmp_path / "d.onnx", "--check"]
    args += [
        "--input",
        frames_folder,
        "--atol",
        "0",
        "model.roi_heads.box_predictor.test_score_thresh=0",
    ]
    with pytest.raises(SystemExit, match=r"differ by more than atol=0 .* in detector/boxes"):
        run_tool_main(EXPORT, *args)
    assert (tmp_path / "d.onnx").is_file()  # written before the check, for inspection


def test_refuses_networks_and_outputs_that_do_not_fit(tmp_path):
    common = ["--config-file", REID, "--allow-partial"]
    with pytest.raises(SystemExit, match="has no detector network; its networks: reid"):
        run_tool_main(EXPORT, *common, "--output", tmp_path, "--network", "detector")
    with pytest.raises(SystemExit) as error:  # not a network of any config: argparse's choices
        run_tool_main(EXPORT, *common, "--output", tmp_path, "--network", "backbone")
    assert error.value.code == 2
    one_file = ["--config-file", DEEPSORT, "--allow-partial", *RANDOM]
    with pytest.raises(SystemExit, match="one file for 2 networks"):
        run_tool_main(EXPORT, *one_file[:3], "--output", tmp_path / "x.onnx", *one_file[3:])


def demo_tracks(monkeypatch, *args):
    """Run the MOT demo; return the tracked Instances of every frame."""
    recorded = []

    def recording(*a, **k):
        for frame, instances in TRACK_STREAM(*a, **k):
            recorded.append(instances)
            yield frame, instances

    monkeypatch.setattr(d2track.engine.track_stream, "track_stream", recording)
    run_tool_main(DEMO, "--config-file", BYTETRACK, "--device", "cpu", *args)
    return recorded


def test_demo_tracks_with_the_onnx_detector(frames_folder, tmp_path, monkeypatch, one_torch_thread):
    weights = random_checkpoint(BYTETRACK, tmp_path / "bytetrack.pth")
    onnx = tmp_path / "detector.onnx"
    run_tool_main(
        EXPORT,
        "--config-file",
        BYTETRACK,
        "--weights",
        weights,
        "--network",
        "detector",
        "--output",
        onnx,
        "--input",
        frames_folder,
    )
    common = ["--input", frames_folder, "--frame-ext", "png"]
    expected = demo_tracks(monkeypatch, *common, "--output", tmp_path / "a", "--weights", weights)
    # no --weights: the graph holds the detector's weights, ByteTrack has no other network
    found = demo_tracks(monkeypatch, *common, "--output", tmp_path / "b", "--onnx", onnx)
    assert len(expected) == len(found) == 4
    assert all(len(t) > 0 for t in expected)
    for a, b in zip(expected, found):
        assert a.ID.tolist() == b.ID.tolist()
        assert (a.pred_boxes.tensor - b.pred_boxes.tensor).abs().max() <= 1e-3
    assert sorted(p.name for p in (tmp_path / "b").iterdir())[-1] == "000003.png"
    assert cv2.imread(str(tmp_path / "b/000003.png")).shape == (256, 256, 3)


def test_demo_onnx_file_errors(frames_folder, tmp_path):
    common = ["--config-file", BYTETRACK, "--input", frames_folder, "--output", tmp_path / "o"]
    with pytest.raises(FileNotFoundError, match="missing.onnx does not exist"):
        run_tool_main(DEMO, *common, "--onnx", tmp_path / "missing.onnx")
    (tmp_path / "bad.onnx").write_text("not an ONNX model")
    with pytest.raises(OnnxModelError, match="bad.onnx is not a readable ONNX model"):
        run_tool_main(DEMO, *common, "--onnx", tmp_path / "bad.onnx")
