import cv2
import numpy as np
import pytest

from d2track.evaluation.sot.ope_metrics import (
    NORM_PRECISION_THRESHOLDS,
    PRECISION_THRESHOLDS,
    SUCCESS_THRESHOLDS,
    center_errors,
    evaluate_ope,
    success_overlaps,
)
from d2track.evaluation.sot.plots import plot_precision, plot_success

PERFECT_SUCCESS = np.array([1.0] * 20 + [0.0])  # IoU 1 is not > the last threshold (1.0)


def _boxes(n, box=(8.0, 8.0, 64.0, 32.0)):
    return np.tile(np.asarray(box, dtype=np.float64), (n, 1))


def test_thresholds():
    assert len(SUCCESS_THRESHOLDS) == 21 and SUCCESS_THRESHOLDS[-1] == 1.0
    assert len(PRECISION_THRESHOLDS) == 51 and PRECISION_THRESHOLDS[20] == 20.0
    assert len(NORM_PRECISION_THRESHOLDS) == 51 and NORM_PRECISION_THRESHOLDS[20] == 0.2


def test_perfect_tracker():
    gt = {"a": _boxes(5), "b": _boxes(3, (20, 30, 10, 40))}
    out = evaluate_ope({k: v.copy() for k, v in gt.items()}, gt)
    np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS)
    assert out["success"] == pytest.approx(20 / 21 * 100, abs=1e-12)
    assert out["precision"] == 100.0 and out["norm_precision"] == 100.0
    np.testing.assert_array_equal(out["curves"]["precision"], np.ones(51))
    assert out["per_video"]["b"]["num_frames"] == 3


def test_constant_shift_steps_at_k():
    gt = _boxes(4)  # w = 64: a 16 px shift is 0.25 normalised, IoU 48 / 80 = 0.6
    pred = gt + [16, 0, 0, 0]
    out = evaluate_ope({"v": pred}, {"v": gt})
    curves = out["curves"]
    np.testing.assert_array_equal(curves["precision"], [0.0] * 16 + [1.0] * 35)
    np.testing.assert_array_equal(curves["norm_precision"], [0.0] * 25 + [1.0] * 26)
    # np.arange's 0.6 is 0.6000000000000001, but MMTracking's float32 IoU 0.6 is 0.6000000238:
    # a hit at t = 0, ..., 0.6 (in float64, t = 0.6 would be a miss)
    np.testing.assert_array_equal(curves["success"], [1.0] * 13 + [0.0] * 8)
    assert out["precision"] == 100.0 and out["norm_precision"] == 0.0
    assert out["success"] == pytest.approx(13 / 21 * 100, abs=1e-12)
    far = evaluate_ope({"v": gt + [25, 0, 0, 0]}, {"v": gt})
    assert far["precision"] == 0.0


def test_iou_and_center_error_values():
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 10]], float)
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [2, 2, 0, 10]], float)
    np.testing.assert_allclose(success_overlaps(pred, gt), [1.0, 50 / 150, -1.0])
    np.testing.assert_allclose(center_errors(pred, gt), [0.0, 5.0, np.sqrt(13.0)])
    gt[2] = [0, 0, 0, 10]  # centre x = 0 is not > 0: invalid for precision too
    assert center_errors(pred, gt)[2] == -1.0
    assert center_errors(pred, gt, protocol="lasot").tolist() == [-1.0, -1.0, -1.0]
    np.testing.assert_allclose(center_errors(pred, gt, normalized=True)[:2], [0.0, 0.5])


def test_zero_size_gt_frames_are_misses_for_iou_only():
    gt = _boxes(4)
    gt[2, 2] = 0.0  # w = 0: IoU invalid (-1), the centre (8, 24) stays valid
    out = evaluate_ope({"v": gt.copy()}, {"v": gt})
    np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS * 3 / 4)
    assert out["precision"] == 100.0


def test_invalid_gt_centre_counts_as_precision_hit():
    gt = _boxes(2)
    gt[1] = [-40, 5, 10, 10]  # centre x < 0: error -1, a hit at every threshold
    pred = gt.copy()
    pred[1] = [500, 500, 10, 10]
    out = evaluate_ope({"v": pred}, {"v": gt})
    assert out["precision"] == 100.0
    np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS / 2)


def test_nan_gt_and_nan_prediction():
    gt = _boxes(4)
    gt[1] = np.nan
    pred = gt.copy()
    pred[1] = [8, 8, 64, 32]
    pred[2] = np.nan
    out = evaluate_ope({"v": pred}, {"v": gt})
    # frame 1: invalid gt (IoU miss, precision hit); frame 2: NaN prediction, a miss in both
    np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS / 2)
    assert out["precision"] == 75.0


def test_single_frame_video():
    out = evaluate_ope({"one": _boxes(1)}, {"one": _boxes(1)})
    assert out["success"] == pytest.approx(20 / 21 * 100, abs=1e-12)
    assert out["precision"] == 100.0


def test_videos_have_equal_weight():
    gt = {"long": _boxes(9), "short": _boxes(1)}
    results = {"long": gt["long"] + [100, 0, 0, 0], "short": gt["short"].copy()}
    out = evaluate_ope(results, gt)
    assert out["per_video"]["long"]["precision"] == 0.0
    assert out["per_video"]["short"]["precision"] == 100.0
    assert out["precision"] == 50.0  # not 10.0 (frame-weighted)


def test_visible_frames_keep_full_denominator():
    gt = _boxes(4)
    vis = np.array([True, True, False, True])
    pred = gt.copy()
    pred[2] = [900, 900, 5, 5]  # invisible frame: not scored, but still counted
    for protocol in ("mmtracking", "lasot"):
        out = evaluate_ope({"v": pred}, {"v": gt}, visible={"v": vis}, protocol=protocol)
        np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS * 3 / 4)
        assert out["precision"] == 75.0 and out["norm_precision"] == 75.0


def test_lasot_protocol_differences():
    gt = _boxes(4)
    gt[1] = [0, 5, 64, 32]  # x = 0: valid for MMTracking, invalid for LaSOT
    pred = gt.copy()
    pred[0] = [300, 300, 5, 5]  # LaSOT replaces frame 0 by the ground truth
    pred[3] = [8, 8, 0, 32]  # LaSOT replaces w <= 0 by the previous prediction (frame 2)
    mm = evaluate_ope({"v": pred}, {"v": gt})
    la = evaluate_ope({"v": pred}, {"v": gt}, protocol="lasot")
    np.testing.assert_array_equal(mm["curves"]["success"], PERFECT_SUCCESS / 2)
    np.testing.assert_array_equal(la["curves"]["success"], PERFECT_SUCCESS * 3 / 4)
    assert mm["precision"] == 50.0  # frame 0 far off, frame 3: centre off by 32 px
    assert la["precision"] == 100.0


def test_lasot_repair_skips_nan_gt_frames():
    gt = _boxes(3)
    gt[2] = np.nan
    pred = gt.copy()
    pred[2] = [8, 8, -1, 32]  # gt has NaN: the toolkit keeps the bad prediction
    out = evaluate_ope({"v": pred}, {"v": gt}, protocol="lasot")
    np.testing.assert_array_equal(out["curves"]["success"], PERFECT_SUCCESS * 2 / 3)


@pytest.mark.parametrize(
    "results, gts, message",
    [
        ({"v": np.zeros((0, 4))}, {"v": _boxes(3)}, "video 'v': results is empty"),
        ({"v": _boxes(2)}, {"v": _boxes(3)}, "video 'v': 2 result boxes for 3 frames"),
        ({"v": _boxes(3)[:, :3]}, {"v": _boxes(3)}, "video 'v': results must have shape"),
        ({"v": _boxes(3)}, {"v": np.zeros((0, 4))}, "video 'v': ground truth is empty"),
        ({}, {"v": _boxes(3)}, "results lack videos ['v']"),
        ({"v": _boxes(1), "w": _boxes(1)}, {"v": _boxes(1)}, "unknown videos ['w']"),
        ({}, {}, "gts is empty"),
    ],
)
def test_bad_input(results, gts, message):
    with pytest.raises(ValueError) as e:
        evaluate_ope(results, gts)
    assert message in str(e.value)


def test_bad_visible_and_protocol():
    gt = {"v": _boxes(3)}
    with pytest.raises(
        ValueError, match=r"video 'v': visible must be a bool array of shape \(3,\)"
    ):
        evaluate_ope(gt, gt, visible={"v": np.ones(2, bool)})
    with pytest.raises(ValueError, match=r"visible lacks videos \['v'\]"):
        evaluate_ope(gt, gt, visible={})
    with pytest.raises(ValueError, match="protocol must be one of"):
        evaluate_ope(gt, gt, protocol="otb")


def test_plots_written_as_png(tmp_path):
    gt = {"v": _boxes(4)}
    curves = {
        "good": evaluate_ope({"v": gt["v"].copy()}, gt),
        "shifted": evaluate_ope({"v": gt["v"] + [16, 0, 0, 0]}, gt),
    }
    for fn, name in [(plot_success, "s.png"), (plot_precision, "p.png")]:
        path = tmp_path / "plots" / name
        fn(curves, str(path))
        assert cv2.imread(str(path)).shape == (450, 600, 3)
    plot_precision(curves, str(tmp_path / "np.png"), normalized=True)
    assert cv2.imread(str(tmp_path / "np.png")).shape == (450, 600, 3)
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["p.png", "s.png"]


def test_plot_bad_input(tmp_path):
    with pytest.raises(ValueError, match="curves is empty"):
        plot_success({}, str(tmp_path / "x.png"))
    with pytest.raises(ValueError, match=r"tracker 't': no curves\['success'\]"):
        plot_success({"t": {}}, str(tmp_path / "x.png"))
    with pytest.raises(ValueError, match=r"tracker 't': curves\['precision'\] has shape \(3,\)"):
        plot_precision({"t": {"curves": {"precision": [1, 2, 3]}}}, str(tmp_path / "x.png"))
    assert not list(tmp_path.iterdir())


def _frame_by_frame_ope(pred, gt):
    """Plain per-frame loops over MMTracking's conventions, as an independent check."""
    succ, prec, norm = np.zeros(21), np.zeros(51), np.zeros(51)
    for p, g in zip(pred, gt):
        px1, py1, px2, py2 = p[0], p[1], p[0] + p[2], p[1] + p[3]
        gx1, gy1, gx2, gy2 = g[0], g[1], g[0] + g[2], g[1] + g[3]
        iou = -1.0
        if gx2 > gx1 and gy2 > gy1:
            inter = max(min(px2, gx2) - max(px1, gx1), 0) * max(min(py2, gy2) - max(py1, gy1), 0)
            union = (px2 - px1) * (py2 - py1) + (gx2 - gx1) * (gy2 - gy1) - inter
            iou = inter / max(union, 1e-6)
        pc, gc = np.array([(px1 + px2) / 2, (py1 + py2) / 2]), np.array(
            [(gx1 + gx2) / 2, (gy1 + gy2) / 2]
        )
        dist = float(np.hypot(*(pc - gc))) if (gc > 0).all() else -1.0
        wh = np.array([gx2 - gx1, gy2 - gy1]) + 1e-16
        ndist = float(np.hypot(*(pc / wh - gc / wh))) if (gc / wh > 0).all() else -1.0
        for i in range(21):
            succ[i] += iou > i * 0.05
        for i in range(51):
            prec[i] += dist <= i
            norm[i] += ndist <= i / 100
    return succ / len(gt), prec / len(gt), norm / len(gt)


def test_matches_frame_by_frame_loops():
    rng = np.random.default_rng(3)
    gt = np.column_stack([rng.uniform(-5, 50, (200, 2)), rng.uniform(-2, 30, (200, 2))])
    pred = gt + rng.normal(0, 6, (200, 4))
    out = evaluate_ope({"v": pred}, {"v": gt})
    succ, prec, norm = _frame_by_frame_ope(pred, gt)
    np.testing.assert_allclose(out["curves"]["precision"], prec, atol=1e-12)
    np.testing.assert_allclose(out["curves"]["norm_precision"], norm, atol=1e-12)
    np.testing.assert_allclose(out["curves"]["success"], succ, atol=1e-12)
    assert out["precision"] == pytest.approx(prec[20] * 100, abs=1e-9)
    assert out["success"] == pytest.approx(succ.mean() * 100, abs=1e-9)
    assert out["norm_precision"] == pytest.approx(norm[20] * 100, abs=1e-9)
    assert (gt[:, 2:] <= 0).any() and (gt[:, :2] + gt[:, 2:] / 2 <= 0).any()  # invalid frames


def test_success_and_precision_in_float32_like_mmtracking():
    # MMTracking 0.14 eval_sot_ope: float32 boxes (loadtxt dtype=float32, x + w in float32),
    # mmdet bbox_overlaps in float32, float32 centres, compared with float64 thresholds
    gt = np.array([[0, 0, 10, 10], [0, 0, 20, 20], [0, 0, 10, 10]], float)
    pred = np.array([[0, 0, 10, 3], [0, 0, 20, 3], [20 + 1e-7, 0, 10, 10]], float)
    iou = success_overlaps(pred, gt)
    assert iou[:2].tolist() == [float(np.float32(0.3)), float(np.float32(0.15))]
    # 0.3 is a hit at np.arange's 0.30000000000000004, 0.15 at 0.15000000000000002: 7 + 4 hits
    # (float64 IoUs would give 6 + 3: a success of 14.29 instead of 17.46)
    out = evaluate_ope({"v": pred}, {"v": gt})
    assert out["curves"]["success"][:8].tolist() == [2 / 3] * 4 + [1 / 3] * 3 + [0.0]
    assert out["success"] == pytest.approx((7 + 4) / 3 / 21 * 100, abs=1e-12)
    # float32(20 + 1e-7) is 20: the centre error is exactly 20 px, a hit at P@20
    assert center_errors(pred, gt)[2] == 20.0
    assert out["precision"] == pytest.approx(100.0, abs=1e-12)
