"""A columnar store of tracks for the Kalman-filter trackers (SORT, DeepSORT, ByteTrack, OC-SORT).

MMTracking 0.x keeps one Python dict per track and loops over them every frame; here each
property is one array row-aligned over tracks, so prediction, association and pruning are array
operations whatever the number of objects. Rows are addressed by position (``rows``: int64 index
arrays); positions change when :meth:`TrackTable.keep` drops tracks, identities (``ids``) never.

Observation-centric trackers (OC-SORT) also need each track's recent *observations* (matched
detections, not Kalman states) and the Kalman state right after the last one: ``obs_memory > 0``
keeps them (:meth:`TrackTable.previous_observations` looks them up).
"""

import numpy as np
import torch

from .base import select_tracked
from .motion.cmc import warp_states
from .motion.kalman_filter import KalmanFilter

__all__ = ["OUTPUT_BOXES", "TrackTable", "check_output_box", "select_track_output"]

# Per-track arrays, first axis over tracks.
_COLUMNS = (
    "ids",
    "classes",
    "mean",
    "cov",
    "boxes",
    "last_frame",
    "hits",
    "confirmed",
    "embeds",
    "num_embeds",
    "obs_boxes",
    "obs_scores",
    "obs_frames",
    "obs_mean",
    "obs_cov",
)


class TrackTable:
    """Live tracks of one video as arrays.

    Attributes (``T`` tracks):
        ids (ndarray): (T,) int64 track identities.
        classes (ndarray): (T,) int64 category ids.
        mean (ndarray): (T, 8) Kalman state in the filter's ``layout`` (``xyah`` by default) +
            velocities (float64).
        cov (ndarray): (T, 8, 8) Kalman covariances.
        boxes (ndarray): (T, 4) last matched detection box, ``XYXY_ABS``.
        last_frame (ndarray): (T,) int64 frame of the last match.
        hits (ndarray): (T,) int64 number of matched frames, including the first.
        confirmed (ndarray): (T,) bool; False while the track is tentative.
        embeds (ndarray): (T, K, D) the last ``K = embed_memory`` appearance embeddings (ring
            buffer, zeros where unused); (T, 0, 0) when ``embed_memory`` is 0.
        num_embeds (ndarray): (T,) int64 embeddings written so far.
        obs_boxes (ndarray): (T, K, 4) the last ``K = obs_memory`` observations (matched
            detection boxes, ``XYXY_ABS``) as a ring buffer: a track's n-th observation
            (n = 1 .. ``hits``) is in slot ``(n - 1) % K``.
        obs_scores (ndarray): (T, K) their detection scores (nan where not given).
        obs_frames (ndarray): (T, K) int64 their frames, -1 in unused slots.
        obs_mean (ndarray): (T, 8) the Kalman state right after the last observation (the
            posterior that a re-update starts from); (T, 0) when ``obs_memory`` is 0.
        obs_cov (ndarray): (T, 8, 8) its covariance; (T, 0, 0) when ``obs_memory`` is 0.
    """

    def __init__(self, *, kalman_filter=None, num_tentatives=3, embed_memory=0, obs_memory=0):
        """
        Args:
            kalman_filter (KalmanFilter or None): motion model; a default one if None.
            num_tentatives (int): matched frames (the first included) that confirm a track.
            embed_memory (int): how many past embeddings a track keeps (0: none).
            obs_memory (int): how many past observations a track keeps, with the Kalman state
                after the last one (0: none).
        """
        self.kf = kalman_filter if kalman_filter is not None else KalmanFilter()
        self.num_tentatives = int(num_tentatives)
        self.embed_memory = int(embed_memory)
        self.obs_memory = int(obs_memory)
        self.clear()

    def clear(self):
        """Drop every track."""
        self.ids = np.zeros(0, dtype=np.int64)
        self.classes = np.zeros(0, dtype=np.int64)
        self.mean = np.zeros((0, 8))
        self.cov = np.zeros((0, 8, 8))
        self.boxes = np.zeros((0, 4))
        self.last_frame = np.zeros(0, dtype=np.int64)
        self.hits = np.zeros(0, dtype=np.int64)
        self.confirmed = np.zeros(0, dtype=bool)
        self.embeds = np.zeros((0, self.embed_memory, 0), dtype=np.float32)
        self.num_embeds = np.zeros(0, dtype=np.int64)
        k, state = self.obs_memory, 8 if self.obs_memory else 0
        self.obs_boxes = np.zeros((0, k, 4))
        self.obs_scores = np.zeros((0, k))
        self.obs_frames = np.zeros((0, k), dtype=np.int64)
        self.obs_mean = np.zeros((0, state))
        self.obs_cov = np.zeros((0, state, state))

    def __len__(self):
        return len(self.ids)

    def add(self, *, ids, classes, boxes, frame_id, confirmed, embeds=None, scores=None):
        """Start tracks at new detections.

        Args:
            ids (ndarray): (n,) int64 new identities.
            classes (ndarray): (n,) int64.
            boxes (ndarray): (n, 4) ``XYXY_ABS``.
            frame_id (int): current frame.
            confirmed (bool): whether the tracks start confirmed.
            embeds (ndarray or None): (n, D) appearance, required when ``embed_memory > 0``.
            scores (ndarray or None): (n,) detection scores, kept when ``obs_memory > 0``.
        """
        n = len(ids)
        if n == 0:
            return
        mean, cov = self.kf.initiate(
            self.kf.box_to_measurement(np.asarray(boxes, dtype=np.float64))
        )
        new = {
            "ids": np.asarray(ids, dtype=np.int64),
            "classes": np.asarray(classes, dtype=np.int64),
            "mean": mean,
            "cov": cov,
            "boxes": np.asarray(boxes, dtype=np.float64).reshape(n, 4),
            "last_frame": np.full(n, frame_id, dtype=np.int64),
            "hits": np.ones(n, dtype=np.int64),
            "confirmed": np.full(n, bool(confirmed) or self.num_tentatives <= 1),
            "embeds": self._new_embeds(n, embeds),
            "num_embeds": np.zeros(n, dtype=np.int64),
            **self._new_observations(n, mean, cov),
        }
        for name in _COLUMNS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        rows = np.arange(len(self) - n, len(self))
        if self.embed_memory:
            self._write_embeds(rows, embeds)
        if self.obs_memory:
            self._write_observations(rows, new["boxes"], scores, frame_id)

    def _new_observations(self, n, mean, cov):
        k = self.obs_memory
        if not k:
            return {
                "obs_boxes": np.zeros((n, 0, 4)),
                "obs_scores": np.zeros((n, 0)),
                "obs_frames": np.zeros((n, 0), dtype=np.int64),
                "obs_mean": np.zeros((n, 0)),
                "obs_cov": np.zeros((n, 0, 0)),
            }
        return {
            "obs_boxes": np.zeros((n, k, 4)),
            "obs_scores": np.full((n, k), np.nan),
            "obs_frames": np.full((n, k), -1, dtype=np.int64),
            "obs_mean": mean.copy(),
            "obs_cov": cov.copy(),
        }

    def _write_observations(self, rows, boxes, scores, frame_id):
        """Store observation number ``hits`` of ``rows`` (call after counting it in ``hits``)."""
        slot = (self.hits[rows] - 1) % self.obs_memory
        self.obs_boxes[rows, slot] = boxes
        self.obs_scores[rows, slot] = np.nan if scores is None else scores
        self.obs_frames[rows, slot] = frame_id

    def _new_embeds(self, n, embeds):
        if not self.embed_memory:
            return np.zeros((n, 0, 0), dtype=np.float32)
        dim = np.asarray(embeds).shape[1]
        if len(self) and self.embeds.shape[2] != dim:
            raise ValueError(
                f"embeds: dimension {dim} differs from the tracks' {self.embeds.shape[2]}"
            )
        if not len(self):  # first tracks of the video fix the embedding size
            self.embeds = np.zeros((0, self.embed_memory, dim), dtype=np.float32)
        return np.zeros((n, self.embed_memory, dim), dtype=np.float32)

    def _write_embeds(self, rows, embeds):
        slot = self.num_embeds[rows] % self.embed_memory
        self.embeds[rows, slot] = np.asarray(embeds, dtype=np.float32)
        self.num_embeds[rows] += 1

    def predict(self, rows):
        """Kalman-predict the tracks at ``rows`` (int64 indices, bool mask or slice) one frame."""
        if isinstance(rows, slice) and rows == slice(None):  # all: no gather, no scatter
            self.mean, self.cov = self.kf.predict(self.mean, self.cov)
            return
        self.mean[rows], self.cov[rows] = self.kf.predict(self.mean[rows], self.cov[rows])

    def update(self, rows, boxes, frame_id, *, embeds=None, scores=None, confidence=None):
        """Record matches: Kalman-correct ``rows`` (m,) with detections ``boxes`` (m, 4) xyxy.

        Args:
            rows (ndarray): (m,) int64 track rows, distinct.
            boxes (ndarray): (m, 4) ``XYXY_ABS`` matched detections.
            frame_id (int): current frame.
            embeds (ndarray or None): (m, D) matched appearance when ``embed_memory > 0``.
            scores (ndarray or None): (m,) detection scores, kept when ``obs_memory > 0``.
            confidence (ndarray or None): (m,) detection confidences that scale the measurement
                noise (NSA Kalman, StrongSORT); None: the filter's plain update.
        """
        if not len(rows):
            return
        measurements = self.kf.box_to_measurement(np.asarray(boxes, dtype=np.float64))
        self.mean[rows], self.cov[rows] = self.kf.update(
            self.mean[rows], self.cov[rows], measurements, confidence=confidence
        )
        self.boxes[rows] = boxes
        self.last_frame[rows] = frame_id
        self.hits[rows] += 1
        self.confirmed[rows] |= self.hits[rows] >= self.num_tentatives
        if self.embed_memory:
            self._write_embeds(rows, embeds)
        if self.obs_memory:
            self.obs_mean[rows], self.obs_cov[rows] = self.mean[rows], self.cov[rows]
            self._write_observations(rows, self.boxes[rows], scores, frame_id)

    def keep(self, mask):
        """Keep only the tracks where ``mask`` (T,) bool is True."""
        for name in _COLUMNS:
            setattr(self, name, getattr(self, name)[mask])

    def prune(self, frame_id, num_frames_retain):
        """Drop tracks unmatched for ``num_frames_retain`` frames, and tentative tracks that
        missed this frame (a tentative track must be matched in consecutive frames)."""
        stale = frame_id - self.last_frame >= num_frames_retain
        missed_tentative = ~self.confirmed & (self.last_frame != frame_id)
        drop = stale | missed_tentative
        if drop.any():  # most frames drop nothing: spare copying every column
            self.keep(~drop)

    def kalman_boxes(self, rows):
        """(m, 4) ``XYXY_ABS`` boxes of the Kalman states at ``rows``."""
        return self.kf.measurement_to_box(self.mean[rows, :4])

    def warp(self, warp):
        """Move every track's Kalman state with a camera warp (``warp_states``).

        Args:
            warp (ndarray): (2, 3) affine, previous frame -> current frame.
        """
        if len(self):
            self.mean, self.cov = warp_states(self.mean, self.cov, warp, layout=self.kf.layout)

    def previous_observations(self, rows, since, before):
        """For each track, its oldest kept observation made in ``[since, before)``, or if there
        is none its latest one before ``before`` (needs ``obs_memory > 0``).

        OC-SORT's observation ``delta_t`` frames back: a track's observation at ``t - delta_t``,
        else the nearest later one, else (occluded then) its last one.

        Args:
            rows (ndarray): (m,) int64 track rows.
            since (ndarray or int): (m,) first frame of the window.
            before (ndarray or int): (m,) frame after the window.

        Returns:
            tuple: ``boxes`` (m, 4) ``XYXY_ABS`` and ``found`` (m,) bool, False (and zero boxes)
            for tracks with no kept observation before ``before``.
        """
        frames = self.obs_frames[rows]
        since = np.broadcast_to(since, len(frames))[:, None]
        before = np.broadcast_to(before, len(frames))[:, None]
        earlier = (frames >= 0) & (frames < before)
        window = earlier & (frames >= since)
        oldest = np.where(window, frames, np.iinfo(np.int64).max).argmin(axis=1)
        latest = np.where(earlier, frames, -1).argmax(axis=1)
        slot = np.where(window.any(axis=1), oldest, latest)
        found = earlier.any(axis=1)
        boxes = self.obs_boxes[rows, slot] * found[:, None]
        return boxes, found

    def mean_embeds(self, rows):
        """(m, D) average of the stored embeddings of the tracks at ``rows``."""
        count = np.minimum(self.num_embeds[rows], self.embed_memory).clip(min=1)
        return self.embeds[rows].sum(axis=1) / count[:, None]


#: What a Kalman tracker can output as a track's box: the matched detection (MMTracking) or the
#: Kalman state after this frame's update (the ByteTrack and BoT-SORT authors' code).
OUTPUT_BOXES = ("detection", "kalman")


def check_output_box(tracker, output_box):
    """Raise a ``ValueError`` naming ``tracker`` if ``output_box`` is not a known one."""
    if output_box not in OUTPUT_BOXES:
        raise ValueError(
            f"{tracker}: output_box must be 'detection' or 'kalman', got {output_box!r}"
        )


def select_track_output(instances, ids, tracks, *, output_box, output_tentative):
    """A Kalman tracker's output: the rows of ``instances`` with an ID and their boxes.

    Reads ``tracks`` after this frame's update, where every ID in ``ids`` is a live track (IDs
    grow with the rows, so rows are found by binary search).

    Args:
        instances (Instances): (N) this frame's detections.
        ids (ndarray): (N,) int64 track ID per detection, -1 where none.
        tracks (TrackTable): the tracker's tracks.
        output_box (str): ``"detection"`` or ``"kalman"`` (:data:`OUTPUT_BOXES`).
        output_tentative (bool): also output tentative tracks.

    Returns:
        Instances: as :func:`~d2track.tracking.base.select_tracked`.
    """
    if output_box == "detection" and output_tentative:
        return select_tracked(instances, torch.from_numpy(ids))
    out = np.flatnonzero(ids >= 0)
    rows = np.searchsorted(tracks.ids, ids[out])
    if not output_tentative:
        ids = ids.copy()
        ids[out[~tracks.confirmed[rows]]] = -1
    boxes = None
    if output_box == "kalman":
        tensor = instances.pred_boxes.tensor
        boxes = tensor.detach().cpu().numpy().astype(np.float64)
        boxes[out] = tracks.kalman_boxes(rows)
        boxes = torch.as_tensor(boxes, dtype=tensor.dtype, device=tensor.device)
    return select_tracked(instances, torch.from_numpy(ids), boxes)
