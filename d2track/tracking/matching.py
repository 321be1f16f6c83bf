"""Association primitives shared by every tracker: assignment, IoU and appearance costs.

:func:`linear_assignment` is the minimum-cost matching with a cost limit, solved by ``lap.lapjv``
as MMTracking 0.x's ``ByteTracker`` and ``SORTTracker`` do (a pair whose cost is above the limit
is never matched). All cost functions are vectorised over track x detection pairs.
"""

import lap
import numpy as np
import torch
from torchvision.ops import box_iou

__all__ = ["linear_assignment", "iou_cost", "embedding_cost", "forbid_class_mismatch"]


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
    # lapjv needs finite costs: anything not allowed becomes more than the limit.
    cost = np.where(np.isfinite(cost), cost, threshold + 1e5)
    _, row_to_col, col_to_row = lap.lapjv(cost, extend_cost=True, cost_limit=threshold)
    return row_to_col.astype(np.int64), col_to_row.astype(np.int64)


def iou_cost(track_boxes, det_boxes):
    """``1 - IoU`` of every track box with every detection box.

    Args:
        track_boxes (Tensor): (T, 4) ``XYXY_ABS``.
        det_boxes (Tensor): (D, 4) ``XYXY_ABS``.

    Returns:
        Tensor: (T, D) float costs in [0, 1].
    """
    return 1.0 - box_iou(track_boxes.float(), det_boxes.float())


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


def forbid_class_mismatch(cost, track_classes, det_classes):
    """Category-aware tracking: ``inf`` cost for pairs of different classes.

    Args:
        cost (Tensor): (T, D).
        track_classes (Tensor): (T,) int64.
        det_classes (Tensor): (D,) int64.

    Returns:
        Tensor: (T, D) a copy of ``cost`` with mismatched pairs set to ``inf``.
    """
    same = track_classes.view(-1, 1) == det_classes.view(1, -1)
    return torch.where(same, cost, torch.full_like(cost, float("inf")))
