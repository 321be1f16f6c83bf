"""Per-frame MOT error events (FP, FN, ID switch) for visualisation.

Follows MMTracking 0.x ``tools/analysis/mot/mot_error_visualize.py`` (open-mmlab/mmtracking): the
events are py-motmetrics' (cheind/py-motmetrics, ``MOTAccumulator``), so the per-frame counts sum
to motmetrics' ``num_false_positives``, ``num_misses`` and ``num_switches`` for the same input.

Conventions (matching, colours): docs/evaluation.md#mot
"""

import os
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from d2track.evaluation.mot.motmetrics_compat import import_motmetrics
from d2track.utils.file_io import atomic_open
from d2track.utils.video_io import atomic_video_writer

__all__ = [
    "FrameErrors",
    "iou_distance",
    "find_mot_errors",
    "draw_mot_errors",
    "render_mot_errors",
    "FP_COLOR",
    "FN_COLOR",
    "IDSW_COLOR",
]

FP_COLOR = (0, 0, 255)  # red
FN_COLOR = (0, 255, 255)  # yellow
IDSW_COLOR = (255, 0, 0)  # blue


@dataclass(frozen=True)
class FrameErrors:
    """The error events of one frame.

    Attributes:
        fp_ids: (F,) ids of the unmatched predictions.
        fp_boxes: (F, 4) their XYWH boxes.
        fn_ids: (M,) ids of the missed gt objects.
        fn_boxes: (M, 4) their XYWH gt boxes.
        idsw_pred_ids: (S,) prediction ids matched to an object that had another prediction before.
        idsw_gt_ids: (S,) the gt ids of those objects.
        idsw_boxes: (S, 4) the XYWH boxes of those predictions.
    """

    fp_ids: np.ndarray
    fp_boxes: np.ndarray
    fn_ids: np.ndarray
    fn_boxes: np.ndarray
    idsw_pred_ids: np.ndarray
    idsw_gt_ids: np.ndarray
    idsw_boxes: np.ndarray


def iou_distance(gt_boxes, pred_boxes, *, iou_threshold: float = 0.5) -> np.ndarray:
    """1 - IoU between XYWH boxes, NaN where IoU < ``iou_threshold``.

    Args:
        gt_boxes: (G, 4) XYWH.
        pred_boxes: (P, 4) XYWH.

    Returns:
        np.ndarray: (G, P) float64 distances in [0, 1 - iou_threshold] or NaN.
    """
    a = np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4)[:, None, :]
    b = np.asarray(pred_boxes, dtype=np.float64).reshape(-1, 4)[None, :, :]
    lo = np.maximum(a[..., :2], b[..., :2])
    hi = np.minimum(a[..., :2] + a[..., 2:], b[..., :2] + b[..., 2:])
    inter = np.prod(np.maximum(hi - lo, 0.0), axis=-1)
    union = np.prod(a[..., 2:], axis=-1) + np.prod(b[..., 2:], axis=-1) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(inter > 0, inter / union, 0.0)
    dist = 1.0 - iou
    return np.where(dist > 1.0 - iou_threshold, np.nan, dist)


def find_mot_errors(
    gt_frames: Sequence[Tuple[np.ndarray, np.ndarray]],
    pred_frames: Sequence[Tuple[np.ndarray, np.ndarray]],
    *,
    iou_threshold: float = 0.5,
) -> List[FrameErrors]:
    """Run py-motmetrics' accumulator and collect each frame's FP, FN and ID switch events.

    Args:
        gt_frames: per frame, (ids (N,) ints, boxes (N, 4) XYWH) of the ground truth.
        pred_frames: per frame, (ids (K,) ints, boxes (K, 4) XYWH) of the tracker; same length.
        iou_threshold: IoU needed for a match.

    Returns:
        list[FrameErrors]: one per frame.

    Raises:
        ValueError: if the frame counts differ or a frame is malformed (names the argument and
            the frame index).
    """
    if len(gt_frames) != len(pred_frames):
        raise ValueError(
            f"gt_frames has {len(gt_frames)} frames but pred_frames has {len(pred_frames)}"
        )
    gts = [_checked_frame(frame, f"gt_frames[{t}]") for t, frame in enumerate(gt_frames)]
    preds = [_checked_frame(frame, f"pred_frames[{t}]") for t, frame in enumerate(pred_frames)]
    mm = import_motmetrics()
    acc = mm.MOTAccumulator(auto_id=False)
    for t, ((gt_ids, gt_boxes), (pred_ids, pred_boxes)) in enumerate(zip(gts, preds)):
        dist = iou_distance(gt_boxes, pred_boxes, iou_threshold=iou_threshold)
        acc.update(gt_ids, pred_ids, dist, frameid=t)
    return _split_events(acc.mot_events, gts, preds)


def _checked_frame(frame, where):
    try:
        ids, boxes = frame
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a pair (ids, boxes)") from None
    ids, boxes = np.asarray(ids), np.asarray(boxes, dtype=np.float64)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"{where}: ids must be a 1-D int array, got {ids.dtype} {ids.shape}")
    if boxes.size == 0 and ids.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.shape != (ids.size, 4):
        raise ValueError(f"{where}: boxes shape {boxes.shape}, expected ({ids.size}, 4)")
    if not np.isfinite(boxes).all() or (boxes[:, 2:] < 0).any():
        raise ValueError(f"{where}: boxes must be finite with non-negative width and height")
    if np.unique(ids).size != ids.size:
        raise ValueError(f"{where}: repeated id")
    return ids.astype(np.int64), boxes


def _split_events(events, gts, preds):
    frame = events.index.get_level_values(0).to_numpy()
    kind = events["Type"].astype(str).to_numpy()
    oid = events["OId"].to_numpy()
    hid = events["HId"].to_numpy()
    bounds = np.searchsorted(frame, np.arange(len(gts) + 1))
    out = []
    for t, ((gt_ids, gt_boxes), (pred_ids, pred_boxes)) in enumerate(zip(gts, preds)):
        sl = slice(bounds[t], bounds[t + 1])
        fp = hid[sl][kind[sl] == "FP"].astype(np.int64)
        fn = oid[sl][kind[sl] == "MISS"].astype(np.int64)
        sw = kind[sl] == "SWITCH"
        sw_pred, sw_gt = hid[sl][sw].astype(np.int64), oid[sl][sw].astype(np.int64)
        out.append(
            FrameErrors(
                fp_ids=fp,
                fp_boxes=_lookup(pred_ids, pred_boxes, fp),
                fn_ids=fn,
                fn_boxes=_lookup(gt_ids, gt_boxes, fn),
                idsw_pred_ids=sw_pred,
                idsw_gt_ids=sw_gt,
                idsw_boxes=_lookup(pred_ids, pred_boxes, sw_pred),
            )
        )
    return out


def _lookup(ids, boxes, query):
    """Rows of ``boxes`` (N, 4) for the ids in ``query`` (Q,), all present in ``ids`` (N,)."""
    order = np.argsort(ids)
    return boxes[order[np.searchsorted(ids[order], query)]].reshape(-1, 4)


def draw_mot_errors(image, errors: FrameErrors, *, thickness: int = 2, font_scale: float = 0.4):
    """Draw one frame's errors: FP red, FN yellow, ID switch blue (BGR), each labelled.

    Labels are ``FP <pred id>``, ``FN <gt id>`` and ``IDSw <gt id>-><pred id>``; ID switches are
    drawn last (on top).

    Args:
        image: (H, W, 3) uint8 BGR; not modified.
        errors: the frame's :class:`FrameErrors`.

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR copy with the boxes drawn.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.dtype} {image.shape}")
    canvas = np.ascontiguousarray(image).copy()
    groups = [
        (errors.fn_boxes, [f"FN {i}" for i in errors.fn_ids], FN_COLOR),
        (errors.fp_boxes, [f"FP {i}" for i in errors.fp_ids], FP_COLOR),
        (
            errors.idsw_boxes,
            [f"IDSw {g}->{p}" for g, p in zip(errors.idsw_gt_ids, errors.idsw_pred_ids)],
            IDSW_COLOR,
        ),
    ]
    for boxes, labels, color in groups:
        for box, label in zip(np.asarray(boxes).reshape(-1, 4), labels):
            _draw_box(canvas, box, label, color, thickness, font_scale)
    return canvas


def _draw_box(canvas, box, label, color, thickness, font_scale):
    x1, y1 = int(round(box[0])), int(round(box[1]))
    x2, y2 = int(round(box[0] + box[2])), int(round(box[1] + box[3]))
    cv2.rectangle(canvas, (x1, y1), (x2, y2), color, thickness)
    (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, 1)
    top = max(y1 - th - base, 0)
    cv2.rectangle(canvas, (x1, top), (x1 + tw, top + th + base), color, -1)
    cv2.putText(canvas, label, (x1, top + th), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), 1)


def render_mot_errors(
    frames, errors: Sequence[FrameErrors], output: str, *, fps: float = 3.0, frame_numbers=None
):
    """Draw the errors on every frame and write an mp4 or a folder of PNGs, atomically.

    Args:
        frames: iterable of (H, W, 3) uint8 BGR images, one per entry of ``errors``.
        errors: per-frame events from :func:`find_mot_errors`.
        output: ``*.mp4`` or a folder of ``<number:06d>.png``.
        fps: frame rate of the mp4 (MMTracking's default is 3).
        frame_numbers: the PNG numbers, one per frame (default 0, 1, ...).

    Returns:
        int: the number of frames written.

    Raises:
        ValueError: if ``frames`` and ``errors`` have different lengths or frame sizes differ.
    """
    drawn = (draw_mot_errors(image, err) for image, err in _paired(frames, errors))
    if output.lower().endswith(".mp4"):
        return _write_mp4(drawn, output, fps)
    numbers = range(len(errors)) if frame_numbers is None else list(frame_numbers)
    if len(numbers) != len(errors):
        raise ValueError(f"{len(numbers)} frame_numbers for {len(errors)} frames")
    count = 0
    for image, number in zip(drawn, numbers):
        ok, encoded = cv2.imencode(".png", image)
        if not ok:
            raise RuntimeError(f"OpenCV cannot encode frame {number} as PNG")
        with atomic_open(os.path.join(output, f"{number:06d}.png"), "wb") as f:
            f.write(encoded.tobytes())
        count += 1
    return count


def _paired(frames, errors):
    frames = iter(frames)
    for index, err in enumerate(errors):
        image = next(frames, None)
        if image is None:
            raise ValueError(f"frames has {index} images but errors has {len(errors)} frames")
        yield image, err
    if next(frames, None) is not None:
        raise ValueError(f"frames has more images than errors has frames ({len(errors)})")


def _write_mp4(drawn, output, fps):
    first = next(drawn, None)
    if first is None:
        raise ValueError(f"no frames to write to {output}")
    height, width = first.shape[:2]
    count = 1
    with atomic_video_writer(output, fps=fps, frame_size=(width, height)) as writer:
        writer.write(first)
        for image in drawn:
            if image.shape[:2] != (height, width):
                raise ValueError(
                    f"frame {count} is {image.shape[1]}x{image.shape[0]}, expected {width}x{height}"
                )
            writer.write(image)
            count += 1
    return count
