"""Association primitives shared by every tracker: assignment, IoU and appearance costs.

:func:`linear_assignment` is the minimum-cost matching with a cost limit, solved by ``lap.lapjv``
as MMTracking 0.x's ``ByteTracker`` and ``SORTTracker`` do (a pair whose cost is above the limit
is never matched). All cost functions are vectorised over track x detection pairs.

For many objects the work is kept proportional to the pairs that can match: pairs with a single
candidate on both sides are matched directly and only the contested rest goes to the solver
(:func:`sparse_linear_assignment`), and :func:`match_by_iou` only looks at overlapping boxes
(:func:`overlapping_pairs`) instead of the T x D IoU matrix.

The motion cues of OC-SORT and Hybrid-SORT (:func:`center_directions`, :func:`direction_cost`,
:func:`height_iou`) are element-wise over broadcast arrays, so that a tracker evaluates them on
dense (T, D) grids or on the candidate pairs of :func:`overlapping_pairs` alike.
"""

import lap
import numpy as np
import torch
from pycocotools import mask as mask_util
from torchvision.ops import box_iou

# Contested rows + columns above which the sparse solver (lapmod) beats dense lapjv: measured
# crossover about 100 on tracking costs (lapjv grows as (T + D)^2, lapmod with the pairs).
_DENSE_LIMIT = 100

__all__ = [
    "ema_unit_rows",
    "unit_rows",
    "linear_assignment",
    "matched_pairs",
    "sparse_linear_assignment",
    "overlapping_pairs",
    "match_by_iou",
    "iou_cost",
    "center_directions",
    "direction_cost",
    "height_iou",
    "fuse_score",
    "fuse_iou_appearance",
    "embedding_cost",
    "forbid_class_mismatch",
    "mask_rles",
    "pairwise_mask_iou",
]


def linear_assignment(cost, *, threshold):
    """Minimum-cost one-to-one matching of rows (tracks) to columns (detections).

    Args:
        cost (ndarray or Tensor): (T, D) pair costs; ``inf``/``nan`` pairs are never matched.
        threshold (float): pairs with cost above it are never matched.

    Returns:
        tuple: ``row_to_col`` (T,) int64 matched column per row or -1, and ``col_to_row`` (D,)
        int64 matched row per column or -1.
    """
    cost = np.asarray(cost.cpu() if isinstance(cost, torch.Tensor) else cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"linear_assignment: cost must be (T, D), got shape {cost.shape}")
    rows, cols = cost.shape
    if rows == 0 or cols == 0:
        return np.full(rows, -1, dtype=np.int64), np.full(cols, -1, dtype=np.int64)
    # nan/inf compare False: never feasible.
    r, c = np.nonzero(cost <= threshold)
    return sparse_linear_assignment(r, c, cost[r, c], shape=cost.shape, threshold=threshold)


def sparse_linear_assignment(rows, cols, cost, *, shape, threshold):
    """:func:`linear_assignment` given only the allowed pairs (all others are forbidden).

    Pairs whose row and column have no other allowed partner are matched by any optimum, and in
    tracking most pairs are such (objects apart from each other); only the rest goes to lapjv,
    whose extended matrix is (T + D)^2. This keeps association fast for 1000 objects.

    Args:
        rows (ndarray): (P,) int row index of each allowed pair.
        cols (ndarray): (P,) int column index; pairs are distinct.
        cost (ndarray): (P,) cost of each pair.
        shape (tuple): ``(T, D)``.
        threshold (float): pairs with cost above it are never matched.

    Returns:
        tuple: ``row_to_col`` (T,) and ``col_to_row`` (D,) int64, -1 where unmatched.
    """
    keep = np.asarray(cost) <= threshold
    rows, cols, cost = np.asarray(rows)[keep], np.asarray(cols)[keep], np.asarray(cost)[keep]
    row_to_col = np.full(shape[0], -1, dtype=np.int64)
    col_to_row = np.full(shape[1], -1, dtype=np.int64)
    solo = (np.bincount(rows, minlength=shape[0])[rows] == 1) & (
        np.bincount(cols, minlength=shape[1])[cols] == 1
    )
    row_to_col[rows[solo]], col_to_row[cols[solo]] = cols[solo], rows[solo]
    if not solo.all():
        rest_r, sub_r = _compact(rows[~solo], shape[0])
        rest_c, sub_c = _compact(cols[~solo], shape[1])
        sub_r2c = _solve_rest(sub_r, sub_c, cost[~solo], (len(rest_r), len(rest_c)), threshold)
        hit = np.flatnonzero(sub_r2c >= 0)
        row_to_col[rest_r[hit]] = rest_c[sub_r2c[hit]]
        col_to_row[rest_c[sub_r2c[hit]]] = rest_r[hit]
    return row_to_col, col_to_row


def _solve_rest(rows, cols, cost, shape, threshold):
    """Row-to-column (or -1) optimum of the contested pairs: dense lapjv when small, else lapmod.

    lapjv's extended matrix grows as (T + D)^2; lapmod (sparse JV) solves the same extended
    problem, built here explicitly: real columns, then one dummy column per row (cost
    ``threshold / 2``: unmatched), one dummy row per column, and the zero-cost transposed
    pattern between dummies so that a perfect matching always exists. lapmod needs non-negative
    costs: negative ones (e.g. OC-SORT's direction bonus) are shifted up, with the threshold, by
    the same amount, which adds a constant to every perfect matching (each has ``T + D`` edges of
    either kind, weighted as pairs) and keeps the optimum.
    """
    t, d = shape
    if t + d <= _DENSE_LIMIT:
        sub = np.full(shape, threshold + 1e5)  # over the limit: forbidden
        sub[rows, cols] = cost
        return lap.lapjv(sub, extend_cost=True, cost_limit=threshold)[1]
    shift = max(0.0, -float(np.min(cost)))
    cost, threshold = cost + shift, threshold + shift
    r = np.concatenate([rows, np.arange(t), t + np.arange(d), t + cols])
    c = np.concatenate([cols, d + np.arange(t), np.arange(d), d + rows])
    v = np.concatenate([cost, np.full(t + d, threshold / 2), np.zeros(len(rows))])
    order = np.lexsort((c, r))  # CSR: by row, columns sorted within a row
    starts = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=t + d))])
    row_to_col = lap.lapmod(t + d, v[order], starts, c[order], return_cost=False)[0][:t]
    return np.where(row_to_col < d, row_to_col, -1)


def _compact(index, size):
    """Distinct values of ``index`` (ascending) and each entry's position among them."""
    present = np.zeros(size, dtype=bool)
    present[index] = True
    values = np.flatnonzero(present)
    position = np.cumsum(present) - 1
    return values, position[index]


def overlapping_pairs(track_boxes, det_boxes):
    """The (track, detection) pairs whose boxes overlap, with their IoU, without the T x D matrix.

    Detections are sorted by ``x1``; a track box can only overlap those with ``x1`` in
    ``(track x1 - widest detection, track x2)``, found by binary search. Coordinates are kept
    as contiguous 1-d arrays (gathering from them is several times faster than from (N, 4)
    rows), and the y overlap is only computed for the candidates that overlap in x.

    Args:
        track_boxes (ndarray): (T, 4) ``XYXY_ABS``.
        det_boxes (ndarray): (D, 4) ``XYXY_ABS``.

    Returns:
        tuple: ``rows`` (P,), ``cols`` (P,) int64 and ``iou`` (P,) float64 > 0.
    """
    trk = np.asarray(track_boxes, dtype=np.float64).reshape(-1, 4)
    det = np.asarray(det_boxes, dtype=np.float64).reshape(-1, 4)
    if not len(trk) or not len(det):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    order = np.argsort(det[:, 0], kind="stable")
    dx1, dy1, dx2, dy2 = det[order].T.copy()
    tx1, ty1, tx2, ty2 = trk.T.copy()
    lo = np.searchsorted(dx1, tx1 - (dx2 - dx1).max(), side="right")
    hi = np.searchsorted(dx1, tx2, side="left")
    counts = np.maximum(hi - lo, 0)
    rows = np.repeat(np.arange(len(trk)), counts)
    # Candidate k of track r is sorted detection lo[r] + (k - first candidate of r).
    cols = np.arange(len(rows)) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
    iw = np.minimum(tx2[rows], dx2[cols]) - np.maximum(tx1[rows], dx1[cols])
    keep = np.flatnonzero(iw > 0)
    rows, cols, iw = rows[keep], cols[keep], iw[keep]
    inter = iw * np.maximum(np.minimum(ty2[rows], dy2[cols]) - np.maximum(ty1[rows], dy1[cols]), 0)
    keep = np.flatnonzero(inter > 0)
    rows, cols, inter = rows[keep], cols[keep], inter[keep]
    union = ((tx2 - tx1) * (ty2 - ty1))[rows] + ((dx2 - dx1) * (dy2 - dy1))[cols]
    return rows, order[cols], inter / np.maximum(union - inter, 1e-12)


def iou_cost(track_boxes, det_boxes):
    """``1 - IoU`` of every track box with every detection box.

    Args:
        track_boxes (Tensor or ndarray): (T, 4) ``XYXY_ABS``.
        det_boxes (Tensor or ndarray): (D, 4) ``XYXY_ABS``.

    Returns:
        Tensor: (T, D) float costs in [0, 1]; a float64 ndarray when both inputs are ndarrays
        (the trackers' path: no tensor round trip per association).
    """
    if isinstance(track_boxes, np.ndarray) and isinstance(det_boxes, np.ndarray):
        return 1.0 - _box_iou_numpy(track_boxes, det_boxes)
    return 1.0 - box_iou(torch.as_tensor(track_boxes).float(), torch.as_tensor(det_boxes).float())


def _box_iou_numpy(a, b):
    """(T, D) IoU of ``XYXY`` boxes (T, 4) and (D, 4), one coordinate at a time."""
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def center_directions(from_boxes, to_boxes):
    """Unit vectors from the centres of ``from_boxes`` to the centres of ``to_boxes``.

    Args:
        from_boxes (ndarray): (..., 4) ``XYXY_ABS``.
        to_boxes (ndarray): (..., 4) ``XYXY_ABS``, broadcastable with ``from_boxes``.

    Returns:
        ndarray: (..., 2) float64 ``dx, dy`` of length 1, or 0 where the centres coincide.
    """
    a = np.asarray(from_boxes, dtype=np.float64)
    b = np.asarray(to_boxes, dtype=np.float64)
    delta = 0.5 * ((b[..., :2] + b[..., 2:]) - (a[..., :2] + a[..., 2:]))
    norm = np.sqrt((delta**2).sum(axis=-1, keepdims=True))
    return np.divide(delta, norm, out=np.zeros_like(delta), where=norm > 0)


def direction_cost(directions, from_boxes, to_boxes):
    """Velocity-direction consistency cost (OC-SORT's observation-centric momentum).

    For a track moving along ``directions`` whose earlier observation is ``from_boxes``, the cost
    of a candidate ``to_boxes`` is ``(theta - pi / 2) / pi`` for the angle ``theta`` between the
    track's direction and the direction from ``from_boxes`` to the candidate (centre to centre):
    -0.5 straight ahead, 0 at a right angle, 0.5 straight back, and 0 where a direction is
    undefined (zero vector: a track with one observation, or a candidate at the same centre).

    Args:
        directions (ndarray): (..., 2) unit (or zero) ``dx, dy`` vectors.
        from_boxes (ndarray): (..., 4) ``XYXY_ABS``.
        to_boxes (ndarray): (..., 4) ``XYXY_ABS``; the three broadcast together.

    Returns:
        ndarray: (...) float64 costs in [-0.5, 0.5].
    """
    cos = (np.asarray(directions) * center_directions(from_boxes, to_boxes)).sum(axis=-1)
    return (np.arccos(np.clip(cos, -1.0, 1.0)) - 0.5 * np.pi) / np.pi


def height_iou(boxes_a, boxes_b):
    """Overlap of the vertical extents of two boxes over their union (Hybrid-SORT's height IoU,
    whose product with IoU is its height-modulated IoU).

    Args:
        boxes_a (ndarray): (..., 4) ``XYXY_ABS``.
        boxes_b (ndarray): (..., 4) ``XYXY_ABS``, broadcastable with ``boxes_a``.

    Returns:
        ndarray: (...) float64 in [0, 1]; 0 where the extents do not overlap.
    """
    a = np.asarray(boxes_a, dtype=np.float64)
    b = np.asarray(boxes_b, dtype=np.float64)
    inter = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    union = np.maximum(a[..., 3], b[..., 3]) - np.minimum(a[..., 1], b[..., 1])
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0).clip(min=0)


def fuse_score(iou_dist, det_scores):
    """ByteTrack's and BoT-SORT's ``fuse_score``: an IoU distance weighted by the detection
    score, ``1 - (1 - iou_dist) * score``, so that confident detections are cheaper to match.

    Element-wise over broadcast arrays: a dense (T, D) distance with (D,) scores, or the (P,)
    candidate pairs of :func:`overlapping_pairs` with the (P,) scores of their detections.

    Args:
        iou_dist (ndarray): ``1 - IoU``.
        det_scores (ndarray): detection scores, broadcastable with ``iou_dist``.

    Returns:
        ndarray: float64 fused distances.
    """
    return 1.0 - (1.0 - np.asarray(iou_dist, dtype=np.float64)) * np.asarray(det_scores)


def fuse_iou_appearance(
    iou_dist, appearance_dist, *, proximity_thr, appearance_thr, det_scores=None
):
    """BoT-SORT's IoU-ReID fusion: the smaller of the motion and the gated appearance distance.

    The appearance distance of a pair counts only if it is at most ``appearance_thr`` and the
    pair's *raw* IoU distance is at most ``proximity_thr`` (the boxes are close); otherwise it
    is 1. The motion distance is ``iou_dist``, weighted by ``det_scores`` (:func:`fuse_score`)
    when given. Element-wise over broadcast arrays, as :func:`fuse_score`.

    Args:
        iou_dist (ndarray): ``1 - IoU`` of each pair.
        appearance_dist (ndarray): appearance distance of each pair (BoT-SORT: cosine distance
            halved, in [0, 1]).
        proximity_thr (float): pairs with ``iou_dist`` above it get no appearance term.
        appearance_thr (float): appearance distances above it are ignored (set to 1).
        det_scores (ndarray or None): detection scores for :func:`fuse_score`, or None.

    Returns:
        ndarray: float64 fused distances.
    """
    iou_dist = np.asarray(iou_dist, dtype=np.float64)
    appearance_dist = np.asarray(appearance_dist, dtype=np.float64)
    motion = iou_dist if det_scores is None else fuse_score(iou_dist, det_scores)
    gated = (appearance_dist > appearance_thr) | (iou_dist > proximity_thr)
    return np.minimum(motion, np.where(gated, 1.0, appearance_dist))


def embedding_cost(track_embeds, det_embeds, *, metric="cosine"):
    """Appearance distance of every track embedding to every detection embedding.

    Args:
        track_embeds (Tensor): (T, C).
        det_embeds (Tensor): (D, C).
        metric (str): ``"cosine"`` (1 - cosine similarity, in [0, 2]) or ``"euclidean"``.

    Returns:
        Tensor: (T, D) float distances.
    """
    if metric == "cosine":
        a = torch.nn.functional.normalize(track_embeds.float(), dim=1)
        b = torch.nn.functional.normalize(det_embeds.float(), dim=1)
        return 1.0 - a @ b.T
    if metric == "euclidean":
        return torch.cdist(track_embeds.float(), det_embeds.float())
    raise ValueError(f"embedding_cost: metric must be 'cosine' or 'euclidean', got {metric!r}")


def pairwise_mask_iou(masks_a, masks_b):
    """IoU of every mask of ``masks_a`` with every mask of ``masks_b``, by pycocotools' RLEs.

    The masks are run-length encoded without a copy (as their transposes, whose IoU is the same),
    so 200 masks of 640x360 cost about 30 ms on one core, 20 times less than a dense product.

    Args:
        masks_a (Tensor or list): (A, H, W) bool, or their :func:`mask_rles`.
        masks_b (Tensor or list): (B, H, W) bool of the same size, or their :func:`mask_rles`.

    Returns:
        Tensor: (A, B) float32; 0 where both masks are empty.
    """
    rles_a = mask_rles(masks_a) if torch.is_tensor(masks_a) else masks_a
    rles_b = mask_rles(masks_b) if torch.is_tensor(masks_b) else masks_b
    if len(rles_a) == 0 or len(rles_b) == 0:
        return torch.zeros(len(rles_a), len(rles_b))
    iou = mask_util.iou(rles_a, rles_b, [0] * len(rles_b))
    return torch.as_tensor(np.asarray(iou, dtype=np.float32).reshape(len(rles_a), len(rles_b)))


def mask_rles(masks):
    """pycocotools RLEs of (N, H, W) bool masks for :func:`pairwise_mask_iou`: those of their
    (W, H) transposes, since a C-ordered (N, H, W) array is a Fortran-ordered (W, H, N) one,
    what ``mask_util.encode`` reads (no copy)."""
    if len(masks) == 0:
        return []
    array = np.ascontiguousarray(masks.detach().to("cpu", torch.bool).numpy()).view(np.uint8)
    return mask_util.encode(array.T)


def forbid_class_mismatch(cost, track_classes, det_classes):
    """Category-aware tracking: ``inf`` cost for pairs of different classes.

    Args:
        cost (Tensor or ndarray): (T, D).
        track_classes (Tensor or ndarray): (T,) int64.
        det_classes (Tensor or ndarray): (D,) int64.

    Returns:
        Tensor or ndarray (as ``cost``): (T, D) a copy of ``cost`` with mismatched pairs set to
        ``inf``.
    """
    if isinstance(cost, np.ndarray):
        same = np.asarray(track_classes).reshape(-1, 1) == np.asarray(det_classes).reshape(1, -1)
        return np.where(same, cost, np.inf)
    same = track_classes.view(-1, 1) == det_classes.view(1, -1)
    return torch.where(same, cost, torch.full_like(cost, float("inf")))


def matched_pairs(cost, *, threshold):
    """The matched pairs of :func:`linear_assignment` as two aligned index arrays.

    Args:
        cost (ndarray or Tensor): (T, D) pair costs.
        threshold (float): pairs with cost above it are never matched.

    Returns:
        tuple: ``rows`` (M,) and ``cols`` (M,) int64, row ``rows[i]`` matched to ``cols[i]``.
    """
    row_to_col, _ = linear_assignment(cost, threshold=threshold)
    rows = np.flatnonzero(row_to_col >= 0)
    return rows, row_to_col[rows]


def match_by_iou(track_boxes, det_boxes, track_classes, det_classes, *, min_iou, det_weights=None):
    """Category-aware IoU association, computed on overlapping pairs only.

    Equivalent to :func:`linear_assignment` on ``1 - IoU`` (times ``det_weights``) with
    :func:`forbid_class_mismatch` and threshold ``1 - min_iou``, for ``min_iou > 0``.

    Args:
        track_boxes (ndarray): (T, 4) ``XYXY_ABS``.
        det_boxes (ndarray): (D, 4) ``XYXY_ABS``.
        track_classes (ndarray): (T,) int64.
        det_classes (ndarray): (D,) int64.
        min_iou (float): smallest (weighted) IoU of a match.
        det_weights (ndarray or None): (D,) factors on the IoU (ByteTrack: detection scores).

    Returns:
        tuple: matched track indices (M,) and detection indices (M,), int64.
    """
    r, c, iou = overlapping_pairs(track_boxes, det_boxes)
    if det_weights is not None:
        iou = iou * np.asarray(det_weights)[c]
    same = np.asarray(track_classes)[r] == np.asarray(det_classes)[c]
    shape = (len(track_boxes), len(det_boxes))
    row_to_col, _ = sparse_linear_assignment(
        r[same], c[same], 1.0 - iou[same], shape=shape, threshold=1.0 - min_iou
    )
    rows = np.flatnonzero(row_to_col >= 0)
    return rows, row_to_col[rows]


def unit_rows(x):
    """Rows of ``x`` (N, D) divided by their norm (zero rows stay zero); dtype kept."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def ema_unit_rows(old, new, alpha):
    """The exponential moving average of unit embeddings that BoT-SORT, StrongSORT and Deep
    OC-SORT keep per track: ``unit(alpha * old + (1 - alpha) * new)``.

    Args:
        old (ndarray): (M, D) the tracks' current unit embeddings.
        new (ndarray): (M, D) their matched detections' unit embeddings.
        alpha (float or ndarray): weight of the past, a scalar or (M, 1) per track.

    Returns:
        ndarray: (M, D) unit rows.
    """
    return unit_rows(alpha * old + (1.0 - alpha) * new)
