"""StrongSORT: DeepSORT with EMA appearance, NSA Kalman, camera motion and one fused assignment.

Follows the authors' code (Du et al., "StrongSORT: Make DeepSORT Great Again", IEEE TMM 2023;
dyhBUPT/StrongSORT, ``deep_sort/{tracker,track,kalman_filter,linear_assignment}.py`` with the
flags of its StrongSORT commands ``--BoT --ECC --NSA --EMA --MC --woC`` and ``opts.py``),
vectorised over tracks. Per frame:

1. detections scoring at least ``obj_score_thr`` (``opt.min_confidence`` 0.6) are kept, the
   others ignored (not output);
2. ECC (``cmc``, optional): every track's Kalman box is moved by the camera warp from the
   previous frame to this one (``Track.camera_update``: the two corners of the box are warped
   and the state's ``x, y, a, h`` recomputed; velocities and covariance are kept). A warp with
   ``||I - W||_F >= max_warp_norm`` (100) is ignored, as ``Track.get_matrix``;
3. every track is Kalman-predicted one frame;
4. one global assignment (``--woC``: no matching cascade) of the confirmed tracks to the
   detections with cost ``appearance_weight * d_app + (1 - appearance_weight) * d_maha``
   (``--MC``, ``MC_lambda`` 0.98): ``d_app`` is the cosine distance of the track's EMA embedding
   to the detection's, ``d_maha`` the squared Mahalanobis distance of the detection to the
   predicted state (4 degrees of freedom, measurement noise without NSA); pairs with
   ``d_maha > chi2inv95[4]`` (9.4877) are forbidden, pairs costing more than
   ``match_score_thr`` are not matched (``max_cosine_distance``: 0.4 with BoT features, plus
   0.05 with ``--MC``: 0.45);
5. the tentative tracks and the confirmed ones matched in the previous frame but not in step 4
   are matched to the remaining detections by the IoU of their *predicted Kalman box*, IoU
   ``>= match_iou_thr`` (``max_iou_distance`` 0.7);
6. matched tracks get a Kalman update with NSA (``--NSA``: the measurement noise's standard
   deviations times ``1 - score``, i.e. the covariance times ``(1 - score)^2``: the default
   filter has ``nsa_exponent=2``, the code's rule, not the paper's ``R (1 - c)``) and an EMA
   appearance update (``--EMA``: ``e = ema_alpha * e + (1 - ema_alpha) * f / |f|``, then
   ``e / |e|``; a new track starts at ``f / |f|``);
7. unmatched detections start tentative tracks (also on the first frame); a tentative track is
   confirmed at its ``num_tentatives``-th match (``n_init`` 3) and deleted when it misses a
   frame, a confirmed one after more than ``max_age`` (30) frames without a match.

Association is category-aware (the reference has one class). Output, as the authors'
``deep_sort_app.py`` by default: the confirmed tracks matched in this frame with their Kalman
state after the update (``output_box="kalman"``, ``output_tentative=False``) and, with
``output_missed=True``, the confirmed tracks missed in this frame only (matched in the previous
one) with their predicted Kalman box: rows that are not detections, appended after the detection
rows with the track's last detection score, its class, its EMA embedding as ``embeds`` and zeros
in any other field. ``output_box="detection"`` outputs detected boxes instead and
``output_tentative=True`` also the tentative tracks (as MMTracking's trackers);
``output_missed=False`` keeps only detection rows.
"""

import numpy as np
import torch
from detectron2.structures import Instances

from .base import BaseTracker
from .matching import (
    ema_unit_rows,
    forbid_class_mismatch,
    match_by_iou,
    matched_pairs,
    unit_rows,
)
from .motion.cmc import CachedCMC, warp_boxes
from .motion.kalman_filter import KalmanFilter
from .track_table import TrackTable, check_output_box, select_track_output

__all__ = ["StrongSORTTracker", "ema_embeddings", "fused_cost"]


def _unit(rows):
    """(N, D) rows scaled to unit length (float64); zero rows stay zero."""
    return unit_rows(np.asarray(rows, dtype=np.float64))


def ema_embeddings(track_embeds, det_embeds, alpha):
    """StrongSORT's EMA appearance update (``Track.update`` with ``--EMA``).

    Args:
        track_embeds (ndarray): (M, D) the tracks' current (unit) embeddings.
        det_embeds (ndarray): (M, D) their matched detections' embeddings (any length).
        alpha (float): weight of the track's embedding (0.9).

    Returns:
        ndarray: (M, D) float64 unit rows ``normalize(alpha * e + (1 - alpha) * f / |f|)``.
    """
    return ema_unit_rows(np.asarray(track_embeds), _unit(det_embeds), alpha)


def fused_cost(appearance, mahalanobis, *, appearance_weight, gating_threshold):
    """StrongSORT's association cost (``gate_cost_matrix`` with ``--MC``).

    Args:
        appearance (ndarray): (T, D) appearance distances (cosine distance).
        mahalanobis (ndarray): (T, D) squared Mahalanobis distances of the detections to the
            tracks' predicted states.
        appearance_weight (float): ``lambda`` (0.98).
        gating_threshold (float): pairs with a larger Mahalanobis distance are forbidden
            (``inf``; the reference's ``1e5`` never matches either).

    Returns:
        ndarray: (T, D) float64 ``lambda * appearance + (1 - lambda) * mahalanobis``.
    """
    maha = np.asarray(mahalanobis, dtype=np.float64)
    cost = appearance_weight * np.asarray(appearance, dtype=np.float64)
    cost = cost + (1.0 - appearance_weight) * maha
    return np.where(maha > gating_threshold, np.inf, cost)


class StrongSORTTracker(BaseTracker):
    """StrongSORT (module docstring); defaults are the authors' MOT17 StrongSORT settings, except
    ``cmc`` (None: set it, e.g. ``CameraMotionCompensation(method="ecc", downscale=10)`` as the
    configs do, to get the authors' ECC step; it then needs ``image`` in ``update``).

    Appearance comes from ``instances.embeds`` (N, D); without them, an ``embedder`` in
    ``update``'s frame context is run on the kept boxes (as :class:`DeepSORTTracker`).
    """

    needs_embeds = True

    def __init__(
        self,
        *,
        obj_score_thr=0.6,
        match_score_thr=0.45,
        appearance_weight=0.98,
        match_iou_thr=0.3,
        ema_alpha=0.9,
        nsa=True,
        num_tentatives=3,
        max_age=30,
        cmc=None,
        max_warp_norm=100.0,
        warp_full_state=False,
        kalman_filter=None,
        output_box="kalman",
        output_tentative=False,
        output_missed=True,
    ):
        """
        Args:
            obj_score_thr (float): detections scoring at least this are used.
            match_score_thr (float): largest fused cost of a match (step 4).
            appearance_weight (float): ``lambda`` of the fused cost.
            match_iou_thr (float): smallest IoU of a match in step 5.
            ema_alpha (float): EMA weight of a track's embedding.
            nsa (bool): scale the measurement noise by the detection score (NSA Kalman).
            num_tentatives (int): matches that confirm a track (the first included).
            max_age (int): a confirmed track is deleted after more frames than this unmatched.
            cmc (CameraMotionCompensation, CachedCMC or None): camera motion estimator.
            max_warp_norm (float): warps with ``||I - W||_F`` at least this are ignored.
            warp_full_state (bool): move the whole state (velocities and covariance too,
                :meth:`TrackTable.warp`) instead of the box alone (the authors').
            kalman_filter (BoxKalmanFilter or None): default ``KalmanFilter(nsa_exponent=2)``.
            output_box (str): ``"kalman"`` (the authors') or ``"detection"``.
            output_tentative (bool): also output tentative tracks.
            output_missed (bool): also output confirmed tracks missed in this frame only.
        """
        check_output_box("StrongSORTTracker", output_box)
        self.obj_score_thr = obj_score_thr
        self.match_score_thr = match_score_thr
        self.appearance_weight = appearance_weight
        self.match_iou_thr = match_iou_thr
        self.ema_alpha = ema_alpha
        self.nsa = bool(nsa)
        self.max_age = int(max_age)
        self.cmc = cmc
        self.max_warp_norm = max_warp_norm
        self.warp_full_state = bool(warp_full_state)
        self.output_box = output_box
        self.output_tentative = bool(output_tentative)
        self.output_missed = bool(output_missed)
        kf = kalman_filter if kalman_filter is not None else KalmanFilter(nsa_exponent=2.0)
        self.tracks = TrackTable(
            kalman_filter=kf,
            num_tentatives=num_tentatives,
            embed_memory=1,  # the EMA embedding
            obs_memory=int(self.output_missed),  # the last detection score of missed rows
        )
        super().__init__()

    @property
    def needs_image(self):
        return self.cmc is not None

    def reset(self):
        super().reset()
        self.tracks.clear()
        self._prev_frame = None  # frame id of the previous update
        self._prev_image = None

    def update(self, instances, **frame_context):
        embedder = frame_context.get("embedder")
        if embedder is not None and isinstance(instances, Instances):
            fields = ("pred_boxes", "scores")
            if not instances.has("embeds") and all(instances.has(f) for f in fields):
                instances = self._embed(instances, embedder)
        return super().update(instances, **frame_context)

    def _embed(self, instances, embedder):
        """A copy of ``instances`` with ``embeds`` from ``embedder`` on the kept boxes."""
        keep = instances.scores >= self.obj_score_thr
        if keep.any():
            kept = embedder(instances.pred_boxes.tensor[keep])
            embeds = kept.new_zeros((len(instances), kept.shape[1]))
            embeds[keep] = kept
        else:  # nothing to match: no need to run the ReID model
            embeds = instances.scores.new_zeros((len(instances), 0))
        return Instances(instances.image_size, **instances.get_fields(), embeds=embeds)

    def _track(self, instances, *, image=None, video=None, **_):
        scores = instances.scores.detach().cpu().numpy().astype(np.float64)
        kept = np.flatnonzero(scores >= self.obj_score_thr)
        boxes = instances.pred_boxes.tensor.detach().cpu().numpy().astype(np.float64)[kept]
        classes = instances.pred_classes.detach().cpu().numpy().astype(np.int64)[kept]
        embeds = _unit(instances.embeds.detach().cpu().numpy()[kept])
        prev = self.frame_id - 1 if self._prev_frame is None else self._prev_frame
        if self.cmc is not None:
            self._compensate(image, video)
        self.tracks.predict(slice(None))
        det_rows = np.full(len(kept), -1, dtype=np.int64)
        self._match_appearance(det_rows, boxes, classes, embeds)
        self._match_iou(det_rows, boxes, classes, prev)
        ids = np.full(len(instances), -1, dtype=np.int64)
        ids[kept] = self._commit(det_rows, boxes, classes, embeds, scores[kept])
        self._prev_frame = self.frame_id
        return self._output(instances, ids, prev)

    def _compensate(self, image, video):
        """Step 2: move the tracks with the camera warp from the previous frame."""
        if image is None and not isinstance(self.cmc, CachedCMC):
            raise ValueError(
                "StrongSORTTracker: with a cmc, update needs frame_context['image'] (the BGR frame)"
            )
        if self._prev_frame is not None and len(self.tracks):
            warp = self.cmc.estimate(
                self._prev_image,
                image,
                video=video,
                frame_id=self.frame_id,
                prev_frame_id=self._prev_frame,
            )
            warp = np.asarray(warp, dtype=np.float64)
            if np.linalg.norm(np.eye(2, 3) - warp) < self.max_warp_norm:
                self._warp(warp)
        self._prev_image = image

    def _warp(self, warp):
        tracks = self.tracks
        if self.warp_full_state:
            tracks.warp(warp)
            return
        boxes = warp_boxes(tracks.kalman_boxes(slice(None)), warp)
        tracks.mean[:, :4] = tracks.kf.box_to_measurement(boxes)

    def _match_appearance(self, det_rows, boxes, classes, embeds):
        """Step 4: fill ``det_rows`` (D,) for the confirmed tracks."""
        tracks = self.tracks
        rows = np.flatnonzero(tracks.confirmed)
        if not len(rows) or not len(boxes):
            return
        appearance = 1.0 - tracks.embeds[rows, 0].astype(np.float64) @ embeds.T
        kf = tracks.kf
        maha = kf.gating_distance_batch(
            tracks.mean[rows], tracks.cov[rows], kf.box_to_measurement(boxes), kf.center_only
        )
        cost = fused_cost(
            appearance,
            maha,
            appearance_weight=self.appearance_weight,
            gating_threshold=kf.gating_threshold,
        )
        cost = forbid_class_mismatch(cost, tracks.classes[rows], classes)
        r, c = matched_pairs(cost, threshold=self.match_score_thr)
        det_rows[c] = rows[r]

    def _match_iou(self, det_rows, boxes, classes, prev):
        """Step 5: tentative and just-missed confirmed tracks by Kalman-box IoU."""
        tracks = self.tracks
        free = np.ones(len(tracks), dtype=bool)
        free[det_rows[det_rows >= 0]] = False
        rows = np.flatnonzero(free & (~tracks.confirmed | (tracks.last_frame == prev)))
        dets = np.flatnonzero(det_rows < 0)
        if not len(rows) or not len(dets):
            return
        r, c = match_by_iou(
            tracks.kalman_boxes(rows),
            boxes[dets],
            tracks.classes[rows],
            classes[dets],
            min_iou=self.match_iou_thr,
        )
        det_rows[dets[c]] = rows[r]

    def _commit(self, det_rows, boxes, classes, embeds, scores):
        """Steps 6-7. Returns (D,) int64 track id of every kept detection."""
        tracks = self.tracks
        matched = np.flatnonzero(det_rows >= 0)
        new = np.flatnonzero(det_rows < 0)
        rows = det_rows[matched]
        ids = np.empty(len(det_rows), dtype=np.int64)
        ids[matched] = tracks.ids[rows]
        ids[new] = self.new_ids(len(new)).numpy()
        if len(rows):
            embeds_matched = ema_embeddings(tracks.embeds[rows, 0], embeds[matched], self.ema_alpha)
        tracks.update(
            rows,
            boxes[matched],
            self.frame_id,
            embeds=embeds_matched if len(rows) else None,
            scores=scores[matched],
            confidence=scores[matched] if self.nsa else None,
        )
        tracks.add(
            ids=ids[new],
            classes=classes[new],
            boxes=boxes[new],
            frame_id=self.frame_id,
            confirmed=False,
            embeds=embeds[new],
            scores=scores[new],
        )
        # Deleted when time_since_update > max_age, i.e. frame - last_frame >= max_age + 1.
        tracks.prune(self.frame_id, self.max_age + 1)
        return ids

    def _output(self, instances, ids, prev):
        """The output rows (module docstring), read after this frame's update and prune."""
        tracks = self.tracks
        result = select_track_output(
            instances,
            ids,
            tracks,
            output_box=self.output_box,
            output_tentative=self.output_tentative,
        )
        if not self.output_missed:
            return result
        missed = np.flatnonzero(tracks.confirmed & (tracks.last_frame == prev))
        if not len(missed):
            return result
        return Instances.cat([result, self._missed_rows(result, missed)])

    def _missed_rows(self, like, rows):
        """``Instances`` with the fields of ``like`` for the predicted tracks at ``rows`` (m,)."""
        tracks = self.tracks
        values = {
            "pred_boxes": tracks.kalman_boxes(rows),
            "scores": tracks.obs_scores[rows, 0],
            "pred_classes": tracks.classes[rows],
            "ID": tracks.ids[rows],
            "embeds": tracks.embeds[rows, 0],
        }
        out = Instances(like.image_size)
        for name, field in like.get_fields().items():
            tensor = field.tensor if name == "pred_boxes" else field
            if not torch.is_tensor(tensor):
                raise ValueError(
                    f"StrongSORTTracker(output_missed=True): cannot fill field {name!r} of type "
                    f"{type(field).__name__} for predicted rows; set output_missed=False"
                )
            shape = (len(rows),) + tuple(tensor.shape[1:])
            if name in values and np.shape(values[name]) == shape:
                new = torch.as_tensor(values[name]).to(dtype=tensor.dtype, device=tensor.device)
            else:  # a field the track does not know (or embeds of another size): zeros
                new = tensor.new_zeros(shape)
            out.set(name, type(field)(new) if name == "pred_boxes" else new)
        return out
