"""QDTrack's losses and RoI sampler on hand-made inputs, against hand-computed values."""

import math

import pytest
import torch
from detectron2.modeling.matcher import Matcher
from detectron2.structures import Boxes

from d2track.projects.qdtrack import (
    L2Loss,
    MultiPosCrossEntropyLoss,
    assign_with_gt,
    instance_balanced_positives,
    multi_pos_cross_entropy,
    sample_rois,
)


def test_multi_pos_cross_entropy_with_two_positives_per_row():
    pred = torch.tensor([[2.0, 1.0, 0.0, -1.0], [0.5, 3.0, 1.0, 0.0], [1.0, 2.0, 3.0, 4.0]])
    label = torch.tensor([[1, 1, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0]], dtype=torch.int32)
    e = math.exp
    # log(1 + sum over (positive p, negative n) of exp(s_n - s_p))
    row0 = math.log(1 + e(0 - 2) + e(-1 - 2) + e(0 - 1) + e(-1 - 1))  # 0.523744
    row1 = math.log(1 + e(0.5 - 3) + e(1 - 3) + e(0.5 - 0) + e(1 - 0))  # 1.71998
    got = multi_pos_cross_entropy(pred, label)
    torch.testing.assert_close(got, torch.tensor([row0, row1, 0.0]))
    assert row0 == pytest.approx(0.523744, abs=1e-6) and row1 == pytest.approx(1.719981, abs=1e-6)
    weight = torch.tensor([1.0, 1.0, 0.0])  # the row without a positive does not count
    loss = MultiPosCrossEntropyLoss(loss_weight=0.25)(pred, label, weight, weight.sum())
    assert loss.item() == pytest.approx(0.25 * (row0 + row1) / 2, rel=1e-6)  # 0.280466


def test_multi_pos_cross_entropy_gradient_is_finite_and_only_where_pairs_are():
    pred = torch.tensor([[2.0, 1.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]], requires_grad=True)
    label = torch.tensor([[1, 1, 0, 0], [0, 0, 0, 0]])
    multi_pos_cross_entropy(pred, label).sum().backward()
    assert torch.isfinite(pred.grad).all()
    assert pred.grad[0, :2].lt(0).all() and pred.grad[0, 2:].gt(0).all()
    assert pred.grad[1].eq(0).all()


def test_multi_pos_cross_entropy_of_nothing_is_zero():
    empty = torch.zeros(0, 5)
    loss = MultiPosCrossEntropyLoss()(empty, empty.int(), torch.zeros(0), 0.0)
    assert loss.item() == 0.0
    no_refs = torch.zeros(3, 0)
    assert multi_pos_cross_entropy(no_refs, no_refs.int()).tolist() == [0.0, 0.0, 0.0]


COSINE = torch.tensor([[0.9, 0.5, 0.05, 0.3], [0.2, 0.8, -0.5, 0.12]])
TARGET = torch.tensor([[1, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.int32)


def test_l2_loss_keeps_the_three_hardest_negatives_per_positive():
    cosine = COSINE.clone().requires_grad_(True)
    loss = L2Loss(neg_pos_ub=3, pos_margin=0.0, neg_margin=0.1, hard_mining=True)(cosine, TARGET)
    # negatives minus 0.1, clamped to [0, 1]: 0.4 0 0.2 / 0.1 0.7 0 0.02 -> squared errors
    # 0.16 0 0.04 / 0.01 0.49 0 0.0004; 1 positive -> the 3 largest: 0.49, 0.16, 0.04; the
    # positive: (0.9 - 1)^2 = 0.01; mean over the 4 kept entries
    assert loss.item() == pytest.approx((0.01 + 0.49 + 0.16 + 0.04) / 4, rel=1e-5)  # 0.175
    loss.backward()
    kept = torch.tensor([[1, 1, 0, 1], [0, 1, 0, 0]], dtype=torch.bool)
    assert cosine.grad[~kept].eq(0).all() and cosine.grad[kept].ne(0).all()
    assert COSINE.equal(torch.tensor([[0.9, 0.5, 0.05, 0.3], [0.2, 0.8, -0.5, 0.12]]))


def test_l2_loss_without_the_negative_bound_averages_every_entry():
    loss = L2Loss(neg_pos_ub=-1, neg_margin=0.1, loss_weight=2.0)(COSINE, TARGET)
    errors = [0.01, 0.16, 0.0, 0.04, 0.01, 0.49, 0.0, 0.0004]
    assert loss.item() == pytest.approx(2.0 * sum(errors) / 8, rel=1e-5)


def test_l2_loss_without_positives_keeps_no_negative():
    loss = L2Loss()(COSINE, torch.zeros_like(TARGET))
    assert loss.item() == 0.0


def test_l2_loss_random_negatives_are_seeded():
    def kept_count(seed):
        torch.manual_seed(seed)
        cosine = torch.rand(4, 50, requires_grad=True)
        target = torch.zeros(4, 50, dtype=torch.int32)
        target[0, 0] = target[1, 1] = 1
        L2Loss(hard_mining=False, neg_margin=0.0)(cosine, target).backward()
        return cosine.grad.ne(0)

    assert int(kept_count(0).sum()) == 2 + 6 and kept_count(0).equal(kept_count(0))


def test_instance_balanced_positives_keeps_every_positive_when_few():
    pos = torch.tensor([3, 5, 9])
    assert instance_balanced_positives(pos, torch.tensor([0, 0, 1]), 3).tolist() == [3, 5, 9]


def test_instance_balanced_positives_spread_over_objects():
    torch.manual_seed(0)
    pos = torch.arange(105)
    gt = torch.cat([torch.zeros(100, dtype=torch.int64), torch.ones(5, dtype=torch.int64)])
    got = instance_balanced_positives(pos, gt, 20)
    assert len(got) == 20 and len(got.unique()) == 20 and bool(torch.isin(got, pos).all())
    # 2 objects -> at most round(20 / 2) + 1 = 11 each; object 1 has only 5, all kept; the 4
    # missing are drawn from object 0's remaining positives
    assert int((gt[got] == 1).sum()) == 5
    torch.manual_seed(0)
    assert instance_balanced_positives(pos, gt, 20).equal(got)  # seeded by torch


def test_instance_balanced_positives_round_half_to_even():
    torch.manual_seed(0)
    gt = torch.arange(4).repeat_interleave(10)
    got = instance_balanced_positives(torch.arange(40), gt, 10)
    # 10 / 4 = 2.5 rounds to 2 (Python, as MMDetection): 3 per object drawn, 12 -> 10 kept
    assert len(got) == 10 and torch.bincount(gt[got], minlength=4).max() <= 3


def test_sample_rois_bounds_negatives_per_positive_and_sorts():
    torch.manual_seed(0)
    labels = torch.zeros(1000, dtype=torch.int64)
    labels[[7, 3]] = 1
    labels[500:600] = -1  # ignored
    pos, neg = sample_rois(torch.zeros(1000, dtype=torch.int64), labels, num=256)
    assert pos.tolist() == [3, 7]
    assert len(neg) == 6 and neg.equal(neg.sort().values) and labels[neg].eq(0).all()
    pos, neg = sample_rois(torch.zeros(1000, dtype=torch.int64), torch.zeros_like(labels))
    assert len(pos) == 0 and len(neg) == 3  # bound of one positive when there is none
    many = torch.ones(1000, dtype=torch.int64)
    many[::2] = 0
    pos, neg = sample_rois(torch.arange(1000) % 7, many, num=256, pos_fraction=0.5)
    assert len(pos) == 128 and len(neg) == 128


def test_assign_with_gt_puts_gt_first_and_labels_by_iou():
    matcher = Matcher([0.5, 0.7], [0, -1, 1], allow_low_quality_matches=False)
    gt = Boxes(torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]]))
    proposals = Boxes(
        torch.tensor(
            [
                [0.0, 0.0, 10.0, 8.0],  # IoU 0.8 with gt 0: positive
                [20.0, 20.0, 30.0, 26.0],  # IoU 0.6 with gt 1: ignored
                [0.0, 0.0, 10.0, 3.0],  # IoU 0.3: negative
            ]
        )
    )
    boxes, matched, labels = assign_with_gt(proposals, gt, matcher)
    assert boxes.tensor[:2].equal(gt.tensor) and len(boxes) == 5
    assert labels.tolist() == [1, 1, 1, -1, 0]
    assert matched[:3].tolist() == [0, 1, 0]
    boxes, matched, labels = assign_with_gt(proposals, Boxes(torch.zeros(0, 4)), matcher)
    assert len(boxes) == 3 and labels.tolist() == [0, 0, 0]
