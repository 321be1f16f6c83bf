"""Builtin ReID splits, registered on ``import d2track.data`` (reading no files).

======================== ==============================================================
name                     list file, relative to ``$DETECTRON2_DATASETS`` (resolved on load)
======================== ==============================================================
mot<N>_reid_train        MOT<N>/reid/meta/train_80.txt (<N>: 15, 16, 17, 20)
mot<N>_reid_val          MOT<N>/reid/meta/val_20.txt; images under MOT<N>/reid
synthetic_reid_<s>       crops of ``synthetic_mot_<s>`` (<s>: train, val), cut on first use
======================== ==============================================================

The MOT lists are written by ``datasets/prepare_mot_reid.py``. The synthetic crops follow the
same rules (visibility >= 0.3, identities with at least 8 crops, labels contiguous from 0 in
sorted identity order) and are cached under
``$DETECTRON2_DATASETS/synthetic_videos/reid_<s>_<hash>/`` (``imgs/``, ``meta/list.txt``): the hash
follows the source videos and the crop rules, the folder is written under a temporary name and
renamed into place when complete.
"""

import hashlib
import os
import shutil
from collections import defaultdict
from functools import partial

import cv2
from detectron2.data import DatasetCatalog
from detectron2.structures import BoxMode

from d2track.utils.file_io import new_file_mode

from ..datasets.root import datasets_root
from ..datasets.staging import make_staging_dir
from .dataset import load_reid_list

__all__ = ["MOT_REID_SPLITS", "ensure_synthetic_reid", "register_all_reid"]

MOT_REID_SPLITS = {
    f"mot{n}_reid_{split}": (f"MOT{n}/reid/meta/{list_name}", f"MOT{n}/reid")
    for n in (15, 16, 17, 20)
    for split, list_name in (("train", "train_80.txt"), ("val", "val_20.txt"))
}
_SYNTHETIC_SPLITS = ("train", "val")
_MIN_VISIBILITY, _MIN_CROPS = 0.3, 8


def register_all_reid():
    for name, (list_file, image_root) in MOT_REID_SPLITS.items():
        _register(name, partial(_load_mot, list_file, image_root))
    for split in _SYNTHETIC_SPLITS:
        _register(f"synthetic_reid_{split}", partial(_load_synthetic, split))


def _register(name, loader):
    if name not in DatasetCatalog.list():
        DatasetCatalog.register(name, loader)


def _load_mot(list_file, image_root):
    root = datasets_root()
    return load_reid_list(os.path.join(root, list_file), os.path.join(root, image_root))


def _load_synthetic(split):
    return load_reid_list(*ensure_synthetic_reid(split))


def ensure_synthetic_reid(split, root=None, **overrides):
    """Cut the ReID crops of ``synthetic_mot_<split>`` on first use; return their paths.

    Args:
        split (str): train, val, ...
        root (str or None): parent of the cache (default ``$DETECTRON2_DATASETS/synthetic_videos``,
            where the source videos are generated too).
        overrides: generation parameters of the source videos (see
            :func:`~d2track.data.datasets.synthetic.ensure_synthetic_videos`).

    Returns:
        tuple[str, str]: ``(list_file, image_root)`` for :func:`load_reid_list`.
    """
    from ..datasets.cocovid import load_cocovid_json
    from ..datasets.synthetic import ensure_synthetic_videos

    root = os.path.join(datasets_root(), "synthetic_videos") if root is None else root
    json_file, frames_root = ensure_synthetic_videos("mot", split, root, **overrides)
    rules = f"{os.path.dirname(json_file)}|{_MIN_VISIBILITY}|{_MIN_CROPS}"
    folder = os.path.join(root, f"reid_{split}_{hashlib.sha1(rules.encode()).hexdigest()[:10]}")
    paths = (os.path.join(folder, "meta", "list.txt"), folder)
    if os.path.isfile(paths[0]):
        return paths
    tmp = make_staging_dir(root, os.path.basename(folder))
    try:
        _write_crops(load_cocovid_json(json_file, frames_root), tmp)
        os.chmod(tmp, new_file_mode(directory=True))  # mkdtemp's folder is private
        try:
            os.rename(tmp, folder)
        except OSError:  # another process renamed its identical copy first
            if not os.path.isfile(paths[0]):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return paths


def _write_crops(frames, out):
    """Crop every kept box of ``frames`` (dataset dicts) into ``out``; write ``meta/list.txt``."""
    crops = defaultdict(list)  # identity -> [(frame dict, XYXY box)]
    for frame in frames:
        for ann in frame["annotations"]:
            if ann.get("visibility", 1.0) >= _MIN_VISIBILITY:
                box = BoxMode.convert(ann["bbox"], ann["bbox_mode"], BoxMode.XYXY_ABS)
                crops[(frame["video_name"], ann["instance_id"])].append((frame, box))
    keys = sorted(k for k, v in crops.items() if len(v) >= _MIN_CROPS)
    lines = []
    for label, key in enumerate(keys):
        for frame, box in crops[key]:
            path = f"imgs/{key[0]}_{key[1]:06d}/{frame['frame_id']:06d}.jpg"
            _save_crop(frame["file_name"], box, os.path.join(out, path))
            lines.append(f"{path} {label}\n")
    os.makedirs(os.path.join(out, "meta"))
    with open(os.path.join(out, "meta", "list.txt"), "w", encoding="utf-8") as f:
        f.writelines(lines)


def _save_crop(image_file, box, path):
    image = cv2.imread(image_file)
    if image is None:
        raise FileNotFoundError(f"synthetic_reid: cannot read frame {image_file}")
    height, width = image.shape[:2]
    x1 = min(max(int(box[0]), 0), width - 1)
    y1 = min(max(int(box[1]), 0), height - 1)
    x2 = max(min(int(round(box[2])), width), x1 + 1)  # at least one pixel wide and high
    y2 = max(min(int(round(box[3])), height), y1 + 1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, image[y1:y2, x1:x2], [cv2.IMWRITE_JPEG_QUALITY, 95]):
        raise IOError(f"synthetic_reid: cannot write crop {path}")
