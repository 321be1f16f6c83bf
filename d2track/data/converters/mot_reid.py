"""MOTChallenge train sequences to ReID crops and lists, shared by ``prepare_mot_reid.py``.

Crops: gt rows of class 1 (pedestrian) with the considered flag set and ``visibility >=
vis_threshold`` (MOT15 has no visibility: its rows always pass), from the train sequences; of
MOT17's three copies of a sequence only ``-FRCNN`` is used, recognised by the sequence name suffix.
Identities ``<SEQ>_<gt id>`` with fewer than ``min_per_person`` crops are dropped; those with more
than ``max_per_person`` keep a seeded random subset. Identities are split deterministically: after
sorting them by name, the last ``round(val_split * n)`` go to validation.

Output: ``imgs/<SEQ>_<id:06d>/<frame:06d>.jpg`` and ``meta/train_<100 - p>.txt`` /
``meta/val_<p>.txt`` (``p = val_split * 100``, MMTracking's ``train_80.txt``/``val_20.txt``), each
line ``imgs/<...>.jpg <label>`` with labels contiguous from 0 within each list, and, as MMTracking
does, ``meta/train.txt`` listing every identity (for training on all of them): the lines of the
train list, then those of the val list with labels following the train labels.
"""

import os
import random

import cv2

from d2track.utils.file_io import atomic_open
from d2track.utils.input_files import InputFileError, require_file

from .mot import list_sequences, read_gt, read_seqinfo

__all__ = ["reid_sequences", "collect_identities", "select_identities", "split_identities"]
__all__ += ["write_crops", "write_lists", "list_names"]

_DETECTOR_SUFFIXES = ("-DPM", "-FRCNN", "-SDP")


def reid_sequences(input_root):
    """Train sequence names, keeping one copy (``-FRCNN``) of detector-suffixed sequences."""
    names = list_sequences(input_root, "train")
    return [n for n in names if not n.endswith(_DETECTOR_SUFFIXES) or n.endswith("-FRCNN")]


def collect_identities(input_root, names, vis_threshold):
    """``{"<SEQ>_<id:06d>": [(seq, mot_frame, [x, y, w, h]), ...]}`` of the usable gt rows."""
    identities = {}
    for name in names:
        gt = read_gt(require_file(os.path.join(input_root, "train", name, "gt", "gt.txt")))
        for row in gt:
            if row["cls"] not in (1, -1) or row["conf"] == 0:
                continue
            if row["vis"] >= 0 and row["vis"] < vis_threshold:
                continue
            key = f"{name}_{row['id']:06d}"
            identities.setdefault(key, []).append((name, row["frame"], row["box"]))
    return {k: sorted(v, key=lambda r: r[1]) for k, v in identities.items()}


def select_identities(identities, min_per_person, max_per_person, seed=0):
    """Drop small identities, subsample large ones (seeded, kept in frame order)."""
    rng = random.Random(seed)
    selected = {}
    for key in sorted(identities):
        crops = identities[key]
        if len(crops) < min_per_person:
            continue
        if len(crops) > max_per_person:
            keep = sorted(rng.sample(range(len(crops)), max_per_person))
            crops = [crops[i] for i in keep]
        selected[key] = crops
    return selected


def split_identities(keys, val_split):
    """``(train_keys, val_keys)``: the last ``round(val_split * n)`` sorted keys are val."""
    keys = sorted(keys)
    num_val = int(round(val_split * len(keys)))
    return keys[: len(keys) - num_val], keys[len(keys) - num_val :]


def crop_path(key, frame):
    """Crop path relative to the output folder."""
    return f"imgs/{key}/{frame:06d}.jpg"


def write_crops(input_root, output, identities, progress=None):
    """Cut and save every crop (atomically); returns the number written."""
    by_frame = {}
    for key, crops in identities.items():
        for seq, frame, box in crops:
            by_frame.setdefault((seq, frame), []).append((key, box))
    items = sorted(by_frame.items())
    exts = {
        seq: read_seqinfo(os.path.join(input_root, "train", seq))["ext"] for (seq, _), _ in items
    }
    for (seq, frame), boxes in items if progress is None else progress(items):
        image = _read_frame(os.path.join(input_root, "train", seq), frame, exts[seq])
        for key, box in boxes:
            _save(os.path.join(output, crop_path(key, frame)), _crop(image, box))
    return sum(len(v) for v in by_frame.values())


def _read_frame(seq_dir, frame, ext):
    path = require_file(os.path.join(seq_dir, "img1", f"{frame:06d}{ext}"), "frame")
    image = cv2.imread(path)
    if image is None:
        raise InputFileError(path, "unreadable image")
    return image


def _crop(image, box):
    x, y, w, h = box
    height, width = image.shape[:2]
    x1, y1 = min(max(int(x), 0), width - 1), min(max(int(y), 0), height - 1)
    x2, y2 = max(min(int(x + w), width), x1 + 1), max(min(int(y + h), height), y1 + 1)
    return image[y1:y2, x1:x2]


def _save(path, image):
    ok, data = cv2.imencode(".jpg", image)
    if not ok:
        raise InputFileError(path, "could not encode crop")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_open(path, "wb") as f:
        f.write(data.tobytes())


def list_names(val_split):
    """``(train list, val list, all identities)`` file names, e.g. ``train_80.txt``,
    ``val_20.txt``, ``train.txt``."""
    val = int(round(val_split * 100))
    return f"train_{100 - val}.txt", f"val_{val}.txt", "train.txt"


def write_lists(output, identities, train_keys, val_keys, val_split):
    """Write the three lists atomically; returns their paths."""
    paths = []
    for keys, name in zip((train_keys, val_keys, train_keys + val_keys), list_names(val_split)):
        lines = [
            f"{crop_path(key, frame)} {label}\n"
            for label, key in enumerate(keys)
            for _, frame, _ in identities[key]
        ]
        path = os.path.join(output, "meta", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
        paths.append(path)
    return paths
