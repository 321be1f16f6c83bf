import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.sort_tracker import DeepSORTTracker, SORTTracker

RED, BLUE = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]


def frame(boxes, scores=None, classes=None, embeds=None):
    """One frame's detections from (N, 4) xyxy boxes; score 0.9 and class 0 by default."""
    n = len(boxes)
    inst = Instances((480, 640))
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    if embeds is not None:
        inst.embeds = torch.as_tensor(embeds, dtype=torch.float32).reshape(n, 3)
    return inst


def box(x, y=100.0, w=40.0, h=80.0):
    return [x, y, x + w, y + h]


def test_sort_crossing_keeps_ids():
    tracker = SORTTracker()
    for t in range(60):  # 2 px per frame: they cross at t = 40
        out = tracker.update(frame([box(100 + 2 * t), box(260 - 2 * t, y=110)]))
        assert out.ID.tolist() == [0, 1]


def test_sort_outputs_every_kept_detection_with_its_box():
    tracker = SORTTracker(obj_score_thr=0.5)
    inst = frame([box(0), box(200), box(400)], scores=[0.5, 0.51, 0.9])
    out = tracker.update(inst)
    assert out.ID.tolist() == [0, 1]  # new (tentative) tracks are output, as in MMTracking
    assert out.pred_boxes.tensor.tolist() == inst.pred_boxes.tensor[1:].tolist()


def test_sort_gap_starts_new_id_like_mmtracking():
    # MMTracking's SORT IoU-matches only tracks seen in the previous frame, even confirmed ones.
    tracker = SORTTracker(num_frames_retain=10)
    for t in range(5):
        assert tracker.update(frame([box(100 + t)])).ID.tolist() == [0]
    tracker.update(frame([box(105)], scores=[0.2]))  # missed detection
    assert tracker.update(frame([box(106)])).ID.tolist() == [1]


def test_sort_tracks_confirmed_then_dropped():
    tracker = SORTTracker(num_tentatives=3, num_frames_retain=4)
    tracker.update(frame([box(0)]))
    assert not tracker.tracks.confirmed.any()
    tracker.update(frame([box(1)]))
    assert not tracker.tracks.confirmed.any()
    tracker.update(frame([box(2)]))
    assert tracker.tracks.confirmed.tolist() == [True]
    for _ in range(3):
        tracker.update(frame([]))
    assert len(tracker.tracks) == 1
    tracker.update(frame([]))
    assert len(tracker.tracks) == 0


def test_sort_classes_separate_and_reset():
    tracker = SORTTracker()
    for t in range(4):
        out = tracker.update(frame([box(100 + t)] * 2, classes=[1, 0]))
        assert out.ID.tolist() == [0, 1]
    tracker.reset()
    assert tracker.update(frame([box(5)])).ID.tolist() == [0]


def test_sort_empty_frames_and_missing_field():
    tracker = SORTTracker()
    assert len(tracker.update(frame([]))) == 0
    inst = frame([box(0)])
    inst.remove("scores")
    with pytest.raises(ValueError, match="scores"):
        tracker.update(inst)


def test_deepsort_occlusion_keeps_id_by_appearance():
    tracker = DeepSORTTracker(num_tentatives=2, num_frames_retain=100)
    for t in range(6):
        out = tracker.update(frame([box(100 + 4 * t), box(400)], embeds=[RED, BLUE]))
        assert out.ID.tolist() == [0, 1]
    for t in range(6, 11):  # the red object is hidden for 5 frames
        assert tracker.update(frame([box(400)], embeds=[BLUE])).ID.tolist() == [1]
    out = tracker.update(frame([box(400), box(100 + 4 * 11)], embeds=[BLUE, RED]))
    assert out.ID.tolist() == [1, 0]


def test_deepsort_appearance_resolves_swap_and_gate_blocks_far_match():
    tracker = DeepSORTTracker()
    for _ in range(3):
        tracker.update(frame([box(100), box(110, y=105)], embeds=[RED, BLUE]))
    # Overlapping boxes: IoU alone would keep the positions, appearance swaps the ids.
    out = tracker.update(frame([box(100), box(110, y=105)], embeds=[BLUE, RED]))
    assert out.ID.tolist() == [1, 0]
    # Same appearance far outside the Kalman gate: a new track, not the red one.
    out = tracker.update(frame([box(500, y=300)], embeds=[RED]))
    assert out.ID.tolist() == [2]


def test_deepsort_tentative_track_dropped_when_missed():
    tracker = DeepSORTTracker(num_tentatives=2)
    assert tracker.update(frame([box(100)], embeds=[RED])).ID.tolist() == [0]
    tracker.update(frame([], embeds=torch.zeros(0, 3)))
    assert tracker.update(frame([box(100)], embeds=[RED])).ID.tolist() == [1]


def test_deepsort_embedder_fallback_and_missing_embeds():
    calls = []

    def embedder(boxes):
        calls.append(len(boxes))
        return torch.tensor([RED] * len(boxes))

    tracker = DeepSORTTracker(obj_score_thr=0.5)
    inst = frame([box(100), box(300)], scores=[0.9, 0.3])
    out = tracker.update(inst, embedder=embedder)
    assert calls == [1] and out.ID.tolist() == [0]
    assert out.embeds.tolist() == [RED] and not inst.has("embeds")  # input untouched
    assert len(tracker.update(frame([box(100)], scores=[0.2]), embedder=embedder)) == 0
    assert calls == [1]  # nothing above obj_score_thr: the embedder is not run
    with pytest.raises(ValueError, match="embeds"):
        tracker.update(frame([box(100)]))


def test_deepsort_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        DeepSORTTracker(metric="hamming")
