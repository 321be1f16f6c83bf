"""ReID crop lists: loading and registration.

A list file has one crop per line, ``<path relative to image_root> <label>``, labels contiguous
from 0 within the list: what ``datasets/prepare_mot_reid.py`` writes (``meta/train_80.txt``,
``meta/val_20.txt``) and MMTracking 0.x ``ReIDDataset`` (``mmtrack/datasets/reid_dataset.py``)
reads.
"""

import os
from functools import partial

from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.utils.utf8 import Utf8DecodeError, utf8_error_message

__all__ = ["load_reid_list", "register_reid_list"]


def load_reid_list(list_file, image_root):
    """Read a ReID list into Detectron2 dataset dicts.

    Only the first image is checked on disk (a wrong ``image_root`` fails here); a later missing
    image fails when the mapper reads it, with its path.

    Args:
        list_file (str): the list, see the module docstring.
        image_root (str): folder the paths are relative to.

    Returns:
        list[dict]: ``{"file_name", "label", "image_id"}`` per line (``image_id``: 0-based
        position of the crop in the list).

    Raises:
        FileNotFoundError: the list or its first image is missing.
        ValueError: a malformed line (or bytes that are not UTF-8), as
            ``<list_file>:<line number>: ...``.
    """
    if not os.path.isfile(list_file):
        raise FileNotFoundError(
            f"ReID list {list_file} not found (datasets/prepare_mot_reid.py writes it)"
        )
    dicts = []
    with open(list_file, "rb") as f:  # decoded line by line, so that an error names its line
        for line_number, raw in enumerate(f, start=1):
            line = _decode(raw, list_file, line_number)
            if not line.strip():
                continue
            path, label = _parse_line(line, f"{list_file}:{line_number}")
            dicts.append(
                {
                    "file_name": os.path.join(image_root, path),
                    "label": label,
                    "image_id": len(dicts),
                }
            )
    if dicts and not os.path.isfile(dicts[0]["file_name"]):
        raise FileNotFoundError(
            f"{list_file}: image {dicts[0]['file_name']} not found (wrong image_root?)"
        )
    return dicts


def _decode(raw, list_file, line_number):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Utf8DecodeError(list_file, *utf8_error_message(raw, e, line_number)) from None


def _parse_line(line, where):
    fields = line.split()
    if len(fields) != 2:
        raise ValueError(f"{where}: expected '<relative path> <label>', got {line.rstrip()!r}")
    try:
        label = int(fields[1])
    except ValueError:
        raise ValueError(f"{where}: label must be an integer, got {fields[1]!r}") from None
    if label < 0:
        raise ValueError(f"{where}: label must be >= 0, got {label}")
    return fields[0], label


def register_reid_list(name, list_file, image_root):
    """Register a ReID list as a dataset (idempotent; reads nothing until loaded).

    Metadata: ``list_file``, ``image_root``.
    """
    if name in DatasetCatalog.list():
        return
    DatasetCatalog.register(name, partial(load_reid_list, list_file, image_root))
    MetadataCatalog.get(name).set(list_file=list_file, image_root=image_root)
