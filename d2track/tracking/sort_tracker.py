"""SORT and DeepSORT trackers.

Match MMTracking 0.x ``mmtrack/models/trackers/sort_tracker.py`` (``SortTracker``, used by its
``sort_*`` configs with ``reid=None`` and by its ``deepsort_*`` configs), vectorised over tracks:

1. detections with score ``> obj_score_thr`` are kept, the others dropped (not output);
2. every track is Kalman-predicted one frame;
3. DeepSORT only: confirmed tracks are matched to detections by appearance distance (mean of
   the track's last ``num_samples`` embeddings), pairs outside the Kalman chi-square gate being
   forbidden, distance ``<= match_score_thr``;
4. tracks matched in the previous frame and not yet matched are matched to the remaining
   detections by the IoU of their *last detected box* (as MMTracking, not the Kalman box),
   IoU ``>= match_iou_thr``; so plain SORT cannot bridge a missed frame, DeepSORT can (step 3);
5. every unmatched kept detection starts a tentative track; a track is confirmed after
   ``num_tentatives`` consecutive matched frames, a tentative track that misses a frame is
   dropped, a confirmed one after ``num_frames_retain`` frames without a match.

Association is category-aware. As in MMTracking every kept detection is output with its ID
(tentative tracks included) and with its *detected* box, not the Kalman box.
"""

import numpy as np
import torch
from detectron2.structures import Instances

from .base import BaseTracker, select_tracked
from .matching import embedding_cost, forbid_class_mismatch, match_by_iou, matched_pairs
from .motion.kalman_filter import xyxy_to_xyah
from .track_table import TrackTable

__all__ = ["SORTTracker", "DeepSORTTracker"]


def _numpy(tensor, dtype=np.float64):
    return tensor.detach().cpu().numpy().astype(dtype, copy=False)


class SORTTracker(BaseTracker):
    """SORT: Kalman motion + IoU association (MMTracking 0.x ``SortTracker`` with ``reid=None``).

    Defaults are MMTracking's ``sort_faster-rcnn_fpn_4e_mot17-private-half.py`` (score 0.5,
    IoU 0.5) and ``SortTracker``/``BaseTracker`` defaults (3 tentative frames, 10 frames kept).
    """

    def __init__(
        self,
        *,
        obj_score_thr=0.5,
        match_iou_thr=0.5,
        num_tentatives=3,
        num_frames_retain=10,
        kalman_filter=None,
    ):
        """
        Args:
            obj_score_thr (float): detections with a score at or below it are ignored.
            match_iou_thr (float): minimum IoU of an IoU match.
            num_tentatives (int): matched frames that confirm a new track.
            num_frames_retain (int): frames a confirmed track survives without a match.
            kalman_filter (KalmanFilter or None): motion model; the default filter if None.
        """
        self.obj_score_thr = obj_score_thr
        self.match_iou_thr = match_iou_thr
        self.num_frames_retain = num_frames_retain
        self.tracks = TrackTable(
            kalman_filter=kalman_filter,
            num_tentatives=num_tentatives,
            embed_memory=self._embed_memory(),
        )
        super().__init__()

    def _embed_memory(self):
        return 0

    def reset(self):
        super().reset()
        self.tracks.clear()

    def _track(self, instances, **frame_context):
        kept = np.flatnonzero(_numpy(instances.scores > self.obj_score_thr, bool))
        boxes = _numpy(instances.pred_boxes.tensor)[kept]
        classes = _numpy(instances.pred_classes, np.int64)[kept]
        embeds = self._kept_embeds(instances, kept)
        self.tracks.predict(slice(None))
        det_rows = np.full(len(kept), -1, dtype=np.int64)  # matched track row per detection
        if embeds is not None:
            self._match_appearance(det_rows, boxes, classes, embeds)
        self._match_iou(det_rows, boxes, classes)
        ids = np.full(len(instances), -1, dtype=np.int64)
        ids[kept] = self._commit(det_rows, boxes, classes, embeds)
        return select_tracked(instances, torch.from_numpy(ids))

    def _commit(self, det_rows, boxes, classes, embeds):
        """Update matched tracks, start tentative tracks at the other detections, prune.

        Returns:
            ndarray: (D,) int64 track id of every kept detection.
        """
        tracks = self.tracks
        matched = np.flatnonzero(det_rows >= 0)
        new = np.flatnonzero(det_rows < 0)
        ids = np.empty(len(det_rows), dtype=np.int64)
        ids[matched] = tracks.ids[det_rows[matched]]
        ids[new] = self.new_ids(len(new)).numpy()
        rows_of = (lambda idx: None) if embeds is None else (lambda idx: embeds[idx])
        tracks.update(det_rows[matched], boxes[matched], self.frame_id, embeds=rows_of(matched))
        tracks.add(
            ids=ids[new],
            classes=classes[new],
            boxes=boxes[new],
            frame_id=self.frame_id,
            confirmed=False,
            embeds=rows_of(new),
        )
        tracks.prune(self.frame_id, self.num_frames_retain)
        return ids

    def _kept_embeds(self, instances, kept):
        return None

    def _match_iou(self, det_rows, boxes, classes):
        """IoU stage: fill ``det_rows`` (D,) for tracks seen last frame and still unmatched."""
        tracks = self.tracks
        free = np.ones(len(tracks), dtype=bool)
        free[det_rows[det_rows >= 0]] = False
        rows = np.flatnonzero(free & (tracks.last_frame == self.frame_id - 1))
        dets = np.flatnonzero(det_rows < 0)
        if not len(rows) or not len(dets):
            return
        r, c = match_by_iou(
            tracks.boxes[rows],
            boxes[dets],
            tracks.classes[rows],
            classes[dets],
            min_iou=self.match_iou_thr,
        )
        det_rows[dets[c]] = rows[r]


class DeepSORTTracker(SORTTracker):
    """DeepSORT: SORT plus appearance matching first (MMTracking 0.x ``SortTracker`` with
    ``reid``). Defaults are MMTracking's ``deepsort_faster-rcnn_fpn_4e_mot17-private-half.py``.

    Appearance comes from ``instances.embeds`` (N, D). When they are absent and ``update`` is
    given ``embedder=`` (``boxes (M, 4) -> embeds (M, D)``), it is run on the boxes scoring above
    ``obj_score_thr`` (the others get zero rows, never used) before validation.
    """

    needs_embeds = True

    def __init__(
        self,
        *,
        obj_score_thr=0.5,
        match_iou_thr=0.5,
        match_score_thr=0.2,
        metric="cosine",
        num_samples=10,
        num_tentatives=2,
        num_frames_retain=100,
        kalman_filter=None,
    ):
        """
        Args:
            obj_score_thr, match_iou_thr, num_tentatives, num_frames_retain, kalman_filter:
                as :class:`SORTTracker`.
            match_score_thr (float): maximum appearance distance of an appearance match.
            metric (str): ``"cosine"`` (MMTracking's config value) or ``"euclidean"``.
            num_samples (int): a track's appearance is the mean of its last ``num_samples``
                embeddings.
        """
        if metric not in ("cosine", "euclidean"):
            raise ValueError(
                f"DeepSORTTracker: metric must be 'cosine' or 'euclidean', got {metric!r}"
            )
        self.match_score_thr = match_score_thr
        self.metric = metric
        self.num_samples = num_samples
        super().__init__(
            obj_score_thr=obj_score_thr,
            match_iou_thr=match_iou_thr,
            num_tentatives=num_tentatives,
            num_frames_retain=num_frames_retain,
            kalman_filter=kalman_filter,
        )

    def _embed_memory(self):
        return self.num_samples

    def update(self, instances, **frame_context):
        embedder = frame_context.get("embedder")
        if (
            embedder is not None
            and isinstance(instances, Instances)
            and not instances.has("embeds")
            and instances.has("pred_boxes")
            and instances.has("scores")
        ):
            instances = self._embed(instances, embedder)
        return super().update(instances, **frame_context)

    def _embed(self, instances, embedder):
        """A copy of ``instances`` with ``embeds`` from ``embedder`` on the kept boxes."""
        keep = instances.scores > self.obj_score_thr
        if keep.any():
            kept = embedder(instances.pred_boxes.tensor[keep])
            embeds = kept.new_zeros((len(instances), kept.shape[1]))
            embeds[keep] = kept
        else:  # nothing to match: no need to run the ReID model
            embeds = instances.scores.new_zeros((len(instances), 0))
        return Instances(instances.image_size, **instances.get_fields(), embeds=embeds)

    def _kept_embeds(self, instances, kept):
        return _numpy(instances.embeds, np.float32)[kept]

    def _match_appearance(self, det_rows, boxes, classes, embeds):
        """Appearance stage: fill ``det_rows`` (D,) for the confirmed tracks."""
        tracks = self.tracks
        rows = np.flatnonzero(tracks.confirmed)
        if not len(rows) or not len(boxes):
            return
        cost = embedding_cost(
            torch.from_numpy(tracks.mean_embeds(rows)), torch.from_numpy(embeds), metric=self.metric
        ).numpy()
        kf = tracks.kf
        gate = kf.gating_distance_batch(
            tracks.mean[rows], tracks.cov[rows], xyxy_to_xyah(boxes), only_position=kf.center_only
        )
        cost[gate > kf.gating_threshold] = np.inf
        cost = forbid_class_mismatch(cost, tracks.classes[rows], classes)
        r, c = matched_pairs(cost, threshold=self.match_score_thr)
        det_rows[c] = rows[r]
