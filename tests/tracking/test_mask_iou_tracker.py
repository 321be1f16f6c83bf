import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking import MaskIoUTracker, pairwise_mask_iou


def rect(x0, x1, y0=0, y1=10, size=(20, 40)):
    mask = torch.zeros(size, dtype=torch.bool)
    mask[y0:y1, x0:x1] = True
    return mask


def frame(masks, scores=None, classes=None):
    n = len(masks)
    inst = Instances((20, 40))
    inst.pred_masks = torch.stack(masks) if n else torch.zeros(0, 20, 40, dtype=torch.bool)
    inst.pred_boxes = Boxes(torch.zeros(n, 4))
    inst.scores = torch.tensor([0.9] * n if scores is None else scores)
    inst.pred_classes = torch.tensor([0] * n if classes is None else classes, dtype=torch.int64)
    return inst


def test_pairwise_mask_iou():
    a = torch.stack([rect(0, 10), rect(0, 0)])
    b = torch.stack([rect(5, 15), rect(0, 10), rect(0, 0)])
    got = pairwise_mask_iou(a, b)
    torch.testing.assert_close(got, torch.tensor([[1 / 3, 1.0, 0.0], [0.0, 0.0, 0.0]]))


def test_overlapping_masks_keep_their_ids_and_jumps_start_new_ones():
    tracker = MaskIoUTracker(min_iou=0.5)
    assert tracker.update(frame([rect(0, 10), rect(20, 30)])).ID.tolist() == [0, 1]
    # both move 2 px (IoU 8/12); listed in the other order
    assert tracker.update(frame([rect(22, 32), rect(2, 12)])).ID.tolist() == [1, 0]
    # the first jumps away (IoU 0): a new track; the second moves 5 px (IoU 5/15 < 0.5): new too
    assert tracker.update(frame([rect(30, 40), rect(27, 37)])).ID.tolist() == [2, 3]


def test_classes_scores_and_gaps():
    tracker = MaskIoUTracker(score_thr=0.5)
    tracker.update(frame([rect(0, 10)]))
    out = tracker.update(frame([rect(0, 10), rect(20, 30)], scores=[0.9, 0.3], classes=[1, 0]))
    assert out.ID.tolist() == [1]  # another class: a new track; the low-scored mask is dropped
    tracker.update(frame([]))  # a frame without the object ends its track
    assert tracker.update(frame([rect(0, 10)], classes=[1])).ID.tolist() == [2]
    tracker = MaskIoUTracker(class_agnostic=True)
    tracker.update(frame([rect(0, 10)]))
    assert tracker.update(frame([rect(0, 10)], classes=[1])).ID.tolist() == [0]


def test_needs_masks_and_a_valid_threshold():
    inst = frame([rect(0, 10)])
    inst.remove("pred_masks")
    with pytest.raises(ValueError, match="pred_masks"):
        MaskIoUTracker().update(inst)
    with pytest.raises(ValueError, match="min_iou"):
        MaskIoUTracker(min_iou=0)


def test_pairwise_mask_iou_equals_the_dense_definition():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(5, 17, 23, generator=g) > 0.6
    b = torch.rand(4, 17, 23, generator=g) > 0.3
    a[0] = False  # an empty mask
    inter = (a[:, None] & b[None]).flatten(2).sum(-1).float()
    union = (a[:, None] | b[None]).flatten(2).sum(-1).float()
    expected = torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
    torch.testing.assert_close(pairwise_mask_iou(a, b), expected)
    assert pairwise_mask_iou(a[:0], b).shape == (0, 4)
