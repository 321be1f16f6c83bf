import math

import lap
import numpy as np
import pytest
import torch

from d2track.tracking import matching
from d2track.tracking.matching import (
    center_directions,
    direction_cost,
    embedding_cost,
    forbid_class_mismatch,
    height_iou,
    iou_cost,
    linear_assignment,
    match_by_iou,
    matched_pairs,
    overlapping_pairs,
)


def test_linear_assignment_minimum_total_cost():
    # Greedy would take (0, 0) = 0.1 and leave row 1 with 0.9; the optimum pairs crosswise.
    cost = np.array([[0.1, 0.2], [0.3, 0.9]])
    row_to_col, col_to_row = linear_assignment(cost, threshold=1.0)
    assert row_to_col.tolist() == [1, 0]
    assert col_to_row.tolist() == [1, 0]
    assert row_to_col.dtype == np.int64


def test_linear_assignment_threshold_and_inf():
    cost = torch.tensor([[0.2, math.inf], [0.7, 0.8], [math.nan, 0.1]])
    row_to_col, col_to_row = linear_assignment(cost, threshold=0.5)
    assert row_to_col.tolist() == [0, -1, 1]  # row 1's costs are above the limit
    assert col_to_row.tolist() == [0, 2]
    all_inf = np.full((2, 2), np.inf)
    assert linear_assignment(all_inf, threshold=0.5)[0].tolist() == [-1, -1]


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 0)])
def test_linear_assignment_empty(shape):
    row_to_col, col_to_row = linear_assignment(np.zeros(shape), threshold=0.5)
    assert row_to_col.tolist() == [-1] * shape[0]
    assert col_to_row.tolist() == [-1] * shape[1]


def test_linear_assignment_rejects_bad_shape():
    with pytest.raises(ValueError, match="cost must be"):
        linear_assignment(np.zeros(3), threshold=0.5)


def test_matched_pairs_rectangular():
    cost = np.array([[0.9, 0.05, 0.9], [0.9, 0.9, 0.9]])
    rows, cols = matched_pairs(cost, threshold=0.5)
    assert rows.tolist() == [0] and cols.tolist() == [1]


def test_iou_cost_values():
    tracks = torch.tensor([[0.0, 0, 10, 10], [100, 100, 110, 110]])
    dets = torch.tensor([[0.0, 0, 10, 10], [5, 0, 15, 10]])
    cost = iou_cost(tracks, dets)
    expected = torch.tensor([[0.0, 1 - 50 / 150], [1.0, 1.0]])
    torch.testing.assert_close(cost, expected)


def test_embedding_cost_metrics():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    b = torch.tensor([[3.0, 0.0], [1.0, 1.0]])
    cos = embedding_cost(a, b)
    torch.testing.assert_close(cos, torch.tensor([[0.0, 1 - 2**-0.5], [1.0, 1 - 2**-0.5]]))
    euc = embedding_cost(a, b, metric="euclidean")
    torch.testing.assert_close(euc, torch.tensor([[2.0, 1.0], [13**0.5, 2**0.5]]))
    with pytest.raises(ValueError, match="metric"):
        embedding_cost(a, b, metric="manhattan")


def test_forbid_class_mismatch_blocks_matching():
    cost = torch.tensor([[0.0, 0.1], [0.2, 0.0]])
    gated = forbid_class_mismatch(cost, torch.tensor([0, 1]), torch.tensor([1, 1]))
    assert torch.isinf(gated[0]).all() and gated[1].tolist() == pytest.approx([0.2, 0.0])
    assert cost[0, 0] == 0.0  # input untouched
    row_to_col, _ = linear_assignment(gated, threshold=0.5)
    assert row_to_col.tolist() == [-1, 1]


def _total(cost, row_to_col, threshold):
    """Objective lapjv minimises: matched costs + threshold / 2 per unmatched row or column."""
    rows = np.flatnonzero(row_to_col >= 0)
    unmatched = cost.shape[0] + cost.shape[1] - 2 * len(rows)
    return cost[rows, row_to_col[rows]].sum() + threshold / 2 * unmatched


@pytest.mark.parametrize("seed", range(5))
def test_linear_assignment_equals_full_lapjv_on_sparse_costs(seed):
    # Mostly infeasible pairs, a few isolated and a few contested: the reduced solve must reach
    # the optimum of lapjv on the whole matrix.
    rng = np.random.default_rng(seed)
    cost = np.where(rng.random((30, 25)) < 0.08, rng.random((30, 25)), 1.0)
    row_to_col, col_to_row = linear_assignment(cost, threshold=0.7)
    _, full_r2c, _ = lap.lapjv(cost, extend_cost=True, cost_limit=0.7)
    assert _total(cost, row_to_col, 0.7) == pytest.approx(_total(cost, full_r2c, 0.7))
    matched = np.flatnonzero(row_to_col >= 0)
    assert (col_to_row[row_to_col[matched]] == matched).all()
    assert (cost[matched, row_to_col[matched]] <= 0.7).all()
    assert (row_to_col >= 0).sum() == (col_to_row >= 0).sum() > 0


def test_sparse_solver_for_large_contested_blocks_matches_lapjv():
    # 200 x 180 with ~4 allowed pairs per row: above the dense limit, solved by lapmod.
    rng = np.random.default_rng(7)
    cost = np.where(rng.random((200, 180)) < 0.02, rng.random((200, 180)), 5.0)
    row_to_col, col_to_row = linear_assignment(cost, threshold=0.8)
    _, full_r2c, _ = lap.lapjv(cost, extend_cost=True, cost_limit=0.8)
    assert _total(cost, row_to_col, 0.8) == pytest.approx(_total(cost, full_r2c, 0.8))
    matched = np.flatnonzero(row_to_col >= 0)
    assert (col_to_row[row_to_col[matched]] == matched).all()
    assert (cost[matched, row_to_col[matched]] <= 0.8).all() and len(matched) > 100


@pytest.mark.parametrize("seed", range(3))
def test_dense_and_sparse_contested_solvers_agree(seed, monkeypatch):
    # The dense/lapmod switch is a speed choice only: both must return the same matching.
    rng = np.random.default_rng(seed)
    cost = np.where(rng.random((70, 60)) < 0.05, rng.random((70, 60)), 5.0)
    answers = []
    for limit in (0, 10**6):  # everything to lapmod, everything to dense lapjv
        monkeypatch.setattr(matching, "_DENSE_LIMIT", limit)
        answers.append(linear_assignment(cost, threshold=0.8))
    np.testing.assert_array_equal(answers[0][0], answers[1][0])
    np.testing.assert_array_equal(answers[0][1], answers[1][1])
    assert (answers[0][0] >= 0).sum() > 20


def test_sparse_solver_takes_negative_costs(monkeypatch):
    # OC-SORT's direction bonus can push a cost below 0; lapmod itself refuses negative costs.
    rng = np.random.default_rng(5)
    cost = np.where(rng.random((70, 60)) < 0.05, rng.random((70, 60)) - 0.2, 5.0)
    answers = []
    for limit in (0, 10**6):  # lapmod (shifted costs), dense lapjv
        monkeypatch.setattr(matching, "_DENSE_LIMIT", limit)
        answers.append(linear_assignment(cost, threshold=0.6))
    np.testing.assert_array_equal(answers[0][0], answers[1][0])
    matched = np.flatnonzero(answers[0][0] >= 0)
    assert cost[matched, answers[0][0][matched]].min() < 0 and len(matched) > 20


def _random_boxes(rng, n):
    xy = rng.uniform(0, 300, (n, 2))
    return np.hstack([xy, xy + rng.uniform(10, 60, (n, 2))])


def test_overlapping_pairs_equal_dense_iou():
    rng = np.random.default_rng(3)
    tracks, dets = _random_boxes(rng, 40), _random_boxes(rng, 35)
    rows, cols, iou = overlapping_pairs(tracks, dets)
    dense = 1.0 - iou_cost(tracks, dets)  # ndarray in, ndarray out
    assert isinstance(dense, np.ndarray)
    torch_iou = 1 - iou_cost(torch.tensor(tracks), torch.tensor(dets))  # float32
    np.testing.assert_allclose(dense, torch_iou.numpy(), atol=1e-6)
    want_r, want_c = np.nonzero(dense > 0)
    got = sorted(zip(rows.tolist(), cols.tolist()))
    assert got == sorted(zip(want_r.tolist(), want_c.tolist())) and len(got) > 10
    np.testing.assert_allclose(iou, dense[rows, cols])
    empty = overlapping_pairs(tracks, np.zeros((0, 4)))
    assert [len(x) for x in empty] == [0, 0, 0]


def test_match_by_iou_equals_dense_assignment_with_classes_and_weights():
    rng = np.random.default_rng(4)
    tracks = _random_boxes(rng, 30)
    dets = np.vstack([tracks[:25] + rng.normal(0, 4, (25, 4)), _random_boxes(rng, 5)])
    t_cls, d_cls = rng.integers(0, 2, 30), rng.integers(0, 2, 30)
    weights = rng.uniform(0.5, 1.0, 30)
    rows, cols = match_by_iou(tracks, dets, t_cls, d_cls, min_iou=0.2, det_weights=weights)
    cost = forbid_class_mismatch(1 - (1 - iou_cost(tracks, dets)) * weights, t_cls, d_cls)
    want_rows, want_cols = matched_pairs(cost, threshold=0.8)
    assert rows.tolist() == want_rows.tolist() and cols.tolist() == want_cols.tolist()
    assert (t_cls[rows] == d_cls[cols]).all() and len(rows) > 5


def test_overlapping_pairs_edge_cases():
    # Touching edges (zero-area intersection) are not pairs; nested and wide boxes are found
    # although their x1 is far from the track's.
    tracks = np.array([[0.0, 0, 10, 10], [100, 100, 110, 110]])
    dets = np.array(
        [
            [10.0, 0, 20, 10],  # touches track 0 on the right: no overlap
            [0.0, 10, 10, 20],  # touches track 0 below: no overlap
            [2.0, 2, 4, 4],  # inside track 0
            [-500.0, 95, 105, 105],  # very wide, x1 far left of track 1
        ]
    )
    rows, cols, iou = overlapping_pairs(tracks, dets)
    assert rows.tolist() == [0, 1] and cols.tolist() == [2, 3]
    np.testing.assert_allclose(iou, [4 / 100, 25 / (605 * 10 + 100 - 25)])


def test_center_directions_are_unit_vectors_or_zero():
    a = np.array([0.0, 0, 2, 2])  # centre (1, 1)
    b = np.array([[3.0, 4, 5, 6], [0.0, 0, 2, 2], [-10.0, 0, -8, 2]])  # (4, 5), (1, 1), (-8, 1)
    np.testing.assert_allclose(center_directions(a, b), [[0.6, 0.8], [0.0, 0.0], [-1.0, 0.0]])


def test_direction_cost_values_and_broadcasting():
    # A track moving right (1, 0) from an observation centred at (1, 1), candidates ahead, at
    # 45 degrees, at a right angle, behind and at the same centre.
    origin = np.array([0.0, 0, 2, 2])
    cands = np.array(
        [[10.0, 0, 12, 2], [3.0, 3, 5, 5], [0.0, 5, 2, 7], [-6.0, 0, -4, 2], [0.0, 0, 2, 2]]
    )
    cost = direction_cost(np.array([1.0, 0.0]), origin, cands)
    np.testing.assert_allclose(cost, [-0.5, -0.25, 0.0, 0.5, 0.0], atol=1e-12)
    # No direction (a track seen once): 0 for every candidate.
    np.testing.assert_allclose(direction_cost(np.zeros(2), origin, cands), 0.0)
    # (T, 1) tracks against (1, D) candidates give the (T, D) grid.
    dirs = np.array([[1.0, 0.0], [-1.0, 0.0]])
    grid = direction_cost(dirs[:, None], origin[None, None], cands[None, :2])
    np.testing.assert_allclose(grid, [[-0.5, -0.25], [0.5, 0.25]], atol=1e-12)


def test_height_iou_values():
    a = np.array([0.0, 0, 10, 10])
    b = np.array([[0.0, 5, 10, 20], [50.0, 0, 60, 10], [0.0, 20, 10, 30]])
    np.testing.assert_allclose(height_iou(a, b), [5 / 20, 1.0, 0.0])  # x is ignored


def test_ema_unit_rows_with_scalar_and_per_row_weights():
    from d2track.tracking.matching import ema_unit_rows, unit_rows

    old = np.array([[1.0, 0.0], [0.0, 1.0]])
    new = np.array([[0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0, 0]])
    # 0.9 * (1, 0) + 0.1 * (0, 1), normalised; the second track already points at the detection
    s = np.hypot(0.9, 0.1)
    np.testing.assert_allclose(ema_unit_rows(old, new, 0.9), [[0.9 / s, 0.1 / s], [0, 1]])
    np.testing.assert_allclose(ema_unit_rows(old, new, np.array([[1.0], [0.0]])), [[1, 0], [0, 1]])
