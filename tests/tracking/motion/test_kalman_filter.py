import numpy as np
import pytest

from d2track.tracking.motion.kalman_filter import (
    CHI2INV95,
    KalmanFilter,
    xyah_to_xyxy,
    xyxy_to_xyah,
)

# One box: centre (50, 100), aspect 0.5, height 100 -> std weights give round numbers:
# position std h/20 = 5, velocity std h/160 = 0.625.
BOX = np.array([[50.0, 100.0, 0.5, 100.0]])


def test_box_conversions_round_trip():
    xyxy = np.array([[25.0, 50.0, 75.0, 150.0], [0.0, 0.0, 10.0, 40.0]])
    xyah = xyxy_to_xyah(xyxy)
    np.testing.assert_allclose(xyah, [[50, 100, 0.5, 100], [5, 20, 0.25, 40]])
    np.testing.assert_allclose(xyah_to_xyxy(xyah), xyxy)
    assert xyxy_to_xyah(np.zeros((0, 4))).shape == (0, 4)


def test_initiate_hand_computed():
    mean, cov = KalmanFilter().initiate(BOX)
    np.testing.assert_allclose(mean, [[50, 100, 0.5, 100, 0, 0, 0, 0]])
    # 2 * 5 = 10 for positions, 10 * 0.625 = 6.25 for velocities.
    expected = [100, 100, 1e-4, 100, 39.0625, 39.0625, 1e-10, 39.0625]
    np.testing.assert_allclose(cov[0], np.diag(expected))


def test_predict_hand_computed():
    kf = KalmanFilter()
    mean, cov = kf.initiate(BOX)
    mean[0, 4] = 3.0  # x velocity
    mean, cov = kf.predict(mean, cov)
    np.testing.assert_allclose(mean[0, :5], [53, 100, 0.5, 100, 3])
    # var(x) = P_xx + P_vv + Q_x = 100 + 39.0625 + 25; cov(x, vx) = P_vv; var(vx) += 0.625^2.
    assert cov[0, 0, 0] == pytest.approx(164.0625)
    assert cov[0, 0, 4] == pytest.approx(39.0625)
    assert cov[0, 4, 4] == pytest.approx(39.453125)
    assert cov[0, 2, 2] == pytest.approx(1e-4 + 1e-10 + 1e-4)
    np.testing.assert_allclose(cov[0], cov[0].T)


def test_update_hand_computed():
    kf = KalmanFilter()
    mean, cov = kf.predict(*kf.initiate(BOX))
    measured = BOX + np.array([[10.0, 0, 0, 0]])
    new_mean, new_cov = kf.update(mean, cov, measured)
    # x is decoupled from the other coordinates: scalar gain P_xx / (P_xx + R_xx), R_xx = 5^2.
    s = 164.0625 + 25.0
    assert new_mean[0, 0] == pytest.approx(50 + 10 * 164.0625 / s)
    assert new_mean[0, 4] == pytest.approx(10 * 39.0625 / s)
    assert new_mean[0, 1] == pytest.approx(100)
    assert new_cov[0, 0, 0] == pytest.approx(164.0625 - 164.0625**2 / s)
    assert new_cov[0, 4, 4] == pytest.approx(39.453125 - 39.0625**2 / s)


def _random_tracks(n, seed=0):
    rng = np.random.default_rng(seed)
    boxes = np.column_stack(
        [rng.uniform(0, 500, (n, 2)), rng.uniform(0.3, 1.0, n), rng.uniform(20, 200, n)]
    )
    kf = KalmanFilter()
    mean, cov = kf.predict(*kf.initiate(boxes))
    return kf, rng, boxes, mean, cov


@pytest.mark.parametrize("num", [5, 100])  # small and large batches take different solvers
def test_batched_equals_per_track(num):
    kf, rng, boxes, mean, cov = _random_tracks(num)
    measured = boxes + rng.normal(0, 2, boxes.shape)
    batch_mean, batch_cov = kf.update(*kf.predict(mean, cov), measured)
    for i in range(0, num, num // 5):
        one_mean, one_cov = kf.update(*kf.predict(mean[i : i + 1], cov[i : i + 1]), measured[[i]])
        np.testing.assert_allclose(batch_mean[i], one_mean[0])
        np.testing.assert_allclose(batch_cov[i], one_cov[0])


def test_gating_distance_hand_computed():
    kf = KalmanFilter()
    mean, cov = kf.predict(*kf.initiate(BOX))
    measurements = np.array([[50.0, 100, 0.5, 100], [60.0, 100, 0.5, 100], [50.0, 120, 0.5, 110]])
    dist = kf.gating_distance(mean[0], cov[0], measurements)
    # Projected covariance is diagonal here: 189.0625 for x, y and h.
    s = 164.0625 + 25.0
    np.testing.assert_allclose(dist, [0, 100 / s, 400 / s + 100 / s])
    only_pos = kf.gating_distance(mean[0], cov[0], measurements, only_position=True)
    np.testing.assert_allclose(only_pos, [0, 100 / s, 400 / s])


def test_gating_batch_matches_single_and_threshold():
    kf, rng, boxes, mean, cov = _random_tracks(4, seed=1)
    measurements = boxes + rng.normal(0, 30, boxes.shape)
    batch = kf.gating_distance_batch(mean, cov, measurements)
    assert batch.shape == (4, 4)
    for i in range(4):
        np.testing.assert_allclose(batch[i], kf.gating_distance(mean[i], cov[i], measurements))
    far = boxes.copy()
    far[:, 0] += 10 * boxes[:, 3]  # ten box heights away: far outside the gate
    assert (np.diag(kf.gating_distance_batch(mean, cov, far)) > kf.gating_threshold).all()
    assert kf.gating_threshold == CHI2INV95[4]
    assert KalmanFilter(center_only=True).gating_threshold == CHI2INV95[2]
    assert kf.gating_distance_batch(mean, cov, np.zeros((0, 4))).shape == (4, 0)


def test_predict_is_f_p_ft_plus_diagonal_noise_for_correlated_covariance():
    kf, rng, boxes, mean, cov = _random_tracks(6, seed=2)
    mean, cov = kf.update(mean, cov, boxes + rng.normal(0, 3, boxes.shape))  # correlated now
    motion = np.eye(8) + np.eye(8, k=4)  # x += vx, ..., h += vh
    new_mean, new_cov = kf.predict(mean, cov)
    np.testing.assert_allclose(new_mean, mean @ motion.T)
    noise = new_cov - motion @ cov @ motion.T
    np.testing.assert_allclose(noise, np.eye(8) * np.einsum("nii->ni", noise)[:, None], atol=1e-9)
    assert (np.einsum("nii->ni", noise) > 0).all()


def _textbook_update(kf, mean, cov, measured):
    """K = P H^T S^-1 with a full inverse, one track at a time."""
    out_mean, out_cov = [], []
    for m, p, z in zip(mean, cov, measured):
        pos = kf.std_weight_position * m[3]  # measurement noise R: h / 20 for x, y, h; 0.1 for a
        r = np.diag([pos**2, pos**2, 0.1**2, pos**2])
        gain = p[:, :4] @ np.linalg.inv(p[:4, :4] + r)
        out_mean.append(m + gain @ (z - m[:4]))
        out_cov.append(p - gain @ p[:4, :])
    return np.array(out_mean), np.array(out_cov)


@pytest.mark.parametrize("num", [5, 100])
def test_update_matches_textbook_for_diagonal_and_correlated_innovation(num):
    kf, rng, boxes, mean, cov = _random_tracks(num, seed=3)
    measured = boxes + rng.normal(0, 2, boxes.shape)
    # The filter's own covariances keep x, y, a, h uncorrelated: S is exactly diagonal.
    assert (np.count_nonzero(cov[:, :4, :4], axis=(1, 2)) == 4).all()
    correlated = cov.copy()
    correlated[:, 0, 1] = correlated[:, 1, 0] = 0.5 * cov[:, 0, 0]  # x-y correlation: S is full
    means = []
    for covariance in (cov, correlated):
        got_mean, got_cov = kf.update(mean, covariance, measured)
        want_mean, want_cov = _textbook_update(kf, mean, covariance, measured)
        np.testing.assert_allclose(got_mean, want_mean, rtol=1e-10)
        np.testing.assert_allclose(got_cov, want_cov, rtol=1e-9, atol=1e-12)
        means.append(got_mean)
    assert not np.allclose(means[0], means[1])  # the correlation does change the correction


def test_predict_and_project_accept_non_contiguous_covariances():
    kf, rng, boxes, mean, cov = _random_tracks(6, seed=4)
    strided = np.asfortranarray(cov)  # same values, another memory layout
    for want, got in zip(kf.predict(mean, cov), kf.predict(mean[::1], strided)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(kf.project(mean, strided)[1], kf.project(mean, cov)[1])
    assert kf.project(mean, cov)[1].shape == (6, 4, 4)
    empty = kf.predict(np.zeros((0, 8)), np.zeros((0, 8, 8)))
    assert empty[0].shape == (0, 8) and empty[1].shape == (0, 8, 8)
