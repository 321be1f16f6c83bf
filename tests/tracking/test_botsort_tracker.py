import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.botsort_tracker import BoTSORTTracker
from d2track.tracking.byte_tracker import ByteTracker

HEIGHT, WIDTH = 240, 320
NO_CMC = dict(cmc_method=None)


def frame(boxes, scores=None, classes=None, embeds=None, size=(480, 640)):
    """One frame's detections from (N, 4) xyxy boxes; score 0.9 and class 0 by default, and a
    ``gt`` field (the row index) that the output keeps."""
    n = len(boxes)
    inst = Instances(size)
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    inst.gt = torch.arange(n)
    if embeds is not None:
        inst.embeds = torch.tensor(embeds, dtype=torch.float32).reshape(n, -1)
    return inst


def box(x, y=100.0, w=40.0, h=80.0):
    return [x, y, x + w, y + h]


def ids_by_gt(out):
    """{input row: ID} of an output frame."""
    return dict(zip(out.gt.tolist(), out.ID.tolist()))


def _texture(rng, width, height):
    """(height, width) uint8 noise with structure at every scale (features for optical flow at
    every pyramid level)."""
    layers = [
        cv2.resize(rng.random((height // s + 1, width // s + 1)), (width, height), cv2.INTER_CUBIC)
        for s in (2, 4, 8, 16, 32)
    ]
    return cv2.normalize(sum(layers), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def pan_video(num_frames=15, seed=0):
    """A camera panning 25-40 px per frame, back and forth, over a textured scene with slowly
    walking 24 x 60 people (one more from frame 3): per frame the BGR image and the people's
    boxes (their row = their identity)."""
    rng = np.random.default_rng(seed)
    world = _texture(rng, WIDTH + 200, HEIGHT + 60)
    camera = np.array([100.0, 30.0])
    people = np.array([[220.0 + 48 * k, 110.0 + 7 * k] for k in range(5)])  # top-left, world
    frames = []
    for t in range(num_frames):
        if t:
            forward = camera[0] < 60 or (camera[0] < 140 and rng.random() < 0.5)
            step = rng.uniform(25, 40) * (1 if forward else -1)
            camera = np.clip(camera + [step, rng.uniform(-4, 4)], [0, 0], [200, 60])
        people += [1.0, 0.5]
        x, y = np.round(camera).astype(int)
        image = cv2.cvtColor(world[y : y + HEIGHT, x : x + WIDTH], cv2.COLOR_GRAY2BGR)
        top_left = people[: 4 if t < 3 else 5] - [x, y]
        frames.append((image, np.hstack([top_left, top_left + [24, 60]])))
    return frames


def track_video(tracker, frames, **context):
    """Per frame {person: ID}; images given unless ``images=False``."""
    images = context.pop("images", True)
    seen = []
    for image, boxes in frames:
        out = tracker.update(
            frame(boxes, size=(HEIGHT, WIDTH)), image=image if images else None, **context
        )
        seen.append(ids_by_gt(out))
    return seen


def id_switches(seen):
    """Frames at which a person's ID differs from the one it had before."""
    last, switches = {}, 0
    for ids in seen:
        switches += sum(p in last and last[p] != i for p, i in ids.items())
        last.update(ids)
    return switches


@pytest.fixture(scope="module")
def panning():
    return pan_video()


def test_camera_motion_compensation_keeps_ids_under_a_camera_pan(panning):
    # A pan of 25-40 px moves every 24 px wide box off its Kalman prediction: IoU matching
    # (ByteTrack, BoT-SORT without CMC) loses the identities, BoT-SORT with CMC keeps them.
    assert id_switches(track_video(ByteTracker(), panning)) >= 10
    assert id_switches(track_video(BoTSORTTracker(**NO_CMC), panning)) >= 10
    seen = track_video(BoTSORTTracker(), panning)
    assert seen[:3] == [{0: 0, 1: 1, 2: 2, 3: 3}] * 3
    # the fifth person starts a tentative track at frame 3, moved by the warp at frame 4 as well
    assert seen[3:] == [{0: 0, 1: 1, 2: 2, 3: 3, 4: 4}] * (len(panning) - 3)


def test_cmc_is_cached_per_video_and_replays_without_images(panning, tmp_path):
    tracker = BoTSORTTracker(cmc_cache_dir=str(tmp_path))
    first = track_video(tracker, panning, video="pan")
    cache = tracker.cmc_cache
    assert (cache.hits, cache.misses) == (0, len(panning) - 1)
    tracker.reset()  # writes the video's warps to cmc_cache_dir
    assert track_video(tracker, panning, video="pan") == first
    assert (cache.hits, cache.misses) == (len(panning) - 1, len(panning) - 1)
    # a new tracker on the same folder (a parameter search) needs no frame at all
    replay = BoTSORTTracker(cmc_cache_dir=str(tmp_path))
    assert track_video(replay, panning, video="pan", images=False) == first
    assert (replay.cmc_cache.hits, replay.cmc_cache.misses) == (len(panning) - 1, 0)


def test_cmc_needs_the_image():
    tracker = BoTSORTTracker()
    assert tracker.needs_image and not tracker.needs_embeds
    with pytest.raises(ValueError, match=r"needs frame_context\['image'\].*cmc_method=None"):
        tracker.update(frame([box(100)]))
    no_cmc = BoTSORTTracker(**NO_CMC)
    assert not no_cmc.needs_image
    assert no_cmc.update(frame([box(100)])).ID.tolist() == [0]


def test_low_score_detection_continues_a_tracked_track_only():
    tracker = BoTSORTTracker(**NO_CMC)
    for t in range(5):
        tracker.update(frame([box(100 + 5 * t), box(400)]))
    # Second association: a 0.3 detection continues track 0; one far away starts nothing.
    out = tracker.update(frame([box(125), box(300, y=300)], scores=[0.3, 0.3]))
    assert ids_by_gt(out) == {0: 0}
    # Track 1 was lost in the previous frame: a low detection does not bring it back ...
    out = tracker.update(frame([box(130), box(400)], scores=[0.9, 0.3]))
    assert ids_by_gt(out) == {0: 0}
    # ... a high one does; a detection below the low threshold is ignored.
    out = tracker.update(frame([box(135), box(400)], scores=[0.09, 0.9]))
    assert ids_by_gt(out) == {1: 1}


def test_thresholds_for_high_detections_and_new_tracks():
    tracker = BoTSORTTracker(**NO_CMC)
    out = tracker.update(frame([box(0), box(200), box(400)], scores=[0.55, 0.69, 0.71]))
    assert ids_by_gt(out) == {2: 0}  # only a high detection of 0.7 or more starts a track
    out = tracker.update(frame([box(0), box(400)], scores=[0.75, 0.61]))
    assert ids_by_gt(out) == {0: 1, 1: 0}


def test_output_box_is_the_kalman_state():
    tracker = BoTSORTTracker(**NO_CMC)
    first = tracker.update(frame([box(100)]))
    assert first.pred_boxes.tensor.tolist() == [box(100)]  # a new track's state: its detection
    out = tracker.update(frame([box(112, y=104)]))
    state = tracker.tracks.kalman_boxes(np.array([0]))
    np.testing.assert_allclose(out.pred_boxes.tensor.numpy(), state, rtol=1e-6)
    assert 100 < out.pred_boxes.tensor[0, 0] < 112  # between prediction and detection
    detected = BoTSORTTracker(output_box="detection", **NO_CMC)
    detected.update(frame([box(100)]))
    assert detected.update(frame([box(112, y=104)])).pred_boxes.tensor.tolist() == [box(112, 104)]
    with pytest.raises(ValueError, match="output_box"):
        BoTSORTTracker(output_box="smoothed")


def test_new_tracks_are_output_at_once_unless_output_tentative_is_false():
    authors = BoTSORTTracker(**NO_CMC)
    confirmed_only = BoTSORTTracker(output_tentative=False, **NO_CMC)
    for tracker in (authors, confirmed_only):
        tracker.update(frame([box(0)]))  # first frame: tracks start confirmed
    assert ids_by_gt(authors.update(frame([box(0), box(300)]))) == {0: 0, 1: 1}
    assert ids_by_gt(confirmed_only.update(frame([box(0), box(300)]))) == {0: 0}
    assert ids_by_gt(confirmed_only.update(frame([box(0), box(300)]))) == {0: 0, 1: 1}
    # a tentative track that misses a frame is dropped: the object comes back with a new id
    authors.update(frame([box(0)]))
    assert ids_by_gt(authors.update(frame([box(0), box(300)]))) == {0: 0, 1: 2}


def test_appearance_resolves_what_iou_gets_wrong():
    # Two people 6 px apart swap places; the detections' IoU favours no swap, their looks the
    # swap, and the appearance distance wins where the boxes are close (IoU distance <= 0.5).
    e0, e1 = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    start = frame([box(100, w=80), box(106, w=80)], embeds=[e0, e1])
    swapped = frame([box(102, w=80), box(104, w=80)], embeds=[e1, e0])
    for with_reid, expected in ((False, {0: 0, 1: 1}), (True, {0: 1, 1: 0})):
        tracker = BoTSORTTracker(with_reid=with_reid, **NO_CMC)
        tracker.update(start)
        assert ids_by_gt(tracker.update(swapped)) == expected


def test_appearance_never_matches_distant_boxes():
    tracker = BoTSORTTracker(with_reid=True, **NO_CMC)
    tracker.update(frame([box(100)], embeds=[[1.0, 0.0]]))
    # same look, IoU 0.14: over the proximity limit, and its fused IoU cost 0.87 > 0.8
    assert tracker.update(frame([box(130)], embeds=[[1.0, 0.0]])).ID.tolist() == [1]


def test_embeddings_are_an_exponential_moving_average_of_unit_vectors():
    tracker = BoTSORTTracker(with_reid=True, **NO_CMC)
    assert tracker.needs_embeds
    tracker.update(frame([box(100)], embeds=[[3.0, 0.0, 0.0]]))
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], [1.0, 0.0, 0.0])
    tracker.update(frame([box(100)], embeds=[[0.0, 2.0, 0.0]]))
    expected = np.array([0.9, 0.1, 0.0]) / np.hypot(0.9, 0.1)
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], expected, rtol=1e-6)
    # a low-score match (second association) brings no appearance
    tracker.update(frame([box(100)], scores=[0.3], embeds=[[0.0, 0.0, 5.0]]))
    assert tracker.tracks.last_frame[0] == 2
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], expected, rtol=1e-6)


def test_a_young_tracked_duplicate_of_an_older_lost_track_is_deleted():
    tracker = BoTSORTTracker(**NO_CMC)
    for t in range(5):
        assert tracker.update(frame([box(100, w=80)])).ID.tolist() == [0]
    for t in range(5, 10):  # a second track starts at frame 5, 6 px to the right
        assert ids_by_gt(tracker.update(frame([box(100, w=80), box(106, w=80)]))) == {0: 0, 1: 1}
    # One detection in between: track 1 takes it, track 0 is lost with a box of IoU > 0.85 with
    # track 1's; track 1 (tracked 5 frames) is younger than track 0 (9): track 1 is deleted.
    assert len(tracker.update(frame([box(104, w=80)]))) == 0
    assert tracker.tracks.ids.tolist() == [0]
    assert tracker.update(frame([box(104, w=80)])).ID.tolist() == [0]


def test_association_is_category_aware():
    tracker = BoTSORTTracker(**NO_CMC)
    tracker.update(frame([box(100)], classes=[0]))
    out = tracker.update(frame([box(100), box(102)], classes=[1, 0]))
    assert ids_by_gt(out) == {0: 1, 1: 0}


def test_lost_tracks_are_kept_for_track_buffer_frames():
    tracker = BoTSORTTracker(track_buffer=3, **NO_CMC)
    tracker.update(frame([box(100)]))
    for _ in range(3):
        tracker.update(frame([]))
    assert tracker.update(frame([box(100)])).ID.tolist() == [0]  # 4 frames after its match
    for _ in range(4):
        tracker.update(frame([]))
    assert tracker.update(frame([box(100)])).ID.tolist() == [1]  # 5 frames: dropped


def test_reset_restarts_ids_and_forgets_tracks():
    tracker = BoTSORTTracker(**NO_CMC)
    tracker.update(frame([box(100), box(300)]))
    tracker.update(frame([box(100), box(300)]))
    tracker.reset()
    assert len(tracker.tracks) == 0 and tracker.frame_id == -1
    assert tracker.update(frame([box(300)])).ID.tolist() == [0]


def test_missing_fields_name_the_field():
    inst = frame([box(100)])
    inst.remove("scores")
    with pytest.raises(ValueError, match="scores"):
        BoTSORTTracker(**NO_CMC).update(inst)
    with pytest.raises(ValueError, match="embeds"):
        BoTSORTTracker(with_reid=True, **NO_CMC).update(frame([box(100)]))


def test_cost_limits_must_be_below_one():
    with pytest.raises(ValueError, match="proximity_thr"):
        BoTSORTTracker(proximity_thr=1.0)
    with pytest.raises(ValueError, match="match_cost_thr"):
        BoTSORTTracker(match_cost_thr=1.2)
