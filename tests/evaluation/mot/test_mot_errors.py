"""find_mot_errors against py-motmetrics (run here), and the drawing / rendering of the errors."""

import os

import cv2
import numpy as np
import pytest

from d2track.evaluation.mot.errors import (
    FN_COLOR,
    FP_COLOR,
    IDSW_COLOR,
    FrameErrors,
    draw_mot_errors,
    find_mot_errors,
    iou_distance,
    render_mot_errors,
)
from d2track.evaluation.mot.motmetrics_compat import import_motmetrics
from d2track.utils.video_io import read_video_frames

mm = import_motmetrics()
CAMPUS = os.path.join(os.path.dirname(mm.__file__), "data", "TUD-Campus")
NO_BOXES = np.zeros((0, 4))
NO_IDS = np.zeros(0, int)


def _frames(df, num_frames):
    """MOT dataframe indexed by (FrameId, Id) -> per 1-based frame (ids, XYWH boxes)."""
    out = []
    for fid in range(1, num_frames + 1):
        if fid in df.index.get_level_values(0):
            rows = df.loc[fid]
            out.append((rows.index.to_numpy().astype(int), rows[["X", "Y", "Width", "Height"]]))
        else:
            out.append((NO_IDS, NO_BOXES))
    return out


def test_tud_campus_counts_equal_motmetrics():
    gt = mm.io.loadtxt(f"{CAMPUS}/gt.txt", fmt="mot15-2D", min_confidence=1)
    ts = mm.io.loadtxt(f"{CAMPUS}/test.txt", fmt="mot15-2D")
    acc = mm.utils.compare_to_groundtruth(gt, ts, "iou", distth=0.5)
    names = ["num_false_positives", "num_misses", "num_switches"]
    summary = mm.metrics.create().compute(acc, metrics=names)
    gt_frames, pred_frames = _frames(gt, 71), _frames(ts, 71)
    errors = find_mot_errors(gt_frames, pred_frames)
    assert len(errors) == 71
    counts = [sum(len(getattr(e, k)) for e in errors) for k in ("fp_ids", "fn_ids", "idsw_gt_ids")]
    assert counts == [int(summary[n].iloc[0]) for n in names] == [13, 150, 7]
    # Per frame, the same events as motmetrics' own accumulator, with the right boxes.
    events = acc.mot_events
    for fid, err in enumerate(errors, start=1):
        ev = events.xs(fid) if fid in events.index.get_level_values(0) else events.iloc[:0]
        assert sorted(err.fp_ids) == sorted(ev[ev.Type == "FP"].HId.astype(int))
        assert sorted(err.fn_ids) == sorted(ev[ev.Type == "MISS"].OId.astype(int))
        assert sorted(err.idsw_gt_ids) == sorted(ev[ev.Type == "SWITCH"].OId.astype(int))
        for oid, box in zip(err.fn_ids, err.fn_boxes):
            np.testing.assert_array_equal(box, gt.loc[(fid, oid), ["X", "Y", "Width", "Height"]])
        for hid, box in zip(err.idsw_pred_ids, err.idsw_boxes):
            np.testing.assert_array_equal(box, ts.loc[(fid, hid), ["X", "Y", "Width", "Height"]])


def test_hand_made_events():
    box, far = np.array([[0.0, 0, 10, 10]]), np.array([[100.0, 100, 10, 10]])
    gt = [
        (np.array([1]), box),
        (np.array([1]), box),
        (np.array([1, 2]), np.concatenate([box, far])),
        (NO_IDS, NO_BOXES),
    ]
    pred = [
        (np.array([10]), box),
        (np.array([11, 12]), np.concatenate([box, far + 300])),
        (NO_IDS, NO_BOXES),
        (np.array([13]), far),
    ]
    e0, e1, e2, e3 = find_mot_errors(gt, pred)
    assert all(len(x) == 0 for x in (e0.fp_ids, e0.fn_ids, e0.idsw_gt_ids))
    assert (list(e1.idsw_pred_ids), list(e1.idsw_gt_ids), list(e1.fp_ids)) == ([11], [1], [12])
    np.testing.assert_array_equal(e1.idsw_boxes, box)
    np.testing.assert_array_equal(e1.fp_boxes, far + 300)
    assert list(e2.fn_ids) == [1, 2] and e2.fp_ids.size == 0
    np.testing.assert_array_equal(e2.fn_boxes, np.concatenate([box, far]))
    assert list(e3.fp_ids) == [13] and e3.fn_boxes.shape == (0, 4)


def test_exact_iou_threshold_tie():
    # IoU = 50 / 100 = 0.5 exactly: a match at 0.5, a FP + FN at 0.6.
    gt = [(np.array([1]), np.array([[0.0, 0, 10, 10]]))]
    pred = [(np.array([7]), np.array([[0.0, 0, 10, 5]]))]
    (at_05,) = find_mot_errors(gt, pred, iou_threshold=0.5)
    (at_06,) = find_mot_errors(gt, pred, iou_threshold=0.6)
    assert at_05.fp_ids.size == at_05.fn_ids.size == 0
    assert (list(at_06.fp_ids), list(at_06.fn_ids)) == ([7], [1])


def test_iou_distance_equals_motmetrics():
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(0, 50, (6, 2)), rng.uniform(1, 30, (6, 2))], 1)
    b = np.concatenate([a[:3] + rng.uniform(-3, 3, (3, 4)), [[0, 0, 10, 10], [500, 0, 5, 5]]])
    for threshold, num_finite in ((0.5, 2), (0.0, 30)):
        ours = iou_distance(a, b, iou_threshold=threshold)
        ref = mm.distances.iou_matrix(a, b, max_iou=1 - threshold)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
        np.testing.assert_allclose(ours[~np.isnan(ours)], ref[~np.isnan(ref)], rtol=0, atol=1e-12)
        assert np.isfinite(ours).sum() == num_finite
    assert iou_distance(a, b, iou_threshold=0.0)[5, 4] == 1.0  # disjoint boxes
    assert iou_distance(np.zeros((0, 4)), b).shape == (0, 5)


@pytest.mark.parametrize(
    "gt, pred, match",
    [
        ([(NO_IDS, NO_BOXES)], [], "gt_frames has 1 frames but pred_frames has 0"),
        ([(NO_IDS, NO_BOXES)], [(np.array([1]), NO_BOXES)], r"pred_frames\[0\]: boxes shape"),
        ([(np.array([0.5]), np.ones((1, 4)))], [(NO_IDS, NO_BOXES)], r"gt_frames\[0\]: ids"),
        ([(np.array([1, 1]), np.ones((2, 4)))], [(NO_IDS, NO_BOXES)], "repeated id"),
        ([(np.array([1]), -np.ones((1, 4)))], [(NO_IDS, NO_BOXES)], "non-negative width"),
        ([np.ones(3)], [(NO_IDS, NO_BOXES)], r"gt_frames\[0\]: expected a pair"),
    ],
)
def test_bad_input(gt, pred, match):
    with pytest.raises(ValueError, match=match):
        find_mot_errors(gt, pred)


def _errors():
    ids = lambda *x: np.array(x, dtype=np.int64)  # noqa: E731
    return FrameErrors(
        fp_ids=ids(3),
        fp_boxes=np.array([[10.0, 30, 20, 20]]),
        fn_ids=ids(4),
        fn_boxes=np.array([[50.0, 30, 20, 20]]),
        idsw_pred_ids=ids(5),
        idsw_gt_ids=ids(6),
        idsw_boxes=np.array([[90.0, 30, 20, 20]]),
    )


def test_draw_colours_and_labels():
    image = np.zeros((80, 128, 3), np.uint8)
    out = draw_mot_errors(image, _errors())
    assert out.shape == image.shape and out.dtype == np.uint8 and not image.any()
    for x, color in ((10, FP_COLOR), (50, FN_COLOR), (90, IDSW_COLOR)):
        assert tuple(out[40, x]) == color  # left edge of the box
        assert tuple(out[40, x + 20]) == color  # right edge
        assert not out[40, x + 10].any()  # inside stays untouched
        label = out[15:30, x : x + 60]
        assert (label == np.array(color, np.uint8)).all(-1).sum() > 20  # filled label background
        assert (label == 0).all(-1).sum() > 5  # black text on it
    assert (FP_COLOR, FN_COLOR, IDSW_COLOR) == ((0, 0, 255), (0, 255, 255), (255, 0, 0))
    with pytest.raises(ValueError, match="uint8"):
        draw_mot_errors(image.astype(np.float32), _errors())


def test_render_mp4_and_pngs(tmp_path):
    frames = [np.full((80, 128, 3), 40 * i, np.uint8) for i in range(5)]
    errors = [_errors()] * 5
    video = str(tmp_path / "out" / "errors.mp4")
    assert render_mot_errors(iter(frames), errors, video) == 5
    decoded = list(read_video_frames(video))
    assert len(decoded) == 5 and decoded[0].shape == (80, 128, 3)
    assert [p for p in os.listdir(tmp_path / "out")] == ["errors.mp4"]
    folder = str(tmp_path / "pngs")
    assert render_mot_errors(frames, errors, folder) == 5
    assert sorted(os.listdir(folder)) == [f"{i:06d}.png" for i in range(5)]
    np.testing.assert_array_equal(
        cv2.imread(os.path.join(folder, "000003.png")), draw_mot_errors(frames[3], errors[3])
    )
    with pytest.raises(ValueError, match="frames has 2 images but errors has 5"):
        render_mot_errors(frames[:2], errors, str(tmp_path / "short.mp4"))
    assert not os.path.exists(tmp_path / "short.mp4")
    with pytest.raises(ValueError, match="more images"):
        render_mot_errors(frames, errors[:4], str(tmp_path / "long"))
