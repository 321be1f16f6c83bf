import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.data import MetadataCatalog

from d2track.data.sampling import sample_ref_frames
from d2track.modeling.meta_arch import VideoRCNN
from d2track.utils.video_io import atomic_video_writer

ROOT = Path(__file__).resolve().parents[2]
NUM_FRAMES, SIZE = 6, 64
# Frame i is a constant image of value VALUES[i]: a reference's pixels tell which frame it is.
VALUES = [30 + 35 * i for i in range(NUM_FRAMES)]
# the test reference policy: the model's memory holds it, the test loader reads it from there
SAMPLER = "L(RefSampler)(method='test_with_adaptive_stride', frame_range=[-2, 2])"

CONFIG = """
import detectron2.data.transforms as T
import torch
from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling import Backbone
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.modeling.proposal_generator import RPN, StandardRPNHead
from detectron2.modeling.roi_heads import FastRCNNOutputLayers
from omegaconf import OmegaConf

from d2track.data import build_video_test_loader, get_video_dataset_dicts
from d2track.data.mappers import VideoTestMapper
from d2track.data.sampling import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads


class TinyBackbone(Backbone):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, stride=4, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=4, padding=1)

    def forward(self, x):
        return {"p5": self.conv2(torch.relu(self.conv1(x)))}

    def output_shape(self):
        return {"p5": ShapeSpec(channels=16, stride=16)}


model = L(VideoRCNN)(
    memory=L(ReferenceMemory)(sampler=SAMPLER),
    backbone=L(TinyBackbone)(),
    proposal_generator=L(RPN)(
        in_features=["p5"],
        head=L(StandardRPNHead)(in_channels=16, num_anchors=2),
        anchor_generator=L(DefaultAnchorGenerator)(
            sizes=[[16, 32]], aspect_ratios=[[1.0]], strides=[16], offset=0.0
        ),
        anchor_matcher=L(Matcher)(thresholds=[0.3, 0.7], labels=[0, -1, 1]),
        box2box_transform=L(Box2BoxTransform)(weights=(1.0, 1.0, 1.0, 1.0)),
        batch_size_per_image=32,
        positive_fraction=0.5,
        pre_nms_topk=(100, 50),
        post_nms_topk=(20, 10),
    ),
    roi_heads=L(VideoROIHeads)(
        num_classes=2,
        batch_size_per_image=16,
        positive_fraction=0.25,
        proposal_matcher=L(Matcher)(thresholds=[0.5], labels=[0, 1]),
        box_in_features=["p5"],
        box_pooler=L(ROIPooler)(
            output_size=7, scales=(1 / 16,), sampling_ratio=0, pooler_type="ROIAlignV2"
        ),
        box_head=L(SelsaBoxHead)(
            input_shape=L(ShapeSpec)(channels=16, height=7, width=7),
            fc_dim=32,
            num_attention_blocks=4,
        ),
        box_predictor=L(FastRCNNOutputLayers)(
            input_shape=L(ShapeSpec)(channels=32),
            box2box_transform=L(Box2BoxTransform)(weights=(10.0, 10.0, 5.0, 5.0)),
            num_classes=2,
            test_score_thresh=0.0,
        ),
    ),
    pixel_mean=[128.0, 128.0, 128.0],
    pixel_std=[64.0, 64.0, 64.0],
)

dataloader = OmegaConf.create()
dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="demo_vid_tiny"),
    mapper=L(VideoTestMapper)(
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=48, max_size=100)],
        image_format="BGR",
    ),
    ref_sampler="${oc.select:model.memory.sampler,null}",
)
train = dict(device="cpu")
"""


def _load_tool():
    spec = importlib.util.spec_from_file_location("demo_vid", ROOT / "tools/demo/demo_vid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo_vid = _load_tool()


def _frames():
    return [np.full((SIZE, SIZE, 3), v, dtype=np.uint8) for v in VALUES]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A config (with a test sampler, and online: without), its weights, and the inputs."""
    root = tmp_path_factory.mktemp("demo_vid")
    if "thing_classes" not in MetadataCatalog.get("demo_vid_tiny").as_dict():
        MetadataCatalog.get("demo_vid_tiny").thing_classes = ["cat", "dog"]
    (root / "cfg.py").write_text(CONFIG.replace("SAMPLER", SAMPLER))
    (root / "cfg_online.py").write_text(CONFIG.replace("SAMPLER", "None"))
    torch.manual_seed(0)
    model = instantiate(LazyConfig.load(str(root / "cfg.py")).model)
    torch.save({"model": model.state_dict()}, root / "model.pth")
    folder = root / "frames"
    folder.mkdir()
    # Natural order: frame1, frame2, frame5, frame9, frame10, frame11 (not lexicographic).
    for n, frame in zip([1, 2, 5, 9, 10, 11], _frames()):
        cv2.imwrite(str(folder / f"frame{n}.png"), frame)
    with atomic_video_writer(str(root / "in.mp4"), fps=5, frame_size=(SIZE, SIZE)) as writer:
        for frame in _frames():
            writer.write(frame)
    return root


@pytest.fixture
def spy(monkeypatch):
    """Records (frame_id, reference ids, reference pixel means) of every model call."""
    calls = []
    original = VideoRCNN.inference

    def inference(self, batched_inputs, *args, **kwargs):
        x = batched_inputs[0]
        refs = x["ref_frames"]
        means = [float(r["image"].float().mean()) for r in refs]
        calls.append((x["frame_id"], [r["frame_id"] for r in refs], means, x["image"].shape))
        return original(self, batched_inputs, *args, **kwargs)

    monkeypatch.setattr(VideoRCNN, "inference", inference)
    return calls


def _run(setup, input_path, output, *extra, config="cfg.py"):
    demo_vid.main(
        ["--config-file", str(setup / config), "--weights", str(setup / "model.pth")]
        + ["--input", str(input_path), "--output", str(output), "--device", "cpu", *extra]
    )


def _check_references(calls, tolerance):
    expected = sample_ref_frames(0, NUM_FRAMES, method="test_with_adaptive_stride", frame_range=2)
    assert expected == [0, 2, 3, 5]
    assert [c[0] for c in calls] == list(range(NUM_FRAMES))
    assert calls[0][1] == expected
    np.testing.assert_allclose(calls[0][2], [VALUES[i] for i in expected], atol=tolerance)
    assert all(c[1] == [] for c in calls[1:])
    assert all(tuple(c[3]) == (3, 48, 48) for c in calls)  # the test mapper's resize


def test_folder_in_natural_order_to_png_frames(setup, tmp_path, spy):
    _run(setup, setup / "frames", tmp_path / "out", "--frame-ext", "png", "--score-thr", "0")
    _check_references(spy, tolerance=0)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{i:06d}.png" for i in range(NUM_FRAMES)]
    drawn = cv2.imread(str(tmp_path / "out/000000.png"))
    assert drawn.shape == (SIZE, SIZE, 3)
    assert (drawn != VALUES[0]).any(), "score threshold 0 must draw the tiny model's boxes"


def test_video_to_video(setup, tmp_path, spy):
    _run(setup, setup / "in.mp4", tmp_path / "out.mp4", "--score-thr", "0")
    _check_references(spy, tolerance=4)  # mp4v is lossy
    capture = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == NUM_FRAMES
    assert frames[0].shape == (SIZE, SIZE, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]  # no temporary left


def test_score_threshold_above_one_draws_nothing(setup, tmp_path, spy):
    _run(setup, setup / "frames", tmp_path / "out", "--frame-ext", "png", "--score-thr", "1.1")
    assert len(spy) == NUM_FRAMES
    for i, frame in enumerate(_frames()):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / f"out/{i:06d}.png")), frame)


def test_online_memory_reads_no_reference_frame(setup, tmp_path, spy):
    _run(setup, setup / "frames", tmp_path / "a", config="cfg_online.py")  # memory sampler None
    _run(setup, setup / "frames", tmp_path / "b", "--ref-sampler", "online", config="cfg.py")
    assert [c[:2] for c in spy] == [(i, []) for i in range(NUM_FRAMES)] * 2
    assert len(list((tmp_path / "b").iterdir())) == NUM_FRAMES


def test_missing_input_and_empty_folder(setup, tmp_path):
    missing = tmp_path / "missing.mp4"
    with pytest.raises(FileNotFoundError, match=f"input not found: {missing}"):
        _run(setup, missing, tmp_path / "out.mp4")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a frame")
    with pytest.raises(ValueError, match=f"no image files .* in folder {empty}"):
        _run(setup, empty, tmp_path / "out")
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "out").exists()


def test_show_without_display_is_a_clear_error(setup, tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(RuntimeError, match=r"--show needs a display.*\$DISPLAY"):
        _run(setup, setup / "frames", tmp_path / "out", "--show")
    assert not (tmp_path / "out").exists()


def test_help_documents_natural_sort(capsys):
    with pytest.raises(SystemExit):
        demo_vid.parse_args(["--help"])
    assert "frame2 before frame10" in capsys.readouterr().out
