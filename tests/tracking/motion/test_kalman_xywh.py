"""KalmanFilterXYWH (BoT-SORT) and the NSA option of both Kalman filters."""

import numpy as np
import pytest

from d2track.tracking.motion import warp_states
from d2track.tracking.motion.kalman_filter import (
    CHI2INV95,
    KalmanFilter,
    KalmanFilterXYWH,
    xywh_to_xyxy,
    xyxy_to_xywh,
)

# One box: centre (50, 100), width 40, height 80 -> std weights give round numbers:
# position std w/20 = 2 and h/20 = 4, velocity std w/160 = 0.25 and h/160 = 0.5.
BOX = np.array([[50.0, 100.0, 40.0, 80.0]])
# Initial variances: (2 * 2)^2, (2 * 4)^2 for positions, (10 * 0.25)^2, (10 * 0.5)^2 for velocities.
INIT_VAR = [16.0, 64.0, 16.0, 64.0, 6.25, 25.0, 6.25, 25.0]


def test_box_conversions_round_trip():
    xyxy = np.array([[30.0, 60.0, 70.0, 140.0], [0.0, 0.0, 10.0, 40.0]])
    xywh = xyxy_to_xywh(xyxy)
    np.testing.assert_allclose(xywh, [[50, 100, 40, 80], [5, 20, 10, 40]])
    np.testing.assert_allclose(xywh_to_xyxy(xywh), xyxy)
    kf = KalmanFilterXYWH()
    assert kf.layout == "xywh" and KalmanFilter().layout == "xyah"
    np.testing.assert_allclose(kf.box_to_measurement(xyxy), xywh)
    np.testing.assert_allclose(kf.measurement_to_box(xywh), xyxy)
    np.testing.assert_allclose(
        KalmanFilter.measurement_to_box(KalmanFilter.box_to_measurement(xyxy)), xyxy
    )
    assert xyxy_to_xywh(np.zeros((0, 4))).shape == (0, 4)


def test_initiate_hand_computed():
    mean, cov = KalmanFilterXYWH().initiate(BOX)
    np.testing.assert_allclose(mean, [[50, 100, 40, 80, 0, 0, 0, 0]])
    np.testing.assert_allclose(cov[0], np.diag(INIT_VAR))


def test_predict_hand_computed():
    kf = KalmanFilterXYWH()
    mean, cov = kf.initiate(BOX)
    mean[0, 4] = 3.0  # x velocity
    mean, cov = kf.predict(mean, cov)
    np.testing.assert_allclose(mean[0], [53, 100, 40, 80, 3, 0, 0, 0])
    # var(x) = P_xx + P_vv + Q_x = 16 + 6.25 + 2^2; var(y) = 64 + 25 + 4^2.
    np.testing.assert_allclose(np.diag(cov[0])[:4], [26.25, 105, 26.25, 105])
    # var(vx) = 6.25 + 0.25^2, var(vy) = 25 + 0.5^2; cov(x, vx) = P_vv.
    np.testing.assert_allclose(np.diag(cov[0])[4:], [6.3125, 25.25, 6.3125, 25.25])
    assert cov[0, 0, 4] == pytest.approx(6.25) and cov[0, 1, 5] == pytest.approx(25.0)
    np.testing.assert_allclose(cov[0], cov[0].T)


def test_update_hand_computed():
    kf = KalmanFilterXYWH()
    mean, cov = kf.predict(*kf.initiate(BOX))
    proj_mean, proj_cov = kf.project(mean, cov)
    # R = (w/20, h/20, w/20, h/20)^2 = (4, 16, 4, 16) on top of the predicted variances.
    np.testing.assert_allclose(np.diag(proj_cov[0]), [30.25, 121, 30.25, 121])
    measured = BOX + np.array([[10.0, 0, 0, -8.0]])
    new_mean, new_cov = kf.update(mean, cov, measured)
    # Every coordinate is decoupled from the others: scalar gains P / (P + R).
    assert new_mean[0, 0] == pytest.approx(50 + 10 * 26.25 / 30.25)
    assert new_mean[0, 4] == pytest.approx(10 * 6.25 / 30.25)
    assert new_mean[0, 3] == pytest.approx(80 - 8 * 105 / 121)
    assert new_mean[0, 7] == pytest.approx(-8 * 25 / 121)
    np.testing.assert_allclose(new_mean[0, [1, 2, 5, 6]], [100, 40, 0, 0])
    assert new_cov[0, 0, 0] == pytest.approx(26.25 - 26.25**2 / 30.25)
    assert new_cov[0, 4, 4] == pytest.approx(6.3125 - 6.25**2 / 30.25)


def test_gating_distance_hand_computed():
    kf = KalmanFilterXYWH()
    mean, cov = kf.predict(*kf.initiate(BOX))
    measurements = np.array([[50.0, 100, 40, 80], [61.0, 100, 40, 80], [50.0, 122, 51, 80]])
    dist = kf.gating_distance(mean[0], cov[0], measurements)
    np.testing.assert_allclose(dist, [0, 121 / 30.25, 484 / 121 + 121 / 30.25])
    only_pos = kf.gating_distance(mean[0], cov[0], measurements, only_position=True)
    np.testing.assert_allclose(only_pos, [0, 4, 4])
    assert kf.gating_threshold == CHI2INV95[4]
    assert KalmanFilterXYWH(center_only=True).gating_threshold == CHI2INV95[2]


@pytest.mark.parametrize("filter_cls", [KalmanFilter, KalmanFilterXYWH])
def test_nsa_scales_measurement_covariance_exactly(filter_cls):
    kf = filter_cls()
    mean, cov = kf.predict(*kf.initiate(BOX if filter_cls is KalmanFilterXYWH else _xyah(BOX)))
    plain_noise = kf.project(mean, cov)[1] - cov[:, :4, :4]
    nsa_noise = kf.project(mean, cov, confidence=np.array([0.9]))[1] - cov[:, :4, :4]
    np.testing.assert_allclose(nsa_noise, 0.1 * plain_noise, rtol=1e-12, atol=1e-12)
    squared = filter_cls(nsa_exponent=2).project(mean, cov, confidence=0.9)[1] - cov[:, :4, :4]
    np.testing.assert_allclose(squared, 0.01 * plain_noise, rtol=1e-10, atol=1e-12)
    # No confidence and confidence 0 are the plain filter, bit for bit.
    for confidence in (None, 0.0):
        for want, got in zip(kf.update(mean, cov, BOX), kf.update(mean, cov, BOX, confidence)):
            np.testing.assert_array_equal(got, want)


def test_nsa_update_hand_computed():
    kf = KalmanFilterXYWH()
    mean, cov = kf.predict(*kf.initiate(BOX))
    measured = BOX + np.array([[10.0, 0, 0, 0]])
    new_mean, _ = kf.update(mean, cov, measured, confidence=np.array([0.9]))
    # R_xx = 4 becomes 0.1 * 4: a confident detection pulls the state closer.
    assert new_mean[0, 0] == pytest.approx(50 + 10 * 26.25 / (26.25 + 0.4))


def _xyah(xywh):
    out = np.array(xywh, dtype=np.float64)
    out[:, 2] = out[:, 2] / out[:, 3]
    return out


def _random_tracks(filter_cls, n, seed=0):
    rng = np.random.default_rng(seed)
    boxes = np.column_stack(
        [rng.uniform(0, 500, (n, 2)), rng.uniform(10, 100, n), rng.uniform(20, 200, n)]
    )
    if filter_cls is KalmanFilter:
        boxes = _xyah(boxes)
    kf = filter_cls()
    mean, cov = kf.predict(*kf.initiate(boxes))
    return kf, rng, boxes, mean, cov


@pytest.mark.parametrize("filter_cls", [KalmanFilter, KalmanFilterXYWH])
@pytest.mark.parametrize("num", [5, 100])  # small and large batches take different solvers
def test_batch_equals_one_at_a_time(filter_cls, num):
    kf, rng, boxes, mean, cov = _random_tracks(filter_cls, num)
    measured = boxes + rng.normal(0, 2, boxes.shape)
    confidence = rng.uniform(0, 1, num)
    batch_mean, batch_cov = kf.update(*kf.predict(mean, cov), measured, confidence)
    for i in range(0, num, num // 5):
        one = kf.predict(mean[i : i + 1], cov[i : i + 1])
        one_mean, one_cov = kf.update(*one, measured[[i]], confidence[[i]])
        np.testing.assert_array_equal(batch_mean[i], one_mean[0])
        np.testing.assert_array_equal(batch_cov[i], one_cov[0])


def _textbook_update(kf, mean, cov, measured, confidence):
    """K = P H^T S^-1 with a full inverse, one track at a time."""
    out_mean, out_cov = [], []
    for m, p, z, c in zip(mean, cov, measured, confidence):
        std = kf.std_weight_position * np.array([m[2], m[3], m[2], m[3]])
        gain = p[:, :4] @ np.linalg.inv(p[:4, :4] + (1 - c) * np.diag(std**2))
        out_mean.append(m + gain @ (z - m[:4]))
        out_cov.append(p - gain @ p[:4, :])
    return np.array(out_mean), np.array(out_cov)


@pytest.mark.parametrize("num", [5, 100])
def test_update_after_camera_rotation_matches_textbook(num):
    kf, rng, boxes, mean, cov = _random_tracks(KalmanFilterXYWH, num, seed=3)
    warp = np.array([[np.cos(0.05), -np.sin(0.05), 4.0], [np.sin(0.05), np.cos(0.05), -2.0]])
    mean, cov = warp_states(mean, cov, warp, layout=kf.layout)  # x, y now correlated
    assert np.count_nonzero(cov[:, :4, :4], axis=(1, 2)).min() > 4
    measured = boxes + rng.normal(0, 2, boxes.shape)
    confidence = rng.uniform(0, 0.95, num)
    got_mean, got_cov = kf.update(mean, cov, measured, confidence)
    want_mean, want_cov = _textbook_update(kf, mean, cov, measured, confidence)
    np.testing.assert_allclose(got_mean, want_mean, rtol=1e-10)
    np.testing.assert_allclose(got_cov, want_cov, rtol=1e-9, atol=1e-10)
