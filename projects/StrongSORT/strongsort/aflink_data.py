"""AFLink's inputs: tracklets as ``(frame, x, y, w, h)`` rows, and its training pairs.

As the StrongSORT authors' ``AFLink/dataset.py`` (``LinkData``; ``config.py``: tracklets of at
least ``model_minLen`` = 30 rows, inputs of ``model_inputLen`` = 30 rows):

* a tracklet is its rows ``frame, x, y, w, h`` (``x, y``: the box's top-left corner) sorted by
  frame;
* :func:`pair_inputs` (``LinkData.transform``): the earlier tracklet keeps its last 30 rows (or
  is zero-padded in front), the later one its first 30 (or is zero-padded behind); both are
  normalised together, per column, by the min and max of their 60 rows (padding included):
  ``(v - (max + min) / 2) / ((max - min) / 2 + 1e-5)``;
* :func:`train_pairs` (``LinkData.__getitem__`` in ``train`` mode): a ground-truth track of
  ``n`` rows is cut at a uniform ``c`` in ``[10, n - 10]`` (``minLen // 3``); the earlier part
  ends at ``c + int(N(-5, 3))``, the later starts at ``c + int(N(5, 3))``. Four pairs: (earlier,
  later) is linked; (later, earlier), (earlier, later shifted in time by +-U{30..100} frames) and
  (earlier, later shifted by +-U{100..500} pixels in x and, independently, in y) are not;
* :func:`val_pairs` (``val`` mode): the cut is ``n // 2``, the shifts ``(-1)^c`` 50 frames and
  ``(-1)^c`` 300 pixels.

Difference: the cut points are clipped so that neither part is empty (the reference's slices can
be, or wrap around, with probability below 1e-4 per sample).
"""

import numpy as np
import torch
from detectron2.structures import BoxMode

__all__ = ["fill_or_cut", "pair_inputs", "tracklets_from_dicts", "train_pairs", "val_pairs"]

#: rows of one AFLink input tracklet (``model_inputLen``).
INPUT_LENGTH = 30


def fill_or_cut(rows, length, *, former):
    """(n, C) tracklet rows -> (length, C) float64: the last (``former``) or first ``length``
    rows, zero-padded in front (``former``) or behind."""
    rows = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    if len(rows) >= length:
        return rows[-length:] if former else rows[:length]
    pad = np.zeros((length - len(rows), rows.shape[1]))
    return np.concatenate([pad, rows] if former else [rows, pad])


def pair_inputs(formers, latters, *, length=INPUT_LENGTH, columns=5):
    """The model's inputs for tracklet pairs (``LinkData.transform``).

    Args:
        formers (list[ndarray]): B earlier tracklets, (n_i, 5) rows ``frame, x, y, w, h``.
        latters (list[ndarray]): B later tracklets.
        length (int): rows per input.
        columns (int): columns per row (for an empty batch).

    Returns:
        tuple[Tensor, Tensor]: (B, 1, length, 5) float32 each.
    """
    if not len(formers):
        empty = torch.zeros((0, 1, length, columns))
        return empty, empty.clone()
    a = np.stack([fill_or_cut(f, length, former=True) for f in formers])
    b = np.stack([fill_or_cut(x, length, former=False) for x in latters])
    both = np.concatenate([a, b], axis=1)
    low, high = both.min(axis=1, keepdims=True), both.max(axis=1, keepdims=True)
    center, half = (high + low) / 2, (high - low) / 2 + 1e-5
    return tuple(torch.as_tensor((x - center) / half, dtype=torch.float32)[:, None] for x in (a, b))


def tracklets_from_dicts(dataset_dicts, *, min_length=30):
    """Ground-truth tracks of a tracking dataset as tracklets.

    Args:
        dataset_dicts (list[dict]): d2track dataset dicts (``video_id``, ``frame_id``,
            ``annotations`` with ``bbox``, ``bbox_mode`` and ``instance_id``); crowd and ignored
            boxes are left out.
        min_length (int): tracks with fewer rows are left out (``model_minLen``).

    Returns:
        list[ndarray]: (n, 5) float64 rows ``frame, x, y, w, h`` sorted by frame, one per
        (video, instance), in a deterministic order.
    """
    rows = {}
    for record in dataset_dicts:
        for ann in record.get("annotations", ()):
            if ann.get("iscrowd", 0) or ann.get("ignore", False) or "instance_id" not in ann:
                continue
            box = BoxMode.convert(list(ann["bbox"]), ann["bbox_mode"], BoxMode.XYWH_ABS)
            key = (record["video_id"], ann["instance_id"])
            rows.setdefault(key, []).append([record["frame_id"], *box])
    tracks = [np.asarray(rows[key], dtype=np.float64) for key in sorted(rows, key=str)]
    tracks = [t[np.argsort(t[:, 0], kind="stable")] for t in tracks]
    return [t for t in tracks if len(t) >= min_length]


def _signed(rng, low, high):
    """``(-1)^randint(1, 2) * randint(low, high)``, both bounds included (``random.randint``)."""
    return (-1) ** int(rng.integers(1, 3)) * int(rng.integers(low, high + 1))


def _shifted(rows, column_shifts):
    out = rows.copy()
    for column, shift in column_shifts.items():
        out[:, column] += shift
    return out


def _four_pairs(first, second, time_shift, x_shift, y_shift):
    """The authors' sample: one linked pair and three that are not."""
    formers = [first, second, first, first]
    latters = [
        second,
        first,
        _shifted(second, {0: time_shift}),
        _shifted(second, {1: x_shift, 2: y_shift}),
    ]
    return formers, latters, [1, 0, 0, 0]


def train_pairs(tracklets, rng, *, min_length=30):
    """Random training pairs (module docstring), four per tracklet.

    Args:
        tracklets (list[ndarray]): (n, 5) tracks, each with ``n >= min_length``.
        rng (numpy.random.Generator): the randomness.
        min_length (int): ``minLen`` of the cut range.

    Returns:
        tuple: ``formers`` and ``latters`` (lists of 4 B tracklets) and ``labels`` (4 B,) int64
        Tensor, in the order of the tracklets.
    """
    formers, latters, labels = [], [], []
    margin = min_length // 3
    for track in tracklets:
        n = len(track)
        cut = int(rng.integers(margin, max(margin, n - margin) + 1))
        end = int(np.clip(cut + int(rng.normal(-5, 3)), 1, n))
        start = int(np.clip(cut + int(rng.normal(5, 3)), 0, n - 1))
        time_shift = _signed(rng, 30, 100)
        x_shift = _signed(rng, 100, 500)
        y_shift = _signed(rng, 100, 500)
        f, x, y = _four_pairs(track[:end], track[start:], time_shift, x_shift, y_shift)
        formers += f
        latters += x
        labels += y
    return formers, latters, torch.as_tensor(labels, dtype=torch.int64)


def val_pairs(tracklets):
    """The deterministic validation pairs (module docstring), four per tracklet."""
    formers, latters, labels = [], [], []
    for track in tracklets:
        cut = len(track) // 2
        sign = (-1) ** cut
        f, x, y = _four_pairs(track[:cut], track[cut:], sign * 50, sign * 300, sign * 300)
        formers += f
        latters += x
        labels += y
    return formers, latters, torch.as_tensor(labels, dtype=torch.int64)
