import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.byte_tracker import ByteTracker
from d2track.tracking.motion.kalman_filter import KalmanFilter, xyxy_to_xyah
from d2track.tracking.ocsort_tracker import OCSORTTracker
from d2track.tracking.sort_tracker import SORTTracker


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


def turn_while_hidden():
    """Right at 6 px/frame for 20 frames, hidden for 10 frames while it turns to go down at
    3 px/frame, then seen going down for 11 frames: it reappears 33 px below where it was last
    seen, while a constant-velocity prediction has carried on 66 px to the right."""
    for t in range(20):
        yield [box(100 + 6 * t)]
    for _ in range(20, 30):
        yield []
    for t in range(30, 41):
        yield [box(214, y=100 + 3 * (t - 19))]


def test_acceptance_turn_during_occlusion_keeps_id_where_kalman_prediction_drifts():
    # Same script and track lifetime (30 frames) for all: only OC-SORT re-finds the object, by
    # the IoU of its last observation (OCR); ByteTrack's Kalman box is 66 px off to the right.
    trackers = [OCSORTTracker(), ByteTracker(num_frames_retain=30)]
    trackers.append(SORTTracker(num_frames_retain=30, obj_score_thr=0.3))
    ids = {
        type(t).__name__: [t.update(frame(b)).ID.tolist() for b in turn_while_hidden()]
        for t in trackers
    }
    assert ids["OCSORTTracker"][:20] == [[0]] * 20 and ids["OCSORTTracker"][30:] == [[0]] * 11
    for name in ("ByteTracker", "SORTTracker"):
        assert ids[name][:20] == [[0]] * 20
        assert all(0 not in frame_ids for frame_ids in ids[name][30:]), name
        assert ids[name][-1] == [1], name  # a new identity for the same object


def test_oru_straight_occlusion_reupdates_to_the_unoccluded_state():
    # The virtual trajectory of a straight-line occlusion is the true one: after ORU the Kalman
    # state is exactly that of a tracker that saw every frame.
    seen, hidden = OCSORTTracker(), OCSORTTracker()
    for t in range(14):
        b = box(100 + 5 * t, y=100 + 2 * t)
        seen.update(frame([b]))
        hidden.update(frame([] if 8 <= t <= 12 else [b]))
    assert hidden.tracks.ids.tolist() == [0] and hidden.tracks.last_frame.tolist() == [13]
    np.testing.assert_allclose(hidden.tracks.mean, seen.tracks.mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hidden.tracks.cov, seen.tracks.cov, rtol=1e-9, atol=1e-9)


def test_oru_state_is_the_filter_run_on_the_virtual_trajectory():
    # A still object (x = 100) is hidden on frames 5-9 and found at x = 130 on frame 10: the
    # virtual boxes of the missed frames are x = 105, 110, 115, 120, 125.
    tracker = OCSORTTracker()
    big = dict(w=100.0, h=200.0)
    for t in range(11):
        tracker.update(frame([] if 5 <= t <= 9 else [box(130 if t == 10 else 100, **big)]))
    kf = KalmanFilter()
    mean, cov = kf.initiate(xyxy_to_xyah([box(100, **big)]))
    for x in [100, 100, 100, 100, 105, 110, 115, 120, 125, 130]:
        mean, cov = kf.update(*kf.predict(mean, cov), xyxy_to_xyah([box(x, **big)]))
    assert tracker.tracks.ids.tolist() == [0]
    np.testing.assert_allclose(tracker.tracks.mean, mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(tracker.tracks.cov, cov, rtol=1e-9, atol=1e-9)
    # x velocity: 5 px/frame for 6 frames after 4 still ones (a no-op ORU would give 3.28).
    assert tracker.tracks.mean[0, 4] == pytest.approx(3.32, abs=0.005)


def _moving_right_then(dets, weight, frames=15):
    """A track moving right at 10 px/frame (100 px boxes) for ``frames`` frames, then one frame
    with detections at the given left x offsets from the track's Kalman prediction."""
    tracker = OCSORTTracker(vel_consist_weight=weight)
    for t in range(frames):
        tracker.update(frame([box(10 * t, w=100.0, h=100.0)]))
    predicted = tracker.tracks.kalman_boxes(np.array([0]))[0, 0]  # before this frame's predict
    predicted += tracker.tracks.mean[0, 4]
    return tracker.update(frame([box(predicted + dx, w=100.0, h=100.0) for dx in dets]))


def test_ocm_prefers_the_direction_consistent_detection():
    # Ahead (+40 px, along the motion) or behind the observation 3 frames back (-32 px): IoU
    # alone takes the one behind (IoU 0.52 against 0.43), OCM the one ahead.
    ahead, behind = 40, -32
    out = _moving_right_then([ahead, behind], weight=0.2)
    assert out.ID.tolist() == [0, 1]  # input order: ahead, behind
    out = _moving_right_then([ahead, behind], weight=0.0)
    assert out.ID.tolist() == [1, 0]


def test_direction_needs_two_observations_and_ignores_old_ones():
    tracker = OCSORTTracker(vel_delta_t=3)
    tracker.update(frame([box(100)]))
    cues = tracker._motion_cues()
    assert cues.directions.tolist() == [[0.0, 0.0]]  # one observation: no direction yet
    for t, y in zip(range(1, 6), [100, 100, 110, 120, 130]):  # right, then down from frame 3
        tracker.update(frame([box(100 + (t if t < 3 else 2), y=y)]))
    tracker.frame_id += 1
    cues = tracker._motion_cues()
    # The last observation (frame 5) against the one 3 frames before it (frame 2): down.
    np.testing.assert_allclose(cues.directions, [[0.0, 1.0]])
    np.testing.assert_allclose(cues.origins, [box(102, y=110)])  # frame 3 = 6 - 3


def test_ocr_recovers_by_last_observation_same_class_only():
    # An object at 12 px/frame (40 px boxes) stops while hidden for 3 frames: its Kalman box has
    # moved on (at most 10 px overlap: cost above the limit even with the OCM bonus), its last
    # observation (x = 60) still overlaps the detection at x = 65.
    tracker = OCSORTTracker()
    for t in range(6):
        tracker.update(frame([box(12 * t), box(400 + 12 * t, y=300)], classes=[0, 1]))
    for _ in range(3):
        tracker.update(frame([]))
    assert tracker.tracks.ids.tolist() == [0, 1]
    mean = tracker.tracks.mean[0]
    assert tracker.tracks.kalman_boxes(np.array([0]))[0, 0] + mean[4] > 65 + 30
    # Same place, other class for the first object: no recovery across categories.
    out = tracker.update(frame([box(65), box(465, y=300)], classes=[1, 1]))
    assert ids_by_x(out) == {65: 2, 465: 1}
    tracker.reset()
    for t in range(6):
        tracker.update(frame([box(12 * t), box(400 + 12 * t, y=300)], classes=[0, 1]))
    for _ in range(3):
        tracker.update(frame([]))
    out = tracker.update(frame([box(65), box(465, y=300)], classes=[0, 1]))
    assert ids_by_x(out) == {65: 0, 465: 1}


def test_score_thresholds():
    tracker = OCSORTTracker(obj_score_thr=0.3, init_track_thr=0.7)
    out = tracker.update(frame([box(0), box(200), box(400)], scores=[0.65, 0.75, 0.3]))
    assert ids_by_x(out) == {200: 0}  # 0.65 starts no track, 0.3 is ignored
    out = tracker.update(frame([box(0), box(202)], scores=[0.71, 0.35]))
    assert ids_by_x(out) == {0: 1, 202: 0}  # a kept low score continues a track
    assert len(tracker.update(frame([box(204)], scores=[0.25]))) == 0


def test_tentative_tracks_are_output_and_dropped_when_missed():
    tracker = OCSORTTracker(num_tentatives=3)
    tracker.update(frame([box(0)]))  # frame 0: tracks start confirmed
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 1}
    assert ids_by_x(tracker.update(frame([box(0)]))) == {0: 0}
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 2}
    tracker.update(frame([box(0), box(300)]))
    tracker.update(frame([box(0), box(300)]))
    tracker.update(frame([box(0)]))  # confirmed now: survives a miss
    assert ids_by_x(tracker.update(frame([box(0), box(300)]))) == {0: 0, 300: 2}


def test_crossing_objects_and_classes_keep_ids():
    tracker = OCSORTTracker()
    for t in range(40):
        out = tracker.update(frame([box(20 + 8 * t), box(340 - 8 * t, y=110)]))
        assert out.ID.tolist() == [0, 1]
    tracker.reset()
    for t in range(5):
        out = tracker.update(frame([box(100 + 2 * t)] * 2, classes=[0, 1]))
        assert out.ID.tolist() == [0, 1] and out.pred_classes.tolist() == [0, 1]
    assert tracker.update(frame([box(110)], classes=[1])).ID.tolist() == [1]


def test_empty_frames_predict_and_reset_restarts():
    tracker = OCSORTTracker()
    out = tracker.update(frame([]))
    assert len(out) == 0 and out.ID.dtype == torch.int64
    for t in range(1, 6):
        tracker.update(frame([box(10 * t), box(300)]))
    x_before = tracker.tracks.mean[0, 0]
    assert len(tracker.update(frame([]))) == 0
    assert tracker.tracks.mean[0, 0] > x_before + 5  # predicted on the empty frame
    tracker.reset()
    assert tracker.frame_id == -1 and len(tracker.tracks) == 0
    assert tracker.update(frame([box(400), box(0)])).ID.tolist() == [0, 1]


def test_outputs_detected_boxes_and_keeps_fields():
    tracker = OCSORTTracker()
    tracker.update(frame([box(0)]))
    inst = frame([box(7.5)])
    inst.extra = torch.tensor([42])
    out = tracker.update(inst)
    assert out.pred_boxes.tensor.tolist() == inst.pred_boxes.tensor.tolist()
    assert out.extra.tolist() == [42] and out.ID.tolist() == [0]


def _still_track_then(scores, dets, **kwargs):
    """A still 100 x 100 track seen with ``scores``, then detections 20 px above and below."""
    tracker = OCSORTTracker(**kwargs)
    for s in scores:
        tracker.update(frame([box(100, w=100.0, h=100.0)], scores=[s]))
    boxes = [box(100, y=80.0, w=100.0, h=100.0), box(100, y=120.0, w=100.0, h=100.0)]
    return tracker.update(frame(boxes, scores=dets)).ID.tolist()


def test_score_cost_follows_the_predicted_track_score():
    # Scores 0.9 then 0.8 predict 0.7: TCM takes the 0.72 detection over the 0.88 one that the
    # score-weighted IoU prefers. Both boxes have the same IoU with the track.
    assert _still_track_then([0.9, 0.9, 0.8], [0.72, 0.88]) == [1, 0]
    assert _still_track_then([0.9, 0.9, 0.8], [0.72, 0.88], score_cost_weight=1.0) == [0, 1]
    # Not from consecutive frames: the last score (0.8) itself; 0.78 is nearer than 0.72.
    tracker = OCSORTTracker(score_cost_weight=1.0)
    for s in [0.9, 0.9, None, 0.8]:
        tracker.update(frame([] if s is None else [box(0)], scores=None if s is None else [s]))
    np.testing.assert_allclose(tracker._predicted_scores(), [0.8])


def test_height_modulated_iou_rejects_vertical_offsets():
    # A 20 px taller detection at the same place: IoU 0.83, height IoU 0.83 (product 0.69).
    # With a 0.7 IoU limit and unweighted scores, only plain IoU matches it.
    kwargs = dict(match_iou_thr=0.7, weight_iou_with_det_scores=False)
    for hmiou, expected in ((False, [0]), (True, [1])):
        tracker = OCSORTTracker(height_modulated_iou=hmiou, **kwargs)
        tracker.update(frame([box(100, w=100.0, h=100.0)]))
        assert tracker.update(frame([box(100, w=100.0, h=120.0)])).ID.tolist() == expected


def test_bad_arguments_and_missing_fields():
    with pytest.raises(ValueError, match="vel_delta_t"):
        OCSORTTracker(vel_delta_t=0)
    inst = frame([box(0)])
    inst.remove("scores")
    with pytest.raises(ValueError, match="scores"):
        OCSORTTracker().update(inst)
