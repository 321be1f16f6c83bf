"""VOT reset-based (supervised) evaluation: EAO, accuracy and robustness.

Matches MMTracking 0.x ``eval_sot_eao`` and ``eval_sot_accuracy_robustness``
(open-mmlab/mmtracking, ``mmtrack/core/evaluation/eval_sot_vot.py``, called from
``VOTDataset.evaluate``), whose overlaps come from the VOT toolkit's rasterising
``calculate_overlaps`` (votchallenge/toolkit, ``vot/region/raster.py``, vot-toolkit 0.5.3),
reproduced pixel for pixel.

Conventions (trajectory codes, overlaps, EAO): docs/evaluation.md#vot
"""

from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

from .ope_metrics import check_video_names

__all__ = [
    "VOT_INTERVALS",
    "VOTInputError",
    "region_overlaps",
    "eao_curve",
    "evaluate_vot",
    "parse_trajectory",
]


class VOTInputError(ValueError):
    """A bad frame of a trajectory or ground truth.

    Attributes:
        video (str or None): the video's name.
        frame (int): the 0-based frame.
        source (str): ``"results"`` or ``"gt"``.
    """

    def __init__(self, message, *, frame, source, video=None):
        where = f"video {video!r}, frame {frame}" if video is not None else f"frame {frame}"
        super().__init__(f"{where}: {message}")
        self.message, self.video, self.frame, self.source = message, video, frame, source


VOT_INTERVALS = {
    "vot2018": (100, 356),
    "vot2019": (46, 291),
    "vot2020": (115, 755),
    "vot2021": (115, 755),
}
_REGION = -1  # code of a frame that holds a box or polygon


def _round(x):
    return np.round(x).astype(np.int64)


def _toolkit_regions(regions) -> list:
    """float32 storage, then half-to-even rounding of every value (vot-toolkit 0.5.3)."""
    return [np.round(np.asarray(r, np.float32)).astype(np.float64) for r in regions]


def _region_bounds(rects: np.ndarray, polys: np.ndarray, is_poly: np.ndarray) -> np.ndarray:
    """(T, 4) integer ``(left, top, right, bottom)`` of each (rounded) region."""
    rect_b = np.stack(
        [rects[:, 0], rects[:, 1], rects[:, 0] + rects[:, 2] - 1, rects[:, 1] + rects[:, 3] - 1],
        axis=1,
    )
    poly_b = np.concatenate([polys.min(axis=1), polys.max(axis=1)], axis=1)
    return _round(np.where(is_poly[:, None], poly_b, rect_b))


def _rect_spans(rects: np.ndarray, win: np.ndarray, rows: np.ndarray):
    """Column spans (T, R, 1) of integer boxes on each window row, window-relative."""
    x, y, w, h = rects.T
    hit = (x <= win[:, 2]) & (x + w - 1 >= win[:, 0]) & (y <= win[:, 3]) & (y + h - 1 >= win[:, 1])
    lo = np.maximum(x, win[:, 0]) - win[:, 0]
    hi = np.minimum(x + w - 1, win[:, 2]) - win[:, 0]
    top = np.maximum(y, win[:, 1]) - win[:, 1]
    bottom = np.minimum(y + h - 1, win[:, 3]) - win[:, 1]
    in_rows = hit[:, None] & (rows >= top[:, None]) & (rows <= bottom[:, None])
    return (
        np.where(in_rows, lo[:, None], 1)[..., None],
        np.where(in_rows, hi[:, None], 0)[..., None],
    )


def _scanline_nodes(polys: np.ndarray, win: np.ndarray, rows: np.ndarray):
    """Sorted integer edge crossings (T, R, K) of each polygon row, and their number (T, R).

    Edge ``(j = i - 1, i)`` crosses row y when y lies in ``[min(yi, yj), max(yi, yj)]``; its
    node is ``xi + (y - yi) / (yj - yi) * (xj - xi)`` (``xi`` when horizontal), truncated.
    Missing nodes sort last.
    """
    pts = polys - win[:, None, :2]
    xi, yi = pts[:, :, 0, None], pts[:, :, 1, None]  # (T, K, 1)
    xj, yj = np.roll(xi, 1, axis=1), np.roll(yi, 1, axis=1)
    ys = rows[None, None, :].astype(np.float64)
    crosses = (np.minimum(yi, yj) <= ys) & (ys <= np.maximum(yi, yj))
    dy = yj - yi
    with np.errstate(divide="ignore", invalid="ignore"):
        node = np.trunc(np.where(dy != 0, xi + (ys - yi) / dy * (xj - xi), xi))
    nodes = np.where(crosses, node, np.iinfo(np.int32).max).astype(np.int64)
    return np.sort(nodes.transpose(0, 2, 1), axis=2), crosses.sum(axis=1)


def _pair_nodes(nodes: np.ndarray, count: np.ndarray, width: np.ndarray):
    """The toolkit's fill of sorted nodes (N, K): spans (N, K // 2) of pixel columns.

    Walking ``i`` over the nodes: stop at a node ``>= width``; skip a node equal to the next
    one unless it is the last but one; else fill ``[node_i, node_i+1]`` clipped to the row (if
    ``node_i+1 >= 0``) and step by two. Spans come out ordered and disjoint but for a shared
    end pixel, which is removed from the later span.
    """
    n, k = nodes.shape
    slots = max(k // 2, 1)
    lo, hi = np.ones((n, slots), np.int64), np.zeros((n, slots), np.int64)
    idx, rows = np.zeros(n, np.int64), np.arange(n)
    filled, done = np.zeros(n, np.int64), np.zeros(n, bool)
    for _ in range(k - 1):
        active = ~done & (idx < count - 1)
        x0 = nodes[rows, np.minimum(idx, k - 1)]
        x1 = nodes[rows, np.minimum(idx + 1, k - 1)]
        done |= active & (x0 >= width)
        active &= x0 < width
        skip = active & (x0 == x1) & (idx < count - 2)
        fill = active & ~skip & (x1 >= 0)
        slot = np.minimum(filled, slots - 1)
        lo[rows[fill], slot[fill]] = np.maximum(x0[fill], 0)
        hi[rows[fill], slot[fill]] = np.minimum(x1[fill], width[fill] - 1)
        filled += fill
        idx += np.where(skip, 1, 2)
    lo[:, 1:] = np.maximum(lo[:, 1:], hi[:, :-1] + 1)
    return lo, hi


def _poly_spans(polys: np.ndarray, win: np.ndarray, rows: np.ndarray):
    """Column spans (T, R, K // 2) of integer polygons (T, K, 2) by the toolkit's scan-line fill."""
    nodes, count = _scanline_nodes(polys, win, rows)
    t, r, k = nodes.shape
    width = np.repeat(win[:, 2] - win[:, 0] + 1, r).astype(np.int64)
    lo, hi = _pair_nodes(nodes.reshape(t * r, k), count.reshape(-1), width)
    return lo.reshape(t, r, -1), hi.reshape(t, r, -1)


def _spans(regions: Sequence[np.ndarray], win: np.ndarray, rows: np.ndarray):
    """Column spans (T, R, S) of a list of boxes and polygons; empty spans have lo > hi."""
    sizes = np.array([len(r) for r in regions])
    slots = max(1, int(sizes.max()) // 4)  # a box: 1 span; a polygon of n points: n // 2
    lo = np.ones((len(regions), len(rows), slots), np.int64)
    hi = np.zeros((len(regions), len(rows), slots), np.int64)
    for size in np.unique(sizes):  # one vectorised pass per region length
        idx = np.flatnonzero(sizes == size)
        data = np.stack([regions[i] for i in idx])
        if size == 4:
            span_lo, span_hi = _rect_spans(data, win[idx], rows)
        else:
            span_lo, span_hi = _poly_spans(data.reshape(len(idx), -1, 2), win[idx], rows)
        lo[idx, :, : span_lo.shape[2]], hi[idx, :, : span_hi.shape[2]] = span_lo, span_hi
    return lo, hi


def _as_rect_poly(regions: Sequence[np.ndarray]):
    rects = np.zeros((len(regions), 4))
    polys = np.zeros((len(regions), 2, 2))
    is_poly = np.array([len(r) > 4 for r in regions], dtype=bool)
    for i, r in enumerate(regions):
        if is_poly[i]:
            pts = r.reshape(-1, 2)
            polys[i] = [pts.min(axis=0), pts.max(axis=0)]
        else:
            rects[i] = r
    return rects, polys, is_poly


def region_overlaps(pred_regions, gt_regions, *, image_size: Tuple[int, int]) -> np.ndarray:
    """VOT-toolkit pixel IoU between two lists of regions, frame by frame.

    Args:
        pred_regions: length-T sequence; each entry is a 1-value special code (overlap 0), a
            4-value ``(x, y, w, h)`` box or a 2n-value polygon.
        gt_regions: length-T sequence of boxes or polygons.
        image_size: ``(width, height)`` bounding every region.

    Returns:
        (T,) float64 overlaps in [0, 1].
    """
    if len(pred_regions) != len(gt_regions):
        raise ValueError(f"{len(pred_regions)} predicted regions for {len(gt_regions)} frames")
    for source, regions in (("results", pred_regions), ("gt", gt_regions)):
        what = "predicted" if source == "results" else "ground-truth"
        for i, r in enumerate(regions):
            n = len(r)
            if not (n == 4 or (n >= 8 and n % 2 == 0) or (n == 1 and source == "results")):
                raise VOTInputError(f"{what} region has {n} values", frame=i, source=source)
            if not np.isfinite(np.asarray(r, dtype=np.float64)).all():
                raise VOTInputError(
                    f"{what} region {np.asarray(r, dtype=np.float64).tolist()} is not finite",
                    frame=i,
                    source=source,
                )
    if len(image_size) != 2 or min(image_size) < 1:
        raise ValueError(f"image_size must be (width, height) >= 1, got {image_size}")
    out = np.zeros(len(gt_regions))
    idx = [i for i, r in enumerate(pred_regions) if len(r) > 1]
    if not idx:
        return out
    a = _toolkit_regions(pred_regions[i] for i in idx)
    b = _toolkit_regions(gt_regions[i] for i in idx)
    bounds_a, bounds_b = _region_bounds(*_as_rect_poly(a)), _region_bounds(*_as_rect_poly(b))
    width, height = image_size
    win = np.stack(
        [
            np.maximum(0, np.minimum(bounds_a[:, 0], bounds_b[:, 0])),
            np.maximum(0, np.minimum(bounds_a[:, 1], bounds_b[:, 1])),
            np.minimum(width - 1, np.maximum(bounds_a[:, 2], bounds_b[:, 2])),
            np.minimum(height - 1, np.maximum(bounds_a[:, 3], bounds_b[:, 3])),
        ],
        axis=1,
    )
    ok = (win[:, 0] < win[:, 2]) & (win[:, 1] < win[:, 3])
    win = np.where(ok[:, None], win, 0)
    rows = np.arange(int((win[:, 3] - win[:, 1]).max()) + 1)
    valid_rows = rows[None, :] <= (win[:, 3] - win[:, 1])[:, None]
    lo_a, hi_a = _spans(a, win, rows)
    lo_b, hi_b = _spans(b, win, rows)
    len_a = (np.maximum(hi_a - lo_a + 1, 0).sum(axis=2) * valid_rows).sum(axis=1)
    len_b = (np.maximum(hi_b - lo_b + 1, 0).sum(axis=2) * valid_rows).sum(axis=1)
    pairs = np.minimum(hi_a[..., :, None], hi_b[..., None, :]) - np.maximum(
        lo_a[..., :, None], lo_b[..., None, :]
    )
    inter = (np.maximum(pairs + 1, 0).sum(axis=(2, 3)) * valid_rows).sum(axis=1)
    union = len_a + len_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out[idx] = np.where(ok & (union > 0), inter / union, 0.0)
    return out


def parse_trajectory(name: str, trajectory) -> Tuple[np.ndarray, list]:
    """Check the code sequence of one trajectory; return (T,) codes and float region arrays.

    Raises:
        VOTInputError: naming the video and frame.
    """
    codes = np.full(len(trajectory), _REGION, dtype=np.int64)
    regions = []
    state = "start"
    for i, entry in enumerate(trajectory):
        arr = np.asarray(entry, dtype=np.float64).reshape(-1)
        regions.append(arr)
        if len(arr) == 1:
            if arr[0] not in (0, 1, 2):
                raise VOTInputError(
                    f"unknown code [{arr[0]:g}]", video=name, frame=i, source="results"
                )
            codes[i] = int(arr[0])
        elif len(arr) != 4 and (len(arr) < 8 or len(arr) % 2):
            raise VOTInputError(
                f"a region has {len(arr)} values", video=name, frame=i, source="results"
            )
        state = _next_state(name, i, state, codes[i])
    return codes, regions


_TRANSITIONS = {
    ("start", 1): "tracking",
    ("tracking", _REGION): "tracking",
    ("tracking", 2): "failed",
    ("failed", 0): "failed",
    ("failed", 1): "tracking",
}


def _next_state(name: str, frame: int, state: str, code: int) -> str:
    nxt = _TRANSITIONS.get((state, int(code)))
    if nxt is None:
        what = "a region" if code == _REGION else f"code [{code}]"
        raise VOTInputError(
            f"{what} is not allowed after state {state!r} "
            "(expected [1] at frame 0, then regions, [2] on failure, [0] until [1] again)",
            video=name,
            frame=frame,
            source="results",
        )
    return nxt


def _accuracy(overlaps: np.ndarray, codes: np.ndarray, burnin: int) -> float:
    keep = (codes == _REGION) | (codes == 1)  # an init frame is masked only by the burn-in
    inits = np.flatnonzero(codes == 1)
    frames = np.arange(len(codes))
    after_init = frames[None, :] - inits[:, None]
    keep &= ~((after_init >= 0) & (after_init < burnin)).any(axis=0)
    return float(overlaps[keep].mean()) if keep.any() else 0.0


def _runs(overlaps: np.ndarray, codes: np.ndarray):
    """Split a trajectory into (overlaps, reached_end) runs between initialisations."""
    inits, fails = np.flatnonzero(codes == 1), np.flatnonzero(codes == 2)
    runs = [(overlaps[s:e], False) for s, e in zip(inits, fails)]
    if len(inits) > len(fails):
        runs.append((overlaps[inits[-1] :], True))
    return runs


def eao_curve(runs: Sequence[Tuple[np.ndarray, bool]]) -> np.ndarray:
    """Expected average overlap for every run length.

    Args:
        runs: (overlaps (L_i,), reached_end) per run, overlaps starting at the ``[1]`` frame.

    Returns:
        (max L_i,) float64 curve; entry j is the expected mean overlap of frames 1..j.
    """
    length = max(len(o) for o, _ in runs)
    padded = np.zeros((len(runs), length))
    weight = np.zeros((len(runs), length))
    for i, (o, reached_end) in enumerate(runs):
        padded[i, : len(o)] = o
        weight[i, : len(o) if reached_end else length] = 1.0
    mean_to_j = padded.copy()
    counts = np.arange(1, length)
    mean_to_j[:, 1:] = np.cumsum(padded[:, 1:], axis=1) / counts
    return (mean_to_j * weight).sum(axis=0) / weight.sum(axis=0)


def _gt_regions(name: str, gt) -> list:
    arr = np.asarray(gt, dtype=np.float64)
    if arr.ndim != 2 or not (arr.shape[1] == 4 or (arr.shape[1] >= 8 and arr.shape[1] % 2 == 0)):
        raise ValueError(
            f"video {name!r}: ground truth must be (T, 4) or (T, 2n) with n >= 4, got {arr.shape}"
        )
    if len(arr) == 0:
        raise ValueError(f"video {name!r}: ground truth is empty (0 frames)")
    return list(arr)


def evaluate_vot(
    results: Mapping[str, Sequence],
    gts: Mapping[str, np.ndarray],
    *,
    image_sizes: Mapping[str, Tuple[int, int]],
    interval: Tuple[int, int] = VOT_INTERVALS["vot2018"],
    burnin: int = 10,
) -> Dict:
    """Evaluate reset-based VOT trajectories.

    Args:
        results: video name -> length-T sequence of per-frame entries (codes or regions, see
            docs/evaluation.md#vot).
        gts: video name -> (T, 4) boxes or (T, 2n) polygons.
        image_sizes: video name -> ``(width, height)`` of its frames.
        interval: EAO curve range ``(low, high)``, both included.
        burnin: frames ignored by accuracy from each initialisation on.

    Returns:
        dict with ``"eao"``, ``"accuracy"`` (fraction), ``"robustness"`` (failures per 100
        frames), ``"num_failures"`` (int), ``"eao_curve"`` (array) and ``"per_video"`` (name ->
        ``"accuracy"``, ``"num_failures"``, ``"num_frames"``).

    Raises:
        ValueError: naming the video (and frame) for missing videos, bad shapes, a length
            mismatch, a bad code sequence, or an ``interval`` beyond the longest run.
    """
    check_video_names(results, gts, image_sizes=image_sizes)
    per_video, runs = {}, []
    for name in sorted(gts):
        gt = _gt_regions(name, gts[name])
        if len(results[name]) != len(gt):
            raise ValueError(f"video {name!r}: {len(results[name])} results for {len(gt)} frames")
        codes, regions = parse_trajectory(name, results[name])
        try:
            overlaps = region_overlaps(regions, gt, image_size=tuple(image_sizes[name]))
        except VOTInputError as e:
            raise VOTInputError(e.message, video=name, frame=e.frame, source=e.source) from e
        except ValueError as e:
            raise ValueError(f"video {name!r}: {e}") from e
        per_video[name] = {
            "accuracy": _accuracy(overlaps, codes, burnin),
            "num_failures": int((codes == 2).sum()),
            "num_frames": len(gt),
        }
        runs.extend(_runs(overlaps, codes))
    curve = eao_curve(runs)
    low, high = interval
    if not 0 <= low <= high or low >= len(curve):
        raise ValueError(
            f"interval {tuple(interval)} is outside the EAO curve "
            f"(longest run: {len(curve)} frames)"
        )
    frames = sum(v["num_frames"] for v in per_video.values())
    failures = sum(v["num_failures"] for v in per_video.values())
    accuracy = sum(v["accuracy"] * v["num_frames"] for v in per_video.values()) / frames
    return {
        "eao": float(curve[low : high + 1].mean()),
        "accuracy": float(accuracy),
        "robustness": failures / frames * 100,
        "num_failures": failures,
        "eao_curve": curve,
        "per_video": per_video,
    }
