import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.byte_tracker import ByteTracker

# MMTracking's output: the detected boxes, tentative tracks included.
MMTRACKING = dict(output_box="detection", output_tentative=True)


def frame(boxes, scores=None, classes=None):
    """One frame's detections from (N, 4) xyxy boxes; score 0.9 and class 0 by default."""
    n = len(boxes)
    inst = Instances((480, 640))
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    return inst


def box(x, y=100.0, w=40.0, h=80.0):
    return [x, y, x + w, y + h]


def ids_by_x(out):
    """{left x (rounded): ID} of an output frame."""
    return {round(b[0]): i for b, i in zip(out.pred_boxes.tensor.tolist(), out.ID.tolist())}


def test_two_objects_crossing_keep_ids():
    tracker = ByteTracker()
    seen = []
    for t in range(40):
        a, b = box(20 + 8 * t), box(340 - 8 * t, y=110)  # they cross at t = 20
        out = tracker.update(frame([a, b]))
        assert len(out) == 2
        seen.append(out.ID.tolist())
    assert all(ids == [0, 1] for ids in seen)


def test_short_occlusion_keeps_id_long_one_does_not():
    tracker = ByteTracker(num_frames_retain=30, **MMTRACKING)
    for t in range(10):
        assert tracker.update(frame([box(100 + 5 * t)])).ID.tolist() == [0]
    for t in range(10, 15):  # hidden for 5 frames; the Kalman box keeps moving
        assert len(tracker.update(frame([]))) == 0
    assert tracker.update(frame([box(100 + 5 * 15)])).ID.tolist() == [0]
    for _ in range(30):  # gone for num_frames_retain frames: the track is dropped
        tracker.update(frame([]))
    assert tracker.update(frame([box(100 + 5 * 15)])).ID.tolist() == [1]


def test_low_score_detection_continues_track_but_never_starts_one():
    tracker = ByteTracker()
    for t in range(5):
        tracker.update(frame([box(100 + 5 * t)]))
    # Occluded object: score 0.3 is matched in the second association and keeps its id.
    out = tracker.update(frame([box(125), box(400)], scores=[0.3, 0.3]))
    assert ids_by_x(out) == {125: 0}
    out = tracker.update(frame([box(130), box(400)], scores=[0.9, 0.3]))
    assert ids_by_x(out) == {130: 0}
    assert tracker.update(frame([box(135)], scores=[0.05])).ID.tolist() == []  # below low


def test_new_tracks_need_init_track_thr():
    tracker = ByteTracker(init_track_thr=0.7, high_score_thr=0.6, **MMTRACKING)
    out = tracker.update(frame([box(0), box(200), box(400)], scores=[0.65, 0.75, 0.3]))
    assert ids_by_x(out) == {200: 0}
    out = tracker.update(frame([box(0), box(200), box(400)], scores=[0.69, 0.75, 0.5]))
    assert ids_by_x(out) == {200: 0}
    out = tracker.update(frame([box(0), box(200)], scores=[0.71, 0.75]))
    assert ids_by_x(out) == {0: 1, 200: 0}


def test_tentative_tracks_are_output_and_dropped_when_missed():
    tracker = ByteTracker(num_tentatives=3, **MMTRACKING)
    tracker.update(frame([box(0)]))  # frame 0: tracks start confirmed
    # A new object at frame 1 is output at once with a tentative id (MMTracking does too) ...
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 1}
    # ... missing one frame drops it, so it comes back with a new id; the confirmed one does not.
    assert ids_by_x(tracker.update(frame([]))) == {}
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 2}
    # Matched 3 frames in a row it is confirmed and survives a missed frame.
    tracker.update(frame([box(0), box(300)]))
    tracker.update(frame([box(0), box(300)]))
    tracker.update(frame([box(0)]))
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 2}


def test_classes_are_tracked_separately():
    tracker = ByteTracker()
    for t in range(5):
        out = tracker.update(frame([box(100 + 2 * t)] * 2, classes=[0, 1]))
        assert out.ID.tolist() == [0, 1] and out.pred_classes.tolist() == [0, 1]
    # A class-1 detection alone at the same place does not take the class-0 id.
    out = tracker.update(frame([box(110)], classes=[1]))
    assert out.ID.tolist() == [1]


def test_reset_restarts_ids_and_empty_frames():
    tracker = ByteTracker(**MMTRACKING)
    out = tracker.update(frame([]))
    assert len(out) == 0 and out.ID.dtype == torch.int64
    tracker.update(frame([box(0), box(200)]))
    assert tracker.update(frame([box(400)])).ID.tolist() == [2]
    tracker.reset()
    assert tracker.frame_id == -1 and len(tracker.tracks) == 0
    assert tracker.update(frame([box(400), box(0)])).ID.tolist() == [0, 1]


def test_mmtracking_output_is_detected_boxes_and_keeps_fields():
    tracker = ByteTracker(**MMTRACKING)
    tracker.update(frame([box(0)]))
    inst = frame([box(7.5)])
    inst.extra = torch.tensor([42])
    out = tracker.update(inst)
    assert out.pred_boxes.tensor.tolist() == inst.pred_boxes.tensor.tolist()
    assert out.extra.tolist() == [42] and out.image_size == (480, 640)


def test_default_output_is_the_updated_kalman_box_of_confirmed_tracks():
    tracker = ByteTracker(num_tentatives=2)
    tracker.update(frame([box(0)]))  # frame 0: confirmed at once, its state is its detection
    inst = frame([box(0), box(300)])
    inst.pred_boxes.tensor[0] += 6.0  # a jittered detection of a still object
    out = tracker.update(inst)
    # The new object (x=300) waits for its second match; the old one is output with its
    # Kalman state, pulled towards the detection but not onto it.
    assert out.ID.tolist() == [0]
    x0 = out.pred_boxes.tensor[0, 0].item()
    assert 0.0 < x0 < 6.0
    assert out.pred_boxes.tensor[0].tolist() == pytest.approx(
        tracker.tracks.kalman_boxes([0])[0].tolist(), abs=1e-4
    )
    assert tracker.update(frame([box(0), box(300)])).ID.tolist() == [0, 1]  # now confirmed


def test_kalman_output_is_closer_to_the_truth_on_jittered_detections():
    gen = torch.Generator().manual_seed(0)
    errors = {"detection": [], "kalman": []}
    for output_box in errors:
        tracker = ByteTracker(output_box=output_box)
        for t in range(60):
            truth = torch.tensor(box(100 + 4 * t))
            noisy = truth + 3 * torch.randn(4, generator=gen.manual_seed(t))
            out = tracker.update(frame([noisy.tolist()]))
            assert out.ID.tolist() == [0]
            if t >= 10:  # after the filter settles
                errors[output_box].append((out.pred_boxes.tensor[0] - truth).abs().mean())
    detection, kalman = (torch.stack(e).mean().item() for e in errors.values())
    assert kalman < 0.8 * detection, (kalman, detection)


def test_bad_output_box_is_refused():
    with pytest.raises(ValueError, match="output_box must be 'detection' or 'kalman'"):
        ByteTracker(output_box="state")


@pytest.mark.parametrize("field", ["pred_boxes", "scores", "pred_classes"])
def test_missing_field_raises(field):
    inst = frame([box(0)])
    inst.remove(field)
    with pytest.raises(ValueError, match=field):
        ByteTracker().update(inst)
