"""GSI (StrongSORT's Gaussian-smoothed interpolation): the GP regression as scikit-learn computes
it, gap filling, and smoothing of a noisy track towards its line."""

import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking.gsi import (
    GaussianSmoothedInterpolation,
    gaussian_smooth,
    gp_smooth,
    gsi_length_scale,
)

T = np.array([0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 9.0])
Y = np.array([10.0, 12.5, 13.0, 17.0, 20.5, 21.0, 28.0])
# GaussianProcessRegressor(RBF(l, "fixed")).fit(T, Y).predict(T), scikit-learn 1.9.1.
SKLEARN_GSI = [10.21372127532959, 11.816444396972656, 13.566038131713867, 17.41118049621582]
SKLEARN_GSI += [19.45996379852295, 21.562304496765137, 27.97034454345703]
SKLEARN_L2 = [9.999999998890862, 12.5000000030712, 12.999999994301021, 17.000000011069062]
SKLEARN_L2 += [20.49999998346611, 21.000000007559564, 27.999999996508528]


def test_gp_smooth_equals_scikit_learn():
    scale = gsi_length_scale(len(T), 10.0)
    assert scale == pytest.approx(10 * np.log(1000 / 7))  # 49.618...
    np.testing.assert_allclose(gp_smooth(T, Y, scale), SKLEARN_GSI, rtol=0, atol=1e-6)
    np.testing.assert_allclose(gp_smooth(T, Y, 2.0), SKLEARN_L2, rtol=0, atol=1e-6)
    # columns are independent fits
    both = gp_smooth(T, np.stack([Y, 2 * Y], axis=1), 2.0)
    np.testing.assert_allclose(both[:, 1], 2 * np.asarray(SKLEARN_L2), atol=1e-5)


def test_length_scale_is_clipped():
    assert gsi_length_scale(1, 10.0) == pytest.approx(10 * np.log(1000))
    assert gsi_length_scale(5000, 10.0) == pytest.approx(0.1)  # 1 / tau
    assert gsi_length_scale(1, 2.0) == pytest.approx(4.0)  # tau^2


def _frame(rows, size=(480, 640)):
    """Instances from rows ``(ID, x1, y1, x2, y2[, score, class])``."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 7)
    out = Instances(size)
    out.pred_boxes = Boxes(torch.as_tensor(rows[:, 1:5], dtype=torch.float32))
    out.scores = torch.as_tensor(rows[:, 5], dtype=torch.float32)
    out.pred_classes = torch.as_tensor(rows[:, 6], dtype=torch.int64)
    out.ID = torch.as_tensor(rows[:, 0], dtype=torch.int64)
    return out


def test_smooths_a_noisy_linear_track_towards_the_line():
    rng = np.random.default_rng(0)
    t = np.arange(120.0)
    line = np.stack([100 + 2 * t, 50 + 0.5 * t, 140 + 2 * t, 130 + 0.5 * t], axis=1)
    noisy = line + rng.normal(0, 3.0, line.shape)
    frames = [_frame([[3, *box, 0.9, 1]]) for box in noisy]
    out = GaussianSmoothedInterpolation()(frames)
    smoothed = np.stack([f.pred_boxes.tensor[0].numpy() for f in out])
    before = np.sqrt(((noisy - line) ** 2).mean())
    after = np.sqrt(((smoothed - line) ** 2).mean())
    assert after < 0.5 * before, (before, after)
    assert [f.ID.tolist() for f in out] == [[3]] * 120
    assert out[0].scores.tolist() == pytest.approx([0.9])  # detection scores are kept


def test_fills_gaps_shorter_than_the_interval():
    boxes = {f: [10.0 + f, 20.0, 30.0 + f, 60.0] for f in range(10) if f not in (4, 5, 6)}
    boxes[40] = [50.0, 20.0, 70.0, 60.0]  # a gap of 31 frames: too long (interval 20)
    frames = [
        _frame([[7, *boxes[f], 0.8, 2]]) if f in boxes else _frame(np.zeros((0, 7)))
        for f in range(41)
    ]
    out = GaussianSmoothedInterpolation(interval=20, tau=10.0)(frames)
    assert [len(f) for f in out[:10]] == [1] * 10
    assert all(len(f) == 0 for f in out[10:40]) and len(out[40]) == 1
    filled = out[5]
    assert filled.ID.tolist() == [7] and filled.pred_classes.tolist() == [2]
    assert filled.scores.tolist() == [1.0]
    # the line x1 = 10 + f is smooth: the interpolated box stays on it
    np.testing.assert_allclose(filled.pred_boxes.tensor[0].numpy(), [15, 20, 35, 60], atol=0.05)


def test_gsi_smoothing_is_linear_in_the_box_coordinates():
    """The reference smooths (x, y, w, h); smoothing (x1, y1, x2, y2) gives the same boxes."""
    rng = np.random.default_rng(1)
    t = np.arange(40.0)
    xyxy = np.stack([t, t / 2, t + 20 + rng.normal(0, 2, 40), t / 2 + 40], axis=1)
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)
    ids = np.zeros(40)
    a = gaussian_smooth(np.column_stack([t, ids, xyxy]))[:, 2:6]
    b = gaussian_smooth(np.column_stack([t, ids, xywh]))[:, 2:6]
    np.testing.assert_allclose(
        a, np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1), atol=1e-3
    )


def test_several_tracks_frame_ids_and_empty_video():
    frames = [_frame([[2, 0, 0, 10, 10, 0.9, 0], [1, 50, 50, 60, 60, 0.7, 0]]) for _ in range(3)]
    out = GaussianSmoothedInterpolation()(frames, frame_ids=[4, 5, 6])
    assert [f.ID.tolist() for f in out] == [[1, 2]] * 3  # sorted by ID
    expected = [[50, 50, 60, 60], [0, 0, 10, 10]]
    np.testing.assert_allclose(out[1].pred_boxes.tensor.numpy(), expected, atol=1e-3)
    assert GaussianSmoothedInterpolation()([]) == []
    with pytest.raises(ValueError, match="2 ids"):
        GaussianSmoothedInterpolation()(frames, frame_ids=[0, 1])
