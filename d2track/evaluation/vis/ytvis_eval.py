"""YouTube-VIS video instance segmentation evaluation (AP, AP50, AP75, APs/m/l, AR1/10/100).

The numbers match the official YouTube-VIS API, a fork of cocoapi (youtubevos/cocoapi,
``PythonAPI/pycocotools/ytvoseval.py`` and ``ytvos.py``; vendored by MMTracking 0.x as
``mmtrack/core/utils/ytvoseval.py``), re-implemented on ``pycocotools.mask``.

Conventions and deliberate differences: docs/evaluation.md#vis
"""

import json
import math
import os
from typing import Dict, List, NamedTuple, Sequence

import numpy as np
from pycocotools import mask as mask_util

from d2track.utils.input_files import InputFileError, read_text

__all__ = [
    "AREA_RANGES",
    "STAT_NAMES",
    "evaluate_ytvis",
    "evaluate_ytvis_files",
    "load_ytvis_gt",
    "load_ytvis_results",
    "video_box_iou",
    "video_mask_iou",
]

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_THRESHOLDS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)
AREA_RANGES = {
    "all": (0.0, 1e5**2),
    "small": (0.0, 128.0**2),
    "medium": (128.0**2, 256.0**2),
    "large": (256.0**2, 1e5**2),
}
STAT_NAMES = (
    "AP",
    "AP50",
    "AP75",
    "APs",
    "APm",
    "APl",
    "AR1",
    "AR10",
    "AR100",
    "ARs",
    "ARm",
    "ARl",
)


class _Track(NamedTuple):
    """One ground truth or prediction: a per-frame list of RLEs or boxes (None when absent)."""

    video_id: int
    category_id: int
    score: float
    iscrowd: bool
    area: float
    frames: list


def _fail(source, where, message):
    raise InputFileError(source, f"{where}: {message}")


def _read_json(path):
    if not os.path.isfile(path):
        raise InputFileError(path, "file not found")
    try:
        return json.loads(read_text(path))  # not UTF-8: raises naming the file and line
    except json.JSONDecodeError as e:
        raise InputFileError(path, f"invalid json: {e.msg}", e.lineno) from None


def _mean_area(areas) -> float:
    """The reference's object area: mean of the truthy (present, non-zero) per-frame areas."""
    kept = [a for a in areas if a]
    return float(np.mean(np.asarray(kept, dtype=np.float64))) if kept else 0.0


def _to_rle(segm, height, width, source, where):
    """Polygon / uncompressed RLE / compressed RLE -> compressed RLE of size (height, width)."""
    if not segm:
        return None
    if isinstance(segm, list):
        if not all(isinstance(p, list) and len(p) >= 6 for p in segm):
            _fail(source, where, "polygons must be lists of >= 3 (x, y) points")
        return mask_util.merge(mask_util.frPyObjects(segm, height, width))
    if not isinstance(segm, dict) or "counts" not in segm or "size" not in segm:
        _fail(source, where, f"expected None, a polygon list or an RLE dict, got {segm!r:.60}")
    if [int(s) for s in segm["size"]] != [height, width]:
        _fail(source, where, f"mask size {segm['size']} differs from the video's {[height, width]}")
    if isinstance(segm["counts"], list):
        return mask_util.frPyObjects(segm, height, width)
    return segm


def _to_box(box, source, where):
    if not box:
        return None
    if not isinstance(box, (list, tuple, np.ndarray)) or len(box) != 4:
        _fail(source, where, f"expected None or [x, y, w, h], got {box!r:.60}")
    return [float(v) for v in box]


def _get(record, field, source, where):
    if not isinstance(record, dict) or field not in record:
        _fail(source, f"{where}.{field}", "missing field")
    return record[field]


def _parse_videos(gt, source):
    videos = {}
    for i, video in enumerate(_get(gt, "videos", source, "gt")):
        vid = _get(video, "id", source, f"videos[{i}]")
        if vid in videos:
            _fail(source, f"videos[{i}].id", f"duplicate video id {vid}")
        length = video.get("length", len(video["file_names"]) if "file_names" in video else None)
        height = video.get("height")
        width = video.get("width")
        videos[vid] = {"height": height, "width": width, "length": length}
    return videos


def _check_frames(entries, video, source, where):
    """Fix the video's length from the first track if the file does not give it."""
    if not isinstance(entries, list):
        _fail(source, where, "expected a list with one entry per frame")
    if video["length"] is None:
        video["length"] = len(entries)
    if len(entries) != video["length"]:
        _fail(source, where, f"has {len(entries)} frames, the video has {video['length']}")


def _frames(record, field, video, source, where):
    entries = _get(record, field, source, where)
    _check_frames(entries, video, source, f"{where}.{field}")
    if field == "bboxes":
        return [_to_box(b, source, f"{where}.{field}[{t}]") for t, b in enumerate(entries)]
    if video["height"] is None or video["width"] is None:
        _fail(source, f"video {record['video_id']}", "missing 'height'/'width' (needed for masks)")
    size = (int(video["height"]), int(video["width"]))
    return [_to_rle(s, *size, source, f"{where}.{field}[{t}]") for t, s in enumerate(entries)]


def _parse_gt(gt, iou_type, source):
    videos = _parse_videos(gt, source)
    categories = {}
    for i, cat in enumerate(_get(gt, "categories", source, "gt")):
        categories[_get(cat, "id", source, f"categories[{i}]")] = cat.get("name", str(cat["id"]))
    tracks, ids = [], set()
    field = "segmentations" if iou_type == "segm" else "bboxes"
    for i, ann in enumerate(_get(gt, "annotations", source, "gt")):
        where = f"annotations[{i}]"
        video_id, category_id = _check_ids(ann, videos, categories, source, where)
        ann_id = _get(ann, "id", source, where)
        if ann_id in ids:
            _fail(source, f"{where}.id", f"duplicate annotation id {ann_id}")
        ids.add(ann_id)
        frames = _frames(ann, field, videos[video_id], source, where)
        areas = _get(ann, "areas", source, where)
        _check_frames(areas, videos[video_id], source, f"{where}.areas")
        crowd = bool(ann.get("iscrowd", 0))
        tracks.append(_Track(video_id, category_id, 0.0, crowd, _mean_area(areas), frames))
    return videos, categories, tracks


def _check_ids(record, videos, categories, source, where):
    video_id = _get(record, "video_id", source, where)
    if video_id not in videos:
        _fail(source, f"{where}.video_id", f"unknown video id {video_id!r}")
    category_id = _get(record, "category_id", source, where)
    if category_id not in categories:
        _fail(source, f"{where}.category_id", f"unknown category id {category_id!r}")
    return video_id, category_id


def _parse_results(results, videos, categories, iou_type, source):
    if not isinstance(results, list):
        _fail(source, "results", "expected a list of per-video track records")
    tracks = []
    for i, res in enumerate(results):
        where = f"record {i}"
        video_id, category_id = _check_ids(res, videos, categories, source, where)
        score = _get(res, "score", source, where)
        if not isinstance(score, (int, float)) or not math.isfinite(score):
            _fail(source, f"{where}.score", f"expected a finite number, got {score!r}")
        video = videos[video_id]
        masks = None
        if iou_type == "segm" or "bboxes" not in res or "segmentations" in res:
            masks = _frames(res, "segmentations", video, source, where)
        if iou_type == "segm":
            frames = masks
        elif "bboxes" in res:
            frames = _frames(res, "bboxes", video, source, where)
        else:
            frames = [None if m is None else list(mask_util.toBbox(m)) for m in masks]
        if masks is not None:
            areas = [None if m is None else mask_util.area(m) for m in masks]
        else:
            areas = [None if b is None else b[2] * b[3] for b in frames]
        tracks.append(_Track(video_id, category_id, float(score), False, _mean_area(areas), frames))
    return tracks


def video_mask_iou(dt_frames: Sequence[list], gt_frames: Sequence[list]) -> np.ndarray:
    """Video IoU between predicted and ground-truth mask tracks.

    Args:
        dt_frames: D tracks, each a list of T compressed RLEs or None (absent).
        gt_frames: G tracks, each a list of T compressed RLEs or None; same sizes as ``dt_frames``.

    Returns:
        (D, G) float64 array: sum_t |d_t & g_t| / sum_t |d_t | g_t| (0 where the union is 0).
    """
    num_d, num_g = len(dt_frames), len(gt_frames)
    inter = np.zeros((num_d, num_g), dtype=np.float64)
    area_d, area_g = np.zeros(num_d), np.zeros(num_g)
    for t in range(len(dt_frames[0]) if num_d else 0):
        di = [i for i in range(num_d) if dt_frames[i][t] is not None]
        gi = [j for j in range(num_g) if gt_frames[j][t] is not None]
        dr, gr = [dt_frames[i][t] for i in di], [gt_frames[j][t] for j in gi]
        ad = mask_util.area(dr).astype(np.float64) if di else np.zeros(0)
        area_d[di] += ad
        area_g[gi] += mask_util.area(gr) if gi else 0
        if di and gi:
            # with every gt flagged crowd, rleIou returns |d & g| / |d|: exact after rounding
            frac = mask_util.iou(dr, gr, [1] * len(gr))
            inter[np.ix_(di, gi)] += np.rint(frac * ad[:, None])
    union = area_d[:, None] + area_g[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def video_box_iou(dt_frames: Sequence[list], gt_frames: Sequence[list]) -> np.ndarray:
    """Video IoU between box tracks (boxes ``[x, y, w, h]`` or None per frame).

    Args:
        dt_frames: D tracks of T boxes; gt_frames: G tracks of T boxes.

    Returns:
        (D, G) float64 array: sum_t intersection / sum_t union (0 where the union is 0).
    """

    if not dt_frames or not gt_frames:
        return np.zeros((len(dt_frames), len(gt_frames)))

    def stack(tracks):
        arr = np.array([[b if b is not None else [np.nan] * 4 for b in tr] for tr in tracks])
        arr = arr.reshape(len(tracks), -1, 4)
        present = ~np.isnan(arr[..., 0])
        arr = np.nan_to_num(arr)
        return arr, np.where(present, arr[..., 2] * arr[..., 3], 0.0), present

    d, ad, pd = stack(dt_frames)
    g, ag, pg = stack(gt_frames)
    d, g = d[:, None], g[None]  # (D, 1, T, 4), (1, G, T, 4)
    iw = np.minimum(d[..., 0] + d[..., 2], g[..., 0] + g[..., 2]) - np.maximum(d[..., 0], g[..., 0])
    ih = np.minimum(d[..., 1] + d[..., 3], g[..., 1] + g[..., 3]) - np.maximum(d[..., 1], g[..., 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None) * (pd[:, None] & pg[None])
    inter = inter.sum(-1)
    union = ad.sum(-1)[:, None] + ag.sum(-1)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _greedy_match(ious, gt_ignore, gt_crowd):
    """The reference's greedy matching at every IoU threshold.

    Args:
        ious: (D, G) IoUs, predictions sorted by descending score, ground truth with ignored last.
        gt_ignore: (G,) bool; gt_crowd: (G,) bool.

    Returns:
        matched (T, D) bool and matched_ignored (T, D) bool (matched to an ignored ground truth).
    """
    num_d, num_g = ious.shape
    thresholds = np.minimum(IOU_THRESHOLDS, 1 - 1e-10)[:, None]
    taken = np.zeros((len(thresholds), num_g), dtype=bool)
    matched = np.zeros((len(thresholds), num_d), dtype=bool)
    matched_ignored = np.zeros_like(matched)
    for d in range(num_d if num_g else 0):
        ok = (~taken | gt_crowd) & (ious[d] >= thresholds)  # (T, G)
        regular = ok & ~gt_ignore
        cand = np.where(regular.any(1, keepdims=True), regular, ok & gt_ignore)
        # the reference keeps the last ground truth reaching the running best IoU
        vals = np.where(cand, ious[d], -np.inf)[:, ::-1]
        best = num_g - 1 - np.argmax(vals, axis=1)
        rows = np.flatnonzero(cand.any(1))
        taken[rows, best[rows]] = True
        matched[rows, d] = True
        matched_ignored[rows, d] = gt_ignore[best[rows]]
    return matched, matched_ignored


def _evaluate_video(dts, gts, ious, area_range):
    """Matches of one (video, category) in one area range (``dts`` sorted, <= 100 of them)."""
    lo, hi = area_range
    gt_area = np.array([g.area for g in gts], dtype=np.float64)
    gt_ignore = np.array([g.iscrowd for g in gts], dtype=bool) | (gt_area < lo) | (gt_area > hi)
    order = np.argsort(gt_ignore, kind="mergesort")
    gt_ignore = gt_ignore[order]
    crowd = np.array([g.iscrowd for g in gts], dtype=bool)[order]
    matched, ignored = _greedy_match(ious[:, order], gt_ignore, crowd)
    dt_area = np.array([d.area for d in dts], dtype=np.float64)
    ignored |= ~matched & ((dt_area < lo) | (dt_area > hi))[None]
    scores = np.array([d.score for d in dts], dtype=np.float64)
    return scores, matched, ignored, gt_ignore


def _precision_recall(entries, max_det):
    """101-point interpolated precision (T, R) and recall (T,), or None without valid gt."""
    num_gt = sum(int(np.count_nonzero(~e[3])) for e in entries)
    if num_gt == 0:
        return None
    scores = np.concatenate([e[0][:max_det] for e in entries])
    order = np.argsort(-scores, kind="mergesort")
    matched = np.concatenate([e[1][:, :max_det] for e in entries], axis=1)[:, order]
    ignored = np.concatenate([e[2][:, :max_det] for e in entries], axis=1)[:, order]
    tp = np.cumsum(matched & ~ignored, axis=1).astype(np.float64)
    fp = np.cumsum(~matched & ~ignored, axis=1).astype(np.float64)
    num_t, num_d = tp.shape
    precision = np.zeros((num_t, len(RECALL_THRESHOLDS)))
    if num_d == 0:
        return precision, np.zeros(num_t)
    rc = tp / num_gt
    pr = np.maximum.accumulate((tp / (fp + tp + np.spacing(1)))[:, ::-1], axis=1)[:, ::-1]
    for t in range(num_t):
        idx = np.searchsorted(rc[t], RECALL_THRESHOLDS, side="left")
        precision[t] = np.where(idx < num_d, pr[t, np.minimum(idx, num_d - 1)], 0.0)
    return precision, rc[:, -1]


def _accumulate(per_cat_area):
    """precision (T, R, K, A, M) and recall (T, K, A, M), -1 where there is no valid gt."""
    num_k, num_a = len(per_cat_area), len(AREA_RANGES)
    num_t, num_r, num_m = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(MAX_DETS)
    precision = -np.ones((num_t, num_r, num_k, num_a, num_m))
    recall = -np.ones((num_t, num_k, num_a, num_m))
    for k, per_area in enumerate(per_cat_area):
        for a, entries in enumerate(per_area):
            for m, max_det in enumerate(MAX_DETS):
                out = _precision_recall(entries, max_det) if entries else None
                if out is not None:
                    precision[:, :, k, a, m], recall[:, k, a, m] = out
    return precision, recall


def _mean_valid(values) -> float:
    valid = values[values > -1]
    return float(np.mean(valid)) if valid.size else -1.0


def _summarize(precision, recall) -> Dict[str, float]:
    t50, t75 = (np.where(IOU_THRESHOLDS == t)[0] for t in (0.5, 0.75))
    last = len(MAX_DETS) - 1
    stats = [
        _mean_valid(precision[..., 0, last]),
        _mean_valid(precision[t50][..., 0, last]),
        _mean_valid(precision[t75][..., 0, last]),
    ]
    stats += [_mean_valid(precision[..., a, last]) for a in (1, 2, 3)]
    stats += [_mean_valid(recall[..., 0, m]) for m in range(len(MAX_DETS))]
    stats += [_mean_valid(recall[..., a, last]) for a in (1, 2, 3)]
    return dict(zip(STAT_NAMES, stats))


def _group(tracks):
    groups = {}
    for track in tracks:
        groups.setdefault((track.video_id, track.category_id), []).append(track)
    return groups


def _evaluate_category(video_ids, category_id, gt_groups, dt_groups, iou_fn):
    """Per area range, the list of per-video match entries of one category."""
    per_area = [[] for _ in AREA_RANGES]
    for video_id in video_ids:
        gts = gt_groups.get((video_id, category_id), [])
        dts = dt_groups.get((video_id, category_id), [])
        if not gts and not dts:
            continue
        order = np.argsort([-d.score for d in dts], kind="mergesort")[: MAX_DETS[-1]]
        dts = [dts[i] for i in order]
        if gts and dts:
            ious = iou_fn([d.frames for d in dts], [g.frames for g in gts])
        else:
            ious = np.zeros((len(dts), len(gts)))
        for a, area_range in enumerate(AREA_RANGES.values()):
            per_area[a].append(_evaluate_video(dts, gts, ious, area_range))
    return per_area


def evaluate_ytvis(
    gt: dict,
    results: List[dict],
    *,
    iou_type: str = "segm",
    per_category: bool = False,
    gt_source: str = "<gt>",
    results_source: str = "<results>",
) -> Dict[str, float]:
    """Evaluate YouTube-VIS results against ground truth, as the official YouTube-VIS API does.

    Args:
        gt: YouTube-VIS ground truth: ``videos`` (``id``, ``height``, ``width``, ``length`` or
            ``file_names``), ``categories`` (``id``, ``name``) and ``annotations`` (``id``,
            ``video_id``, ``category_id``, ``segmentations`` and/or ``bboxes`` and ``areas`` with
            one entry per frame, None where absent, optional ``iscrowd``).
        results: list of ``{"video_id", "category_id", "score", "segmentations"}`` with one
            compressed RLE or None per frame (``"bboxes"`` instead, or as well, for bbox).
        iou_type: ``"segm"`` or ``"bbox"``.
        per_category: also return ``"AP-<category name>"`` (AP over IoU 0.50:0.95, all areas,
            100 detections; -1 for a category without ground truth).
        gt_source, results_source: names used in error messages (e.g. the file paths).

    Returns:
        dict with the 12 :data:`STAT_NAMES` as fractions (-1 when undefined, see
        docs/evaluation.md#vis).
    """
    if iou_type not in ("segm", "bbox"):
        raise ValueError(f"iou_type must be 'segm' or 'bbox', got {iou_type!r}")
    videos, categories, gt_tracks = _parse_gt(gt, iou_type, gt_source)
    dt_tracks = _parse_results(results, videos, categories, iou_type, results_source)
    gt_groups, dt_groups = _group(gt_tracks), _group(dt_tracks)
    iou_fn = video_mask_iou if iou_type == "segm" else video_box_iou
    video_ids, category_ids = sorted(videos), sorted(categories)
    per_cat_area = [
        _evaluate_category(video_ids, k, gt_groups, dt_groups, iou_fn) for k in category_ids
    ]
    precision, recall = _accumulate(per_cat_area)
    stats = _summarize(precision, recall)
    if per_category:
        for k, category_id in enumerate(category_ids):
            stats[f"AP-{categories[category_id]}"] = _mean_valid(precision[:, :, k, 0, -1])
    return stats


def load_ytvis_gt(path: str, *, iou_type: str = "segm") -> dict:
    """Read and validate a YouTube-VIS ground-truth json; errors name the file and field."""
    gt = _read_json(path)
    if not isinstance(gt, dict):
        raise InputFileError(path, "expected a json object with videos/annotations/categories")
    _parse_gt(gt, iou_type, path)
    return gt


def load_ytvis_results(path: str, gt: dict, *, iou_type: str = "segm") -> List[dict]:
    """Read and validate a YouTube-VIS results json against ``gt``; errors name file and record."""
    results = _read_json(path)
    videos, categories, _ = _parse_gt(gt, iou_type, "<gt>")
    _parse_results(results, videos, categories, iou_type, path)
    return results


def evaluate_ytvis_files(
    gt_path: str, results_path: str, *, iou_type: str = "segm", per_category: bool = False
) -> Dict[str, float]:
    """:func:`evaluate_ytvis` on json files (errors name the file, record and field)."""
    gt = _read_json(gt_path)
    results = _read_json(results_path)
    kwargs = dict(iou_type=iou_type, per_category=per_category)
    return evaluate_ytvis(gt, results, gt_source=gt_path, results_source=results_path, **kwargs)
