"""interpolate_tracks and InterpolateTracks: linear gap filling as MMTracking 0.x, checked on
hand-computed rows."""

import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.interpolation import InterpolateTracks, interpolate_tracks


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


def _instances(ids, boxes, scores, classes, image_size=(40, 60)):
    inst = Instances(image_size)
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
    inst.scores = torch.tensor(scores, dtype=torch.float32)
    inst.pred_classes = torch.tensor(classes, dtype=torch.int64)
    inst.ID = torch.tensor(ids, dtype=torch.int64)
    return inst


def test_interpolate_tracks_instances_fills_missed_frames_of_a_video():
    frames = [
        _instances([5, 2], [[9, 9, 19, 19], [0, 0, 10, 20]], [0.4, 0.9], [1, 3]),
        _instances([], [], [], []),
        _instances([2], [[4, 0, 14, 20]], [0.8], [3]),
    ]
    out = InterpolateTracks(min_num_frames=1)(frames, frame_ids=[10, 11, 12])
    assert [len(f) for f in out] == [2, 1, 1] and out[1].image_size == (40, 60)
    assert out[0].ID.tolist() == [2, 5]  # sorted by ID, as the written result files
    np.testing.assert_allclose(out[0].scores.numpy(), [0.9, 0.4])
    assert out[1].ID.tolist() == [2] and out[1].pred_classes.tolist() == [3]
    np.testing.assert_allclose(out[1].pred_boxes.tensor.numpy(), [[2, 0, 12, 20]])
    assert out[1].scores.tolist() == [1.0] and out[1].pred_boxes.tensor.dtype == torch.float32
    assert sorted(out[1].get_fields()) == ["ID", "pred_boxes", "pred_classes", "scores"]


def test_interpolate_tracks_instances_defaults_are_mmtracking_s():
    def video(num_frames, missing):
        empty = _instances([], [], [], [])
        return [
            empty if k == missing else _instances([1], [[k, 0, k + 10, 10]], [0.9], [0])
            for k in range(num_frames)
        ]

    # min_num_frames=5: a track needs more than 5 rows to be interpolated
    assert len(InterpolateTracks()(video(6, missing=2))[2]) == 0
    assert InterpolateTracks()(video(7, missing=2))[2].ID.tolist() == [1]
    with pytest.raises(ValueError, match="2 frames but 1 ids"):
        InterpolateTracks()(video(2, missing=None), frame_ids=[0])
