import numpy as np
import pytest

from d2track.evaluation.sot.vot_metrics import (
    VOT_INTERVALS,
    eao_curve,
    evaluate_vot,
    region_overlaps,
)

SIZE = (20, 20)
FULL = [0, 0, 10, 10]
HALF = [0, 0, 5, 10]


def _one_failure_video():
    """Overlaps [0, 1, .5, 0, 0, 0, 1, .5]: init, track, fail at 3, skip, re-init at 5."""
    gt = np.array([FULL] * 8, float)
    traj = [[1], FULL, HALF, [2], [0], [1], FULL, HALF]
    return traj, gt


def test_vot_intervals():
    assert VOT_INTERVALS["vot2018"] == (100, 356)
    assert VOT_INTERVALS["vot2019"] == (46, 291)
    assert VOT_INTERVALS["vot2020"] == VOT_INTERVALS["vot2021"] == (115, 755)


def test_box_overlaps_pixel_convention():
    gt = [[2, 2, 4, 4]] * 4
    pred = [[2, 2, 4, 4], [4, 2, 4, 4], [2.5, 2.5, 4, 4], [1], [2]]
    out = region_overlaps(pred[:4], gt, image_size=SIZE)
    # shift 2: 8 shared of 24 pixels; x = 2.5 covers pixel columns 2..5 like x = 2
    np.testing.assert_allclose(out, [1.0, 8 / 24, 1.0, 0.0])


def test_overlap_clipped_by_image_bounds():
    gt = [[0, 0, 4, 4]]
    assert region_overlaps([[-4, 0, 8, 4]], gt, image_size=SIZE)[0] == 1.0
    assert region_overlaps([[0, 0, 8, 4]], gt, image_size=(4, 4))[0] == 1.0
    assert region_overlaps([[0, 0, 8, 4]], gt, image_size=SIZE)[0] == 0.5


def test_zero_width_window_gives_zero():
    # the toolkit returns 0 when the raster window is a single column
    assert region_overlaps([[3, 3, 1, 5]], [[3, 3, 1, 5]], image_size=SIZE)[0] == 0.0


def test_polygon_ground_truth():
    square = [2, 2, 5, 2, 5, 5, 2, 5]  # pixels 2..5 in both directions, as the box (2, 2, 4, 4)
    diamond = [4, 0, 8, 4, 4, 8, 0, 4]  # rows of 1, 3, 5, 7, 9, 7, 5, 3, 1 pixels = 41
    out = region_overlaps(
        [[2, 2, 4, 4], [0, 0, 9, 9], diamond, [4, 0, 8, 4, 4, 8, 0, 4]],
        [square, diamond, diamond, [0, 0, 9, 9]],
        image_size=SIZE,
    )
    np.testing.assert_allclose(out, [1.0, 41 / 81, 1.0, 41 / 81])
    # the image clips the diamond's left half: columns 0..3 are outside a window starting at 4
    shifted = [[v - 4 if i % 2 == 0 else v for i, v in enumerate(diamond)]]
    clipped = region_overlaps([[0, 0, 5, 9]], shifted, image_size=SIZE)
    np.testing.assert_allclose(clipped, [25 / 45])


def test_one_failure_sequence():
    traj, gt = _one_failure_video()
    out = evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE}, interval=(1, 3), burnin=2)
    # accuracy: burn-in hides frames 0, 1 and 5, 6; [2] and [0] are excluded -> frames 2, 7
    assert out["per_video"]["a"] == {"accuracy": 0.5, "num_failures": 1, "num_frames": 8}
    assert out["accuracy"] == 0.5
    assert out["num_failures"] == 1 and out["robustness"] == 12.5
    # runs [0, 1, .5] (failed) and [0, 1, .5] (to the end): curve [0, 1, .75]
    np.testing.assert_allclose(out["eao_curve"], [0.0, 1.0, 0.75])
    assert out["eao"] == 0.875


def test_default_burnin_hides_ten_frames():
    gt = np.array([FULL] * 12, float)
    traj = [[1]] + [FULL] * 9 + [HALF, HALF]
    out = evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE}, interval=(0, 11))
    assert out["accuracy"] == 0.5  # only frames 10 and 11 count
    assert out["num_failures"] == 0 and out["robustness"] == 0.0
    # one run to the end: mean overlap of frames 1..j
    expected = [0.0] + [1.0] * 9 + [9.5 / 10, 10 / 11]
    np.testing.assert_allclose(out["eao_curve"], expected)
    assert out["eao"] == pytest.approx(np.mean(expected), abs=1e-12)


def test_eao_curve_padding_and_masks():
    runs = [
        (np.array([0.0, 1.0]), False),  # failed: padded with zeros, counts at every length
        (np.array([0.0, 0.5, 0.5, 0.5]), True),
        (np.array([0.0, 1.0]), True),  # reached the end: counts only up to its length
    ]
    np.testing.assert_allclose(eao_curve(runs), [0.0, 2.5 / 3, 0.5, (1 / 3 + 0.5) / 2])


def test_accuracy_weighted_by_video_length():
    gt_long = np.array([FULL] * 4, float)
    gt_short = np.array([FULL] * 2, float)
    results = {"long": [[1], HALF, HALF, HALF], "short": [[1], FULL]}
    gts = {"long": gt_long, "short": gt_short}
    out = evaluate_vot(
        results, gts, image_sizes={"long": SIZE, "short": SIZE}, interval=(1, 3), burnin=1
    )
    assert out["per_video"]["long"]["accuracy"] == 0.5
    assert out["per_video"]["short"]["accuracy"] == 1.0
    assert out["accuracy"] == pytest.approx((0.5 * 4 + 1.0 * 2) / 6, abs=1e-12)


def test_zero_burnin_counts_init_frame():
    traj, gt = _one_failure_video()
    out = evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE}, interval=(1, 2), burnin=0)
    # frames 0, 1, 2, 5, 6, 7 -> (0 + 1 + .5 + 0 + 1 + .5) / 6
    assert out["accuracy"] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    "traj, message",
    [
        ([FULL, FULL], "video 'a', frame 0: a region is not allowed after state 'start'"),
        ([[1], [0]], "video 'a', frame 1: code [0] is not allowed after state 'tracking'"),
        ([[1], [2], FULL], "video 'a', frame 2: a region is not allowed after state 'failed'"),
        ([[1], [3]], "video 'a', frame 1: unknown code [3]"),
        ([[1], [1, 2, 3, 4, 5, 6]], "video 'a', frame 1: a region has 6 values"),
        ([[1]], "video 'a': 1 results for 2 frames"),
    ],
)
def test_bad_trajectories(traj, message):
    gt = np.array([FULL] * max(len(traj), 2), float)
    with pytest.raises(ValueError) as e:
        evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE}, interval=(0, 1))
    assert message in str(e.value)


def test_bad_inputs():
    traj, gt = _one_failure_video()
    with pytest.raises(ValueError, match=r"image_sizes lacks videos \['a'\]"):
        evaluate_vot({"a": traj}, {"a": gt}, image_sizes={})
    with pytest.raises(ValueError, match=r"results lack videos \['a'\]"):
        evaluate_vot({}, {"a": gt}, image_sizes={"a": SIZE})
    with pytest.raises(ValueError, match=r"video 'a': ground truth must be \(T, 4\) or \(T, 2n\)"):
        evaluate_vot({"a": traj}, {"a": gt[:, :3]}, image_sizes={"a": SIZE})
    with pytest.raises(ValueError, match=r"interval \(100, 356\) is outside the EAO curve"):
        evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE})


def _rotated_rect(center, size, angle):
    c, s = np.cos(angle), np.sin(angle)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * np.asarray(size) / 2
    return (corners @ np.array([[c, s], [-s, c]]) + center).reshape(-1)


def test_rasterised_polygons_close_to_exact_areas():
    from shapely.geometry import Polygon

    rng = np.random.default_rng(0)
    gts, preds = [], []
    for _ in range(100):
        center = rng.uniform(150, 250, 2)
        gts.append(_rotated_rect(center, rng.uniform(60, 120, 2), rng.uniform(0, np.pi)))
        center = center + rng.normal(0, 15, 2)
        preds.append(_rotated_rect(center, rng.uniform(60, 120, 2), rng.uniform(0, np.pi)))
    out = region_overlaps(preds, gts, image_size=(400, 400))
    exact = []
    for p, g in zip(preds, gts):
        a, b = Polygon(p.reshape(4, 2)), Polygon(g.reshape(4, 2))
        exact.append(a.intersection(b).area / a.union(b).area)
    # pixel counts include both boundary pixels of every row: ~1% off the continuous areas
    assert np.abs(out - np.array(exact)).max() < 0.02


def test_region_overlaps_bad_regions():
    with pytest.raises(ValueError, match="frame 1: predicted region has 6 values"):
        region_overlaps([FULL, [0, 0, 1, 0, 1, 1]], [FULL, FULL], image_size=SIZE)
    with pytest.raises(ValueError, match="frame 0: ground-truth region has 1 values"):
        region_overlaps([FULL], [[1]], image_size=SIZE)
    with pytest.raises(ValueError, match="1 predicted regions for 2 frames"):
        region_overlaps([FULL], [FULL, FULL], image_size=SIZE)


def test_non_finite_regions_and_bad_image_size():
    traj, gt = _one_failure_video()
    traj[2] = [0, np.nan, 5, 10]
    with pytest.raises(
        ValueError, match=r"video 'a', frame 2: predicted region \[.*\] is not finite"
    ):
        evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": SIZE}, interval=(1, 2))
    traj, gt = _one_failure_video()
    with pytest.raises(ValueError, match=r"video 'a': image_size must be \(width, height\) >= 1"):
        evaluate_vot({"a": traj}, {"a": gt}, image_sizes={"a": (0, 20)}, interval=(1, 2))


def test_fractional_regions_rounded_like_vot_toolkit():
    # expected values computed with vot-toolkit 0.5.3 ``calculate_overlap(..., bounds=(20, 16))``:
    # x, y, w and h are each rounded half to even before rasterising
    pred = [
        [0.5, 0.5, 2.5, 2.5],  # -> (0, 0, 2, 2): 4 of 9 pixels (not 0..2 as floor(x + w) gives)
        [1.5, 2.5, 3.5, 4.5],  # -> (2, 2, 4, 4)
        [2.4, 1.6, 3.6, 2.5],  # -> (2, 2, 4, 2)
        [-0.5, 0, 3.5, 2],  # -> (-0, 0, 4, 2)
        [10.5, 10.5, 5.5, 5.5],  # -> (10, 10, 6, 6)
    ]
    gt = [
        [0, 0, 3, 3],
        [2, 2, 4, 4],
        [3, 2, 4, 3],
        [0, 0, 4, 2],
        [11.5, 9.5, 2.5, 3.5, 14.5, 12.5, 10.5, 12.5],  # vertices rounded half to even too
    ]
    out = region_overlaps(pred, gt, image_size=(20, 16))
    np.testing.assert_allclose(out, [4 / 9, 1.0, 6 / 14, 1.0, 0.20454545454545456], rtol=0, atol=0)


def test_polygon_scan_line_fill_like_vot_toolkit():
    # expected values computed with vot-toolkit 0.5.3 ``calculate_overlap(..., bounds=(30, 30))``
    pred = [
        [14, 24, 13, 24, 7, 24, 22, 12],  # three vertices on row 24: nodes 7, 7, 13, 14 fill 7..13
        [0, 0, 12, 0, 12, 12, 6, 4, 0, 12],  # concave: the notch below (6, 4) stays empty
        [2, 2, 10, 2, 10, 4, 4, 4, 4, 8, 10, 8, 10, 10, 2, 10],  # a "C"
    ]
    gt = [[7, 12, 16, 13], [0, 0, 13, 13], [2, 2, 9, 9]]
    out = region_overlaps(pred, gt, image_size=(30, 30))
    expected = [0.27884615384615385, 0.8461538461538461, 0.7160493827160493]
    np.testing.assert_allclose(out, expected, rtol=0, atol=0)
