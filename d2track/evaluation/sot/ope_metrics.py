"""One-pass evaluation (OPE) of single object tracking: success AUC, precision, norm. precision.

``protocol="mmtracking"`` matches MMTracking 0.14 ``eval_sot_ope`` with mmdet 2.x
``bbox_overlaps`` (open-mmlab/mmtracking, ``mmtrack/core/evaluation/eval_sot_ope.py``, called from
``BaseSOTDataset.evaluate``); ``protocol="lasot"`` matches the official LaSOT toolkit
(HengLan/LaSOT_Evaluation_Toolkit, ``utils/calc_seq_err_robust.m`` + ``utils/eval_tracker.m``).

Conventions: docs/evaluation.md#sot-ope
"""

from typing import Dict, Mapping, Optional

import numpy as np

__all__ = [
    "SUCCESS_THRESHOLDS",
    "PRECISION_THRESHOLDS",
    "NORM_PRECISION_THRESHOLDS",
    "success_overlaps",
    "center_errors",
    "evaluate_ope",
    "check_video_names",
]

SUCCESS_THRESHOLDS = np.arange(0, 1.05, 0.05)
PRECISION_THRESHOLDS = np.arange(0, 51, 1).astype(np.float64)
NORM_PRECISION_THRESHOLDS = PRECISION_THRESHOLDS / 100.0
_PROTOCOLS = ("mmtracking", "lasot")
_READ_INDEX = 20  # P@20 px and NP@0.2


def _check_protocol(protocol: str) -> None:
    if protocol not in _PROTOCOLS:
        raise ValueError(f"protocol must be one of {_PROTOCOLS}, got {protocol!r}")


def _lasot_gt_valid(gt: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.all(gt > 0, axis=1)


def success_overlaps(pred, gt, *, protocol: str = "mmtracking") -> np.ndarray:
    """Per-frame IoU of predicted and ground-truth boxes.

    Args:
        pred: (T, 4) predicted ``(x, y, w, h)`` boxes.
        gt: (T, 4) ground-truth ``(x, y, w, h)`` boxes.
        protocol: ``"mmtracking"`` or ``"lasot"``; decides which ground truth is valid.

    Returns:
        (T,) float64 IoU (computed in float32 for ``"mmtracking"``); -1 where the ground truth
        is invalid.
    """
    _check_protocol(protocol)
    if protocol == "mmtracking":
        return _mmtracking_overlaps(_corners32(pred), _corners32(gt))
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    with np.errstate(invalid="ignore"):
        lo = np.maximum(pred[:, :2], gt[:, :2])
        hi = np.minimum(pred[:, :2] + pred[:, 2:], gt[:, :2] + gt[:, 2:])
        inter = np.prod(np.maximum(hi - lo, 0.0), axis=1)
        union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
        iou = inter / np.maximum(union, 1e-6)
    return np.where(_lasot_gt_valid(gt), iou, -1.0)


def _corners32(boxes) -> np.ndarray:
    """(T, 4) float32 ``(x1, y1, x2, y2)``: float32 ``(x, y, w, h)``, then ``x + w`` in float32."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def _mmtracking_overlaps(p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """IoU of float32 corners as mmdet's ``bbox_overlaps``; -1 unless x2 > x1 and y2 > y1."""
    with np.errstate(over="ignore", invalid="ignore"):
        wh = np.maximum(np.minimum(p[:, 2:], g[:, 2:]) - np.maximum(p[:, :2], g[:, :2]), 0)
        inter = wh[:, 0] * wh[:, 1]
        area_p = (p[:, 2] - p[:, 0]) * (p[:, 3] - p[:, 1])
        area_g = (g[:, 2] - g[:, 0]) * (g[:, 3] - g[:, 1])
        iou = inter / np.maximum(area_g + area_p - inter, np.float32(1e-6))
        valid = (g[:, 2] > g[:, 0]) & (g[:, 3] > g[:, 1])
    return np.where(valid, iou.astype(np.float64), -1.0)


def _mmtracking_center_errors(p: np.ndarray, g: np.ndarray, normalized: bool) -> np.ndarray:
    """Centre distances of float32 corners, in float32 as MMTracking; -1 where invalid."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        c_p = np.float32(0.5) * (p[:, 2:] + p[:, :2])
        c_g = np.float32(0.5) * (g[:, 2:] + g[:, :2])
        if normalized:
            scale = (g[:, 2:] - g[:, :2]) + np.float32(1e-16)
            c_p, c_g = c_p / scale, c_g / scale
        dist = np.sqrt(np.sum((c_g - c_p) ** 2, axis=1))
        valid = np.all(c_g > 0, axis=1)
    return np.where(valid, dist.astype(np.float64), -1.0)


def center_errors(
    pred, gt, *, normalized: bool = False, protocol: str = "mmtracking"
) -> np.ndarray:
    """Per-frame euclidean distance between box centres.

    Args:
        pred: (T, 4) predicted ``(x, y, w, h)`` boxes.
        gt: (T, 4) ground-truth ``(x, y, w, h)`` boxes.
        normalized: divide both centres by the ground-truth ``(w, h)`` first (MMTracking adds
            1e-16 to the divisor).
        protocol: ``"mmtracking"`` (valid when the, possibly normalised, ground-truth centre
            has positive coordinates) or ``"lasot"`` (valid when all of x, y, w, h are > 0).

    Returns:
        (T,) float64 distances (computed in float32 for ``"mmtracking"``); -1 where the ground
        truth is invalid.
    """
    _check_protocol(protocol)
    if protocol == "mmtracking":
        return _mmtracking_center_errors(_corners32(pred), _corners32(gt), normalized)
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        c_pred = pred[:, :2] + 0.5 * pred[:, 2:]
        c_gt = gt[:, :2] + 0.5 * gt[:, 2:]
        if normalized:
            c_pred, c_gt = c_pred / gt[:, 2:], c_gt / gt[:, 2:]
        dist = np.sqrt(np.sum((c_pred - c_gt) ** 2, axis=1))
    return np.where(_lasot_gt_valid(gt), dist, -1.0)


def _lasot_repair(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Forward-fill invalid predictions, then put the ground truth in frame 0 (LaSOT toolkit)."""
    with np.errstate(invalid="ignore"):
        bad = np.isnan(pred).any(axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
    bad &= ~np.isnan(gt).any(axis=1)
    bad[0] = False
    source = np.maximum.accumulate(np.where(bad, 0, np.arange(len(pred))))
    repaired = pred[source]
    repaired[0] = gt[0]
    return repaired


def _as_boxes(name: str, boxes, what: str) -> np.ndarray:
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"video {name!r}: {what} must have shape (T, 4), got {arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"video {name!r}: {what} is empty (0 frames)")
    return arr


def _as_visible(name: str, visible, length: int) -> np.ndarray:
    arr = np.asarray(visible)
    if arr.shape != (length,) or arr.dtype != bool:
        raise ValueError(
            f"video {name!r}: visible must be a bool array of shape ({length},), "
            f"got {arr.dtype} {arr.shape}"
        )
    return arr


def _rates(values: np.ndarray, thresholds: np.ndarray, length: int, above: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        hits = values[:, None] > thresholds if above else values[:, None] <= thresholds
    return hits.sum(axis=0) / float(length)


def _video_curves(pred, gt, keep, protocol: str) -> Dict[str, np.ndarray]:
    length = len(gt)
    if protocol == "lasot":
        pred = _lasot_repair(pred, gt)
    pred, gt = pred[keep], gt[keep]
    iou = success_overlaps(pred, gt, protocol=protocol)
    err = center_errors(pred, gt, protocol=protocol)
    norm_err = center_errors(pred, gt, normalized=True, protocol=protocol)
    return {
        "success": _rates(iou, SUCCESS_THRESHOLDS, length, above=True),
        "precision": _rates(err, PRECISION_THRESHOLDS, length, above=False),
        "norm_precision": _rates(norm_err, NORM_PRECISION_THRESHOLDS, length, above=False),
    }


def _headline(curves: Mapping[str, np.ndarray]) -> Dict[str, float]:
    return {
        "success": float(np.mean(curves["success"]) * 100),
        "precision": float(curves["precision"][_READ_INDEX] * 100),
        "norm_precision": float(curves["norm_precision"][_READ_INDEX] * 100),
    }


def check_video_names(results: Mapping, gts: Mapping, **per_video: Optional[Mapping]) -> None:
    """Raise ValueError unless ``results`` and each non-None ``per_video`` map cover ``gts``."""
    if not gts:
        raise ValueError("gts is empty: no video to evaluate")
    missing = sorted(set(gts) - set(results))
    extra = sorted(set(results) - set(gts))
    if missing or extra:
        raise ValueError(f"results lack videos {missing} and have unknown videos {extra}")
    for name, mapping in per_video.items():
        if mapping is not None and sorted(set(gts) - set(mapping)):
            raise ValueError(f"{name} lacks videos {sorted(set(gts) - set(mapping))}")


def evaluate_ope(
    results: Mapping[str, np.ndarray],
    gts: Mapping[str, np.ndarray],
    *,
    visible: Optional[Mapping[str, np.ndarray]] = None,
    protocol: str = "mmtracking",
) -> Dict:
    """Evaluate a tracker with the OPE protocol.

    Args:
        results: video name -> (T, 4) predicted ``(x, y, w, h)`` boxes, one per frame.
        gts: video name -> (T, 4) ground-truth ``(x, y, w, h)`` boxes.
        visible: optional video name -> (T,) bool; False frames are not scored but still count
            in the denominator (see docs/evaluation.md#sot-ope).
        protocol: ``"mmtracking"`` or ``"lasot"``.

    Returns:
        dict with ``"success"``, ``"precision"``, ``"norm_precision"`` (percent, over the
        dataset), ``"curves"`` (the mean curves, rates in [0, 1]: ``"success"`` (21,),
        ``"precision"`` (51,), ``"norm_precision"`` (51,)), ``"thresholds"`` (the matching
        thresholds) and ``"per_video"`` (name -> the same headline keys, ``"num_frames"`` and
        ``"curves"``).

    Raises:
        ValueError: naming the video, for a missing video, a wrong shape, an empty video or a
            length mismatch.
    """
    _check_protocol(protocol)
    check_video_names(results, gts, visible=visible)
    per_video = {}
    for name in sorted(gts):
        gt = _as_boxes(name, gts[name], "ground truth")
        pred = _as_boxes(name, results[name], "results")
        if len(pred) != len(gt):
            raise ValueError(f"video {name!r}: {len(pred)} result boxes for {len(gt)} frames")
        keep = (
            np.ones(len(gt), bool) if visible is None else _as_visible(name, visible[name], len(gt))
        )
        curves = _video_curves(pred, gt, keep, protocol)
        per_video[name] = {**_headline(curves), "num_frames": len(gt), "curves": curves}
    mean_curves = {
        key: np.mean([v["curves"][key] for v in per_video.values()], axis=0)
        for key in ("success", "precision", "norm_precision")
    }
    return {
        **_headline(mean_curves),
        "curves": mean_curves,
        "thresholds": {
            "success": SUCCESS_THRESHOLDS.copy(),
            "precision": PRECISION_THRESHOLDS.copy(),
            "norm_precision": NORM_PRECISION_THRESHOLDS.copy(),
        },
        "per_video": per_video,
    }
