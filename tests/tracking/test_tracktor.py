"""TracktorTracker with a fake box head: regression keeps IDs, kills, suppression, ReID, CMC."""

import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.motion.cmc import CameraMotionCompensation
from d2track.tracking.tracktor import TracktorTracker

SIZE = (200, 300)
BOX_A = [10.0, 10.0, 50.0, 90.0]
BOX_B = [150.0, 20.0, 190.0, 100.0]


def _dets(boxes, scores=None, classes=None, embeds=None):
    boxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    inst = Instances(SIZE)
    inst.pred_boxes = Boxes(boxes)
    inst.scores = torch.tensor(scores if scores is not None else [0.9] * len(boxes)).float()
    inst.pred_classes = torch.tensor(classes if classes is not None else [0] * len(boxes)).long()
    if embeds is not None:
        inst.embeds = torch.tensor(embeds, dtype=torch.float32).reshape(len(boxes), -1)
    return inst


class FakeBoxHead:
    """Moves boxes by ``offset``; scores 0.9, or ``low_score`` for boxes with x1 >= ``low_from``."""

    def __init__(self, offset=(2.0, 0.0, 2.0, 0.0), low_from=float("inf"), low_score=0.2):
        self.offset, self.low_from, self.low_score = torch.tensor(offset), low_from, low_score
        self.calls = []

    def __call__(self, boxes):
        self.calls.append(boxes.clone())
        scores = torch.where(boxes[:, 0] >= self.low_from, self.low_score, 0.9)
        return boxes + self.offset, scores


def _run(tracker, frames, head):
    return [tracker.update(d, box_regressor=head) for d in frames]


def test_defaults_match_mmtracking_mot17_config():
    t = TracktorTracker()
    assert (t.obj_score_thr, t.regression_score_thr, t.regression_nms_thr) == (0.5, 0.5, 0.6)
    assert (t.regression_match_iou_thr, t.reid_match_score_thr, t.reid_match_iou_thr) == (
        0.3,
        2.0,
        0.2,
    )
    assert (t.reid_num_samples, t.num_frames_retain, t.cmc) == (10, 10, None)


def test_track_keeps_id_while_regressed():
    head = FakeBoxHead()
    outs = _run(TracktorTracker(), [_dets([BOX_A]), _dets([]), _dets([]), _dets([])], head)
    assert [o.ID.tolist() for o in outs] == [[0], [0], [0], [0]]
    assert outs[3].pred_boxes.tensor.tolist() == [[16.0, 10.0, 56.0, 90.0]]
    assert outs[3].image_size == SIZE and outs[3].scores.tolist() == pytest.approx([0.9])
    assert [c.tolist() for c in head.calls] == [
        [BOX_A],
        [[12.0, 10.0, 52.0, 90.0]],
        [[14.0, 10.0, 54.0, 90.0]],
    ]


def test_low_regression_score_kills_track_and_id_not_reused():
    head = FakeBoxHead(low_from=100.0)
    tracker = TracktorTracker()
    outs = _run(tracker, [_dets([BOX_A, BOX_B]), _dets([]), _dets([[100.0, 120, 140, 190]])], head)
    assert outs[0].ID.tolist() == [0, 1]
    assert outs[1].ID.tolist() == [0]
    assert outs[2].ID.tolist() == [0, 2]
    assert len(head.calls[1]) == 1  # the killed track is no longer regressed


def test_detection_overlapping_regressed_track_starts_no_track():
    tracker = TracktorTracker()
    tracker.update(_dets([BOX_A]), box_regressor=FakeBoxHead())
    near = [13.0, 11.0, 53.0, 91.0]  # IoU ~0.9 with the regressed box
    far = [12.0 + 30.0, 10.0, 82.0, 90.0]  # IoU 0.14 with it: below 0.3
    out = tracker.update(_dets([near, far], classes=[0, 0]), box_regressor=FakeBoxHead())
    assert out.ID.tolist() == [0, 1]
    assert out.pred_boxes.tensor[0].tolist() == [12.0, 10.0, 52.0, 90.0]  # regressed, not detected
    assert out.pred_boxes.tensor[1].tolist() == far


def test_suppression_is_category_aware():
    tracker = TracktorTracker()
    tracker.update(_dets([BOX_A]), box_regressor=FakeBoxHead())
    out = tracker.update(_dets([[12.0, 10, 52, 90]], classes=[3]), box_regressor=FakeBoxHead())
    assert out.ID.tolist() == [0, 1] and out.pred_classes.tolist() == [0, 3]


def test_low_score_detections_ignored():
    out = TracktorTracker().update(
        _dets([BOX_A, BOX_B], scores=[0.5, 0.51]), box_regressor=FakeBoxHead()
    )
    assert out.ID.tolist() == [0] and out.pred_boxes.tensor.tolist() == [BOX_B]


def test_regression_nms_removes_lower_scored_duplicate():
    head = FakeBoxHead()
    tracker = TracktorTracker()
    tracker.update(_dets([BOX_A, [11.0, 10, 51, 90]], scores=[0.8, 0.9]), box_regressor=head)
    scores = torch.tensor([0.7, 0.95])
    out = tracker.update(_dets([]), box_regressor=lambda b: (b, scores))
    assert out.ID.tolist() == [1]


def _reid_run(frame, embed, box=BOX_A, retain=3):
    """Track 0 with embedding [1, 0] dies at frame 1; a detection comes back at ``frame``."""
    tracker = TracktorTracker(num_frames_retain=retain)
    kill = FakeBoxHead(offset=(0.0, 0.0, 0.0, 0.0), low_from=0.0)
    tracker.update(_dets([BOX_A], embeds=[[1.0, 0.0]]), box_regressor=kill)
    assert len(tracker.update(_dets([]), box_regressor=kill)) == 0
    for _ in range(2, frame):
        tracker.update(_dets([]), box_regressor=kill)
    return tracker.update(_dets([box], embeds=[embed]), box_regressor=kill)


def test_reid_within_num_frames_retain_and_not_after():
    assert _reid_run(3, [1.2, 0.5]).ID.tolist() == [0]
    assert _reid_run(4, [1.2, 0.5]).ID.tolist() == [1]


def test_reid_needs_close_embedding_and_overlap():
    assert _reid_run(2, [3.5, 0.0]).ID.tolist() == [1]  # distance 2.5 > 2.0
    assert _reid_run(2, [1.0, 0.0], box=BOX_B).ID.tolist() == [1]  # no overlap


def _embedder(boxes):
    """Appearance = top-left corner / 10, so nearby boxes look alike."""
    return boxes[:, :2] / 10.0


def test_reid_with_embedder_and_embeds_output():
    tracker = TracktorTracker()
    kill = FakeBoxHead(offset=(0.0, 0.0, 0.0, 0.0), low_from=0.0)
    first = tracker.update(_dets([BOX_A]), box_regressor=kill, embedder=_embedder)
    assert first.embeds.tolist() == [[1.0, 1.0]]
    tracker.update(_dets([]), box_regressor=kill, embedder=_embedder)
    out = tracker.update(_dets([[12.0, 8, 52, 88]]), box_regressor=kill, embedder=_embedder)
    assert out.ID.tolist() == [0]
    assert out.embeds.tolist() == [pytest.approx([1.2, 0.8])]


def test_missing_or_bad_box_regressor_raises():
    tracker = TracktorTracker()
    with pytest.raises(ValueError, match="box_regressor"):
        tracker.update(_dets([BOX_A]))
    tracker.update(_dets([BOX_A]), box_regressor=FakeBoxHead())
    with pytest.raises(ValueError, match="box_regressor must return"):
        tracker.update(_dets([]), box_regressor=lambda b: (b[:, :2], torch.ones(len(b))))


def test_reset_restarts_ids_at_zero():
    tracker = TracktorTracker()
    tracker.update(_dets([BOX_A, BOX_B]), box_regressor=FakeBoxHead())
    tracker.reset()
    out = tracker.update(_dets([BOX_B]), box_regressor=FakeBoxHead())
    assert out.ID.tolist() == [0] and tracker.frame_id == 0


def test_camera_motion_is_compensated_before_regression():
    noise = np.random.default_rng(0).random((SIZE[0], SIZE[1], 3)).astype(np.float32)
    image = cv2.normalize(cv2.GaussianBlur(noise, (0, 0), 3), None, 0, 255, cv2.NORM_MINMAX)
    image = image.astype(np.uint8)
    moved = cv2.warpAffine(image, np.float32([[1, 0, 4], [0, 1, -3]]), SIZE[::-1])
    head = FakeBoxHead(offset=(0.0, 0.0, 0.0, 0.0))
    tracker = TracktorTracker(cmc=CameraMotionCompensation())
    tracker.update(_dets([BOX_A]), box_regressor=head, image=image)
    out = tracker.update(_dets([]), box_regressor=head, image=moved)
    expected = torch.tensor(BOX_A) + torch.tensor([4.0, -3.0, 4.0, -3.0])
    assert torch.allclose(head.calls[0][0], expected, atol=0.5)
    assert out.ID.tolist() == [0]
