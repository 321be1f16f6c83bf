"""Offline linear interpolation of the frames a track misses.

Matches MMTracking 0.x ``mmtrack/core/track/interpolation.py`` (``interpolate_tracks``, the
post-processing of ByteTrack, Zhang et al. 2022): in every track with more than
``min_num_frames`` rows, each gap of ``1 < frame_gap < max_num_frames`` frames between two
consecutive rows is filled with boxes linearly interpolated between the rows around it, and the
interpolated rows get score 1. Differences: tracks with at most two rows are kept (MMTracking
drops them), input rows may be in any order, and duplicated (frame, id) rows are an error.
"""

import numpy as np

__all__ = ["interpolate_tracks"]


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
