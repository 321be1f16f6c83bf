"""QDTrack's tracker: bi-softmax matching of embeddings against tracks and backdrops.

Matches MMTracking 0.x ``mmtrack/models/trackers/quasi_dense_tracker.py``
(``QuasiDenseTracker``, used by ``qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py``). Per
frame with at least one detection:

1. detections are ranked by score (highest first; ties keep the input order);
2. duplicates are dropped: a detection whose box IoU (any class) with a higher-ranked one
   exceeds ``nms_backdrop_iou_thr`` if its score is under ``obj_score_thr``, else
   ``nms_class_iou_thr``;
3. if there is a track, the remaining detections are compared with the memory: the tracks'
   momentum-averaged embeddings, then the backdrops of the last ``memo_backdrop_frames`` frames
   (unmatched, non-overlapping detections, newest first). Similarity is the bi-softmax of the
   dot products (``match_metric``: or the softmax over the memory, or cosine); with
   ``with_cats`` a pair of different classes has similarity 0;
4. in rank order, a detection takes its most similar memory entry if the similarity exceeds
   ``match_score_thr``: a track if its score exceeds ``obj_score_thr`` (the track's column is then
   zeroed for the others), else it is suppressed when the similarity exceeds ``nms_conf_thr``;
   a backdrop match does nothing;
5. unmatched, unsuppressed detections scoring above ``init_score_thr`` start tracks;
6. matched tracks take the detection's box, class and the embedding ``(1 - m) e + m x``
   (``m = memo_momentum``); the frame's unmatched detections that overlap no higher-ranked
   detection by more than ``nms_backdrop_iou_thr`` become its backdrops; tracks unmatched for
   ``memo_tracklet_frames`` frames are dropped.

A frame without detections changes nothing (MMTracking returns before its ``update``, so a
track's age is only checked on frames with detections). The output is the matched and new-track
detections with their detected boxes, in input order. MMTracking also keeps a per-track velocity
that nothing reads; it is not kept here. Its ``torch.sort`` does not fix the order of equal
scores; here it is the input order.
"""

import numpy as np
import torch
import torch.nn.functional as F
from detectron2.structures import Boxes, pairwise_iou

from .base import BaseTracker, select_tracked
from .embedding_tracker import bi_softmax

__all__ = ["QuasiDenseTracker"]

_METRICS = ("bisoftmax", "softmax", "cosine")


class QuasiDenseTracker(BaseTracker):
    """QDTrack's tracker (Pang et al., CVPR 2021) as MMTracking 0.x ``QuasiDenseTracker``.

    Defaults are MMTracking's ``qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` values
    (tracks start above 0.9 and live 30 frames; the class defaults there are 0.8 and 10).
    """

    needs_embeds = True

    def __init__(
        self,
        *,
        init_score_thr=0.9,
        obj_score_thr=0.5,
        match_score_thr=0.5,
        memo_tracklet_frames=30,
        memo_backdrop_frames=1,
        memo_momentum=0.8,
        nms_conf_thr=0.5,
        nms_backdrop_iou_thr=0.3,
        nms_class_iou_thr=0.7,
        with_cats=True,
        match_metric="bisoftmax",
    ):
        """
        Args:
            init_score_thr (float): an unmatched detection scoring above it starts a track.
            obj_score_thr (float): a detection must score above it to continue a track.
            match_score_thr (float): least similarity (exclusive) of a match.
            memo_tracklet_frames (int): frames a track is kept without a match.
            memo_backdrop_frames (int): frames of backdrops kept in the memory.
            memo_momentum (float): weight of the new embedding in a track's memory.
            nms_conf_thr (float): a low-score detection this similar to a track is suppressed.
            nms_backdrop_iou_thr (float): duplicate IoU for low-score detections and backdrops.
            nms_class_iou_thr (float): duplicate IoU for high-score detections.
            with_cats (bool): match only detections and tracks of the same class.
            match_metric (str): ``"bisoftmax"``, ``"softmax"`` or ``"cosine"``.
        """
        if match_metric not in _METRICS:
            raise ValueError(
                f"QuasiDenseTracker: match_metric must be one of {_METRICS}, got {match_metric!r}"
            )
        if not 0 <= memo_momentum <= 1:
            raise ValueError(
                f"QuasiDenseTracker: memo_momentum must be in [0, 1], got {memo_momentum}"
            )
        if memo_tracklet_frames < 0 or memo_backdrop_frames < 0:
            raise ValueError(
                "QuasiDenseTracker: memo_tracklet_frames and memo_backdrop_frames >= 0"
            )
        self.init_score_thr, self.obj_score_thr = init_score_thr, obj_score_thr
        self.match_score_thr, self.nms_conf_thr = match_score_thr, nms_conf_thr
        self.memo_tracklet_frames = memo_tracklet_frames
        self.memo_backdrop_frames = memo_backdrop_frames
        self.memo_momentum = memo_momentum
        self.nms_backdrop_iou_thr, self.nms_class_iou_thr = nms_backdrop_iou_thr, nms_class_iou_thr
        self.with_cats, self.match_metric = with_cats, match_metric
        super().__init__()

    def reset(self):
        super().reset()
        self.track_ids = np.zeros(0, dtype=np.int64)
        self.track_classes = np.zeros(0, dtype=np.int64)
        self.track_boxes = np.zeros((0, 4), dtype=np.float32)
        self.last_frame = np.zeros(0, dtype=np.int64)
        self.track_embeds = None  # (T, D) float32 Tensor once a track exists
        self.backdrops = []  # per frame, newest first: (embeds (B, D), classes (B,))

    def _track(self, instances, **frame_context):
        n = len(instances)
        if n == 0:
            return select_tracked(instances, torch.zeros(0, dtype=torch.int64))
        scores = instances.scores.detach().float().cpu().numpy()
        order = np.argsort(-scores, kind="stable")
        boxes = instances.pred_boxes.tensor.detach().float().cpu()[order]
        kept = self._drop_duplicates(boxes, scores[order])
        rows = order[kept]  # input rows of the kept detections, in rank order
        boxes, scores = boxes[kept], scores[rows]
        classes = instances.pred_classes.detach().cpu().numpy().astype(np.int64)[rows]
        embeds = instances.embeds.detach().float().cpu()[rows]
        ids = self._match(embeds, scores, classes)
        new = (ids == -1) & (scores > self.init_score_thr)
        ids[new] = self.new_ids(int(new.sum())).numpy()
        self._update(ids, boxes, embeds, classes)
        out = np.full(n, -1, dtype=np.int64)
        out[rows] = ids
        return select_tracked(instances, torch.from_numpy(np.maximum(out, -1)))

    def _drop_duplicates(self, boxes, scores):
        """(N,) bool: kept detections of (N, 4) ``boxes`` in rank order (step 2)."""
        ious = pairwise_iou(Boxes(boxes), Boxes(boxes)).numpy()
        earlier = np.tril(ious, k=-1).max(axis=1, initial=0.0)  # vs every higher-ranked one
        thr = np.where(
            scores < self.obj_score_thr, self.nms_backdrop_iou_thr, self.nms_class_iou_thr
        )
        return earlier <= thr

    def _similarity(self, embeds, memo_embeds):
        """(N, M) float32 similarity of detection and memory embeddings (``match_metric``)."""
        if self.match_metric == "bisoftmax":
            return bi_softmax(embeds, memo_embeds)
        if self.match_metric == "softmax":
            return (embeds @ memo_embeds.T).softmax(dim=1)
        return F.normalize(embeds, p=2, dim=1) @ F.normalize(memo_embeds, p=2, dim=1).T

    def _memory(self):
        """Embeddings (M, D), classes (M,) and ids (M,) of the tracks, then the backdrops (-1)."""
        embeds, classes = [self.track_embeds], [self.track_classes]
        ids = [self.track_ids]
        for backdrop_embeds, backdrop_classes in self.backdrops:
            embeds.append(backdrop_embeds)
            classes.append(backdrop_classes)
            ids.append(np.full(len(backdrop_classes), -1, dtype=np.int64))
        return torch.cat(embeds), np.concatenate(classes), np.concatenate(ids)

    def _match(self, embeds, scores, classes):
        """(N,) track id per ranked detection (steps 3-4): -1 unmatched, -2 suppressed."""
        ids = np.full(len(scores), -1, dtype=np.int64)
        if not len(self.track_ids):
            return ids
        memo_embeds, memo_classes, memo_ids = self._memory()
        sim = self._similarity(embeds, memo_embeds).numpy().copy()
        if self.with_cats:
            sim *= (classes[:, None] == memo_classes[None, :]).astype(np.float32)
        for i in range(len(scores)):
            j = int(sim[i].argmax())
            conf = sim[i, j]
            if conf <= self.match_score_thr or memo_ids[j] < 0:
                continue
            if scores[i] > self.obj_score_thr:
                ids[i] = memo_ids[j]
                sim[:, j] = 0.0  # taken (row i is not read again)
            elif conf > self.nms_conf_thr:
                ids[i] = -2
        return ids

    def _update(self, ids, boxes, embeds, classes):
        """Step 6: refresh matched tracks, add new ones, store backdrops, drop old memory."""
        self._refresh_tracks(ids, boxes, embeds, classes)
        self._store_backdrops(ids, boxes, embeds, classes)
        alive = self.frame_id - self.last_frame < self.memo_tracklet_frames
        if not alive.all():
            self.track_ids, self.track_classes = self.track_ids[alive], self.track_classes[alive]
            self.track_boxes, self.last_frame = self.track_boxes[alive], self.last_frame[alive]
            self.track_embeds = self.track_embeds[torch.from_numpy(alive)]
        del self.backdrops[self.memo_backdrop_frames :]

    def _refresh_tracks(self, ids, boxes, embeds, classes):
        tracked = np.flatnonzero(ids >= 0)
        known = np.isin(ids[tracked], self.track_ids)
        old, new = tracked[known], tracked[~known]
        if len(old):
            rows = np.searchsorted(self.track_ids, ids[old])  # ids grow with the rows
            m = self.memo_momentum
            old_t = torch.from_numpy(old)
            self.track_embeds[rows] = (1 - m) * self.track_embeds[rows] + m * embeds[old_t]
            self.track_boxes[rows] = boxes[old_t].numpy()
            self.track_classes[rows] = classes[old]
            self.last_frame[rows] = self.frame_id
        if len(new):
            new_t = torch.from_numpy(new)
            self.track_ids = np.concatenate([self.track_ids, ids[new]])
            self.track_classes = np.concatenate([self.track_classes, classes[new]])
            self.track_boxes = np.concatenate([self.track_boxes, boxes[new_t].numpy()])
            self.last_frame = np.concatenate([self.last_frame, np.full(len(new), self.frame_id)])
            first = self.track_embeds is None
            self.track_embeds = (
                embeds[new_t] if first else torch.cat([self.track_embeds, embeds[new_t]])
            )

    def _store_backdrops(self, ids, boxes, embeds, classes):
        candidates = np.flatnonzero(ids == -1)
        ious = pairwise_iou(Boxes(boxes[torch.from_numpy(candidates)]), Boxes(boxes)).numpy()
        earlier = np.arange(len(ids))[None, :] < candidates[:, None]
        overlapped = ((ious > self.nms_backdrop_iou_thr) & earlier).any(axis=1)
        keep = candidates[~overlapped]
        self.backdrops.insert(0, (embeds[torch.from_numpy(keep)], classes[keep]))
