import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.embedding_tracker import bi_softmax
from d2track.tracking.quasi_dense_tracker import QuasiDenseTracker


def frame(boxes, embeds, scores=None, classes=None):
    """Detections from (N, 4) xyxy boxes and (N, 2) embeddings; score 0.95, class 0."""
    n = len(boxes)
    inst = Instances((480, 640))
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.embeds = torch.tensor(embeds, dtype=torch.float32).reshape(n, 2)
    inst.scores = torch.tensor([0.95] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    return inst


def box(x, y=100.0):
    return [x, y, x + 40.0, y + 80.0]


E0, E1 = [1.0, 0.0], [0.0, 1.0]
# Dot products with the tracks (E0, E1): detection 0 -> (5, 4.5), detection 1 -> (5, 1).
X0, X1 = [5.0, 4.5], [5.0, 1.0]


def test_bi_softmax_on_a_crafted_similarity_matrix():
    sim = bi_softmax(torch.tensor([X0, X1]), torch.tensor([E0, E1]))
    # rows: softmax over tracks; columns: softmax over detections; then the mean
    expected = [
        [(0.6225 + 0.5) / 2, (0.3775 + 0.9707) / 2],
        [(0.9820 + 0.5) / 2, (0.0180 + 0.0293) / 2],
    ]
    assert sim.flatten().tolist() == pytest.approx(sum(expected, []), abs=1e-4)


@pytest.mark.parametrize("metric, ids", [("bisoftmax", [1, 0]), ("softmax", [0, 2])])
def test_bi_softmax_keeps_both_ids_where_one_sided_softmax_loses_one(metric, ids):
    tracker = QuasiDenseTracker(match_metric=metric)
    assert tracker.update(frame([box(0), box(200)], [E0, E1])).ID.tolist() == [0, 1]
    # Both detections look most like track 0 over the tracks; over the detections, track 1
    # clearly prefers detection 0. Bi-softmax gives detection 0 to track 1 and detection 1 to
    # track 0; the softmax over tracks gives detection 0 to track 0 and leaves detection 1 with
    # 0.018 for track 1, so it starts track 2.
    out = tracker.update(frame([box(0), box(200)], [X0, X1], scores=[0.95, 0.94]))
    assert out.ID.tolist() == ids


def test_memory_is_a_momentum_average_and_boxes_are_the_detections():
    tracker = QuasiDenseTracker()
    tracker.update(frame([box(0)], [[1.0, 0.0]]))
    out = tracker.update(frame([box(3)], [[0.0, 1.0]]))  # 1 track, 1 detection: bi-softmax 1
    assert out.ID.tolist() == [0]
    assert out.pred_boxes.tensor.tolist() == [box(3)]
    assert tracker.track_embeds.flatten().tolist() == pytest.approx([0.2, 0.8])


def test_duplicates_use_the_backdrop_iou_for_low_scores_and_the_class_iou_for_high():
    tracker = QuasiDenseTracker(init_score_thr=0.0)
    # box(24) overlaps box(0) by IoU 16/64 = 0.25; box(16) by 24/56 = 0.43.
    out = tracker.update(frame([box(0), box(16), box(16)], [E0, E1, E1], scores=[0.95, 0.93, 0.4]))
    # the 0.93 one overlaps by 0.43 <= 0.7: kept; the 0.4 one by 0.43 > 0.3: dropped
    assert out.ID.tolist() == [0, 1] and out.scores.tolist() == pytest.approx([0.95, 0.93])


def test_low_score_detection_like_a_track_is_suppressed_not_output():
    tracker = QuasiDenseTracker(init_score_thr=0.5)
    tracker.update(frame([box(0)], [E0]))
    out = tracker.update(frame([box(300)], [E0], scores=[0.45]))
    assert len(out) == 0  # similarity 1 > nms_conf_thr, score 0.45 <= obj_score_thr
    assert tracker.backdrops[0][1].tolist() == []  # suppressed: not a backdrop either
    assert tracker.update(frame([box(0)], [E0])).ID.tolist() == [0]


def test_a_backdrop_keeps_a_lookalike_from_taking_a_track():
    embeds = [[4.0, 0.0], [4.0, 2.0]]  # the track, and a background box that looks like it
    for backdrops, expected in [(1, []), (0, [0])]:
        tracker = QuasiDenseTracker(memo_backdrop_frames=backdrops)
        # frame 0: the object starts a track; the 0.6 box (under init 0.9) becomes a backdrop
        out = tracker.update(frame([box(0), box(300)], embeds, scores=[0.95, 0.6]))
        assert out.ID.tolist() == [0]
        # frame 1: only the background box; it resembles the backdrop more than the track
        out = tracker.update(frame([box(300)], [embeds[1]], scores=[0.6]))
        assert out.ID.tolist() == expected


def test_tracks_age_only_on_frames_with_detections():
    tracker = QuasiDenseTracker(memo_tracklet_frames=5)
    tracker.update(frame([box(0)], [E0]))
    for _ in range(10):  # empty frames: MMTracking returns before aging the memory
        assert len(tracker.update(frame([], []))) == 0
    assert tracker.update(frame([box(0)], [E0])).ID.tolist() == [0]
    for _ in range(5):  # 5 frames with only an object of another class: track 0 is dropped
        tracker.update(frame([box(400)], [E1], classes=[1]))
    assert tracker.track_ids.tolist() == [1]
    out = tracker.update(frame([box(0), box(400)], [E0, E1], classes=[0, 1]))
    assert out.ID.tolist() == [2, 1]


def test_classes_do_not_match_with_cats():
    tracker = QuasiDenseTracker()
    tracker.update(frame([box(0)], [E0], classes=[0]))
    assert tracker.update(frame([box(0)], [E0], classes=[1])).ID.tolist() == [1]
    tracker = QuasiDenseTracker(with_cats=False)
    tracker.update(frame([box(0)], [E0], classes=[0]))
    assert tracker.update(frame([box(0)], [E0], classes=[1])).ID.tolist() == [0]


def test_output_is_in_input_order_and_reset_restarts():
    tracker = QuasiDenseTracker()
    out = tracker.update(frame([box(0), box(200)], [E0, E1], scores=[0.91, 0.99]))
    assert out.ID.tolist() == [1, 0]  # ranked by score: the 0.99 one starts track 0
    tracker.reset()
    assert tracker.frame_id == -1 and tracker.track_embeds is None and tracker.backdrops == []
    assert tracker.update(frame([box(0)], [E0])).ID.tolist() == [0]


def test_bad_arguments_and_missing_embeds():
    with pytest.raises(ValueError, match="match_metric must be one of"):
        QuasiDenseTracker(match_metric="l2")
    with pytest.raises(ValueError, match="memo_momentum"):
        QuasiDenseTracker(memo_momentum=1.5)
    inst = frame([box(0)], [E0])
    inst.remove("embeds")
    with pytest.raises(ValueError, match="embeds"):
        QuasiDenseTracker().update(inst)
