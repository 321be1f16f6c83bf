"""RoI heads whose box branch also sees the RoIs of reference frames.

Reproduces the box branch of MMTracking 0.x ``SelsaRoIHead`` (open-mmlab/mmtracking,
``mmtrack/models/roi_heads/selsa_roi_head.py``) on Detectron2's ``StandardROIHeads``; used by
SELSA and Temporal RoI Align.

Conventions:
    * Training: key proposals are labelled and sampled exactly as ``StandardROIHeads`` does.
      Reference proposals are all used, without sampling (MMTracking: the RPN's test-time output,
      up to 300 boxes per reference frame, made by the meta-architecture).
    * RoI features are pooled from ``features`` for the key proposals and from ``ref_features``
      for the reference proposals with the same ``box_pooler`` (:meth:`_pool_box_features`,
      overridden by Temporal RoI Align), then ``box_head(key_roi, ref_roi, key_counts,
      ref_counts)`` groups them per sample, and ``box_predictor`` gives losses or, at inference,
      Detectron2's post-processing (score threshold, NMS, top-k).
    * References are sample-major: the first ``num_refs[0]`` entries of ``ref_features`` and
      ``ref_proposals`` belong to key image 0, and so on. At test the meta-architecture passes the
      memory frames (MMTracking: the memory includes the key frame itself).
    * Without references (``ref_features=None``) each key image is its own single reference: its
      feature maps and its (sampled, in training) proposals. This is what MMTracking's test memory
      amounts to when it holds only the key frame; it makes the heads usable on still images.
    * Mask and keypoint branches, if configured, are Detectron2's (they ignore references).
"""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
from detectron2.modeling.roi_heads import StandardROIHeads
from detectron2.structures import Boxes, ImageList, Instances

__all__ = ["VideoROIHeads"]


def _check_references(ref_features, ref_proposals, num_refs, num_images: int, names) -> None:
    missing = [name for name in names if name not in ref_features]
    if missing:
        raise ValueError(f"ref_features lacks the box head's features {missing}")
    if ref_proposals is None or num_refs is None:
        raise ValueError("ref_features was given without ref_proposals or num_refs")
    if len(num_refs) != num_images or any(int(n) < 1 for n in num_refs):
        raise ValueError(
            f"num_refs={list(num_refs)} must give >= 1 reference for each of {num_images} images"
        )
    total = sum(int(n) for n in num_refs)
    if len(ref_proposals) != total:
        raise ValueError(
            f"ref_proposals has {len(ref_proposals)} entries, num_refs sums to {total}"
        )
    for name, feat in ref_features.items():
        if feat.shape[0] != total:
            raise ValueError(f"ref_features[{name!r}] has batch {feat.shape[0]}, expected {total}")


class VideoROIHeads(StandardROIHeads):
    """``StandardROIHeads`` whose box head aggregates reference-frame RoI features.

    The constructor is ``StandardROIHeads``'s; ``box_head`` must accept
    ``(key_roi (N, C, h, w), ref_roi (M, C, h, w), key_counts, ref_counts)`` (e.g.
    :class:`d2track.modeling.roi_heads.SelsaBoxHead`).
    """

    def forward(
        self,
        images: ImageList,
        features: Dict[str, torch.Tensor],
        proposals: List[Instances],
        targets: Optional[List[Instances]] = None,
        *,
        ref_features: Optional[Dict[str, torch.Tensor]] = None,
        ref_proposals: Optional[List[Instances]] = None,
        num_refs: Optional[Sequence[int]] = None,
    ) -> Tuple[List[Instances], Dict[str, torch.Tensor]]:
        """
        Args:
            images, features, proposals, targets: as ``StandardROIHeads.forward`` (B key images;
                features are (B, C, H, W)).
            ref_features: feature name -> (R, C, H, W) with R = sum(num_refs), sample-major.
            ref_proposals: R ``Instances`` with ``proposal_boxes``, one per reference frame.
            num_refs: B ints, the number of references of each key image (each >= 1).

        Returns:
            As ``StandardROIHeads.forward``: (sampled proposals, losses) in training,
            (per-image ``Instances`` with ``pred_boxes``, ``scores``, ``pred_classes``, {}) at test.
        """
        del images
        if self.training:
            assert targets, "'targets' argument is required during training"
            proposals = self.label_and_sample_proposals(proposals, targets)
        del targets
        if ref_features is None:
            ref_features = features
            ref_proposals = proposals
            num_refs = [1] * len(proposals)
        else:
            _check_references(
                ref_features, ref_proposals, num_refs, len(proposals), self.box_in_features
            )
        num_refs = [int(n) for n in num_refs]

        if self.training:
            losses = self._forward_box(features, proposals, ref_features, ref_proposals, num_refs)
            losses.update(self._forward_mask(features, proposals))
            losses.update(self._forward_keypoint(features, proposals))
            return proposals, losses
        pred_instances = self._forward_box(
            features, proposals, ref_features, ref_proposals, num_refs
        )
        return self.forward_with_given_boxes(features, pred_instances), {}

    def _pool_box_features(
        self,
        features: Dict[str, torch.Tensor],
        key_boxes: List[Boxes],
        ref_features: Dict[str, torch.Tensor],
        ref_boxes: List[Boxes],
        num_refs: List[int],
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Pool the RoI features of key and reference boxes.

        Args:
            features: name -> (B, C, H, W) key feature maps.
            key_boxes: B ``Boxes`` (N in all).
            ref_features: name -> (R, C, H, W) reference feature maps, sample-major.
            ref_boxes: R ``Boxes`` (M in all).
            num_refs: B ints summing to R.

        Returns:
            key_roi (N, C, h, w) and ref_roi (M, C, h, w), in box order.
        """
        del num_refs  # plain pooling does not need the grouping
        key_roi = self.box_pooler([features[f] for f in self.box_in_features], key_boxes)
        ref_roi = self.box_pooler([ref_features[f] for f in self.box_in_features], ref_boxes)
        return key_roi, ref_roi

    def _forward_box(
        self,
        features: Dict[str, torch.Tensor],
        proposals: List[Instances],
        ref_features: Dict[str, torch.Tensor],
        ref_proposals: List[Instances],
        num_refs: List[int],
    ):
        """Box branch; returns losses in training and predicted ``Instances`` at test."""
        key_boxes = [p.proposal_boxes for p in proposals]
        ref_boxes = [p.proposal_boxes for p in ref_proposals]
        key_roi, ref_roi = self._pool_box_features(
            features, key_boxes, ref_features, ref_boxes, num_refs
        )
        ref_sizes = torch.tensor([len(b) for b in ref_boxes], dtype=torch.long)
        ref_counts = [int(s.sum()) for s in ref_sizes.split(num_refs)]
        key_counts = [len(b) for b in key_boxes]
        box_features = self.box_head(key_roi, ref_roi, key_counts, ref_counts)
        del key_roi, ref_roi
        predictions = self.box_predictor(box_features)
        del box_features
        if not self.training:
            return self.box_predictor.inference(predictions, proposals)[0]
        losses = self.box_predictor.losses(predictions, proposals)
        if self.train_on_pred_boxes:
            with torch.no_grad():
                pred_boxes = self.box_predictor.predict_boxes_for_gt_classes(predictions, proposals)
                for proposals_per_image, boxes in zip(proposals, pred_boxes):
                    proposals_per_image.proposal_boxes = Boxes(boxes)
        return losses
