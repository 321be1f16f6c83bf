"""CameraMotionCompensation methods (ECC, sparse flow, ORB) and the warps of boxes and states."""

import logging

import numpy as np
import pytest
import torch

from d2track.tracking.motion.cmc import (
    CMC_METHODS,
    CameraMotionCompensation,
    warp_boxes,
    warp_states,
)

METHODS = ("ecc", "sparse_flow", "orb")


def _max_error(estimated, true, width=480, height=360):
    """Largest displacement error (px) of the frame corners and centre."""
    points = np.array([[0, 0], [width, 0], [0, height], [width, height], [width / 2, height / 2]])
    moved = points @ true[:, :2].T + true[:, 2]
    return np.abs(points @ estimated[:, :2].T + estimated[:, 2] - moved).max()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_rotation_and_translation(frames, method, seed):
    prev, cur, true = frames(seed=seed, angle=1.5, shift=(5.0, -3.0))
    warp = CameraMotionCompensation(method=method).estimate(prev, cur)
    assert warp.shape == (2, 3) and warp.dtype == np.float64
    assert _max_error(warp, true) < 0.5


@pytest.mark.parametrize("method", METHODS)
def test_identical_frames_give_identity(frames, method):
    prev, _, _ = frames()
    warp = CameraMotionCompensation(method=method).estimate(prev, prev.copy())
    np.testing.assert_allclose(warp, np.eye(2, 3), atol=0.05)
    assert _max_error(warp, np.eye(2, 3)) < 0.1


@pytest.mark.parametrize("method", METHODS)
def test_blank_frames_give_identity_and_warn_once(caplog, method):
    blank = np.zeros((120, 160, 3), np.uint8)
    cmc = CameraMotionCompensation(method=method)
    with caplog.at_level(logging.DEBUG, logger="d2track.tracking.motion.cmc"):
        first = cmc.estimate(blank, blank.copy())
        second = cmc.estimate(blank.copy(), blank)
    assert np.array_equal(first, np.eye(2, 3)) and np.array_equal(second, np.eye(2, 3))
    levels = [r.levelno for r in caplog.records]
    assert levels == [logging.WARNING, logging.DEBUG]
    assert "using the identity" in caplog.records[0].getMessage()


def test_defaults_are_the_references():
    sparse = CameraMotionCompensation(method="sparse_flow").config()
    assert sparse == {
        "method": "sparse_flow",
        "downscale": 2,
        "max_corners": 1000,
        "quality_level": 0.01,
        "min_distance": 1.0,
        "block_size": 3,
        "use_harris": False,
        "harris_k": 0.04,
        "min_matches": 5,
        "ransac_threshold": 3.0,
    }
    orb = CameraMotionCompensation(method="orb").config()
    assert orb["downscale"] == 2 and orb["fast_threshold"] == 20 and orb["ratio"] == 0.9
    assert orb["max_displacement"] == 0.25 and orb["outlier_std"] == 2.5
    ecc = CameraMotionCompensation()  # MMTracking's Tracktor settings, as before
    assert ecc.config() == {
        "method": "ecc",
        "warp_mode": "euclidean",
        "num_iters": 100,
        "stop_eps": 1e-5,
        "downscale": 1.0,
    }
    assert ecc.warp_mode == "euclidean" and ecc.num_iters == 100  # parameters read as attributes
    assert set(CMC_METHODS) == set(METHODS)


def test_bad_methods_and_parameters_raise():
    with pytest.raises(ValueError, match="method"):
        CameraMotionCompensation(method="sift")
    with pytest.raises(TypeError, match="sparse_flow.*warp_mode"):
        CameraMotionCompensation(method="sparse_flow", warp_mode="affine")
    with pytest.raises(ValueError, match="integer"):
        CameraMotionCompensation(method="orb", downscale=1.5)


def test_frame_features_are_reused_for_the_next_pair(frames, monkeypatch):
    prev, cur, _ = frames()
    later = np.ascontiguousarray(np.roll(cur, 2, axis=1))
    cmc = CameraMotionCompensation(method="orb")
    calls = []
    prepare = cmc.estimator.prepare
    monkeypatch.setattr(cmc.estimator, "prepare", lambda gray: calls.append(1) or prepare(gray))
    first, second = cmc.estimate(prev, cur), cmc.estimate(cur, later)
    assert len(calls) == 3  # cur is analysed once, as the current and then the previous frame
    fresh = CameraMotionCompensation(method="orb")
    np.testing.assert_array_equal(first, fresh.estimate(prev, cur))
    np.testing.assert_array_equal(second, fresh.estimate(cur.copy(), later))


def test_warp_matrix_is_the_estimate_as_float32_tensor(frames):
    prev, cur, _ = frames()
    cmc = CameraMotionCompensation(method="sparse_flow")
    matrix = cmc.warp_matrix(prev, cur)
    assert matrix.dtype == torch.float32 and matrix.shape == (2, 3)
    np.testing.assert_allclose(matrix.numpy(), cmc.estimate(prev, cur), rtol=1e-6, atol=1e-5)


def test_warp_boxes_hand_computed_for_arrays_and_tensors():
    warp = np.array([[2.0, 0.0, 10.0], [0.0, 2.0, -5.0]])  # scale 2, then shift (10, -5)
    boxes = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 10.0, 20.0]])
    expected = [[12.0, -1.0, 16.0, 3.0], [10.0, -5.0, 30.0, 35.0]]
    out = warp_boxes(boxes, warp)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    tensor = warp_boxes(torch.tensor(boxes, dtype=torch.float64), torch.tensor(warp))
    assert tensor.dtype == torch.float64 and tensor.tolist() == expected
    assert warp_boxes(np.zeros((0, 4)), warp).shape == (0, 4)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        warp_boxes(boxes, np.eye(3))


def test_warp_states_xywh_is_botsort_multi_gmc():
    mean = np.array([[1.0, 2.0, 3.0, 4.0, 0.5, 0.25, 0.1, 0.2]])
    cov = np.diag(np.arange(1.0, 9.0))[None]
    scale = np.array([[2.0, 0.0, 10.0], [0.0, 2.0, -5.0]])
    new_mean, new_cov = warp_states(mean, cov, scale, layout="xywh")
    np.testing.assert_allclose(new_mean, [[12, -1, 6, 8, 1, 0.5, 0.2, 0.4]])
    np.testing.assert_allclose(new_cov, 4 * cov)
    # 90 degrees: (x, y) -> (-y, x) for every pair, the size pair included (BoT-SORT's kron).
    turn = np.array([[0.0, -1.0, 100.0], [1.0, 0.0, 0.0]])
    new_mean, new_cov = warp_states(mean, cov, turn, layout="xywh")
    np.testing.assert_allclose(new_mean, [[98, 1, -4, 3, -0.25, 0.5, -0.2, 0.1]])
    np.testing.assert_allclose(new_cov[0], np.diag([2.0, 1, 4, 3, 6, 5, 8, 7]))


def test_warp_states_xyah_moves_centre_keeps_aspect_scales_height():
    mean = np.array([[1.0, 2.0, 0.5, 10.0, 1.0, 0.0, 0.01, 1.0]])
    cov = np.diag(np.arange(1.0, 9.0))[None]
    warp = np.array([[0.0, -2.0, 7.0], [2.0, 0.0, 3.0]])  # 90 degrees, scale 2, shift (7, 3)
    new_mean, new_cov = warp_states(mean, cov, warp, layout="xyah")
    np.testing.assert_allclose(new_mean, [[-4 + 7, 2 + 3, 0.5, 20, 0, 2, 0.01, 2]])
    np.testing.assert_allclose(new_cov[0], np.diag([8.0, 4, 3, 16, 24, 20, 7, 32]))
    identity_mean, identity_cov = warp_states(mean, cov, np.eye(2, 3), layout="xyah")
    np.testing.assert_array_equal(identity_mean, mean)
    np.testing.assert_array_equal(identity_cov, cov)
    with pytest.raises(ValueError, match="layout"):
        warp_states(mean, cov, warp, layout="xysr")


def test_warp_states_is_batched_and_matches_a_full_transform():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 8))
    half = rng.normal(size=(5, 8, 8))
    cov = half @ half.transpose(0, 2, 1)
    warp = np.array([[0.99, -0.05, 3.0], [0.05, 0.99, -2.0]])
    new_mean, new_cov = warp_states(mean, cov, warp, layout="xywh")
    transform = np.kron(np.eye(4), warp[:, :2])
    for i in range(5):
        np.testing.assert_allclose(new_mean[i], transform @ mean[i] + np.r_[warp[:, 2], [0] * 6])
        np.testing.assert_allclose(new_cov[i], transform @ cov[i] @ transform.T)
