"""The VOT reset protocol on scripted trackers: codes, re-initialisation and skipped frames."""

import math

import numpy as np
import pytest
import torch
from detectron2.structures import Instances

from d2track.engine.vot_protocol import tracker_step, vot_init_box, vot_protocol
from d2track.evaluation.sot.vot_metrics import evaluate_vot

WIDTH, HEIGHT = 120, 100


def _gt(num_frames):
    """(T, 4) xywh boxes of a 20x10 target moving right by 1 px per frame."""
    return np.array([[10.0 + t, 30.0, 20.0, 10.0] for t in range(num_frames)])


class ScriptedStep:
    """Returns the ground-truth box, or a far-away one on ``fail_at`` frames; records calls."""

    def __init__(self, gt, fail_at=()):
        self.gt, self.fail_at, self.calls = gt, set(fail_at), []

    def __call__(self, frame_id, init_box):
        self.calls.append((frame_id, None if init_box is None else list(init_box)))
        if init_box is not None:
            return None
        x, y, w, h = (80.0, 80.0, 10.0, 10.0) if frame_id in self.fail_at else self.gt[frame_id]
        return np.array([x, y, x + w, y + h])


def _codes(outputs):
    return [o.get("vot_code", "box") for o in outputs]


def test_failure_skips_four_frames_and_reinitialises_five_later():
    gt = _gt(15)
    step = ScriptedStep(gt, fail_at={4})
    outputs = vot_protocol(gt, step, width=WIDTH, height=HEIGHT)
    assert _codes(outputs) == [1, "box", "box", "box", 2, 0, 0, 0, 0, 1] + ["box"] * 5
    called = [f for f, _ in step.calls]
    assert called == [0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 14]  # no call on skipped frames
    assert step.calls[0][1] == [10.0, 30.0, 30.0, 40.0]
    assert step.calls[5][1] == [19.0, 30.0, 39.0, 40.0]  # re-initialised on frame 9's truth
    boxes = outputs[1]["instances"].pred_boxes.tensor
    assert boxes.tolist() == [[11.0, 30.0, 31.0, 40.0]]


@pytest.mark.parametrize(
    "fail_at, codes",
    [
        ({9}, [1] + ["box"] * 8 + [2, 0, 0]),  # re-init would be frame 14
        ({11}, [1] + ["box"] * 10 + [2]),  # failure on the last frame
        ({6}, [1] + ["box"] * 5 + [2, 0, 0, 0, 0, 1]),  # re-init on the last frame
        ({1, 7}, [1, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0]),  # fails right after a re-init
    ],
)
def test_failures_near_the_end(fail_at, codes):
    gt = _gt(12)
    outputs = vot_protocol(gt, ScriptedStep(gt, fail_at), width=WIDTH, height=HEIGHT)
    assert _codes(outputs) == codes


def test_outputs_score_with_vot_metrics():
    gt = _gt(30)
    outputs = vot_protocol(gt, ScriptedStep(gt, fail_at={4, 20}), width=WIDTH, height=HEIGHT)
    trajectory = []
    for o in outputs:  # what VOTEvaluator.process_frame makes of each output
        if "vot_code" in o:
            trajectory.append([float(o["vot_code"])])
        else:
            x1, y1, x2, y2 = o["instances"].pred_boxes.tensor[0].tolist()
            trajectory.append([x1, y1, x2 - x1, y2 - y1])
    metrics = evaluate_vot(
        {"v": trajectory}, {"v": gt}, image_sizes={"v": (WIDTH, HEIGHT)}, interval=(1, 5)
    )
    assert metrics["num_failures"] == 2
    assert metrics["accuracy"] == pytest.approx(1.0)


def test_touching_but_disjoint_box_fails_and_overlap_uses_image_bounds():
    gt = np.array([[10.0, 10.0, 20.0, 20.0]] * 3)
    # frame 1 shares an edge only (pixels 30.. vs 10..29): overlap 0 -> failure
    boxes = {1: [30.0, 10.0, 50.0, 30.0]}
    outputs = vot_protocol(gt, lambda t, init: boxes.get(t), width=WIDTH, height=HEIGHT)
    assert _codes(outputs) == [1, 2, 0]
    # a box outside the image overlaps nothing either (the toolkit clips to the image)
    gt = np.array([[110.0, 10.0, 20.0, 20.0]] * 2)
    outputs = vot_protocol(
        gt, lambda t, init: [121.0, 10.0, 141.0, 30.0], width=WIDTH, height=HEIGHT
    )
    assert _codes(outputs) == [1, 2]


def test_polygon_ground_truth_init_box():
    # an axis-aligned rectangle as 4 corners: its own box
    assert vot_init_box([10, 10, 30, 10, 30, 20, 10, 20]).tolist() == [10.0, 10.0, 30.0, 20.0]
    # a diamond of side sqrt(200): centre (50, 50), same area as a 14.14 px square
    box = vot_init_box([50, 40, 60, 50, 50, 60, 40, 50])
    half = math.sqrt(200) / 2
    assert box.tolist() == pytest.approx([50 - half, 50 - half, 50 + half, 50 + half], abs=1e-4)
    # the box round-trips to float32 (cx, cy, w, h) exactly
    cx, w = (box[0] + box[2]) / 2, box[2] - box[0]
    assert np.float32(cx) == cx and np.float32(w) == w
    with pytest.raises(ValueError, match="4 .box. or 8"):
        vot_init_box([1, 2, 3, 4, 5, 6])


def test_empty_ground_truth_postpones_reinitialisation():
    gt = _gt(10)
    gt[6] = 0.0  # the re-init frame 6 (failure at 1) has no target
    outputs = vot_protocol(gt, ScriptedStep(gt, fail_at={1}), width=WIDTH, height=HEIGHT)
    assert _codes(outputs) == [1, 2, 0, 0, 0, 0, 0, 1, "box", "box"]
    gt[0] = 0.0
    with pytest.raises(ValueError, match="frame 0"):
        vot_protocol(gt, ScriptedStep(gt), width=WIDTH, height=HEIGHT)


class _ConstantNet:
    template_size, search_size = 127, 255

    def template_features(self, templates):
        return (templates[:, :, :1, :1],)

    def search_outputs(self, features, searches):
        n = len(searches)
        scores = torch.full((n, 5, 25, 25), 0.2)
        scores[:, :, 12, 12] = 0.9
        boxes = torch.tensor([0.0, 0.0, 50.0, 25.0]).repeat(n, 5, 25, 25, 1)
        return scores, boxes


def test_tracker_step_drives_a_single_object_tracker():
    from d2track.tracking.sot import SiameseRPNTracker

    frames = [np.full((HEIGHT, WIDTH, 3), 60, dtype=np.uint8) for _ in range(8)]
    gt = np.array([[40.0, 40.0, 20.0, 10.0]] * 4 + [[0.0, 0.0, 5.0, 5.0]] * 4)
    step = tracker_step(SiameseRPNTracker(), _ConstantNet(), lambda t: frames[t])
    outputs = vot_protocol(gt, step, width=WIDTH, height=HEIGHT)
    assert _codes(outputs) == [1, "box", "box", "box", 2, 0, 0, 0]
    tracked = outputs[1]["instances"]
    assert isinstance(tracked, Instances) and tracked.visible.tolist() == [True]
    x1, y1, x2, y2 = tracked.pred_boxes.tensor[0].tolist()
    assert ((x1 + x2) / 2, (y1 + y2) / 2) == pytest.approx((50.0, 45.0))  # the peak is centred
