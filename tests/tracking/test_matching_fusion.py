import numpy as np
import pytest

from d2track.tracking.matching import fuse_iou_appearance, fuse_score

IOU_DIST = np.array([[0.2, 0.6, 1.0], [0.45, 0.3, 0.9]])
APPEARANCE = np.array([[0.1, 0.05, 0.0], [0.3, 0.2, 0.24]])
SCORES = np.array([0.5, 1.0, 0.8])
THRESHOLDS = dict(proximity_thr=0.5, appearance_thr=0.25)


def test_fuse_score_weights_the_iou_similarity_by_the_detection_score():
    expected = [[0.6, 0.6, 1.0], [0.725, 0.3, 0.92]]
    np.testing.assert_allclose(fuse_score(IOU_DIST, SCORES), expected)


def test_fusion_takes_the_smaller_of_iou_and_gated_appearance():
    # Gated out: (0, 1) and (0, 2) are too far apart (raw IoU distance > 0.5) although they
    # look alike; (1, 0) looks too different (0.3 > 0.25); (1, 2) both.
    fused = fuse_iou_appearance(IOU_DIST, APPEARANCE, **THRESHOLDS)
    np.testing.assert_allclose(fused, [[0.1, 0.6, 1.0], [0.45, 0.2, 0.9]])


def test_fusion_gates_on_the_raw_iou_distance_before_score_weighting():
    # (0, 0): the score-weighted distance 0.6 is above the proximity limit, the raw 0.2 is not,
    # so appearance still counts.
    fused = fuse_iou_appearance(IOU_DIST, APPEARANCE, det_scores=SCORES, **THRESHOLDS)
    np.testing.assert_allclose(fused, [[0.1, 0.6, 1.0], [0.725, 0.2, 0.92]])


@pytest.mark.parametrize("iou, appearance, expected", [(0.5, 0.25, 0.25), (0.51, 0.25, 0.51)])
def test_fusion_limits_are_inclusive(iou, appearance, expected):
    assert fuse_iou_appearance(iou, appearance, **THRESHOLDS) == pytest.approx(expected)


def test_fusion_on_candidate_pairs_equals_the_dense_matrix():
    rows, cols = np.nonzero(np.ones_like(IOU_DIST, dtype=bool))
    pairs = fuse_iou_appearance(
        IOU_DIST[rows, cols], APPEARANCE[rows, cols], det_scores=SCORES[cols], **THRESHOLDS
    )
    dense = fuse_iou_appearance(IOU_DIST, APPEARANCE, det_scores=SCORES, **THRESHOLDS)
    np.testing.assert_array_equal(pairs, dense[rows, cols])
