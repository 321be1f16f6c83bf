"""ReID retrieval metrics (mAP and CMC rank-k).

Follows MMTracking 0.x ``ReIDDataset.evaluate`` (open-mmlab/mmtracking,
``mmtrack/datasets/reid_dataset.py``), itself torchreid's Market-1501 evaluation
(``eval_market1501``) without camera filtering (MOT ReID data has no camera ids).

Conventions: docs/evaluation.md#reid
"""

from typing import Dict, Sequence

import numpy as np
import torch

__all__ = ["pairwise_distance", "eval_reid", "evaluate_features"]


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def pairwise_distance(query, gallery) -> np.ndarray:
    """Squared euclidean distance matrix.

    Args:
        query: array or tensor of shape (Q, D).
        gallery: array or tensor of shape (G, D).

    Returns:
        np.ndarray of shape (Q, G), float64.
    """
    q = _to_numpy(query).astype(np.float64)
    g = _to_numpy(gallery).astype(np.float64)
    if q.ndim != 2 or g.ndim != 2:
        raise ValueError(f"expected 2-D inputs, got {q.shape} and {g.shape}")
    if q.shape[1] != g.shape[1]:
        raise ValueError(f"feature dims differ: {q.shape[1]} vs {g.shape[1]}")
    dist = (q**2).sum(1)[:, None] + (g**2).sum(1)[None, :] - 2.0 * q @ g.T
    return np.maximum(dist, 0.0)


def eval_reid(
    distmat,
    query_ids,
    gallery_ids,
    *,
    ranks: Sequence[int] = (1, 5, 10, 20),
    exclude_self: bool = False,
) -> Dict[str, float]:
    """Compute mAP and CMC from a distance matrix.

    Args:
        distmat: (Q, G) distances, smaller is more similar.
        query_ids: (Q,) identity labels of the queries.
        gallery_ids: (G,) identity labels of the gallery.
        ranks: positive CMC ranks to report as ``R{k}``.
        exclude_self: if True, requires Q == G and removes gallery item ``i``
            from the ranking of query ``i`` (all-vs-all protocol).

    Returns:
        dict with ``"mAP"`` and ``"R{k}"`` for each k, as fractions. If no
        query has a valid match, all values are 0.0.
    """
    dist = _to_numpy(distmat).astype(np.float64)
    qids = _to_numpy(query_ids).reshape(-1)
    gids = _to_numpy(gallery_ids).reshape(-1)
    if dist.ndim != 2:
        raise ValueError(f"distmat must be 2-D, got shape {dist.shape}")
    if dist.shape != (len(qids), len(gids)):
        raise ValueError(
            f"distmat shape {dist.shape} != (len(query_ids), len(gallery_ids)) "
            f"= {(len(qids), len(gids))}"
        )
    if exclude_self and dist.shape[0] != dist.shape[1]:
        raise ValueError("exclude_self requires a square distmat")
    ranks = tuple(int(k) for k in ranks)
    if any(k < 1 for k in ranks):
        raise ValueError(f"ranks must be >= 1, got {ranks}")

    cmc_sum = np.zeros(max(ranks, default=1), dtype=np.float64)
    aps = []
    for i in range(dist.shape[0]):
        order = np.argsort(dist[i], kind="stable")
        if exclude_self:
            order = order[order != i]
        hits = (gids[order] == qids[i]).astype(np.float64)
        if not hits.any():
            continue
        first = int(np.argmax(hits))
        if first < len(cmc_sum):
            cmc_sum[first:] += 1.0
        precisions = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        aps.append(float((precisions * hits).sum() / hits.sum()))

    result = {"mAP": float(np.mean(aps)) if aps else 0.0}
    n_valid = len(aps)
    for k in ranks:
        result[f"R{k}"] = float(cmc_sum[k - 1] / n_valid) if n_valid else 0.0
    return result


def evaluate_features(features, ids, *, ranks: Sequence[int] = (1, 5, 10, 20)) -> Dict[str, float]:
    """All-vs-all ReID evaluation as in MMTracking 0.x.

    Args:
        features: (N, D) embeddings.
        ids: (N,) identity labels.
        ranks: CMC ranks to report.

    Returns:
        Same dict as :func:`eval_reid`.
    """
    feats = _to_numpy(features)
    labels = _to_numpy(ids).reshape(-1)
    if feats.ndim != 2:
        raise ValueError(f"features must be (N, D), got {feats.shape}")
    if len(labels) != feats.shape[0]:
        raise ValueError(f"len(ids)={len(labels)} != N={feats.shape[0]}")
    dist = pairwise_distance(feats, feats)
    return eval_reid(dist, labels, labels, ranks=ranks, exclude_self=True)
