"""interpolate_tracks: linear gap filling as MMTracking 0.x, checked on hand-computed rows."""

import numpy as np
import pytest

from d2track.tracking.interpolation import interpolate_tracks


def _track(track_id, frames, start=(0.0, 0.0, 10.0, 10.0), step=1.0, score=0.9):
    """Rows of a box moving right by ``step`` per frame."""
    frames = np.asarray(frames, dtype=float)
    x1 = start[0] + step * frames
    cols = [frames, np.full_like(frames, track_id), x1, np.full_like(frames, start[1])]
    cols += [x1 + start[2] - start[0], np.full_like(frames, start[3]), np.full_like(frames, score)]
    return np.stack(cols, axis=1)


def test_fills_gap_with_hand_computed_rows():
    rows = np.array(
        [
            [0, 7, 0, 0, 10, 10, 0.9],
            [1, 7, 1, 0, 11, 10, 0.9],
            [2, 7, 2, 0, 12, 10, 0.9],
            [3, 7, 3, 0, 13, 10, 0.9],
            [4, 7, 4, 0, 14, 10, 0.9],
            [7, 7, 10, 6, 20, 16, 0.8],
        ]
    )
    out = interpolate_tracks(rows)
    expected_new = np.array([[5, 7, 6, 2, 16, 12, 1.0], [6, 7, 8, 4, 18, 14, 1.0]])
    assert out.shape == (8, 7)
    np.testing.assert_allclose(out[5:7], expected_new)
    np.testing.assert_allclose(out[[0, 1, 2, 3, 4, 7]], rows)


def test_gap_of_max_num_frames_is_not_filled():
    rows = np.concatenate([_track(1, range(6)), _track(1, [5 + 20])])
    assert len(interpolate_tracks(rows, max_num_frames=20)) == 7
    filled = interpolate_tracks(rows, max_num_frames=21)  # gap 20 < 21: 19 new rows
    assert len(filled) == 7 + 19
    np.testing.assert_array_equal(filled[:, 0], np.arange(26))
    np.testing.assert_allclose(filled[:, 2], np.arange(26.0))


def test_short_tracks_untouched():
    five = _track(3, [0, 1, 2, 3, 9])  # 5 rows: not more than min_num_frames=5
    two = _track(4, [0, 5])
    out = interpolate_tracks(np.concatenate([five, two]))
    assert len(out) == 7
    assert len(interpolate_tracks(five, min_num_frames=4)) == 10


def test_unsorted_input_and_several_tracks():
    a = _track(2, [0, 1, 2, 3, 4, 6])
    b = _track(1, [0, 1, 2, 3, 4, 5, 8], start=(100.0, 50.0, 120.0, 90.0), step=-2.0)
    rows = np.concatenate([a, b])[np.random.default_rng(0).permutation(13)]
    out = interpolate_tracks(rows)
    assert len(out) == 13 + 1 + 2
    assert (np.diff(out[:, 0]) >= 0).all()  # sorted by frame, then id
    new_a = out[(out[:, 1] == 2) & (out[:, 0] == 5)]
    np.testing.assert_allclose(new_a, [[5, 2, 5, 0, 15, 10, 1.0]])
    new_b = out[(out[:, 1] == 1) & np.isin(out[:, 0], [6, 7])]
    np.testing.assert_allclose(new_b[:, 2], [88.0, 86.0])
    np.testing.assert_allclose(out[out[:, 0] == 6][:, 1], [1, 2])


def test_six_and_eight_columns():
    rows = _track(1, [0, 1, 2, 3, 4, 6])
    six = interpolate_tracks(rows[:, :6])
    assert six.shape == (7, 6)
    np.testing.assert_allclose(six[5], [5, 1, 5, 0, 15, 10])
    extra = interpolate_tracks(np.concatenate([rows, np.full((6, 1), 0.5)], axis=1))
    np.testing.assert_allclose(extra[5, 6:], [1.0, -1.0])


def test_bad_input_raises():
    with pytest.raises(ValueError, match=r"\(R, >=6\)"):
        interpolate_tracks(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"\(R, >=6\)"):
        interpolate_tracks(np.zeros(7))
    with pytest.raises(ValueError, match="integer"):
        interpolate_tracks(_track(1, [0.5, 1, 2]))
    with pytest.raises(ValueError, match="occurs twice"):
        interpolate_tracks(_track(1, [0, 1, 1, 2]))


def test_empty_input():
    assert interpolate_tracks(np.zeros((0, 7))).shape == (0, 7)
