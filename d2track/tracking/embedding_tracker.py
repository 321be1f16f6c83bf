"""Tracking by per-instance embeddings, for any model that gives one embedding per detection.

Task-neutral: detections are boxes, optionally with masks (``pred_masks``), and any ``embeds``
(N, D). Two association modes, reimplemented from the papers:

* ``mode="frame"``: frame-to-frame matching (MinVIS, Huang et al., NeurIPS 2022): this frame's
  detections are matched one-to-one to the tracks seen in the previous frame by the Hungarian
  algorithm on cosine similarity (a pair below ``match_thr`` is not matched); a track not seen
  in the previous frame ends. No video training is needed.
* ``mode="memory"``: a memory bank (IDOL, Wu et al., ECCV 2022; CTVIS, Ying et al., ICCV 2023).
  Each track keeps an embedding, fused with each new match by momentum
  (``e <- (1 - momentum) e + momentum x``). The similarity of detection ``i`` and track ``j``
  is IDOL's bi-softmax of the dot products ``s = x_i . e_j``: the mean of the softmax of ``s``
  over tracks and over detections. In order of score, each detection takes its most similar
  free track if that similarity reaches ``match_thr``. A track unseen for more than
  ``max_unseen`` frames is dropped, so an object that comes back within ``max_unseen`` frames
  keeps its ID. With a single track and a single detection the bi-softmax is 1 whatever the
  embeddings, so ``min_cosine`` (off by default, as IDOL) can also require that much cosine
  similarity. Before matching, a detection that overlaps a higher-scored one by more than
  ``dup_iou_thr`` (mask IoU when both have masks, else box IoU) is dropped as a duplicate.

In both modes detections under ``score_thr`` are ignored, only detections of the same class as
a track can match it (category-aware, as every d2track tracker; ``class_agnostic=True`` turns
that off), and an unmatched detection starts a track if its score reaches ``init_score_thr``.
Boxes are not moved; the output is the kept input rows with ``ID`` (:mod:`.base`).
"""

import numpy as np
import torch
from detectron2.structures import Instances, pairwise_iou

from .base import BaseTracker, select_tracked
from .matching import (
    embedding_cost,
    forbid_class_mismatch,
    mask_rles,
    matched_pairs,
    pairwise_mask_iou,
)

__all__ = ["EmbeddingTracker", "bi_softmax", "mask_iou"]


def bi_softmax(det_embeds, track_embeds):
    """IDOL's bi-softmax similarity.

    Args:
        det_embeds (Tensor): (N, D).
        track_embeds (Tensor): (T, D).

    Returns:
        Tensor: (N, T) float32 in [0, 1]: ``(softmax over tracks + softmax over detections) / 2``
        of the dot products.
    """
    dots = det_embeds.float() @ track_embeds.float().T
    return (dots.softmax(dim=1) + dots.softmax(dim=0)) / 2


def mask_iou(masks):
    """(N, N) IoU of N binary masks (N, H, W), the masks encoded once."""
    rles = mask_rles(masks)
    return pairwise_mask_iou(rles, rles)


class EmbeddingTracker(BaseTracker):
    """Associates detections by their ``embeds``; see the module docstring for the two modes."""

    needs_embeds = True

    def __init__(
        self,
        *,
        mode="memory",
        score_thr=0.0,
        init_score_thr=0.0,
        match_thr=0.5,
        momentum=0.8,
        max_unseen=10,
        dup_iou_thr=0.8,
        min_cosine=None,
        class_agnostic=False,
    ):
        """
        Args:
            mode (str): ``"frame"`` (MinVIS) or ``"memory"`` (IDOL / CTVIS).
            score_thr (float): detections below it are ignored.
            init_score_thr (float): an unmatched detection starts a track from this score.
            match_thr (float): least similarity of a match: cosine similarity (``"frame"``) or
                bi-softmax (``"memory"``).
            momentum (float): weight of the new embedding in a track's memory (``"memory"``).
            max_unseen (int): frames a track may go unseen before it is dropped (``"memory"``).
            dup_iou_thr (float): duplicate suppression overlap (``"memory"``); >= 1: off.
            min_cosine (float or None): also required cosine similarity (``"memory"``).
            class_agnostic (bool): match across classes.
        """
        if mode not in ("frame", "memory"):
            raise ValueError(f"EmbeddingTracker: mode must be 'frame' or 'memory', got {mode!r}")
        self.mode, self.score_thr, self.init_score_thr = mode, score_thr, init_score_thr
        self.match_thr, self.momentum, self.max_unseen = match_thr, momentum, max_unseen
        self.dup_iou_thr, self.min_cosine = dup_iou_thr, min_cosine
        self.class_agnostic = class_agnostic
        super().__init__()

    def reset(self):
        super().reset()
        self.track_ids = torch.zeros(0, dtype=torch.int64)
        self.track_embeds = None  # (T, D)
        self.track_classes = torch.zeros(0, dtype=torch.int64)
        self.last_seen = torch.zeros(0, dtype=torch.int64)

    def _track(self, instances, **frame_context):
        candidates = torch.nonzero(instances.scores >= self.score_thr).view(-1)
        if self.mode == "memory":
            candidates = self._drop_duplicates(instances, candidates)
        det = Instances(  # the fields association reads (no copy of masks)
            instances.image_size,
            scores=instances.scores[candidates],
            pred_classes=instances.pred_classes[candidates],
            embeds=instances.embeds[candidates],
        )
        det_embeds = det.embeds.float().cpu()
        self._forget_old()
        det_to_track = self._associate(det, det_embeds)
        ids = torch.full((len(instances),), -1, dtype=torch.int64)
        for i in range(len(det)):
            j = int(det_to_track[i])
            if j >= 0:
                ids[candidates[i]] = self.track_ids[j]
                self._refresh(j, det_embeds[i])
            elif float(det.scores[i]) >= self.init_score_thr:
                ids[candidates[i]] = self._start(det_embeds[i], det.pred_classes[i])
        return select_tracked(instances, ids)

    def _drop_duplicates(self, instances, candidates):
        """Keep, in order of score, the candidates that overlap no kept one by ``dup_iou_thr``."""
        if self.dup_iou_thr >= 1 or len(candidates) < 2:
            return candidates
        rank = torch.argsort(instances.scores[candidates], descending=True)
        order = candidates[rank]
        if instances.has("pred_masks"):
            masks = instances.pred_masks
            masks = masks if len(candidates) == len(instances) else masks[candidates]
            overlap = mask_iou(masks)[rank][:, rank]
        else:
            boxes = instances.pred_boxes[order]
            overlap = pairwise_iou(boxes, boxes)
        duplicate = overlap.numpy() > self.dup_iou_thr
        dropped = np.zeros(len(order), dtype=bool)
        for i in range(len(order)):  # greedy, by score: a kept one drops what it overlaps
            if not dropped[i]:
                dropped[i + 1 :] |= duplicate[i, i + 1 :]
        return torch.sort(order[torch.from_numpy(~dropped)]).values

    def _forget_old(self):
        if not len(self.track_ids):
            return
        unseen = self.frame_id - self.last_seen - 1  # frames since the track was last matched
        alive = unseen <= (0 if self.mode == "frame" else self.max_unseen)
        self.track_ids, self.track_classes = self.track_ids[alive], self.track_classes[alive]
        self.last_seen, self.track_embeds = self.last_seen[alive], self.track_embeds[alive]

    def _associate(self, det, det_embeds):
        """(N,) index of the matched track per detection, -1 where none."""
        det_to_track = np.full(len(det), -1, dtype=np.int64)
        if not len(det) or not len(self.track_ids):
            return det_to_track
        if self.mode == "frame":
            cost = embedding_cost(self.track_embeds, det_embeds)  # (T, N): 1 - cosine
            cost = self._class_gate(cost, det)
            rows, cols = matched_pairs(cost, threshold=1.0 - self.match_thr)
            det_to_track[cols] = rows
            return det_to_track
        similarity = bi_softmax(det_embeds, self.track_embeds).T  # (T, N)
        if self.min_cosine is not None:
            cosine = 1.0 - embedding_cost(self.track_embeds, det_embeds)
            similarity = similarity.masked_fill(cosine < self.min_cosine, -1)
        similarity = self._class_gate(similarity, det, fill=-1)
        similarity = similarity.numpy().copy()
        for i in torch.argsort(det.scores, descending=True).tolist():
            j = int(similarity[:, i].argmax())
            if similarity[j, i] >= self.match_thr:
                det_to_track[i] = j
                similarity[j, :] = -1  # taken
        return det_to_track

    def _class_gate(self, matrix, det, fill=None):
        """(T, N) ``matrix`` with pairs of different classes forbidden (cost inf, or ``fill``)."""
        if self.class_agnostic:
            return matrix
        if fill is None:
            return forbid_class_mismatch(matrix, self.track_classes, det.pred_classes.cpu())
        same = self.track_classes.view(-1, 1) == det.pred_classes.cpu().view(1, -1)
        return matrix.masked_fill(~same, fill)

    def _refresh(self, j, embed):
        if self.mode == "frame":
            self.track_embeds[j] = embed
        else:
            m = self.momentum
            self.track_embeds[j] = (1 - m) * self.track_embeds[j] + m * embed
        self.last_seen[j] = self.frame_id

    def _start(self, embed, category):
        (track_id,) = self.new_ids(1)
        embeds = embed.view(1, -1).cpu()
        self.track_embeds = (
            embeds if self.track_embeds is None else torch.cat([self.track_embeds, embeds])
        )
        self.track_ids = torch.cat([self.track_ids, track_id.view(1)])
        self.track_classes = torch.cat([self.track_classes, category.view(1).cpu()])
        self.last_seen = torch.cat([self.last_seen, torch.tensor([self.frame_id])])
        return track_id
