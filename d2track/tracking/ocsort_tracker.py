"""OC-SORT: observation-centric SORT, robust to occlusion and non-linear motion.

Matches MMTracking 0.x ``mmtrack/models/trackers/ocsort_tracker.py`` (``OCSORTTracker``) with the
tracker of its ``ocsort_yolox_x_crowdhuman_mot17-private-half.py`` config, vectorised over tracks,
except where noted below. Per frame ``t``:

1. detections scoring ``> obj_score_thr`` are kept, the others ignored (not output); as in
   MMTracking there is no second, low-score (BYTE) association;
2. confirmed tracks are Kalman-predicted (a track lost in the previous frame first has its height
   velocity zeroed); tentative tracks are not;
3. observation-centric momentum (OCM): confirmed tracks are matched to the detections with cost
   ``1 - IoU(Kalman box, detection) * score + vel_consist_weight * direction_cost``, at most
   ``1 - match_iou_thr``. :func:`~.matching.direction_cost` (in [-0.5, 0.5]) compares the track's
   direction of motion with the direction from its observation ``vel_delta_t`` frames back to the
   detection. A track's direction runs from its observation ``vel_delta_t`` frames before its last
   one to its last one; "the observation ``k`` frames back" is the one made then, or else the
   nearest later one, or else (no observation in those ``k`` frames) the last one before them;
4. the same for the tentative tracks and the remaining detections;
5. observation-centric recovery (OCR): tracks still unmatched (lost ones included) are matched to
   the remaining detections by the IoU of their *last observation* (score-weighted, same limit);
6. observation-centric re-update (ORU): a track matched after missing frames restarts from its
   Kalman state at its last observation and is Kalman-predicted and -updated along the virtual
   trajectory that links that observation to the new one linearly, one virtual box per missed
   frame, before the usual update with the new detection: the error accumulated while it was
   lost is replaced by what the observations say;
7. unmatched kept detections scoring ``> init_track_thr`` start tracks, confirmed on frame 0 and
   tentative afterwards; a tentative track is confirmed after ``num_tentatives`` matched frames
   and dropped if it misses one, a confirmed one after ``num_frames_retain`` frames unmatched.

Association is category-aware and only pairs whose boxes overlap are candidates: with
``match_iou_thr > vel_consist_weight / 2`` (0.3 > 0.1 by default) no other pair could match.
Output: the matched and the new-track detections (tentative tracks included, as MMTracking)
with their *detected* boxes (the authors' code outputs observations too). ``output_box="kalman"``
outputs the Kalman state after the update instead and ``output_tentative=False`` confirmed
tracks only, as :class:`~.byte_tracker.ByteTracker` can (on noisy detections the Kalman box
scores higher: ``benchmarks/README.md``).

Deliberate deviations from MMTracking, each towards the paper and the authors' code
(noahcao/OC_SORT, ``trackers/ocsort_tracker``):

* ORU: MMTracking applies the virtual boxes as repeated Kalman updates without a prediction
  between them, so the virtual trajectory's timing never reaches the velocity; here each virtual
  box has its own predict + update, as the authors' ``KalmanFilterNew.unfreeze`` (which then also
  updates twice with the new detection; here once). A straight-line occlusion thus re-updates to
  exactly the state of a track that was never occluded. With this filter (noise proportional to
  the box height) one update after the gap already moves the velocity most of the way, so ORU
  changes a re-found track's mean little and mainly gives it an observed track's covariance;
* directions: MMTracking stores the new observation before looking up the one ``vel_delta_t``
  back, so a track's direction is zero until it has ``vel_delta_t + 1`` observations and whenever
  that frame was missed, and its OCM origin is ``vel_delta_t + 1`` frames back; here both follow
  the authors' rule of item 3;
* ``init_track_thr`` always applies (as in :class:`~.byte_tracker.ByteTracker`); MMTracking
  applies it only while it has no track, otherwise every unmatched kept detection starts one;
* a frame without detections is an ordinary frame (tracks are predicted and miss it);
  MMTracking skips the prediction and the bookkeeping of missed observations on such frames.

As in MMTracking, the OCM term is not weighted by the detection score (the authors' code
multiplies it by the score and leaves the IoU unweighted).

Hybrid-SORT's cheap cues (Yang et al., AAAI 2024; ymzis69/HybridSORT), off by default:

* ``score_cost_weight``: tracklet confidence modelling (TCM) adds ``score_cost_weight * |track
  score - detection score|`` to the OCM costs (items 3-4; Hybrid-SORT's weight is 1.0). The track
  score is the linear prediction ``2 s_last - s_previous`` of its last two observations' scores
  when those are consecutive frames, else ``s_last``, clipped to [0, 1] (Hybrid-SORT's prediction
  for its BYTE step; its first step's Kalman filter on the score is not implemented);
* ``height_modulated_iou``: IoU times :func:`~.matching.height_iou` in every association.

Not here: Hybrid-SORT's four-corner directions and BYTE step; Deep OC-SORT's camera motion
compensation and appearance costs. A subclass adds such terms by overriding :meth:`_pair_costs`
(extra costs per candidate pair, e.g. from ``instances.embeds``) and warping ``self.tracks``
(``mean``, ``boxes``, ``obs_boxes``, ``obs_mean``) in ``_track`` from ``frame_context["image"]``
before calling ``super()._track``.
"""

from collections import namedtuple

import numpy as np

from .base import BaseTracker
from .matching import (
    center_directions,
    direction_cost,
    height_iou,
    overlapping_pairs,
    sparse_linear_assignment,
)
from .motion.kalman_filter import xyxy_to_xyah
from .track_table import TrackTable, check_output_box, select_track_output

__all__ = ["OCSORTTracker"]

# One frame's detections as numpy arrays: boxes (N, 4) xyxy, scores (N,), classes (N,).
_Detections = namedtuple("_Detections", ["boxes", "scores", "classes"])
# Per-track motion cues of a frame (T tracks): OCM origins (T, 4), directions (T, 2) and
# predicted scores (T,) or None.
_Cues = namedtuple("_Cues", ["origins", "directions", "scores"])


class OCSORTTracker(BaseTracker):
    """OC-SORT (Cao et al., CVPR 2023) as MMTracking 0.x ``OCSORTTracker`` (see the module
    docstring for the rules and the deviations).

    Defaults are MMTracking's ``ocsort_yolox_x_crowdhuman_mot17-private-half.py`` tracker
    (score 0.3, 0.7 to start a track, score-weighted IoU 0.3, 3 tentative frames, direction
    weight 0.2 over 3 frames, 30 frames retained).
    """

    def __init__(
        self,
        *,
        obj_score_thr=0.3,
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        match_iou_thr=0.3,
        num_tentatives=3,
        vel_consist_weight=0.2,
        vel_delta_t=3,
        num_frames_retain=30,
        score_cost_weight=0.0,
        height_modulated_iou=False,
        kalman_filter=None,
        output_box="detection",
        output_tentative=True,
    ):
        """
        Args:
            obj_score_thr (float): detections scoring at or below it are ignored.
            init_track_thr (float): unmatched detections scoring above it start tracks.
            weight_iou_with_det_scores (bool): multiply IoU by the detection score.
            match_iou_thr (float): a pair matches if its cost is at most ``1 - match_iou_thr``.
            num_tentatives (int): matched frames that confirm a new track.
            vel_consist_weight (float): weight of the direction cost (OCM).
            vel_delta_t (int): frames over which directions are measured (>= 1).
            num_frames_retain (int): frames a confirmed track survives without a match.
            score_cost_weight (float): Hybrid-SORT's score-difference cost weight (0: off).
            height_modulated_iou (bool): Hybrid-SORT's height-modulated IoU instead of IoU.
            kalman_filter (KalmanFilter or None): ``xyah`` motion model; the default if None.
            output_box (str): ``"detection"`` (MMTracking, the authors) or ``"kalman"``.
            output_tentative (bool): output tentative tracks too (MMTracking).
        """
        check_output_box("OCSORTTracker", output_box)
        self.output_box, self.output_tentative = output_box, bool(output_tentative)
        if vel_delta_t < 1:
            raise ValueError(f"OCSORTTracker: vel_delta_t must be >= 1, got {vel_delta_t}")
        self.obj_score_thr = obj_score_thr
        self.init_track_thr = init_track_thr
        self.weight_iou_with_det_scores = weight_iou_with_det_scores
        self.match_iou_thr = match_iou_thr
        self.vel_consist_weight = vel_consist_weight
        self.vel_delta_t = int(vel_delta_t)
        self.num_frames_retain = num_frames_retain
        self.score_cost_weight = score_cost_weight
        self.height_modulated_iou = height_modulated_iou
        # The observations in the last vel_delta_t frames before a track's last one, and that one.
        self.tracks = TrackTable(
            kalman_filter=kalman_filter, num_tentatives=num_tentatives, obs_memory=vel_delta_t + 1
        )
        super().__init__()

    def reset(self):
        super().reset()
        self.tracks.clear()

    def _track(self, instances, **frame_context):
        dets = _Detections(
            boxes=instances.pred_boxes.tensor.detach().cpu().numpy().astype(np.float64),
            scores=instances.scores.detach().cpu().numpy().astype(np.float64),
            classes=instances.pred_classes.detach().cpu().numpy().astype(np.int64),
        )
        kept = np.flatnonzero(dets.scores > self.obj_score_thr)
        det_rows = self._match(dets, kept)
        ids = np.full(len(det_rows), -1, dtype=np.int64)
        matched = np.flatnonzero(det_rows >= 0)
        rows, boxes = det_rows[matched], dets.boxes[matched]
        ids[matched] = self.tracks.ids[rows]
        self._reupdate(rows, boxes)
        self.tracks.update(rows, boxes, self.frame_id, scores=dets.scores[matched])
        new = kept[(det_rows[kept] < 0) & (dets.scores[kept] > self.init_track_thr)]
        ids[new] = self.new_ids(len(new)).numpy()
        self.tracks.add(
            ids=ids[new],
            classes=dets.classes[new],
            boxes=dets.boxes[new],
            frame_id=self.frame_id,
            confirmed=self.frame_id == 0,
            scores=dets.scores[new],
        )
        self.tracks.prune(self.frame_id, self.num_frames_retain)
        return select_track_output(
            instances,
            ids,
            self.tracks,
            output_box=self.output_box,
            output_tentative=self.output_tentative,
        )

    def _match(self, dets, kept):
        """Steps 2-5 of the module docstring: (N,) matched track row per detection, or -1."""
        tracks = self.tracks
        confirmed = np.flatnonzero(tracks.confirmed)
        tracks.mean[confirmed[tracks.last_frame[confirmed] != self.frame_id - 1], 7] = 0
        tracks.predict(slice(None) if len(confirmed) == len(tracks) else confirmed)
        kalman_boxes = tracks.kalman_boxes(slice(None))
        cues = self._motion_cues()
        det_rows = np.full(len(dets.scores), -1, dtype=np.int64)
        self._associate(det_rows, kalman_boxes, confirmed, kept, dets, cues)
        tentative = np.flatnonzero(~tracks.confirmed)
        self._associate(det_rows, kalman_boxes, tentative, kept[det_rows[kept] < 0], dets, cues)
        free = np.ones(len(tracks), dtype=bool)
        free[det_rows[det_rows >= 0]] = False
        rest = kept[det_rows[kept] < 0]
        self._associate(det_rows, tracks.boxes, np.flatnonzero(free), rest, dets, None)  # OCR
        return det_rows

    def _motion_cues(self):
        """OCM origins, directions and (for TCM) predicted scores of every track this frame."""
        tracks, delta = self.tracks, self.vel_delta_t
        rows = np.arange(len(tracks))
        origins, _ = tracks.previous_observations(rows, self.frame_id - delta, self.frame_id)
        last = tracks.last_frame
        start, found = tracks.previous_observations(rows, last - delta, last)
        directions = center_directions(start, tracks.boxes) * found[:, None]
        scores = self._predicted_scores() if self.score_cost_weight else None
        return _Cues(origins, directions, scores)

    def _predicted_scores(self):
        """(T,) each track's score, linearly predicted from its last two observations."""
        tracks = self.tracks
        rows = np.arange(len(tracks))
        last, prev = (tracks.hits - 1) % tracks.obs_memory, (tracks.hits - 2) % tracks.obs_memory
        s_last, s_prev = tracks.obs_scores[rows, last], tracks.obs_scores[rows, prev]
        consecutive = (tracks.hits > 1) & (
            tracks.obs_frames[rows, last] - tracks.obs_frames[rows, prev] == 1
        )
        return np.where(consecutive, 2 * s_last - s_prev, s_last).clip(0.0, 1.0)

    def _associate(self, det_rows, track_boxes, rows, idx, dets, cues):
        """Match track ``rows`` to detections ``idx``; fill ``det_rows`` (N,).

        ``track_boxes`` (T, 4) holds the box of every track row (Kalman or last observation);
        ``cues`` (:class:`_Cues` or None) adds the OCM (and TCM) costs.
        """
        if not len(rows) or not len(idx):
            return
        r, c, iou = overlapping_pairs(track_boxes[rows], dets.boxes[idx])
        same = self.tracks.classes[rows[r]] == dets.classes[idx[c]]
        r, c, iou = r[same], c[same], iou[same]
        cost = self._pair_costs(rows[r], idx[c], iou, track_boxes, dets, cues)
        row_to_col, _ = sparse_linear_assignment(
            r, c, cost, shape=(len(rows), len(idx)), threshold=1.0 - self.match_iou_thr
        )
        hit = np.flatnonzero(row_to_col >= 0)
        det_rows[idx[row_to_col[hit]]] = rows[hit]

    def _pair_costs(self, track_rows, det_idx, iou, track_boxes, dets, cues):
        """(P,) cost of the candidate pairs (track row ``track_rows[i]``, detection
        ``det_idx[i]``) of IoU ``iou`` (P,) > 0; the override point for further cues."""
        boxes = dets.boxes[det_idx]
        similarity = iou
        if self.height_modulated_iou:
            similarity = similarity * height_iou(track_boxes[track_rows], boxes)
        if self.weight_iou_with_det_scores:
            similarity = similarity * dets.scores[det_idx]
        cost = 1.0 - similarity
        if cues is None:  # OCR: IoU only
            return cost
        cost += self.vel_consist_weight * direction_cost(
            cues.directions[track_rows], cues.origins[track_rows], boxes
        )
        if cues.scores is not None:
            cost += self.score_cost_weight * np.abs(cues.scores[track_rows] - dets.scores[det_idx])
        return cost

    def _reupdate(self, rows, boxes):
        """ORU (step 6): re-run the Kalman filter of the re-found tracks among ``rows`` (m,)
        from their last observation along the virtual trajectory to ``boxes`` (m, 4), up to the
        prediction for this frame (the caller's update with ``boxes`` completes it)."""
        tracks = self.tracks
        gaps = self.frame_id - tracks.last_frame[rows]
        lost = gaps > 1
        if not lost.any():
            return
        rows, boxes, gaps = rows[lost], boxes[lost], gaps[lost]
        kf, start = tracks.kf, tracks.boxes[rows]
        mean, cov = tracks.obs_mean[rows], tracks.obs_cov[rows]
        for step in range(1, int(gaps.max())):  # one virtual box per missed frame
            on = np.flatnonzero(gaps > step)
            virtual = start[on] + (step / gaps[on])[:, None] * (boxes[on] - start[on])
            mean[on], cov[on] = kf.update(*kf.predict(mean[on], cov[on]), xyxy_to_xyah(virtual))
        tracks.mean[rows], tracks.cov[rows] = kf.predict(mean, cov)
