"""Frame-to-frame linking of instance masks by their overlap alone: the VIS baseline.

What any user of a per-frame instance segmenter could write (cf. Detectron2's box-IoU trackers
in ``detectron2/tracking``): this frame's masks are matched one-to-one to the previous frame's by
the Hungarian algorithm on ``1 - mask IoU``; a pair under ``min_iou`` or of different classes
(unless ``class_agnostic``) is not matched; an unmatched mask starts a track, and a track not
matched in a frame ends. No appearance, no memory: the baseline against which MaskTrack R-CNN's
track head and :class:`~d2track.tracking.EmbeddingTracker` are measured. The output is the kept
input rows with ``ID`` (:mod:`.base`).
"""

import torch

from .base import BaseTracker, select_tracked
from .matching import forbid_class_mismatch, mask_rles, matched_pairs, pairwise_mask_iou

__all__ = ["MaskIoUTracker"]


class MaskIoUTracker(BaseTracker):
    """Links ``pred_masks`` from frame to frame by IoU (see the module docstring)."""

    def __init__(self, *, score_thr=0.0, min_iou=0.5, class_agnostic=False):
        """
        Args:
            score_thr (float): detections below it are ignored.
            min_iou (float): least mask IoU of a match, in (0, 1].
            class_agnostic (bool): match across classes.
        """
        if not 0 < min_iou <= 1:
            raise ValueError(f"MaskIoUTracker: min_iou must be in (0, 1], got {min_iou}")
        self.score_thr, self.min_iou, self.class_agnostic = score_thr, min_iou, class_agnostic
        super().__init__()

    def reset(self):
        super().reset()
        self._prev = None  # (mask RLEs, ids (P,), classes (P,)) of the previous frame

    def _track(self, instances, **_):
        if not instances.has("pred_masks"):
            raise ValueError("MaskIoUTracker.update: detections lack 'pred_masks' (N, H, W)")
        keep = torch.nonzero(instances.scores >= self.score_thr).view(-1)
        masks = instances.pred_masks if len(keep) == len(instances) else instances.pred_masks[keep]
        rles, classes = mask_rles(masks), instances.pred_classes[keep].cpu()
        ids = torch.full((len(keep),), -1, dtype=torch.int64)
        if self._prev is not None and len(keep) and len(self._prev[1]):
            cost = 1.0 - pairwise_mask_iou(self._prev[0], rles)
            if not self.class_agnostic:
                cost = forbid_class_mismatch(cost, self._prev[2], classes)
            rows, cols = matched_pairs(cost, threshold=1.0 - self.min_iou)
            ids[cols] = self._prev[1][rows]
        new = ids < 0
        ids[new] = self.new_ids(int(new.sum()))
        self._prev = (rles, ids, classes)
        out_ids = torch.full((len(instances),), -1, dtype=torch.int64)
        out_ids[keep] = ids
        return select_tracked(instances, out_ids)
