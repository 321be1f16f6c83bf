import math

import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking import MaskTrackRCNNTracker, masktrack_match_scores

E1, E2 = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])


def frame(boxes, embeds, scores, classes):
    n = len(boxes)
    inst = Instances((100, 200))
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor(scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor(classes, dtype=torch.int64)
    inst.embeds = torch.stack(embeds) if n else torch.zeros(0, 2)
    return inst


@pytest.mark.parametrize("weights", [(1.0, 2.0, 10.0), (0.5, 3.0, 7.0)])
def test_match_score_has_every_term_with_its_weight(weights):
    w_score, w_iou, w_label = weights
    # one detection (class 0, score 0.5) against track 1 (same box, class 0, dot product 2) and
    # track 2 (box IoU 1/3, class 1, dot product 0)
    got = masktrack_match_scores(
        torch.tensor([[1.0, 0.0]]),
        torch.tensor([0.5]),
        Boxes(torch.tensor([[0.0, 0.0, 10.0, 10.0]])),
        torch.tensor([0]),
        torch.tensor([[2.0, 0.0], [0.0, 1.0]]),
        Boxes(torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 15.0, 10.0]])),
        torch.tensor([0, 1]),
        weights=weights,
    )
    norm = 2 + math.exp(2)
    expected = [
        math.log(1 / norm) + w_score * math.log(0.5) + w_label,  # new object: same label
        math.log(math.exp(2) / norm) + w_score * math.log(0.5) + w_iou + w_label,
        math.log(1 / norm) + w_score * math.log(0.5) + w_iou / 3,
    ]
    assert got.shape == (1, 3)
    assert got[0].tolist() == pytest.approx(expected, abs=1e-5)


def test_new_object_column_starts_tracks_and_similar_detections_match():
    tracker = MaskTrackRCNNTracker()
    first = tracker.update(frame([[0, 0, 10, 10], [50, 0, 60, 10]], [E1, E2], [0.9, 0.8], [0, 0]))
    assert first.ID.tolist() == [0, 1]
    # E2 moved onto E1's place: appearance wins over IoU; a class-1 detection is new
    out = tracker.update(
        frame(
            [[0, 0, 10, 10], [50, 0, 60, 10], [80, 0, 90, 10]], [E2, E1, E1], [0.9] * 3, [0, 0, 1]
        )
    )
    assert out.ID.tolist() == [1, 0, 2]


def test_detections_are_visited_by_class_then_score():
    tracker = MaskTrackRCNNTracker()
    out = tracker.update(
        frame(
            [[0, 0, 9, 9], [20, 0, 29, 9], [40, 0, 49, 9]], [E1, E2, E1], [0.5, 0.9, 0.7], [1, 0, 1]
        )
    )
    # class 0 first, then class 1 by decreasing score: IDs and output in that order
    assert out.ID.tolist() == [0, 1, 2]
    assert out.scores.tolist() == pytest.approx([0.9, 0.7, 0.5])
    assert out.pred_classes.tolist() == [0, 1, 1]


@pytest.mark.parametrize("gap, same_id", [(20, True), (21, False)])
def test_tracks_are_kept_num_frames_retain_frames(gap, same_id):
    tracker = MaskTrackRCNNTracker(num_frames_retain=20)
    a, b = [0, 0, 10, 10], [50, 0, 60, 10]
    tracker.update(frame([a, b], [E1, E2], [0.9, 0.9], [0, 0]), frame_id=0)
    for t in range(1, gap):  # only the other object: frames with detections age the track
        assert tracker.update(frame([b], [E2], [0.9], [0]), frame_id=t).ID.tolist() == [1]
    out = tracker.update(frame([a, b], [E1, E2], [0.9, 0.9], [0, 0]), frame_id=gap)
    assert out.ID.tolist() == ([0, 1] if same_id else [2, 1])


def test_frames_without_detections_do_not_age_tracks():
    tracker = MaskTrackRCNNTracker(num_frames_retain=20)
    tracker.update(frame([[0, 0, 10, 10]], [E1], [0.9], [0]), frame_id=0)
    for t in range(1, 30):
        assert len(tracker.update(frame([], [], [], []), frame_id=t)) == 0
    assert tracker.num_tracks == 1  # as MMTracking: only a frame with detections prunes
    assert tracker.update(frame([[0, 0, 10, 10]], [E1], [0.9], [0]), frame_id=30).ID.tolist() == [0]


@pytest.mark.parametrize("unique_ids, expected", [(False, [0, 0]), (True, [0])])
def test_two_detections_for_one_track(unique_ids, expected):
    tracker = MaskTrackRCNNTracker(unique_ids=unique_ids)
    tracker.update(frame([[0, 0, 10, 10]], [E1], [0.9], [0]))
    # the higher-scored detection is visited first; the second overlaps the track more and beats
    # it: MMTracking outputs both with ID 0
    out = tracker.update(frame([[30, 0, 40, 10], [0, 0, 10, 10]], [E1, E1], [0.9, 0.8], [0, 0]))
    assert out.ID.tolist() == expected
    assert out.scores.tolist()[-1] == pytest.approx(0.8)


def test_a_detection_that_loses_its_track_is_dropped():
    tracker = MaskTrackRCNNTracker()
    tracker.update(frame([[0, 0, 10, 10]], [E1], [0.9], [0]))
    out = tracker.update(frame([[0, 0, 10, 10], [30, 0, 40, 10]], [E1, E1], [0.9, 0.8], [0, 0]))
    assert out.ID.tolist() == [0]
    assert out.pred_boxes.tensor[0].tolist() == [0, 0, 10, 10]


def test_reset_and_validation():
    tracker = MaskTrackRCNNTracker()
    tracker.update(frame([[0, 0, 10, 10]], [E1], [0.9], [0]))
    tracker.reset()
    assert tracker.num_tracks == 0
    assert tracker.update(frame([[0, 0, 10, 10]], [E2], [0.9], [0])).ID.tolist() == [0]
    with pytest.raises(ValueError, match="embeds"):
        inst = frame([[0, 0, 10, 10]], [E1], [0.9], [0])
        inst.remove("embeds")
        tracker.update(inst)
    with pytest.raises(ValueError, match="num_frames_retain"):
        MaskTrackRCNNTracker(num_frames_retain=0)
