import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.embedding_tracker import EmbeddingTracker, bi_softmax, mask_iou

# scripted embeddings: object A, object B and a look-alike of neither
A, B, C = torch.eye(3) * 4


def frame(boxes, embeds, scores=None, classes=None, masks=None):
    n = len(boxes)
    inst = Instances((100, 200))
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    inst.embeds = torch.stack(embeds) if n else torch.zeros(0, 3)
    if masks is not None:
        inst.pred_masks = masks
    return inst


def box(x, y=10.0):
    return [x, y, x + 20.0, y + 40.0]


@pytest.mark.parametrize("mode", ["frame", "memory"])
def test_crossing_objects_keep_their_ids(mode):
    tracker = EmbeddingTracker(mode=mode)
    for t in range(20):
        a, b = box(10 + 8 * t), box(170 - 8 * t, y=30)  # cross at t = 10 (box IoU 1/3)
        # B first on even frames: the order of detections does not matter
        out = tracker.update(frame([a, b], [A, B]) if t % 2 else frame([b, a], [B, A]))
        ids = dict(zip(out.embeds.argmax(dim=1).tolist(), out.ID.tolist()))
        assert ids == {1: 0, 0: 1}  # B came first on frame 0


def test_memory_mode_re_identifies_within_max_unseen_frames():
    tracker = EmbeddingTracker(mode="memory", max_unseen=3)
    assert tracker.update(frame([box(10), box(100)], [A, B])).ID.tolist() == [0, 1]
    for _ in range(3):  # B unseen for 3 frames
        assert tracker.update(frame([box(10)], [A])).ID.tolist() == [0]
    assert tracker.update(frame([box(10), box(100)], [A, B])).ID.tolist() == [0, 1]
    for _ in range(4):  # now 4 frames: dropped
        tracker.update(frame([box(10)], [A]))
    assert tracker.update(frame([box(10), box(100)], [A, B])).ID.tolist() == [0, 2]


def test_frame_mode_matches_only_the_previous_frame():
    tracker = EmbeddingTracker(mode="frame")
    tracker.update(frame([box(10), box(100)], [A, B]))
    tracker.update(frame([box(10)], [A]))
    assert tracker.update(frame([box(10), box(100)], [A, B])).ID.tolist() == [0, 2]


def test_frame_mode_cosine_threshold_and_hungarian():
    tracker = EmbeddingTracker(mode="frame", match_thr=0.5)
    tracker.update(frame([box(10), box(100)], [A, B]))
    # one detection like A, one orthogonal to both (cosine 0 < 0.5): a new track
    assert tracker.update(frame([box(100), box(10)], [C, A])).ID.tolist() == [2, 0]
    # Hungarian: the assignment maximising total similarity, not the greedy first pick
    tracker = EmbeddingTracker(mode="frame", match_thr=0.0)
    tracker.update(frame([box(10), box(100)], [A, B]))
    d1, d2 = A + 3 * B / 4, A  # d1 is closer to A than to B, but giving A to d2 is better
    assert tracker.update(frame([box(10), box(100)], [d1, d2])).ID.tolist() == [1, 0]


def test_bi_softmax_values():
    dets = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    tracks = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    sim = bi_softmax(dets, tracks)
    e2 = torch.exp(torch.tensor(2.0))
    row = torch.tensor([e2 / (e2 + 1), 1 / (e2 + 1)])  # softmax over tracks of det 0
    col = torch.tensor([e2 / (e2 + 1), 0.5])  # softmax over detections, tracks 0 and 1
    torch.testing.assert_close(sim[0], (row + col) / 2)
    torch.testing.assert_close(
        sim[1], (torch.tensor([0.5, 0.5]) + torch.tensor([1 / (e2 + 1), 0.5])) / 2
    )


def test_memory_momentum_and_single_candidate_cosine_gate():
    tracker = EmbeddingTracker(mode="memory", momentum=0.25)
    tracker.update(frame([box(10)], [A]))
    tracker.update(frame([box(10)], [A + B]))
    torch.testing.assert_close(tracker.track_embeds[0], 0.75 * A + 0.25 * (A + B))
    # one track, one detection: the bi-softmax is 1 for any embedding...
    assert tracker.update(frame([box(10)], [C])).ID.tolist() == [0]
    # ...unless a cosine similarity is also required
    gated = EmbeddingTracker(mode="memory", min_cosine=0.5)
    gated.update(frame([box(10)], [A]))
    assert gated.update(frame([box(10)], [C])).ID.tolist() == [1]


def test_duplicates_classes_and_score_thresholds():
    masks = torch.zeros(3, 100, 200, dtype=torch.bool)
    masks[0, 10:50, 10:30] = masks[1, 10:50, 11:30] = True  # mask IoU 0.95
    masks[2, 10:50, 100:120] = True
    tracker = EmbeddingTracker(mode="memory", dup_iou_thr=0.8, init_score_thr=0.5)
    out = tracker.update(
        frame([box(10), box(11), box(100)], [A, A, B], scores=[0.6, 0.9, 0.8], masks=masks)
    )
    assert out.scores.tolist() == pytest.approx([0.9, 0.8])  # the weaker duplicate is gone
    assert out.ID.tolist() == [0, 1]
    # another class never takes a track; a low score never starts one
    out = tracker.update(frame([box(10), box(100)], [A, B], classes=[1, 0], scores=[0.9, 0.3]))
    assert out.ID.tolist() == [2, 1]
    assert len(tracker.update(frame([box(10)], [C], scores=[0.3], classes=[2]))) == 0
    with pytest.raises(ValueError, match="mode must be 'frame' or 'memory'"):
        EmbeddingTracker(mode="idol")
    with pytest.raises(ValueError, match=r"lack field\(s\) \['embeds'\]"):
        inst = frame([box(10)], [A])
        inst.remove("embeds")
        EmbeddingTracker().update(inst)


def test_mask_iou():
    masks = torch.zeros(2, 4, 4, dtype=torch.bool)
    masks[0, :2, :2] = masks[1, :2, :] = True
    torch.testing.assert_close(mask_iou(masks), torch.tensor([[1.0, 0.5], [0.5, 1.0]]))
