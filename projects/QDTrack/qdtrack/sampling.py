"""The RoI assignment and sampling of QDTrack's track head (MMDetection 2.x's, on Detectron2).

MMTracking's ``QuasiDenseTrackHead`` samples the RoIs of both frames of a training pair with:

* ``MaxIoUAssigner(pos_iou_thr=0.7, neg_iou_thr=0.5, min_pos_iou=0.5, match_low_quality=False)``:
  a proposal is positive for its best gt at IoU >= 0.7, negative below 0.5, ignored in between
  (Detectron2's ``Matcher([0.5, 0.7], [0, -1, 1])``); with no gt every proposal is negative;
* ``CombinedSampler(num=256, pos_fraction=0.5, neg_pos_ub=3, add_gt_as_proposals=True)``: the gt
  boxes are put in front of the proposals, each positive for itself; up to ``num x
  pos_fraction`` positives are drawn by :func:`instance_balanced_positives`, then up to ``num``
  minus that many negatives, at most ``neg_pos_ub`` per positive (per one positive when there
  is none), uniformly at random (``RandomSampler``). Both index sets come back sorted
  (MMDetection's ``unique``).

Random draws use torch's global generator (seed it with ``torch.manual_seed``).
"""

import torch
from detectron2.structures import Boxes, pairwise_iou

__all__ = ["assign_with_gt", "instance_balanced_positives", "sample_rois"]


def _choice(indices, num):
    """``num`` of ``indices`` at random (all of them, in order, if there are not more)."""
    if len(indices) <= num:
        return indices
    return indices[torch.randperm(len(indices), device=indices.device)[:num]]


def instance_balanced_positives(pos_inds, pos_gt_inds, num_expected):
    """MMDetection's ``InstanceBalancedPosSampler``: spread the positives over the objects.

    If there are at most ``num_expected`` positives, all are kept. Otherwise each object keeps at
    most ``int(round(num_expected / objects) + 1)`` of its positives (Python's rounding, half to
    even), drawn at random; if that is fewer than ``num_expected`` the rest is drawn from the
    positives not yet kept, if more a random ``num_expected`` of them are kept. (MMDetection
    computes "not yet kept" as a set difference of 0-d tensors, which removes nothing, so it may
    draw a kept index again and end with fewer after ``unique``; here the intended remainder is
    used.)

    Args:
        pos_inds (Tensor): (P,) int64 indices of the positive RoIs.
        pos_gt_inds (Tensor): (P,) the object (gt index) of each.
        num_expected (int): how many to keep.

    Returns:
        Tensor: (min(P, num_expected),) distinct int64 indices, a subset of ``pos_inds``
        (unordered).
    """
    if len(pos_inds) <= num_expected:
        return pos_inds
    objects = pos_gt_inds.unique()
    per_object = int(round(num_expected / float(len(objects))) + 1)
    sampled = torch.cat([_choice(pos_inds[pos_gt_inds == g], per_object) for g in objects])
    if len(sampled) < num_expected:
        rest = pos_inds[~torch.isin(pos_inds, sampled)]
        sampled = torch.cat([sampled, _choice(rest, num_expected - len(sampled))])
    elif len(sampled) > num_expected:
        sampled = _choice(sampled, num_expected)
    return sampled


def assign_with_gt(proposal_boxes, gt_boxes, matcher):
    """Match proposals to gt with the gt boxes added in front (``add_gt_as_proposals``).

    Args:
        proposal_boxes (Boxes): (P, 4).
        gt_boxes (Boxes): (G, 4).
        matcher (Matcher): e.g. ``Matcher([0.5, 0.7], [0, -1, 1])`` without low-quality
            matches.

    Returns:
        tuple: boxes (Boxes, (G + P, 4)): the gt then the proposals; matched (Tensor, (G + P,)):
        gt index of each (meaningful where positive); labels (Tensor, (G + P,)): 1 positive,
        0 negative, -1 ignored. Gt box ``i`` is positive for gt ``i``.
    """
    boxes = Boxes.cat([gt_boxes, proposal_boxes])
    device = boxes.device
    if len(gt_boxes) == 0:
        zeros = torch.zeros(len(boxes), dtype=torch.int64, device=device)
        return boxes, zeros, zeros.clone()
    matched, labels = matcher(pairwise_iou(gt_boxes, proposal_boxes))
    own = torch.arange(len(gt_boxes), device=device)
    matched = torch.cat([own, matched.to(device)])
    labels = torch.cat([torch.ones_like(own), labels.to(device=device, dtype=torch.int64)])
    return boxes, matched, labels


def sample_rois(matched, labels, *, num=256, pos_fraction=0.5, neg_pos_ub=3):
    """MMDetection's ``CombinedSampler`` with instance-balanced positives, random negatives.

    Args:
        matched (Tensor): (R,) gt index of each RoI; labels (Tensor): (R,) 1 / 0 / -1.
        num (int), pos_fraction (float): at most ``int(num * pos_fraction)`` positives and
            ``num`` RoIs.
        neg_pos_ub (int): at most this many negatives per positive (per 1 if none); < 0: no
            bound.

    Returns:
        tuple[Tensor, Tensor]: sorted int64 indices of the positive and the negative RoIs.
    """
    positives = torch.nonzero(labels == 1).view(-1)
    pos = instance_balanced_positives(positives, matched[positives], int(num * pos_fraction))
    pos = pos.unique()
    num_neg = num - len(pos)
    if neg_pos_ub >= 0:
        num_neg = min(num_neg, int(neg_pos_ub * max(1, len(pos))))
    neg = _choice(torch.nonzero(labels == 0).view(-1), num_neg).unique()
    return pos, neg
