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

Deep OC-SORT's cues (Maggiolino et al., ICIP 2023; GerardMaggiolino/Deep-OC-SORT, MIT,
``trackers/integrated_ocsort_embedding``, run as its README's best setting ``--grid_off
--new_kf_off``, i.e. whole-box embeddings and OC-SORT's Kalman filter), off by default:

* ``cmc_method`` (``"sparse_flow"``, ``"ecc"``, ``"orb"``; None: off): camera motion
  compensation before step 2. The warp from the previous frame to this one moves every track's
  Kalman state, its last observation and kept observations (OCM origins and directions, OCR),
  and its Kalman state at the last observation (ORU's start): ``OCSort.update`` applies
  ``CMCComputer.compute_affine`` through ``KalmanBoxTracker.apply_affine_correction`` (last
  observation, observations of the last ``delta_t`` frames) and
  ``KalmanFilterNew.apply_affine_correction`` (state, and the frozen state of a lost track)
  before predicting. As :class:`~.botsort_tracker.BoTSORTTracker` (shared step:
  :class:`~.cmc_step.CameraMotionStep`): ``update`` then needs ``image`` (H, W, 3) BGR and
  raises a ``ValueError`` without it, unless ``video`` is given and the warp is cached
  (:class:`~.motion.cmc.CachedCMC`, ``cmc_cache_dir``); no warp is computed without tracks;
* ``appearance_weight`` (> 0: on; the authors' ``w_association_emb`` is 0.75): in the OCM
  associations (steps 3-4; OCR stays IoU only, as ``OCSort.update``'s second round) each
  candidate's cost loses ``appearance_weight`` times the cosine similarity of the track's
  embedding and the detection's (``associate``; ``instances.embeds``, L2-normalised here as
  ``EmbeddingComputer.compute_embedding`` does). A matched track's embedding becomes ``e =
  alpha e + (1 - alpha) d``, then ``e / |e|`` (``KalmanBoxTracker.update_emb``) with the
  dynamic ``alpha = alpha_fixed_emb + (1 - alpha_fixed_emb) (1 - trust)``, ``trust = (score
  - det_thresh) / (1 - det_thresh)`` (``OCSort.update``; :func:`dynamic_alpha`), in every
  association, OCR included; a new track starts with its detection's embedding;
* ``adaptive_weighting``: the appearance weight of each pair is ``appearance_weight`` plus half
  the gap between the best and second-best similarity of its track and half that of its
  detection, each gap at most ``aw_param`` (0.5), no gap for a track (detection) with fewer than
  two candidates (``compute_aw_new_metric``; :func:`adaptive_appearance_weights`).

Deviations from the Deep OC-SORT code, beyond the MMTracking rules above (score-weighted IoU,
unweighted OCM, tentative tracks, category-aware association):

* the authors' ``det_thresh`` is their only score threshold (keep and start a track); here the
  dynamic alpha measures trust from ``init_track_thr``: kept detections at or below it (which
  the authors' tracker drops) still match by IoU and appearance but leave the track's
  embedding exactly unchanged (alpha 1);
* with appearance, a pair is a candidate only if its appearance-free cost passes the usual
  limit (``1 - match_iou_thr``), and among candidates the assignment takes as many pairs as it
  can at the least total cost (appearance included). The authors assign on the full cost matrix
  and then drop pairs of raw IoU below ``iou_threshold``; they also match directly, ignoring
  appearance, when every track and detection has at most one pair above the IoU limit (the
  same matches as here in that case);
* adaptive weighting counts same-class pairs only, over the tracks and detections of each
  association step (the authors' single class, single first step: all of them);
* each stored observation is warped once (the authors' in-place update warps the last
  observation twice when it is also in their observation dictionary) and a lost track's kept
  observations all move, not only those of the last ``delta_t`` frames before the current one;
  directions come from the warped observations (the authors' stored direction is not turned);
  the ``xyah`` state's height follows the warp's scale (:func:`~.motion.cmc.warp_states`; the
  authors keep the area);
* camera motion: the authors' MOTChallenge runs read precomputed warps (``method="file"``),
  their sparse flow masks the detections out of the keypoint search; here none is masked.

Not here: Hybrid-SORT's four-corner directions and BYTE step, Deep OC-SORT's grid (three-part)
embeddings and its size-proportional Kalman filter (``new_kf``, off in their best setting).
A subclass adds further terms by overriding :meth:`_pair_costs` (extra costs per candidate
pair).
"""

from collections import namedtuple

import numpy as np

from .base import BaseTracker
from .cmc_step import build_camera_motion
from .matching import (
    center_directions,
    direction_cost,
    ema_unit_rows,
    height_iou,
    overlapping_pairs,
    sparse_linear_assignment,
    unit_rows,
)
from .motion.cmc import warp_boxes, warp_states
from .motion.kalman_filter import xyxy_to_xyah
from .track_table import TrackTable, check_output_box, select_track_output

__all__ = ["OCSORTTracker", "adaptive_appearance_weights", "dynamic_alpha"]

# One frame's detections as numpy arrays: boxes (N, 4) xyxy, scores (N,), classes (N,), and
# unit-norm embeds (N, D) or None (appearance off).
_Detections = namedtuple("_Detections", ["boxes", "scores", "classes", "embeds"], defaults=[None])
# With appearance, association is gated by the appearance-free cost; the assignment then
# accepts every gated pair (a limit far above any cost: unmatched ends cost half of it).
_NO_LIMIT = 1e4
# Per-track motion cues of a frame (T tracks): OCM origins (T, 4), directions (T, 2) and
# predicted scores (T,) or None.
_Cues = namedtuple("_Cues", ["origins", "directions", "scores"])


def dynamic_alpha(scores, det_thresh, alpha_fixed=0.95):
    """Deep OC-SORT's dynamic weight of the past in a track's embedding average.

    ``alpha = alpha_fixed + (1 - alpha_fixed) * (1 - trust)`` with ``trust = (score -
    det_thresh) / (1 - det_thresh)``: ``alpha_fixed`` for a detection scoring 1, 1 (the
    detection's embedding unused) for one scoring ``det_thresh`` or less.

    Args:
        scores (ndarray): (N,) detection scores.
        det_thresh (float): the score below which detections are not trusted at all.
        alpha_fixed (float): the weight for a fully trusted detection.

    Returns:
        ndarray: (N,) float64 weights in ``[alpha_fixed, 1]``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if det_thresh >= 1:
        return np.ones_like(scores)
    trust = (scores - det_thresh) / (1.0 - det_thresh)
    return np.clip(alpha_fixed + (1.0 - alpha_fixed) * (1.0 - trust), alpha_fixed, 1.0)


def _top_gaps(similarity, valid, axis, max_gap):
    """Per line along ``axis``: ``min(best - second best, max_gap)`` over its valid entries,
    0 where it has fewer than two."""
    ranked = np.sort(np.where(valid, similarity, -np.inf), axis=axis)
    if similarity.shape[axis] < 2:
        return np.zeros(ranked.shape[1 - axis])
    best, second = np.take(ranked, -1, axis=axis), np.take(ranked, -2, axis=axis)
    with np.errstate(invalid="ignore"):
        gap = np.minimum(best - second, max_gap)
    return np.where(valid.sum(axis=axis) >= 2, gap, 0.0)


def adaptive_appearance_weights(similarity, weight, max_gap=0.5, valid=None):
    """Deep OC-SORT's adaptive weighting of the appearance similarity.

    Each pair's weight is ``weight`` plus half the gap between the best and the second-best
    similarity of its row and half that of its column, each gap at most ``max_gap``; a row
    (column) with fewer than two valid entries adds nothing. A track or detection that is
    clearly more similar to one partner than to any other thus counts its appearance more.

    Args:
        similarity (ndarray): (T, D) cosine similarities of tracks and detections.
        weight (float): the base weight (``w_association_emb``).
        max_gap (float): the largest gap counted (``aw_param``).
        valid (ndarray or None): (T, D) bool, the pairs that may match (e.g. same class);
            None: all.

    Returns:
        ndarray: (T, D) float64 weights in ``[weight, weight + max_gap]``.
    """
    similarity = np.asarray(similarity, dtype=np.float64)
    valid = np.ones(similarity.shape, dtype=bool) if valid is None else np.asarray(valid)
    rows = _top_gaps(similarity, valid, 1, max_gap)
    cols = _top_gaps(similarity, valid, 0, max_gap)
    return weight + rows[:, None] / 2.0 + cols[None, :] / 2.0


class OCSORTTracker(BaseTracker):
    """OC-SORT (Cao et al., CVPR 2023) as MMTracking 0.x ``OCSORTTracker`` (see the module
    docstring for the rules and the deviations).

    Defaults are MMTracking's ``ocsort_yolox_x_crowdhuman_mot17-private-half.py`` tracker
    (score 0.3, 0.7 to start a track, score-weighted IoU 0.3, 3 tentative frames, direction
    weight 0.2 over 3 frames, 30 frames retained). Deep OC-SORT is ``cmc_method="sparse_flow",
    appearance_weight=0.75, adaptive_weighting=True`` (needs ``instances.embeds`` and the
    frame as ``image``), with the authors' ``alpha_fixed_emb=0.95`` and ``aw_param=0.5``.
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
        cmc_method=None,
        cmc_params=None,
        cmc_cache_dir=None,
        appearance_weight=0.0,
        alpha_fixed_emb=0.95,
        adaptive_weighting=False,
        aw_param=0.5,
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
            cmc_method (str or None): Deep OC-SORT's camera motion compensation:
                ``"sparse_flow"``, ``"ecc"`` or ``"orb"``
                (:class:`~.motion.cmc.CameraMotionCompensation`); None: off.
            cmc_params (dict or None): its further keyword arguments (e.g. ``downscale``).
            cmc_cache_dir (str or None): folder keeping the warps per video
                (:class:`~.motion.cmc.CachedCMC`); None: in memory only.
            appearance_weight (float): Deep OC-SORT's weight of the appearance similarity
                (``w_association_emb``, 0.75 in the paper); 0: no appearance.
            alpha_fixed_emb (float): the smallest weight of the past in a track's embedding
                average (the dynamic alpha's ``alpha_fixed``).
            adaptive_weighting (bool): Deep OC-SORT's per-pair boost of the appearance weight
                (no effect without appearance).
            aw_param (float): the largest similarity gap the boost counts (``aw_param``).
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
        if appearance_weight < 0:
            raise ValueError(
                f"OCSORTTracker: appearance_weight must be >= 0, got {appearance_weight}"
            )
        if not 0 <= alpha_fixed_emb <= 1:
            raise ValueError(
                f"OCSORTTracker: alpha_fixed_emb must be in [0, 1], got {alpha_fixed_emb}"
            )
        self.appearance_weight = float(appearance_weight)
        self.alpha_fixed_emb = float(alpha_fixed_emb)
        self.adaptive_weighting = bool(adaptive_weighting)
        self.aw_param = float(aw_param)
        self.camera_motion = build_camera_motion(
            "OCSORTTracker", cmc_method, cmc_params, cmc_cache_dir
        )
        # The observations in the last vel_delta_t frames before a track's last one, and that one.
        self.tracks = TrackTable(
            kalman_filter=kalman_filter,
            num_tentatives=num_tentatives,
            obs_memory=vel_delta_t + 1,
            embed_memory=1 if self.with_appearance else 0,
        )
        super().__init__()

    @property
    def with_appearance(self):
        return self.appearance_weight > 0

    @property
    def needs_embeds(self):
        return self.with_appearance

    @property
    def needs_image(self):
        return self.camera_motion is not None

    def reset(self):
        super().reset()
        self.tracks.clear()
        if self.camera_motion is not None:
            self.camera_motion.reset()  # the finished video's warps go to cmc_cache_dir

    def _track(self, instances, *, image=None, video=None, **_):
        dets = self._detections(instances)
        if self.camera_motion is not None:
            warp = self.camera_motion.warp(image, video, self.frame_id, has_tracks=len(self.tracks))
            if warp is not None:
                self._warp_tracks(warp)
        kept = np.flatnonzero(dets.scores > self.obj_score_thr)
        det_rows = self._match(dets, kept)
        ids = np.full(len(det_rows), -1, dtype=np.int64)
        matched = np.flatnonzero(det_rows >= 0)
        rows, boxes = det_rows[matched], dets.boxes[matched]
        ids[matched] = self.tracks.ids[rows]
        self._reupdate(rows, boxes)
        embeds = self._smoothed_embeds(rows, matched, dets)
        self.tracks.update(rows, boxes, self.frame_id, scores=dets.scores[matched], embeds=embeds)
        new = kept[(det_rows[kept] < 0) & (dets.scores[kept] > self.init_track_thr)]
        ids[new] = self.new_ids(len(new)).numpy()
        self.tracks.add(
            ids=ids[new],
            classes=dets.classes[new],
            boxes=dets.boxes[new],
            frame_id=self.frame_id,
            confirmed=self.frame_id == 0,
            scores=dets.scores[new],
            embeds=None if dets.embeds is None else dets.embeds[new],
        )
        self.tracks.prune(self.frame_id, self.num_frames_retain)
        return select_track_output(
            instances,
            ids,
            self.tracks,
            output_box=self.output_box,
            output_tentative=self.output_tentative,
        )

    def _detections(self, instances):
        embeds = None
        if self.with_appearance:
            embeds = unit_rows(instances.embeds.detach().cpu().numpy().astype(np.float32))
        return _Detections(
            boxes=instances.pred_boxes.tensor.detach().cpu().numpy().astype(np.float64),
            scores=instances.scores.detach().cpu().numpy().astype(np.float64),
            classes=instances.pred_classes.detach().cpu().numpy().astype(np.int64),
            embeds=embeds,
        )

    def _warp_tracks(self, warp):
        """Move every track with the camera warp (2, 3): its Kalman state, its last and kept
        observations (OCM, OCR) and its state at the last observation (ORU's start)."""
        tracks = self.tracks
        tracks.warp(warp)
        tracks.boxes = warp_boxes(tracks.boxes, warp)
        used = tracks.obs_frames >= 0
        tracks.obs_boxes[used] = warp_boxes(tracks.obs_boxes[used], warp)
        layout = tracks.kf.layout
        tracks.obs_mean, tracks.obs_cov = warp_states(
            tracks.obs_mean, tracks.obs_cov, warp, layout=layout
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
        threshold = 1.0 - self.match_iou_thr
        if cues is not None and self.with_appearance:  # Deep OC-SORT; OCR is IoU only
            gate = cost <= threshold
            r, c = r[gate], c[gate]
            cost = cost[gate] - self._appearance(rows, idx, dets)[r, c]
            threshold = _NO_LIMIT
        row_to_col, _ = sparse_linear_assignment(
            r, c, cost, shape=(len(rows), len(idx)), threshold=threshold
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

    def _appearance(self, rows, idx, dets):
        """(T, D) appearance bonus of track ``rows`` (T,) and detections ``idx`` (D,): weight
        times the cosine similarity of the track's average embedding and the detection's."""
        similarity = (self.tracks.embeds[rows, 0] @ dets.embeds[idx].T).astype(np.float64)
        if not self.adaptive_weighting:
            return self.appearance_weight * similarity
        same = self.tracks.classes[rows][:, None] == dets.classes[idx][None, :]
        weights = adaptive_appearance_weights(
            similarity, self.appearance_weight, self.aw_param, valid=same
        )
        return weights * similarity

    def _smoothed_embeds(self, rows, matched, dets):
        """(m, D) embedding averages of the tracks at ``rows`` after their matches with the
        detections ``matched`` (m,), with the dynamic alpha; None without appearance."""
        if not self.with_appearance:
            return None
        if not len(rows):
            return dets.embeds[matched]
        old = self.tracks.embeds[rows, 0]
        alpha = dynamic_alpha(dets.scores[matched], self.init_track_thr, self.alpha_fixed_emb)
        alpha = alpha[:, None]
        mixed = ema_unit_rows(old, dets.embeds[matched], alpha)
        return np.where(alpha < 1.0, mixed, old)  # untrusted detections: exactly unchanged

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
