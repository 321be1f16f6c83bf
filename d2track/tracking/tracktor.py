"""Tracktor: tracking by regressing last frame's boxes with the detector's box head.

Matches MMTracking 0.x ``mmtrack/models/trackers/tracktor_tracker.py`` with the tracker settings
of ``configs/mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` (Bergmann et
al., "Tracking without bells and whistles", ICCV 2019). Per frame:

1. detections with score <= ``obj_score_thr`` are dropped;
2. with a ``cmc`` and an ``image``, every track's last box is moved by the camera motion;
3. the tracks seen in the previous frame are regressed by ``box_regressor``; those scoring
   <= ``regression_score_thr`` are killed (they become inactive), NMS at
   ``regression_nms_thr`` runs among the survivors;
4. detections overlapping a regressed track (IoU >= ``regression_match_iou_thr``) are dropped;
5. the remaining detections re-identify inactive tracks (mean of the last ``reid_num_samples``
   embeddings, euclidean distance <= ``reid_match_score_thr``, IoU with the track's last box
   >= ``reid_match_iou_thr``) or start new tracks;
6. tracks unseen for ``num_frames_retain`` frames are forgotten.

The output boxes of regressed tracks are the regressed boxes, not detections. All association
is category-aware. Unlike MMTracking, appearance matching is a thresholded assignment
(:func:`~d2track.tracking.matching.linear_assignment`) rather than Hungarian-then-threshold.
"""

import torch
from detectron2.structures import Boxes, Instances
from torchvision.ops import batched_nms

from d2track.tracking.base import BaseTracker
from d2track.tracking.matching import (
    embedding_cost,
    forbid_class_mismatch,
    iou_cost,
    linear_assignment,
)

__all__ = ["TracktorTracker"]


class TracktorTracker(BaseTracker):
    """Tracktor tracker; keyword-only thresholds default to MMTracking's MOT17 config.

    Needs ``frame_context["box_regressor"]`` every frame; re-identification needs
    ``frame_context["embedder"]`` (preferred: embeds detections and regressed boxes) or
    ``instances.embeds`` (then a regressed track takes the embedding of the detection it
    suppresses most). Output ``Instances`` (same image size): ``pred_boxes`` (regressed boxes
    for continued tracks, detected boxes for new or re-identified ones), ``scores``,
    ``pred_classes``, ``ID`` and, when every output track has one, ``embeds`` (latest).

    Args:
        obj_score_thr (float): detections must score above it to be used.
        regression_score_thr (float): regressed tracks must score above it to stay active.
        regression_nms_thr (float): NMS IoU among regressed tracks (same class).
        regression_match_iou_thr (float): detections with at least this IoU with a regressed
            track of the same class are dropped.
        reid_match_score_thr (float): maximum euclidean embedding distance for re-identification.
        reid_match_iou_thr (float): minimum IoU of a detection with an inactive track's last box
            for re-identification.
        reid_num_samples (int): the last this many embeddings of a track are averaged.
        num_frames_retain (int): a track unseen at frame ``t`` for ``t - last >= num_frames_retain``
            is forgotten (so it can still be re-identified ``num_frames_retain`` frames later).
        cmc (CameraMotionCompensation or None): moves track boxes by the camera motion between
            the previous and this ``image``.
    """

    needs_frame_features = True

    @property
    def needs_image(self):
        return self.cmc is not None

    def __init__(
        self,
        *,
        obj_score_thr=0.5,
        regression_score_thr=0.5,
        regression_nms_thr=0.6,
        regression_match_iou_thr=0.3,
        reid_match_score_thr=2.0,
        reid_match_iou_thr=0.2,
        reid_num_samples=10,
        num_frames_retain=10,
        cmc=None,
    ):
        if num_frames_retain < 1 or reid_num_samples < 1:
            raise ValueError(
                "TracktorTracker: num_frames_retain and reid_num_samples must be >= 1, got "
                f"{num_frames_retain} and {reid_num_samples}"
            )
        self.obj_score_thr = obj_score_thr
        self.regression_score_thr = regression_score_thr
        self.regression_nms_thr = regression_nms_thr
        self.regression_match_iou_thr = regression_match_iou_thr
        self.reid_match_score_thr = reid_match_score_thr
        self.reid_match_iou_thr = reid_match_iou_thr
        self.reid_num_samples = int(reid_num_samples)
        self.num_frames_retain = int(num_frames_retain)
        self.cmc = cmc
        super().__init__()

    def reset(self):
        super().reset()
        self._clear(torch.device("cpu"))
        self._prev_image = None

    def _clear(self, device):
        """Empty track bank: one row per remembered track."""
        self._ids = torch.zeros(0, dtype=torch.int64, device=device)
        self._boxes = torch.zeros(0, 4, device=device)
        self._scores = torch.zeros(0, device=device)
        self._classes = torch.zeros(0, dtype=torch.int64, device=device)
        self._last = torch.zeros(0, dtype=torch.int64, device=device)  # last frame seen
        self._num_embeds = torch.zeros(0, dtype=torch.int64, device=device)
        self._embeds = None  # (T, reid_num_samples, D), newest first, once D is known

    def _track(self, instances, *, box_regressor=None, embedder=None, image=None, **_):
        if not callable(box_regressor):
            raise ValueError(
                "TracktorTracker.update needs frame_context['box_regressor'] (callable: boxes "
                f"(M, 4) -> (boxes (M, 4), scores (M,))), got {type(box_regressor)}"
            )
        dets = instances[instances.scores > self.obj_score_thr]
        if len(self._ids) == 0:
            self._clear(dets.scores.device)
        self._compensate(image)
        rows, reg_boxes, reg_scores = self._regress(box_regressor)
        det_boxes = dets.pred_boxes.tensor
        overlap = forbid_class_mismatch(
            iou_cost(det_boxes, reg_boxes), dets.pred_classes, self._classes[rows]
        )  # (D, R) 1 - IoU
        fresh = ~(overlap <= 1 - self.regression_match_iou_thr).any(dim=1)
        det_embeds, reg_embeds, reg_has = self._appearance(
            embedder, dets, fresh, reg_boxes, overlap
        )
        dets = dets[fresh]
        candidates = torch.ones_like(self._ids, dtype=torch.bool)
        candidates[rows] = False
        matched = self._reidentify(dets, det_embeds, candidates)
        self._write(rows, reg_boxes, reg_scores, self._classes[rows])
        fresh_rows = self._add_tracks(dets, matched)
        if reg_embeds is not None:
            self._push_embeds(rows[reg_has], reg_embeds[reg_has])
        if det_embeds is not None:
            self._push_embeds(fresh_rows, det_embeds)
        out = self._output(torch.cat([rows, fresh_rows]), instances.image_size)
        self._prune()
        return out

    def _compensate(self, image):
        """Move every remembered box by the camera motion since the previous frame."""
        if self.cmc is None or image is None:
            return
        if self._prev_image is not None and len(self._ids):
            matrix = self.cmc.warp_matrix(self._prev_image, image)
            self._boxes = self.cmc.warp_boxes(self._boxes, matrix)
        self._prev_image = image

    def _regress(self, box_regressor):
        """Bank rows of the surviving tracks of the previous frame, their boxes and scores."""
        rows = torch.nonzero(self._last == self.frame_id - 1).flatten()
        if len(rows) == 0:
            return rows, self._boxes[:0], self._scores[:0]
        boxes, scores = box_regressor(self._boxes[rows].clone())
        boxes, scores = torch.as_tensor(boxes).detach(), torch.as_tensor(scores).detach()
        if boxes.shape != (len(rows), 4) or scores.shape != (len(rows),):
            raise ValueError(
                f"TracktorTracker: box_regressor must return boxes ({len(rows)}, 4) and scores "
                f"({len(rows)},), got {tuple(boxes.shape)} and {tuple(scores.shape)}"
            )
        keep = scores > self.regression_score_thr
        rows, boxes, scores = rows[keep], boxes[keep].to(self._boxes), scores[keep].to(self._scores)
        keep = batched_nms(boxes, scores, self._classes[rows], self.regression_nms_thr)
        keep = keep.sort().values  # keep track order, not score order
        return rows[keep], boxes[keep], scores[keep]

    def _appearance(self, embedder, dets, fresh, reg_boxes, overlap):
        """Embeddings (F, D) of the fresh detections and (R, D) of the regressed tracks.

        Returns:
            tuple: ``det_embeds`` or None, ``reg_embeds`` or None, ``reg_has`` (R,) bool.
        """
        reg_has = torch.ones(len(reg_boxes), dtype=torch.bool, device=reg_boxes.device)
        if embedder is not None:
            boxes = dets.pred_boxes.tensor[fresh]
            return _embed(embedder, boxes), _embed(embedder, reg_boxes), reg_has
        if not dets.has("embeds"):
            return None, None, reg_has
        if len(dets) == 0:
            return dets.embeds[fresh], None, torch.zeros_like(reg_has)
        # Without an embedder, a regressed track looks like the detection it suppressed most.
        best_cost, best = overlap.min(dim=0)
        reg_has = best_cost <= 1 - self.regression_match_iou_thr
        return dets.embeds[fresh], dets.embeds[best], reg_has

    def _reidentify(self, dets, embeds, candidates):
        """(F,) bank row each fresh detection re-identifies, or -1."""
        matched = torch.full((len(dets),), -1, dtype=torch.int64, device=self._ids.device)
        cand = torch.nonzero(candidates & (self._num_embeds > 0)).flatten()
        if embeds is None or len(dets) == 0 or len(cand) == 0:
            return matched
        valid = (
            torch.arange(self._embeds.shape[1], device=cand.device) < self._num_embeds[cand, None]
        )
        mean = (self._embeds[cand] * valid[..., None]).sum(1) / valid.sum(1, keepdim=True)
        cost = embedding_cost(mean, embeds.to(mean), metric="euclidean")
        iou = 1 - iou_cost(self._boxes[cand], dets.pred_boxes.tensor)
        cost = torch.where(
            iou >= self.reid_match_iou_thr, cost, torch.full_like(cost, float("inf"))
        )
        cost = forbid_class_mismatch(cost, self._classes[cand], dets.pred_classes)
        _, col_to_row = linear_assignment(cost, threshold=self.reid_match_score_thr)
        col_to_row = torch.as_tensor(col_to_row, device=cand.device)
        matched[col_to_row >= 0] = cand[col_to_row[col_to_row >= 0]]
        return matched

    def _write(self, rows, boxes, scores, classes):
        self._boxes[rows] = boxes.to(self._boxes)
        self._scores[rows] = scores.to(self._scores)
        self._classes[rows] = classes.to(self._classes)
        self._last[rows] = self.frame_id

    def _add_tracks(self, dets, matched):
        """Update re-identified tracks, append new ones; (F,) bank row of each detection."""
        known = matched >= 0
        boxes, scores, classes = dets.pred_boxes.tensor, dets.scores, dets.pred_classes
        self._write(matched[known], boxes[known], scores[known], classes[known])
        new = ~known
        num_new, start = int(new.sum()), len(self._ids)
        self._ids = torch.cat([self._ids, self.new_ids(num_new).to(self._ids.device)])
        self._boxes = torch.cat([self._boxes, boxes[new].to(self._boxes)])
        self._scores = torch.cat([self._scores, scores[new].to(self._scores)])
        self._classes = torch.cat([self._classes, classes[new].to(self._classes)])
        self._last = torch.cat([self._last, self._last.new_full((num_new,), self.frame_id)])
        self._num_embeds = torch.cat([self._num_embeds, self._num_embeds.new_zeros(num_new)])
        if self._embeds is not None:
            blank = self._embeds.new_zeros((num_new, *self._embeds.shape[1:]))
            self._embeds = torch.cat([self._embeds, blank])
        matched[new] = torch.arange(start, start + num_new, device=matched.device)
        return matched

    def _push_embeds(self, rows, embeds):
        """Prepend one embedding per row to its history of ``reid_num_samples``."""
        if len(rows) == 0:
            return
        if self._embeds is None:
            size = (len(self._ids), self.reid_num_samples, embeds.shape[1])
            self._embeds = embeds.new_zeros(size).float()
        history = self._embeds[rows, :-1]
        self._embeds[rows] = torch.cat([embeds[:, None].to(history), history], dim=1)
        self._num_embeds[rows] = (self._num_embeds[rows] + 1).clamp(max=self.reid_num_samples)

    def _output(self, rows, image_size):
        out = Instances(image_size)
        out.pred_boxes = Boxes(self._boxes[rows].clone())
        out.scores = self._scores[rows].clone()
        out.pred_classes = self._classes[rows].clone()
        out.ID = self._ids[rows].clone()
        if self._embeds is not None and bool((self._num_embeds[rows] > 0).all()):
            out.embeds = self._embeds[rows, 0].clone()
        return out

    def _prune(self):
        keep = self.frame_id - self._last < self.num_frames_retain
        for name in ("_ids", "_boxes", "_scores", "_classes", "_last", "_num_embeds"):
            setattr(self, name, getattr(self, name)[keep])
        if self._embeds is not None:
            self._embeds = self._embeds[keep]


def _embed(embedder, boxes):
    """``embedder(boxes)`` checked to be (M, D); None for no boxes."""
    if len(boxes) == 0:
        return None
    embeds = torch.as_tensor(embedder(boxes)).detach()
    if embeds.dim() != 2 or embeds.shape[0] != len(boxes):
        raise ValueError(
            f"TracktorTracker: embedder must return ({len(boxes)}, D), got {tuple(embeds.shape)}"
        )
    return embeds
