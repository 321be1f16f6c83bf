import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.byte_tracker import ByteTracker
from d2track.tracking.motion.kalman_filter import KalmanFilter, xyxy_to_xyah
from d2track.tracking.ocsort_tracker import (
    OCSORTTracker,
    adaptive_appearance_weights,
    dynamic_alpha,
)
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


# Deep OC-SORT options: camera motion compensation, dynamic appearance, adaptive weighting.

PAN_SIZE = (240, 320)  # (H, W) of the panning frames


def embedded(boxes, embeds, scores=None):
    """:func:`frame` with (N, D) ``embeds``."""
    inst = frame(boxes, scores)
    inst.embeds = torch.tensor(embeds, dtype=torch.float32).reshape(len(boxes), -1)
    return inst


def pan_video(num_frames=12, seed=0):
    """A camera panning 25-40 px per frame, back and forth, over a seeded textured scene with
    four slowly walking 24 x 60 people: per frame the BGR image and the boxes (row = person)."""
    rng = np.random.default_rng(seed)
    height, width = PAN_SIZE
    world_shape = (height + 60, width + 200)
    layers = [
        cv2.resize(
            rng.random((world_shape[0] // s + 1, world_shape[1] // s + 1)),
            world_shape[::-1],
            interpolation=cv2.INTER_CUBIC,
        )
        for s in (2, 4, 8, 16, 32)
    ]
    world = cv2.normalize(sum(layers), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    camera = np.array([100.0, 30.0])
    people = np.array([[220.0 + 48 * k, 110.0 + 7 * k] for k in range(4)])  # world top-left
    frames = []
    for t in range(num_frames):
        if t:
            forward = camera[0] < 60 or (camera[0] < 140 and rng.random() < 0.5)
            step = rng.uniform(25, 40) * (1 if forward else -1)
            camera = np.clip(camera + [step, rng.uniform(-4, 4)], [0, 0], [200, 60])
        people += [1.0, 0.5]
        x, y = np.round(camera).astype(int)
        image = cv2.cvtColor(world[y : y + height, x : x + width], cv2.COLOR_GRAY2BGR)
        top_left = people - [x, y]
        frames.append((image, np.hstack([top_left, top_left + [24, 60]])))
    return frames


def track_pan(tracker, frames, images=True, **context):
    """Per frame the list of IDs of the people (in person order)."""
    seen = []
    for image, boxes in frames:
        out = tracker.update(frame(boxes.tolist()), image=image if images else None, **context)
        assert len(out) == len(boxes)
        seen.append(out.ID.tolist())
    return seen


@pytest.fixture(scope="module")
def panning():
    return pan_video()


def test_camera_motion_compensation_keeps_ids_under_a_camera_pan(panning):
    # A pan of 25-40 px moves every 24 px wide box off its Kalman prediction and its last
    # observation alike: plain OC-SORT (neither OCM nor OCR) re-finds nobody, with sparse
    # optical flow (or ORB) CMC every person keeps its identity.
    plain = track_pan(OCSORTTracker(), panning)
    assert plain[0] == [0, 1, 2, 3] and plain[1] == [1, 2, 3, 4]  # a switch at the first pan
    assert len(set(sum(plain, []))) > 20
    for method in ("sparse_flow", "orb"):
        assert track_pan(OCSORTTracker(cmc_method=method), panning) == [[0, 1, 2, 3]] * 12


def test_cmc_is_cached_per_video_and_replays_without_images(panning, tmp_path):
    tracker = OCSORTTracker(cmc_method="sparse_flow", cmc_cache_dir=str(tmp_path))
    assert track_pan(tracker, panning, video="pan") == [[0, 1, 2, 3]] * 12
    cache = tracker.camera_motion.cache
    assert (cache.hits, cache.misses) == (0, len(panning) - 1)
    tracker.reset()  # writes the video's warps to cmc_cache_dir
    replay = OCSORTTracker(cmc_method="sparse_flow", cmc_cache_dir=str(tmp_path))
    assert track_pan(replay, panning, images=False, video="pan") == [[0, 1, 2, 3]] * 12
    assert (replay.camera_motion.cache.hits, replay.camera_motion.cache.misses) == (11, 0)


def test_cmc_warps_the_state_and_the_observations():
    # A track seen on frames 0-2: a 30 px shift to the left moves its Kalman state, its last
    # observation, its kept observations and its state at the last observation (where ORU
    # restarts); the unused observation slot stays empty.
    tracker = OCSORTTracker()
    for x in (100, 104, 108):
        tracker.update(frame([box(x)]))
    tracks = tracker.tracks
    before = {k: getattr(tracks, k).copy() for k in ("mean", "boxes", "obs_boxes", "obs_mean")}
    tracker._warp_tracks(np.array([[1.0, 0.0, -30.0], [0.0, 1.0, 0.0]]))
    np.testing.assert_allclose(tracks.mean[:, 0], before["mean"][:, 0] - 30)
    np.testing.assert_allclose(tracks.mean[:, 1:], before["mean"][:, 1:])
    np.testing.assert_allclose(tracks.boxes, [box(78)])
    np.testing.assert_allclose(tracks.obs_boxes[0, :3], [box(70), box(74), box(78)])
    assert tracks.obs_frames[0].tolist() == [0, 1, 2, -1]
    np.testing.assert_allclose(tracks.obs_boxes[0, 3], before["obs_boxes"][0, 3])
    np.testing.assert_allclose(tracks.obs_mean[:, 0], before["obs_mean"][:, 0] - 30)


def test_needs_embeds_and_image_only_when_the_options_are_on():
    plain = OCSORTTracker(adaptive_weighting=True)  # no effect without appearance
    assert not plain.needs_embeds and not plain.needs_image
    assert plain.update(frame([box(0)])).ID.tolist() == [0]
    assert OCSORTTracker(appearance_weight=0.75).needs_embeds
    assert not OCSORTTracker(appearance_weight=0.75).needs_image
    assert OCSORTTracker(cmc_method="ecc").needs_image
    assert not OCSORTTracker(cmc_method="ecc").needs_embeds
    with pytest.raises(ValueError, match="embeds"):
        OCSORTTracker(appearance_weight=0.75).update(frame([box(0)]))


def test_cmc_without_the_image_is_a_clear_error():
    tracker = OCSORTTracker(cmc_method="sparse_flow")
    with pytest.raises(ValueError, match=r"OCSORTTracker.*needs frame_context\['image'\]"):
        tracker.update(frame([box(100)]))
    with pytest.raises(ValueError, match="cmc_method=None"):
        tracker.update(frame([box(100)]))


def test_dynamic_alpha_follows_the_detection_score():
    # det_thresh 0.7: trust 2/3, 1/3, 0 and negative; alpha = 0.95 + 0.05 (1 - trust), at most 1.
    alpha = dynamic_alpha(np.array([1.0, 0.9, 0.8, 0.7, 0.5]), 0.7, 0.95)
    np.testing.assert_allclose(alpha, [0.95, 0.95 + 0.05 / 3, 0.95 + 0.1 / 3, 1.0, 1.0])


def test_track_embedding_average_uses_the_dynamic_alpha():
    # init_track_thr 0.7 is the authors' det_thresh: a 0.9 detection weighs 1 - 0.9667, a
    # kept 0.5 one (which the authors' tracker would have dropped) leaves the average as it is.
    tracker = OCSORTTracker(appearance_weight=0.75)
    tracker.update(embedded([box(100)], [[1.0, 0.0]]))
    tracker.update(embedded([box(100)], [[0.0, 2.0]], scores=[0.9]))
    alpha = 0.95 + 0.05 / 3
    expected = np.array([alpha, 1 - alpha]) / np.hypot(alpha, 1 - alpha)
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], expected, rtol=1e-6)
    average = tracker.tracks.embeds[0, 0].copy()
    tracker.update(embedded([box(100)], [[0.0, 1.0]], scores=[0.5]))
    assert tracker.tracks.last_frame.tolist() == [2]  # matched, embedding unchanged
    assert tracker.tracks.embeds[0, 0].tolist() == average.tolist()


def test_adaptive_weighting_boosts_distinctive_pairs():
    # Rows: best - second best 0.6 (clipped to 0.5) and 0.1; columns: 0.4 and 0.1. Each pair
    # gets 0.75 + half its row's gap + half its column's gap.
    similarity = np.array([[0.9, 0.3], [0.5, 0.4]])
    weights = adaptive_appearance_weights(similarity, 0.75, 0.5)
    np.testing.assert_allclose(weights, [[1.2, 1.05], [1.0, 0.85]])
    # A single column: no row boost; the column's gap 0.4 boosts both rows.
    weights = adaptive_appearance_weights(similarity[:, :1], 0.75, 0.5)
    np.testing.assert_allclose(weights, [[0.95], [0.95]])
    # Pairs that cannot match (other class) are no second best: one valid entry, no boost.
    valid = np.array([[True, False], [False, True]])
    weights = adaptive_appearance_weights(similarity, 0.75, 0.5, valid=valid)
    np.testing.assert_allclose(weights, np.full((2, 2), 0.75))


def meet_and_turn_back():
    """Two people walking towards each other at 3 px/frame meet (frame 12) and both turn back:
    after the meeting each continues, by its motion, where the other goes."""
    for t in range(25):
        s = 3 * (t if t <= 12 else 24 - t)
        yield [box(100 + s), box(172 - s, y=104)]


def test_appearance_resolves_a_meeting_that_iou_and_ocm_take_for_a_crossing():
    looks = [[1.0, 0.0], [0.0, 1.0]]
    for kwargs, after in (
        ({}, [1, 0]),  # IoU + OCM: a crossing, the identities swap
        (dict(appearance_weight=0.75), [0, 1]),
        (dict(appearance_weight=0.75, adaptive_weighting=True), [0, 1]),
    ):
        tracker = OCSORTTracker(**kwargs)
        ids = [tracker.update(embedded(b, looks)).ID.tolist() for b in meet_and_turn_back()]
        assert ids[:13] == [[0, 1]] * 13 and ids[13:] == [after] * 12, kwargs


def test_deep_ocsort_bad_arguments():
    with pytest.raises(ValueError, match="appearance_weight"):
        OCSORTTracker(appearance_weight=-1)
    with pytest.raises(ValueError, match="alpha_fixed_emb"):
        OCSORTTracker(alpha_fixed_emb=1.5)
    with pytest.raises(ValueError, match="method"):
        OCSORTTracker(cmc_method="sift")
