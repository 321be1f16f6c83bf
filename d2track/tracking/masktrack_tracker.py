"""MaskTrack R-CNN's tracker: per-frame detections matched to the tracks' last appearance.

Matches MMTracking 0.x ``MaskTrackRCNNTracker`` (``mmtrack/models/trackers``) with its YouTube-VIS
settings (``match_weights=dict(det_score=1.0, iou=2.0, det_label=10.0)``,
``num_frames_retain=20``). For detection ``i`` and track ``j`` (the track's last box, class and
embedding), with a "new object" column ``j = 0`` in front::

    similarity = softmax([0, e_i . e_1, ..., e_i . e_T])              (over the T + 1 columns)
    score[i, j] = log(similarity[i, j]) + det_score_weight * log(s_i)
                  + iou_weight * IoU(b_i, b_j) + label_weight * [c_i == c_j]

where column 0 has IoU 0 and counts as the same label. Each detection takes the column of its
highest score (the same ``argmax`` as MMTracking's); detections are visited in MMTracking's order
(by class, then by decreasing score, as its per-class results are laid out): a new-object column
starts a track; a track column is taken if the score beats the best score that track was given
so far in this frame, else the detection is dropped. As in MMTracking, a detection that beats an
earlier one does not take the track from it, so both keep the track's ID (two detections with
one ID); ``unique_ids=True`` drops the earlier one instead. Tracks keep the box, class and
embedding of their latest detection and are forgotten once ``frame_id - last_seen >=
num_frames_retain`` after a frame with detections (a frame without any changes nothing, as in
MMTracking). Boxes are not moved; the output is the kept input rows with ``ID`` (:mod:`.base`),
in visiting order (MMTracking's; of two detections with one ID, the later one's mask is the one
:class:`~d2track.evaluation.VISEvaluator` keeps, as MMTracking's ``format_results``).
"""

import torch
from detectron2.structures import pairwise_iou

from .base import BaseTracker, select_tracked

__all__ = ["MaskTrackRCNNTracker", "masktrack_match_scores"]


def masktrack_match_scores(
    embeds, scores, boxes, classes, track_embeds, track_boxes, track_classes, *, weights
):
    """MaskTrack R-CNN's match score of every detection against "new object" and every track.

    Args:
        embeds (Tensor): (N, D) detection embeddings; scores (N,) in (0, 1]; boxes (Boxes) N
            ``XYXY_ABS``; classes (N,) int64.
        track_embeds (Tensor): (T, D); track_boxes (Boxes) T; track_classes (T,) int64.
        weights (tuple[float]): (det_score, iou, label) weights.

    Returns:
        Tensor: (N, T + 1) float32, column 0 the new-object column.
    """
    det_score_w, iou_w, label_w = weights
    logits = embeds.float() @ track_embeds.float().T
    logits = torch.cat([logits.new_zeros(len(logits), 1), logits], dim=1)
    ious = pairwise_iou(boxes, track_boxes).float()
    ious = torch.cat([ious.new_zeros(len(ious), 1), ious], dim=1)
    same = (classes[:, None] == track_classes[None, :]).float()
    same = torch.cat([same.new_ones(len(same), 1), same], dim=1)
    match = logits.softmax(dim=1).log() + det_score_w * scores.float().log()[:, None]
    return match + iou_w * ious + label_w * same


class MaskTrackRCNNTracker(BaseTracker):
    """The tracker of MaskTrack R-CNN (see the module docstring)."""

    needs_embeds = True

    def __init__(
        self,
        *,
        det_score_weight=1.0,
        iou_weight=2.0,
        label_weight=10.0,
        num_frames_retain=20,
        unique_ids=False,
    ):
        """
        Args:
            det_score_weight, iou_weight, label_weight (float): MMTracking's ``match_weights``
                (``det_score``, ``iou``, ``det_label``).
            num_frames_retain (int): a track last seen at frame ``f`` can be matched up to frame
                ``f + num_frames_retain``.
            unique_ids (bool): when a later detection beats an earlier one for the same track,
                drop the earlier one instead of outputting both with the track's ID.
        """
        if num_frames_retain < 1:
            raise ValueError(f"num_frames_retain must be >= 1, got {num_frames_retain}")
        self.weights = (float(det_score_weight), float(iou_weight), float(label_weight))
        self.num_frames_retain = int(num_frames_retain)
        self.unique_ids = unique_ids
        super().__init__()

    def reset(self):
        super().reset()
        self._tracks = None  # ids, boxes, classes, embeds, last: (T, ...) tensors; None: empty

    @property
    def num_tracks(self):
        """How many tracks the tracker can still match."""
        return 0 if self._tracks is None else len(self._tracks["ids"])

    def _track(self, instances, **_):
        if len(instances) == 0:
            return select_tracked(instances, torch.empty(0, dtype=torch.int64))
        order = _mmtrack_order(instances.scores, instances.pred_classes)
        columns = self._match_columns(instances)
        ids = torch.full((len(instances),), -1, dtype=torch.int64)
        best = torch.full((self.num_tracks,), float("-inf"))
        holder = torch.full((self.num_tracks,), -1, dtype=torch.int64)
        for i in order.tolist():
            col, score = columns[i]
            if col < 0:
                ids[i] = self.new_ids(1)[0]
            elif score > best[col]:
                if self.unique_ids and holder[col] >= 0:
                    ids[holder[col]] = -1
                ids[i], best[col], holder[col] = self._tracks["ids"][col], score, i
        self._remember(instances, ids, order)
        if not torch.equal(order, torch.arange(len(order))):
            instances, ids = instances[order], ids[order]
        return select_tracked(instances, ids)

    def _match_columns(self, instances):
        """Per detection: (track index, match score), or (-1, _) for the new-object column."""
        if self._tracks is None:
            return [(-1, 0.0)] * len(instances)
        scores = masktrack_match_scores(
            instances.embeds,
            instances.scores,
            instances.pred_boxes,
            instances.pred_classes,
            self._tracks["embeds"].to(instances.embeds.device),
            type(instances.pred_boxes)(self._tracks["boxes"].to(instances.scores.device)),
            self._tracks["classes"].to(instances.pred_classes.device),
            weights=self.weights,
        ).cpu()
        best, column = scores.max(dim=1)
        return [(c - 1, s) for c, s in zip(column.tolist(), best.tolist())]

    def _remember(self, instances, ids, order):
        """Store each output detection as its track's latest state (of two detections with one
        ID, the later in visiting order wins, as in MMTracking), then forget old tracks."""
        latest = {int(ids[i]): i for i in order.tolist() if ids[i] >= 0}
        state = dict(
            boxes=instances.pred_boxes.tensor.detach().float().cpu(),
            classes=instances.pred_classes.cpu(),
            embeds=instances.embeds.detach().float().cpu(),
        )
        state["last"] = torch.full((len(instances),), self.frame_id, dtype=torch.int64)
        tracks = self._tracks
        if tracks is None:
            tracks = {k: v[:0] for k, v in state.items()}
            tracks["ids"] = torch.empty(0, dtype=torch.int64)
        row_of = {int(t): r for r, t in enumerate(tracks["ids"].tolist())}
        seen = [(row_of[t], i) for t, i in latest.items() if t in row_of]
        if seen:
            rows, dets = map(torch.tensor, zip(*seen))
            for key, value in state.items():
                tracks[key][rows] = value[dets]
        new = [(t, i) for t, i in latest.items() if t not in row_of]
        if new:
            new_ids, dets = map(torch.tensor, zip(*new))
            tracks = {
                k: torch.cat([v, state[k][dets] if k != "ids" else new_ids])
                for k, v in tracks.items()
            }
        keep = self.frame_id - tracks["last"] < self.num_frames_retain
        self._tracks = {k: v[keep] for k, v in tracks.items()} if keep.any() else None


def _mmtrack_order(scores, classes):
    """Detection indices by class, then by decreasing score (ties: input order): the layout of
    MMDetection's per-class results that MMTracking's tracker walks through."""
    by_score = torch.sort(scores.detach().cpu(), descending=True, stable=True).indices
    by_class = torch.sort(classes.detach().cpu()[by_score], stable=True).indices
    return by_score[by_class]
