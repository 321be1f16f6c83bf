"""QDTrack's two association losses, computed as MMTracking 0.x computes them.

Both take a similarity matrix between the positive RoIs of a key frame (rows) and the sampled RoIs
of its reference frame (columns) and an int matrix of the same shape: 1 where the two RoIs belong
to the same object, 0 elsewhere.

* :class:`MultiPosCrossEntropyLoss` (``mmtrack/models/losses/multipos_cross_entropy_loss.py``),
  on dot-product similarities ``s``: per row,
  ``log(1 + sum_{p in pos, n in neg} exp(s_n - s_p))``, computed as MMTracking does: all
  ``(p, n)`` differences of a row (pairs that are not positive-then-negative set to -inf), a
  column of 0 appended for the ``1 +``, then ``logsumexp``. Rows are weighted (0 for key RoIs
  whose object is not in the reference frame) and the weighted sum is divided by
  ``avg_factor + eps`` (the number of weighted rows; ``eps`` the float32 epsilon, MMDetection's
  ``weight_reduce_loss``), then multiplied by ``loss_weight``.
* :class:`L2Loss` (``mmtrack/models/losses/l2_loss.py``), on cosine similarities: targets 1/0;
  the margins are subtracted from the positive / negative similarities (only when above 0), the
  result clamped to [0, 1]; if there are more than ``neg_pos_ub`` negatives per positive, only
  ``neg_pos_ub x positives`` negatives are kept: the highest squared errors with
  ``hard_mining`` (else random ones). The loss is the sum of the kept squared errors over their
  count (+ eps), times ``loss_weight``. Without positives no negative is kept and the loss is 0.

Neither loss is reduced over images here: the head averages the per-image values.
"""

import torch
from torch import nn

__all__ = ["L2Loss", "MultiPosCrossEntropyLoss", "multi_pos_cross_entropy"]

_EPS = torch.finfo(torch.float32).eps


def multi_pos_cross_entropy(pred, label):
    """The per-row multi-positive cross-entropy of MMTracking (its log-sum-exp form).

    Args:
        pred (Tensor): (N, M) similarities.
        label (Tensor): (N, M) int, >= 1 for positives, 0 for negatives.

    Returns:
        Tensor: (N,) ``log(1 + sum_{p, n} exp(pred_n - pred_p))`` per row (0 for a row without a
        positive or without a negative).
    """
    pos, neg = label >= 1, label == 0
    inf = pred.new_tensor(float("inf"))
    pred_pos = torch.where(neg, inf, pred * pos)  # what may be subtracted: positives
    pred_neg = torch.where(pos, -inf, pred * neg)  # what may be added: negatives
    num = pred.shape[1]
    # column p * M + n holds pred_neg[n] - pred_pos[p]; -inf unless p is positive, n negative
    diff = pred_neg.repeat(1, num) - torch.repeat_interleave(pred_pos, num, dim=1)
    return torch.logsumexp(nn.functional.pad(diff, (0, 1), "constant", 0.0), dim=1)


class MultiPosCrossEntropyLoss(nn.Module):
    """QDTrack's main association loss (see the module docstring)."""

    def __init__(self, *, loss_weight=0.25):
        """
        Args:
            loss_weight (float): 0.25 in MMTracking's QDTrack configs.
        """
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, label, weight, avg_factor):
        """
        Args:
            pred (Tensor): (N, M) dot-product similarities.
            label (Tensor): (N, M) int targets.
            weight (Tensor): (N,) row weights.
            avg_factor (float or Tensor): the divisor, ``weight.sum()`` in MMTracking.

        Returns:
            Tensor: scalar.
        """
        loss = multi_pos_cross_entropy(pred, label) * weight.float()
        return self.loss_weight * loss.sum() / (avg_factor + _EPS)


class L2Loss(nn.Module):
    """QDTrack's auxiliary association loss (see the module docstring)."""

    def __init__(
        self, *, neg_pos_ub=3, pos_margin=0.0, neg_margin=0.1, hard_mining=True, loss_weight=1.0
    ):
        """
        Args:
            neg_pos_ub (int): most negatives kept per positive (<= 0: all).
            pos_margin, neg_margin (float): subtracted from positive / negative similarities
                when > 0.
            hard_mining (bool): keep the highest-error negatives, else random ones (torch RNG).
            loss_weight (float): 1.0 in MMTracking's QDTrack configs.
        """
        super().__init__()
        self.neg_pos_ub = neg_pos_ub
        self.pos_margin, self.neg_margin = pos_margin, neg_margin
        self.hard_mining = hard_mining
        self.loss_weight = loss_weight

    def forward(self, pred, target):
        """
        Args:
            pred (Tensor): (N, M) cosine similarities.
            target (Tensor): (N, M) int, 1 for the same object, 0 otherwise.

        Returns:
            Tensor: scalar.
        """
        pos, neg = target == 1, target == 0
        if self.pos_margin > 0:
            pred = pred - self.pos_margin * pos
        if self.neg_margin > 0:
            pred = pred - self.neg_margin * neg
        pred = pred.clamp(min=0, max=1)
        errors = (pred - target) ** 2
        kept = pos | self._kept_negatives(errors.detach(), pos, neg)
        return self.loss_weight * (errors * kept).sum() / (kept.sum() + _EPS)

    def _kept_negatives(self, errors, pos, neg):
        num_pos, num_neg = int(pos.sum()), int(neg.sum())
        if self.neg_pos_ub <= 0 or num_neg / (num_pos + 1e-6) <= self.neg_pos_ub:
            return neg
        neg_idx = torch.nonzero(neg)
        num_kept = num_pos * self.neg_pos_ub
        if self.hard_mining:
            chosen = errors[neg].topk(num_kept).indices
        else:
            chosen = torch.randperm(len(neg_idx), device=neg_idx.device)[:num_kept]
        kept = torch.zeros_like(neg)
        kept[neg_idx[chosen, 0], neg_idx[chosen, 1]] = True
        return kept
