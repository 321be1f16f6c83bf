"""SiamRPN++ training targets and losses (MMTracking 0.x ``SiameseRPNHead.get_targets/loss``).

Anchors are indexed ``m = (a * H + i) * W + j`` here (the flattened (A, H, W) layout of the
head's maps); MMTracking flattens ``(i * W + j) * A + a``. Only the order of the sum differs.

* **Positive pair**: IoU of every anchor (in search crop pixels) with the target box; >= 0.6
  foreground, < 0.3 background, between ignored (``MaxIoUAssigner``, no low-quality matches);
  at most 16 foreground (25% of 64) and ``min(64 - #fg, 48)`` background anchors are drawn at
  random. Weights: cls ``1 / (2 #fg)`` per foreground and ``1 / (2 #bg)`` per background
  anchor, reg ``1 / #fg`` per foreground anchor (each of its 4 deltas).
* **Negative pair** (template and search show different objects): all anchors are labelled
  background, but only ``num_neg=16`` of them, drawn among all anchors of the 7x7 cells around
  the search box centre's cell, get a cls weight (``1 / (2 * 16)``); no reg weight. The cell is
  MMTracking's ``W // 2 + ceil((cx - search_size // 2) / stride + 0.5)`` (likewise for y).
* Every weight is divided by the batch size N; losses are sums: cross-entropy (softmax over
  the 2 classes) x 1.0 and L1 on ``DeltaXYWHBBoxCoder`` deltas (means 0, stds 1, i.e.
  Detectron2's ``Box2BoxTransform(weights=(1, 1, 1, 1))``) x 1.2.
"""

import torch
from detectron2.modeling.sampling import subsample_labels
from detectron2.structures import Boxes, pairwise_iou
from torch.nn import functional as F

__all__ = ["negative_pair_targets", "positive_pair_targets", "siamrpn_losses"]


def positive_pair_targets(
    anchors, gt_box, *, matcher, box2box_transform, batch_size=64, positive_fraction=0.25
):
    """Targets of a pair whose search crop shows the template's object.

    Args:
        anchors (Tensor): (M, 4) ``XYXY`` anchors in search crop pixels.
        gt_box (Tensor): (4,) ``XYXY`` target box in search crop pixels.
        matcher (Matcher): e.g. ``Matcher([0.3, 0.6], [0, -1, 1])``.
        box2box_transform (Box2BoxTransform): the delta coder.
        batch_size, positive_fraction: sampled anchors and their foreground share.

    Returns:
        tuple[Tensor]: labels (M,) int64 in {0, 1}; cls weights (M,); deltas (M, 4);
        reg weights (M,). Weights are not yet divided by the batch size.
    """
    iou = pairwise_iou(Boxes(gt_box.view(1, 4)), Boxes(anchors))
    _, match_labels = matcher(iou)
    pos, neg = subsample_labels(match_labels, batch_size, positive_fraction, 0)
    neg = neg[: int(batch_size * (1 - positive_fraction))]
    labels = torch.zeros(len(anchors), dtype=torch.int64, device=anchors.device)
    cls_weights = anchors.new_zeros(len(anchors))
    reg_weights = anchors.new_zeros(len(anchors))
    labels[pos] = 1
    if len(pos):
        cls_weights[pos] = 0.5 / len(pos)
        reg_weights[pos] = 1.0 / len(pos)
    if len(neg):
        cls_weights[neg] = 0.5 / len(neg)
    deltas = box2box_transform.get_deltas(anchors, gt_box.view(1, 4).expand_as(anchors))
    return labels, cls_weights, deltas, reg_weights


def negative_pair_targets(
    gt_box, *, num_anchors, score_size, stride, search_size, num_neg=16, radius=3
):
    """Targets of a pair whose search crop shows another object (at ``gt_box``).

    Args:
        gt_box (Tensor): (4,) ``XYXY`` box of the search crop's object, crop pixels.
        num_anchors (int): A.
        score_size (int): H = W of the score map.
        stride (int): anchor stride.
        search_size (int): search crop side.
        num_neg (int): anchors drawn (MMTracking's ``num_neg``).
        radius (int): the window spans cells ``c - radius .. c + radius``.

    Returns:
        tuple[Tensor]: as :func:`positive_pair_targets` (labels all 0, deltas and reg
        weights all 0).
    """
    size = score_size
    centre = (gt_box[:2] + gt_box[2:]) / 2
    cells = torch.ceil((centre - search_size // 2) / stride + 0.5).long().tolist()
    cx, cy = (size // 2 + c for c in cells)
    window = torch.zeros(num_anchors, size, size, dtype=torch.bool, device=gt_box.device)
    window[
        :, max(0, cy - radius) : min(size, cy + radius + 1), max(0, cx - radius) : cx + radius + 1
    ] = True
    candidates = window.view(-1).nonzero().view(-1)
    chosen = candidates[torch.randperm(len(candidates), device=gt_box.device)[:num_neg]]
    m = num_anchors * size * size
    cls_weights = gt_box.new_zeros(m)
    if len(chosen):
        cls_weights[chosen] = 0.5 / len(chosen)
    labels = torch.zeros(m, dtype=torch.int64, device=gt_box.device)
    return labels, cls_weights, gt_box.new_zeros(m, 4), gt_box.new_zeros(m)


def siamrpn_losses(cls, reg, labels, cls_weights, deltas, reg_weights, *, bbox_loss_weight=1.2):
    """Weighted-sum losses over a batch.

    Args:
        cls (Tensor): (N, 2A, H, W) head cls map (class-major channels).
        reg (Tensor): (N, 4A, H, W) head reg map (coordinate-major channels).
        labels (Tensor): (N, M) int64, M = A * H * W in (A, H, W) order.
        cls_weights (Tensor): (N, M), already divided by N.
        deltas (Tensor): (N, M, 4) targets.
        reg_weights (Tensor): (N, M), already divided by N.
        bbox_loss_weight (float): factor of the L1 loss.

    Returns:
        dict[str, Tensor]: ``loss_rpn_cls`` and ``loss_rpn_bbox`` (MMTracking's names).
    """
    n, _, h, w = cls.shape
    logits = cls.view(n, 2, -1).transpose(1, 2).reshape(-1, 2)
    ce = F.cross_entropy(logits, labels.reshape(-1), reduction="none")
    pred = reg.view(n, 4, -1).transpose(1, 2)
    l1 = (pred - deltas).abs().sum(dim=2)
    return {
        "loss_rpn_cls": (ce * cls_weights.reshape(-1)).sum(),
        "loss_rpn_bbox": bbox_loss_weight * (l1 * reg_weights).sum(),
    }
