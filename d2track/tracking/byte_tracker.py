"""ByteTrack: associate every detection box, low-score ones included.

Matches MMTracking 0.x ``mmtrack/models/trackers/byte_tracker.py`` (``ByteTracker``) with its
MOT17 config values, vectorised over tracks. Per frame:

1. confirmed tracks are Kalman-predicted (a track lost in the previous frame first has its
   height velocity zeroed); tentative tracks are not predicted;
2. detections with score ``> high_score_thr`` are matched to the confirmed tracks (lost ones
   included) by the IoU of the Kalman box, weighted by the detection score
   (``weight_iou_with_det_scores``), IoU ``>= high_match_iou_thr``;
3. the still unmatched high-score detections are matched to the tentative tracks, IoU
   ``>= tentative_match_iou_thr`` (score-weighted as well);
4. detections with ``low_score_thr < score <= high_score_thr`` are matched, by plain IoU
   ``>= low_match_iou_thr``, to the confirmed tracks that were matched in the previous frame
   but not in step 2;
5. unmatched high-score detections with score ``> init_track_thr`` start new tracks, confirmed
   on frame 0 and tentative afterwards. MMTracking applies ``init_track_thr`` only when it has
   no track; here (as in the ByteTrack authors' code) it always applies;
6. a tentative track is confirmed after ``num_tentatives`` matched frames and dropped if it
   misses one; a confirmed track is dropped after ``num_frames_retain`` frames without a match.

Association is category-aware. Unmatched low-score detections are dropped. What is output
differs between the two references, and is chosen by two options:

* ``output_box="detection"`` (MMTracking): each output row carries its detected box;
  ``"kalman"`` (the ByteTrack authors' ``STrack.tlwh``): the Kalman state after this frame's
  update, which averages out the jitter of noisy detections (the new tracks' state is their
  detection);
* ``output_tentative=True`` (MMTracking): tentative tracks are output from their first frame;
  ``False`` (the authors' ``is_activated``): only confirmed tracks (every track on frame 0).

The output defaults are the authors' (``"kalman"``, ``False``): on noisy detections the Kalman
box scores about 5 HOTA higher (DetA and AssA alike; ``benchmarks/README.md``), on clean ones 2.
``configs/common/trackers.py`` has both references: ``bytetrack`` (MMTracking's values, its
detected boxes and tentative tracks: MMTracking's output exactly) and ``bytetrack_original``
(the authors' ``BYTETracker``: also ``high_match_iou_thr=0.2, init_track_thr=0.6,
num_tentatives=2``).
"""

from collections import namedtuple

import numpy as np

from .base import BaseTracker
from .matching import match_by_iou
from .track_table import TrackTable, check_output_box, select_track_output

__all__ = ["ByteTracker"]

# One frame's detections as numpy arrays: boxes (N, 4) xyxy, scores (N,), classes (N,).
_Detections = namedtuple("_Detections", ["boxes", "scores", "classes"])


class ByteTracker(BaseTracker):
    """ByteTrack (Zhang et al., ECCV 2022) as MMTracking 0.x ``ByteTracker``.

    Association defaults are MMTracking's ``bytetrack_yolox_x_crowdhuman_mot17-private-half.py``
    tracker (``obj_score_thrs`` high 0.6 / low 0.1, ``init_track_thr`` 0.7, ``match_iou_thrs`` high
    0.1 / low 0.5 / tentative 0.3, 30 frames retained) and ``ByteTracker``'s ``num_tentatives=3``;
    output defaults are the ByteTrack authors' (Kalman boxes, confirmed tracks only).
    """

    def __init__(
        self,
        *,
        high_score_thr=0.6,
        low_score_thr=0.1,
        init_track_thr=0.7,
        weight_iou_with_det_scores=True,
        high_match_iou_thr=0.1,
        low_match_iou_thr=0.5,
        tentative_match_iou_thr=0.3,
        num_tentatives=3,
        num_frames_retain=30,
        kalman_filter=None,
        output_box="kalman",
        output_tentative=False,
    ):
        """
        Args:
            high_score_thr (float): detections scoring above it enter the first association.
            low_score_thr (float): detections scoring in (low, high] enter the second one;
                those at or below it are ignored.
            init_track_thr (float): unmatched detections scoring above it start tracks.
            weight_iou_with_det_scores (bool): multiply IoU by the detection score in the
                first and tentative associations.
            high_match_iou_thr (float): minimum (weighted) IoU in the first association.
            low_match_iou_thr (float): minimum IoU in the second association.
            tentative_match_iou_thr (float): minimum (weighted) IoU for tentative tracks.
            num_tentatives (int): matched frames that confirm a new track.
            num_frames_retain (int): frames a confirmed track survives without a match.
            kalman_filter (KalmanFilter or None): motion model; the default filter if None.
            output_box (str): ``"detection"`` (the detected box, MMTracking) or ``"kalman"``
                (the updated Kalman state, the ByteTrack authors' code).
            output_tentative (bool): output tentative tracks too (MMTracking), or only
                confirmed ones (the authors' code).
        """
        check_output_box("ByteTracker", output_box)
        self.output_box = output_box
        self.output_tentative = bool(output_tentative)
        self.high_score_thr = high_score_thr
        self.low_score_thr = low_score_thr
        self.init_track_thr = init_track_thr
        self.weight_iou_with_det_scores = weight_iou_with_det_scores
        self.high_match_iou_thr = high_match_iou_thr
        self.low_match_iou_thr = low_match_iou_thr
        self.tentative_match_iou_thr = tentative_match_iou_thr
        self.num_frames_retain = num_frames_retain
        self.tracks = TrackTable(kalman_filter=kalman_filter, num_tentatives=num_tentatives)
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
        det_rows = self._match(dets)
        ids = np.full(len(det_rows), -1, dtype=np.int64)
        matched = np.flatnonzero(det_rows >= 0)
        ids[matched] = self.tracks.ids[det_rows[matched]]
        self.tracks.update(det_rows[matched], dets.boxes[matched], self.frame_id)
        new = np.flatnonzero(
            (det_rows < 0)
            & (dets.scores > self.high_score_thr)
            & (dets.scores > self.init_track_thr)
        )
        ids[new] = self.new_ids(len(new)).numpy()
        self.tracks.add(
            ids=ids[new],
            classes=dets.classes[new],
            boxes=dets.boxes[new],
            frame_id=self.frame_id,
            confirmed=self.frame_id == 0,
        )
        self.tracks.prune(self.frame_id, self.num_frames_retain)
        return self._output(instances, ids)

    def _output(self, instances, ids):
        return select_track_output(
            instances,
            ids,
            self.tracks,
            output_box=self.output_box,
            output_tentative=self.output_tentative,
        )

    def _match(self, dets):
        """Steps 1-4 of the module docstring: (N,) matched track row per detection, or -1."""
        tracks, prev = self.tracks, self.frame_id - 1
        confirmed = np.flatnonzero(tracks.confirmed)
        # Lost tracks stop growing or shrinking, as in MMTracking.
        tracks.mean[confirmed[tracks.last_frame[confirmed] != prev], 7] = 0
        # A slice when every track is confirmed (the usual case) spares a gather and a scatter.
        tracks.predict(slice(None) if len(confirmed) == len(tracks) else confirmed)
        # Kalman boxes of every track, computed once for the three associations.
        kalman_boxes = tracks.kalman_boxes(slice(None))
        high = np.flatnonzero(dets.scores > self.high_score_thr)
        low = np.flatnonzero(
            (dets.scores <= self.high_score_thr) & (dets.scores > self.low_score_thr)
        )
        det_rows = np.full(len(dets.scores), -1, dtype=np.int64)
        weighted = self.weight_iou_with_det_scores
        self._associate(
            det_rows, kalman_boxes, confirmed, high, dets, weighted, self.high_match_iou_thr
        )
        tentative = np.flatnonzero(~tracks.confirmed)
        high = high[det_rows[high] < 0]
        self._associate(
            det_rows, kalman_boxes, tentative, high, dets, weighted, self.tentative_match_iou_thr
        )
        free = np.ones(len(tracks), dtype=bool)
        free[det_rows[det_rows >= 0]] = False
        second = confirmed[free[confirmed] & (tracks.last_frame[confirmed] == prev)]
        self._associate(det_rows, kalman_boxes, second, low, dets, False, self.low_match_iou_thr)
        return det_rows

    def _associate(self, det_rows, kalman_boxes, rows, idx, dets, weighted, iou_thr):
        """Match track ``rows`` to detections ``idx`` by Kalman-box IoU; fill ``det_rows``.

        ``kalman_boxes`` (T, 4) holds the Kalman box of every track row.
        """
        if not len(rows) or not len(idx):
            return
        r, c = match_by_iou(
            kalman_boxes[rows],
            dets.boxes[idx],
            self.tracks.classes[rows],
            dets.classes[idx],
            min_iou=iou_thr,
            det_weights=dets.scores[idx] if weighted else None,
        )
        det_rows[idx[c]] = rows[r]
