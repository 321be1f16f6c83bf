"""BoT-SORT: ByteTrack with camera motion compensation, an ``xywh`` Kalman state and IoU-ReID
fusion.

Follows the authors' code (NirAharon/BoT-SORT, MIT: ``tracker/bot_sort.py`` ``BoTSORT.update``,
``tracker/matching.py``, ``tracker/gmc.py``, ``tools/track.py`` defaults), vectorised over tracks.
Per frame:

1. detections scoring ``> high_score_thr`` are *high*, those in ``(low_score_thr,
   high_score_thr)`` (both bounds excluded, as the authors) *low*, the others are ignored;
2. confirmed tracks are Kalman-predicted, a track not matched in the previous frame (lost)
   first having its width and height velocities zeroed (``STrack.multi_predict``); tentative
   tracks are not predicted;
3. camera motion compensation: the warp from the previous frame to this one
   (:class:`~.motion.cmc.CameraMotionCompensation`) moves every track's Kalman state, tentative
   ones included (``GMC.apply`` + ``STrack.multi_gmc``; :func:`~.motion.cmc.warp_states`);
4. confirmed tracks (lost ones included) are matched to the high detections, cost at most
   ``match_cost_thr``. The cost is the IoU distance ``1 - IoU`` of the Kalman box, weighted by
   the detection score when ``fuse_score`` (:func:`~.matching.fuse_score`; the authors' MOT17
   setting, not MOT20's); with ``with_reid`` it is the smaller of that and the appearance
   distance (cosine distance of the track's smoothed embedding and the detection's, halved),
   the latter counting only when at most ``appearance_thr`` and the raw IoU distance is at most
   ``proximity_thr`` (:func:`~.matching.fuse_iou_appearance`);
5. the confirmed tracks matched in the previous frame and still unmatched are matched to the low
   detections by plain IoU distance, at most ``low_match_cost_thr``;
6. tentative tracks are matched to the still unmatched high detections with the cost of step 4,
   at most ``tentative_match_cost_thr``;
7. unmatched high detections scoring ``>= init_track_thr`` start tracks, confirmed in the first
   frame of a video and tentative otherwise; a tentative track is confirmed by its next match
   and dropped if it misses a frame; a lost track is dropped once more than ``track_buffer``
   frames passed since its last match;
8. duplicates: a track matched (or started) in this frame whose Kalman box has IoU above 0.85
   with a lost track's is a duplicate of it; of the two, the one tracked for fewer frames (last
   match - first frame; the tracked one on a tie) is deleted (``remove_duplicate_stracks``);
9. matched tracks take the detection's embedding into an exponential moving average:
   ``e = alpha e + (1 - alpha) d / |d|``, then ``e / |e|`` (``STrack.update_features``, alpha
   0.9); low detections (step 5) carry no embedding, as the authors embed high ones only.

Output: the rows of the tracks matched or started in this frame. As in the authors' code, the
box is the track's Kalman state after this frame's update (``output_box="kalman"``; a new
track's is its detection) and new, tentative tracks are output too (``output_tentative=True``:
``BoTSORT.update`` returns every tracked track, its ``is_activated`` filter commented out). The
MMTracking-style output of :class:`~.byte_tracker.ByteTracker` is ``output_box="detection"``;
``output_tentative=False`` outputs confirmed tracks only (the ByteTrack authors' rule).

Camera motion: ``cmc_method`` is ``"sparse_flow"`` by default (``GMC``'s default method,
sparse optical flow) or ``"orb"``, ``"ecc"``, None (off). With CMC on, ``update`` needs
``image`` (H, W, 3) BGR in its frame context and raises a ``ValueError`` without it (a
tracker silently running without its camera motion would lose identities under a moving
camera), except when ``video`` is given and the warp is cached. With ``video`` (the video's name,
as :class:`~d2track.modeling.meta_arch.TrackingByDetection` passes it) warps go through
:class:`~.motion.cmc.CachedCMC` (``cmc_cache``; in memory, or in ``cmc_cache_dir``), so that a
second run over a video (a parameter search) computes none. The warp is only estimated when
there are tracks to move (:class:`~.cmc_step.CameraMotionStep`, shared with Deep OC-SORT).

Deviations from the authors' code (none changes a single-class video, beyond the first three):

* association and duplicate removal are category-aware (the authors' are class-agnostic), as
  every d2track tracker;
* IoU is continuous (the authors' ``cython_bbox`` adds one pixel to widths and heights);
* only pairs whose boxes overlap are candidates, which is exact when the cost limits and
  ``proximity_thr`` are below 1 (required): other pairs cost 1;
* the authors' MOTChallenge runs read precomputed VideoStab warps (``--cmc-method file``), not
  available here; ORB keypoints are not masked by the detections (:mod:`.motion.cmc.features`);
* a frame without detections is an ordinary frame (tracks miss it), while the authors'
  ``tools/track.py`` skips the tracker on such frames; its output filter (box area over 10,
  width / height at most 1.6) is not applied, nor its per-sequence MOT17 test thresholds.
"""

from collections import namedtuple

import numpy as np

from .base import BaseTracker
from .cmc_step import build_camera_motion
from .matching import ema_unit_rows, fuse_iou_appearance
from .matching import fuse_score as score_weighted
from .matching import overlapping_pairs, sparse_linear_assignment, unit_rows
from .motion.kalman_filter import KalmanFilterXYWH
from .track_table import TrackTable, check_output_box, select_track_output

__all__ = ["BoTSORTTracker"]

# A tracked/lost pair of Kalman boxes closer than this IoU distance are duplicates.
_DUPLICATE_IOU_DIST = 0.15

# One frame's detections as numpy arrays: boxes (N, 4) xyxy, scores (N,), classes (N,), and
# unit-norm embeds (N, D) or None.
_Detections = namedtuple("_Detections", ["boxes", "scores", "classes", "embeds"])


class BoTSORTTracker(BaseTracker):
    """BoT-SORT (Aharon et al., 2022) as the authors' ``BoTSORT`` (rules and deviations in the
    module docstring).

    Defaults are the authors' ``tools/track.py`` for MOT17 (score thresholds 0.6 / 0.1, 0.7 to
    start a track, cost limits 0.8 / 0.5 / 0.7, score-fused IoU, 30 frames kept, ReID
    thresholds 0.25 / 0.5, sparse optical flow CMC); for MOT20 they use ``fuse_score=False`` and
    ``match_cost_thr=0.7``. BoT-SORT-ReID is ``with_reid=True`` (needs ``instances.embeds``).
    """

    def __init__(
        self,
        *,
        high_score_thr=0.6,
        low_score_thr=0.1,
        init_track_thr=0.7,
        match_cost_thr=0.8,
        low_match_cost_thr=0.5,
        tentative_match_cost_thr=0.7,
        fuse_score=True,
        track_buffer=30,
        with_reid=False,
        proximity_thr=0.5,
        appearance_thr=0.25,
        ema_alpha=0.9,
        cmc_method="sparse_flow",
        cmc_params=None,
        cmc_cache_dir=None,
        kalman_filter=None,
        output_box="kalman",
        output_tentative=True,
    ):
        """
        Args:
            high_score_thr (float): detections scoring above it enter the first association.
            low_score_thr (float): detections scoring in (low, high) enter the second one.
            init_track_thr (float): unmatched high detections scoring at least this start tracks.
            match_cost_thr (float): largest cost of a first-association match (< 1).
            low_match_cost_thr (float): largest IoU distance of a low-detection match (< 1).
            tentative_match_cost_thr (float): largest cost of a tentative-track match (< 1).
            fuse_score (bool): weight the IoU by the detection score (the authors' MOT17; not
                their MOT20).
            track_buffer (int): frames a lost track is kept after its last match.
            with_reid (bool): fuse appearance (``instances.embeds``) into the IoU distance.
            proximity_thr (float): appearance only counts for pairs of IoU distance at most
                this (< 1).
            appearance_thr (float): appearance distances above it are ignored.
            ema_alpha (float): weight of the past in a track's embedding average.
            cmc_method (str or None): :class:`~.motion.cmc.CameraMotionCompensation` method,
                None: no CMC.
            cmc_params (dict or None): its further keyword arguments (e.g. ``downscale``).
            cmc_cache_dir (str or None): folder keeping the warps per video
                (:class:`~.motion.cmc.CachedCMC`); None: in memory only.
            kalman_filter (BoxKalmanFilter or None): motion model; ``KalmanFilterXYWH()`` if None.
            output_box (str): ``"kalman"`` (the authors) or ``"detection"`` (MMTracking).
            output_tentative (bool): output new, tentative tracks too (the authors).
        """
        check_output_box("BoTSORTTracker", output_box)
        limits = dict(
            match_cost_thr=match_cost_thr,
            low_match_cost_thr=low_match_cost_thr,
            tentative_match_cost_thr=tentative_match_cost_thr,
            proximity_thr=proximity_thr,
        )
        for name, value in limits.items():
            if not 0 <= value < 1:
                raise ValueError(f"BoTSORTTracker: {name} must be in [0, 1), got {value}")
        if not 0 <= ema_alpha <= 1:
            raise ValueError(f"BoTSORTTracker: ema_alpha must be in [0, 1], got {ema_alpha}")
        self.high_score_thr = high_score_thr
        self.low_score_thr = low_score_thr
        self.init_track_thr = init_track_thr
        self.match_cost_thr = match_cost_thr
        self.low_match_cost_thr = low_match_cost_thr
        self.tentative_match_cost_thr = tentative_match_cost_thr
        self.fuse_score = bool(fuse_score)
        self.track_buffer = int(track_buffer)
        self.with_reid = bool(with_reid)
        self.proximity_thr = proximity_thr
        self.appearance_thr = appearance_thr
        self.ema_alpha = float(ema_alpha)
        self.output_box = output_box
        self.output_tentative = bool(output_tentative)
        self.camera_motion = build_camera_motion(
            "BoTSORTTracker", cmc_method, cmc_params, cmc_cache_dir
        )
        self.cmc, self.cmc_cache = None, None
        if self.camera_motion is not None:
            self.cmc, self.cmc_cache = self.camera_motion.cmc, self.camera_motion.cache
        # Tentative tracks are confirmed by their second match (the authors' is_activated).
        self.tracks = TrackTable(
            kalman_filter=kalman_filter if kalman_filter is not None else KalmanFilterXYWH(),
            num_tentatives=2,
            embed_memory=1 if self.with_reid else 0,
        )
        super().__init__()

    @property
    def needs_embeds(self):
        return self.with_reid

    @property
    def needs_image(self):
        return self.cmc is not None

    def reset(self):
        super().reset()
        self.tracks.clear()
        self._start_frame = np.zeros(0, dtype=np.int64)  # first frame of each track, by id
        self._prev_frame_id = None  # frame of the previous update since the reset
        if self.camera_motion is not None:
            self.camera_motion.reset()  # the finished video's warps go to cmc_cache_dir

    def _track(self, instances, *, image=None, video=None, **_):
        dets = self._detections(instances)
        warp = None
        if self.camera_motion is not None:
            warp = self.camera_motion.warp(image, video, self.frame_id, has_tracks=len(self.tracks))
        det_rows = self._match(dets, warp)
        ids = self._commit(dets, det_rows)
        self._prev_frame_id = self.frame_id
        return self._output(instances, ids)

    def _detections(self, instances):
        embeds = None
        if self.with_reid:
            embeds = unit_rows(instances.embeds.detach().cpu().numpy().astype(np.float32))
        return _Detections(
            boxes=instances.pred_boxes.tensor.detach().cpu().numpy().astype(np.float64),
            scores=instances.scores.detach().cpu().numpy().astype(np.float64),
            classes=instances.pred_classes.detach().cpu().numpy().astype(np.int64),
            embeds=embeds,
        )

    def _match(self, dets, warp):
        """Steps 2-6 of the module docstring: (N,) matched track row per detection, or -1."""
        tracks = self.tracks
        confirmed = np.flatnonzero(tracks.confirmed)
        was_tracked = tracks.last_frame == self._prev_frame_id
        tracks.mean[confirmed[~was_tracked[confirmed]], 6:8] = 0
        tracks.predict(slice(None) if len(confirmed) == len(tracks) else confirmed)
        if warp is not None:
            tracks.warp(warp)
        kalman_boxes = tracks.kalman_boxes(slice(None))
        high = np.flatnonzero(dets.scores > self.high_score_thr)
        low = np.flatnonzero(
            (dets.scores > self.low_score_thr) & (dets.scores < self.high_score_thr)
        )
        det_rows = np.full(len(dets.scores), -1, dtype=np.int64)
        self._associate(det_rows, kalman_boxes, confirmed, high, dets, self.match_cost_thr, True)
        free = np.ones(len(tracks), dtype=bool)
        free[det_rows[det_rows >= 0]] = False
        second = confirmed[free[confirmed] & was_tracked[confirmed]]
        self._associate(det_rows, kalman_boxes, second, low, dets, self.low_match_cost_thr, False)
        tentative = np.flatnonzero(~tracks.confirmed)
        high = high[det_rows[high] < 0]
        cost_thr = self.tentative_match_cost_thr
        self._associate(det_rows, kalman_boxes, tentative, high, dets, cost_thr, True)
        return det_rows

    def _associate(self, det_rows, track_boxes, rows, idx, dets, cost_thr, fused):
        """Match track ``rows`` to detections ``idx`` (same class, overlapping boxes), cost at
        most ``cost_thr``: fused (step 4) or plain IoU distance; fill ``det_rows`` (N,)."""
        if not len(rows) or not len(idx):
            return
        r, c, iou = overlapping_pairs(track_boxes[rows], dets.boxes[idx])
        same = self.tracks.classes[rows[r]] == dets.classes[idx[c]]
        r, c, iou = r[same], c[same], iou[same]
        cost = 1.0 - iou
        if fused:
            cost = self._pair_costs(cost, rows[r], idx[c], dets)
        row_to_col, _ = sparse_linear_assignment(
            r, c, cost, shape=(len(rows), len(idx)), threshold=cost_thr
        )
        hit = np.flatnonzero(row_to_col >= 0)
        det_rows[idx[row_to_col[hit]]] = rows[hit]

    def _pair_costs(self, iou_dist, track_rows, det_idx, dets):
        """(P,) cost of step 4 for the pairs (track row ``track_rows[i]``, detection
        ``det_idx[i]``) of IoU distance ``iou_dist`` (P,)."""
        scores = dets.scores[det_idx] if self.fuse_score else None
        if not self.with_reid:
            return iou_dist if scores is None else score_weighted(iou_dist, scores)
        track_embeds = self.tracks.embeds[track_rows, 0]
        cosine = 1.0 - np.einsum("pd,pd->p", track_embeds, dets.embeds[det_idx])
        return fuse_iou_appearance(
            iou_dist,
            np.maximum(cosine, 0.0) / 2.0,
            proximity_thr=self.proximity_thr,
            appearance_thr=self.appearance_thr,
            det_scores=scores,
        )

    def _commit(self, dets, det_rows):
        """Update the matched tracks, start new ones, drop stale ones and duplicates (step 7-9).

        Returns:
            ndarray: (N,) int64 track id per detection, -1 where none.
        """
        tracks = self.tracks
        ids = np.full(len(det_rows), -1, dtype=np.int64)
        matched = np.flatnonzero(det_rows >= 0)
        rows = det_rows[matched]
        ids[matched] = tracks.ids[rows]
        embeds = self._smoothed_embeds(rows, matched, dets)
        tracks.update(rows, dets.boxes[matched], self.frame_id, embeds=embeds)
        new = np.flatnonzero(
            (det_rows < 0)
            & (dets.scores > self.high_score_thr)
            & (dets.scores >= self.init_track_thr)
        )
        ids[new] = self.new_ids(len(new)).numpy()
        self._start_frame = np.concatenate(
            [self._start_frame, np.full(len(new), self.frame_id, dtype=np.int64)]
        )
        tracks.add(
            ids=ids[new],
            classes=dets.classes[new],
            boxes=dets.boxes[new],
            frame_id=self.frame_id,
            confirmed=self._prev_frame_id is None,
            embeds=None if dets.embeds is None else dets.embeds[new],
        )
        tracks.prune(self.frame_id, self.track_buffer + 1)
        self._remove_duplicates(ids)
        return ids

    def _smoothed_embeds(self, rows, matched, dets):
        """(m, D) embedding averages of the tracks at ``rows`` after their matches with the
        detections ``matched`` (m,); unchanged for low detections. None without ReID."""
        if not self.with_reid:
            return None
        smooth = self.tracks.embeds[rows, 0].copy()
        fresh = dets.scores[matched] > self.high_score_thr
        if fresh.any():
            new = dets.embeds[matched[fresh]]
            smooth[fresh] = ema_unit_rows(smooth[fresh], new, self.ema_alpha)
        return smooth

    def _remove_duplicates(self, ids):
        """Step 8: delete one track of each tracked/lost pair of near-identical Kalman boxes;
        the deleted tracked ones' detections lose their id in ``ids`` (N,)."""
        tracks = self.tracks
        current = tracks.last_frame == self.frame_id
        tracked, lost = np.flatnonzero(current), np.flatnonzero(~current)
        if not len(tracked) or not len(lost):
            return
        boxes = tracks.kalman_boxes(slice(None))
        r, c, iou = overlapping_pairs(boxes[tracked], boxes[lost])
        p, q = tracked[r], lost[c]
        dup = (1.0 - iou < _DUPLICATE_IOU_DIST) & (tracks.classes[p] == tracks.classes[q])
        p, q = p[dup], q[dup]
        if not len(p):
            return
        age_p = tracks.last_frame[p] - self._start_frame[tracks.ids[p]]
        age_q = tracks.last_frame[q] - self._start_frame[tracks.ids[q]]
        drop = np.zeros(len(tracks), dtype=bool)
        drop[q[age_p > age_q]] = True
        drop[p[age_p <= age_q]] = True
        ids[np.isin(ids, tracks.ids[drop])] = -1
        tracks.keep(~drop)

    def _output(self, instances, ids):
        return select_track_output(
            instances,
            ids,
            self.tracks,
            output_box=self.output_box,
            output_tentative=self.output_tentative,
        )
