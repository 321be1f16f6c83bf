"""MaskTrack R-CNN's track head: RoI features -> an embedding, and the matching loss.

Matches MMTracking 0.x ``RoITrackHead`` + ``RoIEmbedHead`` (``num_fcs=2``, ``fc_out_channels=1024``,
``roi_feat_size=7`` from an FPN ``SingleRoIExtractor``):

* embedding: the RoI's pooled features, flattened, through ``num_fcs`` fully connected layers,
  each followed by a ReLU;
* training: the key frame's proposals (the gt boxes added) are matched to its gt boxes (IoU 0.5
  for both foreground and background, MMDetection's ``MaxIoUAssigner(0.5, 0.5, min_pos_iou=0.5)``)
  and ``batch_size_per_image`` RoIs are sampled with ``positive_fraction`` positives; each
  positive RoI is scored against the reference frame's gt instances by dot products, with a
  "new object" logit 0 in front, and cross-entropy targets the reference index of its gt's
  instance plus one (0: not in the reference frame). MMTracking weights the sampled negatives 0,
  so only the positives are embedded here (the same loss). The per-image loss is the summed
  cross-entropy over the number of positives that have a reference match (at least 1), averaged
  over the images.
"""

import torch
import torch.nn.functional as F
from detectron2.modeling.sampling import subsample_labels
from detectron2.structures import Boxes, pairwise_iou
from detectron2.utils.events import get_event_storage
from torch import nn

__all__ = ["RoIEmbedHead", "match_logits"]


def match_logits(embeds, ref_embeds):
    """Similarity logits of key embeddings against reference ones, "new object" first.

    Args:
        embeds (Tensor): (N, D); ref_embeds (Tensor): (M, D).

    Returns:
        Tensor: (N, M + 1): column 0 is 0, column ``j + 1`` the dot product with reference ``j``.
    """
    dots = embeds @ ref_embeds.T
    return torch.cat([dots.new_zeros(len(dots), 1), dots], dim=1)


class RoIEmbedHead(nn.Module):
    """RoI pooling + fully connected layers to one embedding per box (see the module docstring)."""

    def __init__(
        self,
        *,
        pooler,
        in_features,
        in_channels,
        proposal_matcher,
        num_fcs=2,
        fc_dim=1024,
        batch_size_per_image=128,
        positive_fraction=0.25,
        loss_weight=1.0,
    ):
        """
        Args:
            pooler (ROIPooler): over ``in_features`` (MMTracking: RoIAlign 7x7, sampling ratio 0).
            in_features (list[str]): the backbone features pooled, e.g. ``["p2", ..., "p5"]``.
            in_channels (int): their channels.
            proposal_matcher (Matcher): IoU matcher of training RoIs to the key frame's gt.
            num_fcs, fc_dim (int): the fully connected layers (each with a ReLU after it).
            batch_size_per_image, positive_fraction: the RoI sampler.
            loss_weight (float): of ``loss_match``.
        """
        super().__init__()
        self.pooler = pooler
        self.in_features = list(in_features)
        self.proposal_matcher = proposal_matcher
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction
        self.loss_weight = loss_weight
        height, width = pooler.output_size
        dims = [in_channels * height * width] + [fc_dim] * num_fcs
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    @property
    def embed_dim(self):
        return self.fcs[-1].out_features

    def forward(self, features, boxes):
        """Embed boxes.

        Args:
            features (dict[str, Tensor]): backbone features, (B, C, H, W) each.
            boxes (list[Boxes]): B lists of boxes in network input coordinates.

        Returns:
            Tensor: (sum of boxes, D) in the order of ``boxes``.
        """
        x = self.pooler([features[f] for f in self.in_features], boxes).flatten(1)
        for fc in self.fcs:
            x = F.relu(fc(x))
        return x

    def losses(self, features, proposals, targets, ref_features, ref_targets):
        """The matching loss of a batch of key frames, one reference frame each.

        Args:
            features, ref_features (dict[str, Tensor]): backbone features of the B key and the B
                reference frames.
            proposals (list[Instances]): the RPN's ``proposal_boxes`` per key frame.
            targets (list[Instances]): key gt with ``gt_boxes`` and ``gt_match_indices`` (N, R)
                (:class:`~d2track.data.VideoTrainMapper`; reference 0 is used).
            ref_targets (list[Instances]): reference gt with ``gt_boxes``.

        Returns:
            dict: ``{"loss_match": Tensor}``.
        """
        boxes, labels = zip(*(self._sample(p, t) for p, t in zip(proposals, targets)))
        embeds = self(features, list(boxes)).split([len(b) for b in boxes])
        ref_boxes = [t.gt_boxes for t in ref_targets]
        ref_embeds = self(ref_features, ref_boxes).split([len(b) for b in ref_boxes])
        loss = sum(e.sum() for e in embeds) * 0.0  # in the graph when no image has a positive
        correct = total = 0
        for key, ref, label in zip(embeds, ref_embeds, labels):
            if len(key) == 0:
                continue
            logits = match_logits(key, ref)
            num_matched = max(int((label > 0).sum()), 1)
            loss = loss + F.cross_entropy(logits, label, reduction="sum") / num_matched
            correct += int((logits.argmax(dim=1) == label).sum())
            total += len(label)
        _log_accuracy(correct, total)
        return {"loss_match": self.loss_weight * loss / max(len(embeds), 1)}

    def _sample(self, proposals, targets):
        """The positive RoIs of one key frame and their match labels (reference index + 1)."""
        if not targets.has("gt_match_indices"):
            raise KeyError(
                "MaskTrack R-CNN's track head needs gt_match_indices in the key frame's "
                "instances: train with d2track.data.VideoTrainMapper and one reference frame"
            )
        if targets.gt_match_indices.shape[1] == 0:
            raise ValueError("gt_match_indices has no reference frame: sample one per key frame")
        boxes = Boxes.cat([proposals.proposal_boxes, targets.gt_boxes])
        if len(targets) == 0:
            return boxes[:0], torch.zeros(0, dtype=torch.int64, device=boxes.device)
        matched, match_labels = self.proposal_matcher(pairwise_iou(targets.gt_boxes, boxes))
        positive, _ = subsample_labels(
            match_labels, self.batch_size_per_image, self.positive_fraction, 0
        )
        return boxes[positive], targets.gt_match_indices[matched[positive], 0] + 1


def _log_accuracy(correct, total):
    try:
        storage = get_event_storage()
    except AssertionError:  # outside a trainer
        return
    storage.put_scalar("track_head/match_accuracy", correct / total if total else 0.0)
