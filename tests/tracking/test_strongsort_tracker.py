"""StrongSORTTracker: EMA appearance, NSA Kalman, the fused cost and its gate, the IoU stage, camera
motion, and the authors' output rules, on hand-made frames."""

import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.matching import matched_pairs
from d2track.tracking.motion import CameraMotionCompensation
from d2track.tracking.motion.kalman_base import CHI2INV95
from d2track.tracking.strongsort_tracker import StrongSORTTracker, ema_embeddings, fused_cost

RED, BLUE, GREEN = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]


def frame(boxes, scores=None, classes=None, embeds=None, size=(480, 640)):
    """One frame's detections from (N, 4) xyxy boxes; score 0.9, class 0, RED by default."""
    n = len(boxes)
    inst = Instances(size)
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    embeds = [RED] * n if embeds is None else embeds
    inst.embeds = torch.as_tensor(embeds, dtype=torch.float32).reshape(n, 3)
    return inst


def box(x, y=100.0, w=40.0, h=80.0):
    return [x, y, x + w, y + h]


def confirmed(tracker, boxes, embeds=None, frames=3):
    """Feed the same detections ``frames`` times (the tracks get confirmed)."""
    for _ in range(frames):
        out = tracker.update(frame(boxes, embeds=embeds))
    return out


def test_ema_embedding_values():
    got = ema_embeddings(np.array([[0.6, 0.8, 0.0]]), np.array([[0.0, 0.0, 2.0]]), 0.9)
    expected = np.array([0.54, 0.72, 0.1]) / np.linalg.norm([0.54, 0.72, 0.1])
    np.testing.assert_allclose(got[0], expected)
    tracker = StrongSORTTracker()
    tracker.update(frame([box(100)], embeds=[[3.0, 4.0, 0.0]]))  # a new track: f / |f|
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], [0.6, 0.8, 0.0], rtol=1e-6)
    tracker.update(frame([box(100)], embeds=[[0.0, 0.0, 2.0]]))  # matched by IoU (tentative)
    np.testing.assert_allclose(tracker.tracks.embeds[0, 0], expected, rtol=1e-6)
    tracker.update(frame([box(100)], embeds=[[0.0, 0.0, 2.0]]))
    again = 0.9 * expected + 0.1 * np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(
        tracker.tracks.embeds[0, 0], again / np.linalg.norm(again), rtol=1e-6
    )


def test_nsa_scales_the_measurement_covariance_by_one_minus_score_squared():
    kf = StrongSORTTracker().tracks.kf
    assert kf.nsa_exponent == 2.0  # the authors' code: std * (1 - c)
    mean, cov = kf.initiate(np.array([[100.0, 200.0, 0.5, 80.0]]))
    prior = cov[:, :4, :4]
    _, plain = kf.project(mean, cov)
    _, nsa = kf.project(mean, cov, confidence=np.array([0.8]))
    noise = plain - prior
    np.testing.assert_allclose(np.diag(noise[0]), [16.0, 16.0, 0.01, 16.0])  # (h / 20)^2, 0.1^2
    np.testing.assert_allclose(nsa - prior, (1 - 0.8) ** 2 * noise)


@pytest.mark.parametrize("nsa", [True, False])
def test_nsa_confident_detection_moves_the_state_more(nsa):
    moved = {}
    for score in (0.95, 0.61):
        tracker = StrongSORTTracker(nsa=nsa)
        confirmed(tracker, [box(100)])
        tracker.update(frame([box(106)], scores=[score]))
        moved[score] = tracker.tracks.mean[0, 0] - 120.0  # centre x was 120
    if nsa:
        assert 0 < moved[0.61] < moved[0.95] < 6
    else:
        assert moved[0.61] == pytest.approx(moved[0.95])


def test_fused_cost_values_and_gate():
    appearance = np.array([[0.20, 0.21], [0.21, 0.20], [0.0, 0.5]])
    maha = np.array([[8.0, 0.5], [0.5, 8.0], [9.5, 1.0]])
    cost = fused_cost(appearance, maha, appearance_weight=0.98, gating_threshold=CHI2INV95[4])
    np.testing.assert_allclose(cost[:2], 0.98 * appearance[:2] + 0.02 * maha[:2])
    assert cost[2, 0] == np.inf  # perfect appearance, outside the gate
    assert cost[2, 1] == pytest.approx(0.98 * 0.5 + 0.02)


def test_motion_term_breaks_appearance_ties():
    """Appearance alone pairs the diagonal; the fused cost the motion-consistent pairs."""
    appearance = np.array([[0.20, 0.21], [0.21, 0.20]])
    maha = np.array([[8.0, 0.5], [0.5, 8.0]])
    cost = fused_cost(appearance, maha, appearance_weight=0.98, gating_threshold=CHI2INV95[4])
    assert [x.tolist() for x in matched_pairs(appearance, threshold=0.45)] == [[0, 1], [0, 1]]
    assert [x.tolist() for x in matched_pairs(cost, threshold=0.45)] == [[0, 1], [1, 0]]
    # two look-alikes side by side, every pair inside the gate: motion decides
    tracker = StrongSORTTracker()
    confirmed(tracker, [box(100), box(112)], embeds=[RED, RED])
    tracks = tracker.tracks
    predicted = tracks.kf.predict(tracks.mean, tracks.cov)
    dets = [box(109), box(103)]
    gate = tracks.kf.gating_distance_batch(*predicted, tracks.kf.box_to_measurement(np.array(dets)))
    assert (gate < CHI2INV95[4]).all()
    assert tracker.update(frame(dets, embeds=[RED, RED])).ID.tolist() == [1, 0]


def test_gate_forbids_a_far_pair_with_perfect_appearance():
    tracker = StrongSORTTracker()
    confirmed(tracker, [box(100)], embeds=[BLUE])
    tracker.update(frame([box(500, y=300)], embeds=[BLUE]))
    assert tracker.tracks.ids.tolist() == [0, 1]  # a new (tentative) track
    assert tracker.tracks.last_frame.tolist() == [2, 3]


def test_iou_stage_rescues_tracks_matched_in_the_previous_frame_only():
    tracker = StrongSORTTracker()
    confirmed(tracker, [box(100)], embeds=[RED])
    # another appearance at the same place: the fused cost is ~0.98, the IoU stage matches it
    assert tracker.update(frame([box(101)], embeds=[GREEN])).ID.tolist() == [0]
    tracker.update(frame([]))  # missed: no longer an IoU candidate
    tracker.update(frame([box(103)], embeds=[BLUE]))
    assert tracker.tracks.ids.tolist() == [0, 1]


def test_appearance_recovers_a_track_after_an_occlusion():
    tracker = StrongSORTTracker()
    confirmed(tracker, [box(100), box(400)], embeds=[RED, BLUE])
    for _ in range(5):
        tracker.update(frame([box(400)], embeds=[BLUE]))
    out = tracker.update(frame([box(400), box(100)], embeds=[BLUE, RED]))
    assert out.ID.tolist() == [1, 0]


def test_output_rules_of_the_authors():
    tracker = StrongSORTTracker()
    jitter = [box(100), box(103, y=98), box(99, y=101)]
    for k in range(2):  # tentative tracks are not output
        assert len(tracker.update(frame([jitter[k]]))) == 0
    out = tracker.update(frame([jitter[2]], scores=[0.7]))
    assert out.ID.tolist() == [0]
    np.testing.assert_allclose(out.pred_boxes.tensor.numpy(), tracker.tracks.kalman_boxes([0]))
    assert out.pred_boxes.tensor.tolist() != [jitter[2]]  # the Kalman box, not the detection
    # missed in this frame only: the predicted box, the last score, the EMA embedding
    out = tracker.update(frame([]))
    assert out.ID.tolist() == [0] and out.scores.tolist() == pytest.approx([0.7])
    np.testing.assert_allclose(out.pred_boxes.tensor.numpy(), tracker.tracks.kalman_boxes([0]))
    np.testing.assert_allclose(out.embeds.numpy(), tracker.tracks.embeds[:, 0])
    assert len(tracker.update(frame([]))) == 0  # missed twice: not output


def test_output_options():
    tracker = StrongSORTTracker(output_box="detection", output_tentative=True, output_missed=False)
    inst = frame([box(100), box(300)], scores=[0.9, 0.5])
    out = tracker.update(inst)
    assert out.ID.tolist() == [0]  # 0.5 < obj_score_thr
    assert out.pred_boxes.tensor.tolist() == [box(100)]
    confirmed(tracker, [box(100)], frames=2)
    assert len(tracker.update(frame([]))) == 0
    with pytest.raises(ValueError, match="output_box"):
        StrongSORTTracker(output_box="mean")


def test_missed_rows_fill_other_fields_with_zeros():
    inst = frame([box(300)], embeds=[GREEN])
    inst.extra = torch.ones(1, 2)
    tracker = StrongSORTTracker(num_tentatives=1)
    tracker.update(inst)
    inst = frame([box(500)], embeds=[BLUE])
    inst.extra = torch.ones(1, 2)
    out = tracker.update(inst)  # new track 1 (confirmed at once) + missed row of track 0
    assert out.ID.tolist() == [1, 0]
    assert out.extra.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_confirmed_track_deleted_after_more_than_max_age_misses():
    tracker = StrongSORTTracker(max_age=3)
    confirmed(tracker, [box(100)])
    for _ in range(3):
        tracker.update(frame([]))
    assert len(tracker.tracks) == 1
    tracker.update(frame([]))
    assert len(tracker.tracks) == 0


def test_categories_are_separate_and_reset_restarts_ids():
    tracker = StrongSORTTracker(output_tentative=True)
    for _ in range(4):
        out = tracker.update(frame([box(100)] * 2, classes=[1, 0]))
        assert out.ID.tolist() == [0, 1]
    tracker.reset()
    assert tracker.update(frame([box(5)])).ID.tolist() == [0]


def test_embedder_fallback_and_missing_embeds():
    tracker = StrongSORTTracker(output_tentative=True)
    inst = frame([box(100), box(300)], scores=[0.9, 0.3])
    inst.remove("embeds")
    calls = []

    def embedder(boxes):
        calls.append(len(boxes))
        return torch.tensor([RED] * len(boxes))

    assert tracker.update(inst, embedder=embedder).ID.tolist() == [0]
    assert calls == [1]
    with pytest.raises(ValueError, match="embeds"):
        tracker.update(inst)


class FakeCMC:
    """A camera motion estimator returning a fixed warp and recording its calls."""

    def __init__(self, warp):
        self.warp = np.asarray(warp, dtype=np.float64)
        self.calls = []

    def estimate(self, prev_frame, frame, *, video=None, frame_id=None, prev_frame_id=None):
        self.calls.append((prev_frame_id, frame_id, video))
        return self.warp


IMAGE = np.zeros((480, 640, 3), dtype=np.uint8)
SHIFT_30 = [[1.0, 0.0, 30.0], [0.0, 1.0, 0.0]]


def _moved_track(cmc, **kwargs):
    """State after a confirmed track with x velocity 2 goes through a frame without detections."""
    tracker = StrongSORTTracker(num_tentatives=1, cmc=cmc, **kwargs)
    tracker.update(frame([box(100)]), image=IMAGE, video="v", frame_id=0)
    tracker.tracks.mean[0, 4] = 2.0
    before = tracker.tracks.cov.copy()
    tracker.update(frame([]), image=IMAGE, video="v", frame_id=1)
    return tracker, before


def test_camera_motion_moves_the_box_only():
    cmc = FakeCMC(SHIFT_30)
    tracker, cov = _moved_track(cmc)
    assert tracker.needs_image and cmc.calls == [(0, 1, "v")]
    kf = tracker.tracks.kf
    mean = np.array([[120.0 + 30.0, 140.0, 0.5, 80.0, 2.0, 0, 0, 0]])
    expected_mean, expected_cov = kf.predict(mean, cov)
    np.testing.assert_allclose(tracker.tracks.mean, expected_mean)
    np.testing.assert_allclose(tracker.tracks.cov, expected_cov)
    # a rotation turns the velocity only with warp_full_state
    angle = np.deg2rad(10)
    rotation = [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0]]
    assert _moved_track(FakeCMC(rotation))[0].tracks.mean[0, 5] == 0.0
    assert _moved_track(FakeCMC(rotation), warp_full_state=True)[0].tracks.mean[0, 5] > 0.3


def test_camera_motion_ignores_huge_warps_and_needs_an_image():
    tracker, _ = _moved_track(FakeCMC([[1.0, 0.0, 150.0], [0.0, 1.0, 0.0]]))
    assert tracker.tracks.mean[0, 0] == pytest.approx(122.0)  # velocity only
    tracker = StrongSORTTracker(cmc=FakeCMC(SHIFT_30))
    with pytest.raises(ValueError, match="image"):
        tracker.update(frame([box(100)]))
    assert not StrongSORTTracker().needs_image


def test_ecc_keeps_the_identity_through_a_camera_pan():
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (120, 200)).astype(np.float32), (0, 0), 3)
    texture = cv2.cvtColor(np.clip(texture * 3 - 255, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    images = [texture[:, 40:200], texture[:, 32:192]]  # the camera pans 8 px left
    boxes = [[60.0, 40.0, 70.0, 60.0], [68.0, 40.0, 78.0, 60.0]]  # IoU 0.11 without CMC
    ids = {}
    for cmc in (None, CameraMotionCompensation(method="ecc", downscale=1)):
        tracker = StrongSORTTracker(output_tentative=True, cmc=cmc)
        out = [
            tracker.update(frame([b], size=(120, 160)), image=np.ascontiguousarray(i)).ID.tolist()
            for b, i in zip(boxes, images)
        ]
        ids[cmc is None] = out
    assert ids[True] == [[0], [1]] and ids[False] == [[0], [0]]
