"""Offline linear interpolation of the frames a track misses.

Matches MMTracking 0.x ``mmtrack/core/track/interpolation.py`` (``interpolate_tracks``, the
post-processing of ByteTrack, Zhang et al. 2022): in every track with more than
``min_num_frames`` rows, each gap of ``1 < frame_gap < max_num_frames`` frames between two
consecutive rows is filled with boxes linearly interpolated between the rows around it, and the
interpolated rows get score 1. Differences: tracks with at most two rows are kept (MMTracking
drops them), input rows may be in any order, and duplicated (frame, id) rows are an error.

:class:`InterpolateTracks` applies it to one video's tracked ``Instances``: a video
post-processor (``TrackingByDetection(video_postprocessor=L(InterpolateTracks)())``), run after
a video's last frame, so that the written result files, the scores and anything else that reads
the model's outputs see the same tracks. The defaults are MMTracking's ``interpolate_tracks_cfg``
of its ByteTrack MOT17 configs.
"""

import numpy as np
import torch
from detectron2.structures import Boxes, Instances

__all__ = ["InterpolateTracks", "interpolate_tracks"]


def interpolate_tracks(results, *, min_num_frames=5, max_num_frames=20):
    """Fill short gaps in tracks by linear interpolation.

    Args:
        results (ndarray): (R, C) rows ``frame_id, track_id, x1, y1, x2, y2[, score, ...]``
            with ``C >= 6`` and integer-valued frame ids, in any order.
        min_num_frames (int): only tracks with more rows than this are interpolated.
        max_num_frames (int): only gaps with ``next_frame - frame < max_num_frames`` are filled
            (at most ``max_num_frames - 2`` missing frames).

    Returns:
        ndarray: (R', C) float64, the input rows plus the interpolated ones, sorted by frame then
        track id. Interpolated rows have score (column 6) 1 and -1 in any later column.
    """
    results = np.asarray(results, dtype=np.float64)
    if results.ndim != 2 or results.shape[1] < 6:
        raise ValueError(
            "interpolate_tracks: results must be (R, >=6) rows of frame_id, track_id, x1, y1, "
            f"x2, y2[, score], got shape {results.shape}"
        )
    frames, ids = results[:, 0], results[:, 1]
    if not np.array_equal(frames, np.round(frames)):
        raise ValueError("interpolate_tracks: frame_id (column 0) must be integer-valued")
    results = results[np.lexsort((frames, ids))]  # by track, then frame
    same = np.diff(results[:, :2], axis=0) == 0
    if same.all(axis=1).any():
        raise ValueError("interpolate_tracks: a (frame_id, track_id) pair occurs twice")
    starts = np.flatnonzero(np.diff(results[:, 1])) + 1
    pieces = [results]
    for track in np.split(results, starts):
        if len(track) > min_num_frames:
            pieces.append(_fill_gaps(track, max_num_frames))
    out = np.concatenate(pieces)
    return out[np.lexsort((out[:, 1], out[:, 0]))]


def _fill_gaps(track, max_num_frames):
    """(M, C) interpolated rows for one track's (N, C) rows sorted by frame."""
    frames = track[:, 0]
    span = np.arange(frames[0], frames[-1] + 1)
    missing = span[~np.isin(span, frames)]
    after = np.searchsorted(frames, missing)  # the row right after each missing frame
    missing = missing[frames[after] - frames[after - 1] < max_num_frames]
    rows = np.full((len(missing), track.shape[1]), -1.0)
    rows[:, 0], rows[:, 1] = missing, track[0, 1]
    for col in range(2, 6):
        rows[:, col] = np.interp(missing, frames, track[:, col])
    if track.shape[1] > 6:
        rows[:, 6] = 1.0
    return rows


class InterpolateTracks:
    """Fill short gaps of the tracks of one whole video (offline): a video post-processor."""

    def __init__(self, *, min_num_frames=5, max_num_frames=20):
        """
        Args:
            min_num_frames, max_num_frames (int): as :func:`interpolate_tracks`.
        """
        self.min_num_frames = min_num_frames
        self.max_num_frames = max_num_frames

    def __call__(self, frames, frame_ids=None):
        """Interpolate the tracks of one video.

        Args:
            frames (list[Instances]): the video's tracked frames in order, with ``pred_boxes``
                (XYXY_ABS), ``scores``, ``pred_classes`` and ``ID``.
            frame_ids (list[int] or None): the frames' ids (None: 0, 1, 2, ...); gaps are
                counted in them.

        Returns:
            list[Instances]: per frame, on the CPU, its rows sorted by ``ID`` plus the rows
            interpolated into it (score 1, the track's class), with only the fields
            ``pred_boxes`` (float32, as Detectron2's ``Boxes``), ``scores``, ``pred_classes``
            and ``ID``. Gaps at frames missing from ``frame_ids`` are not filled.
        """
        frame_ids = list(range(len(frames))) if frame_ids is None else list(frame_ids)
        if len(frame_ids) != len(frames):
            raise ValueError(f"InterpolateTracks: {len(frames)} frames but {len(frame_ids)} ids")
        rows = np.concatenate(
            [_rows(f, i) for f, i in zip(frames, frame_ids)] or [np.zeros((0, 8))]
        )
        classes = dict(zip(rows[:, 1], rows[:, 7]))  # a track keeps one class
        rows = interpolate_tracks(
            rows, min_num_frames=self.min_num_frames, max_num_frames=self.max_num_frames
        )
        new = rows[:, 7] < 0
        rows[new, 7] = [classes[i] for i in rows[new, 1]]
        return [_instances(rows[rows[:, 0] == i], f.image_size) for f, i in zip(frames, frame_ids)]


def _rows(instances, frame_id):
    """(N, 8) float64 rows ``frame_id, ID, x1, y1, x2, y2, score, class`` of one frame."""
    instances = instances.to("cpu")
    rows = np.zeros((len(instances), 8))
    rows[:, 0] = frame_id
    rows[:, 1] = np.asarray(instances.ID)
    rows[:, 2:6] = instances.pred_boxes.tensor.numpy()
    rows[:, 6] = instances.scores.numpy()
    rows[:, 7] = instances.pred_classes.numpy()
    return rows


def _instances(rows, image_size):
    """The ``Instances`` of one frame's (N, 8) rows (see :func:`_rows`)."""
    out = Instances(image_size)
    out.pred_boxes = Boxes(torch.as_tensor(rows[:, 2:6], dtype=torch.float32))
    out.scores = torch.as_tensor(rows[:, 6], dtype=torch.float32)
    out.pred_classes = torch.as_tensor(rows[:, 7], dtype=torch.int64)
    out.ID = torch.as_tensor(rows[:, 1], dtype=torch.int64)
    return out
