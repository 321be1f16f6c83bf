"""Public detections written by ``datasets/prepare_mot.py --convert-det``.

The file is ``{"<SEQ>": {"<frame_id>": [[x1, y1, x2, y2, score], ...]}}``: sequences by video
name, the split's 0-based frame ids as string keys, only frames with detections listed (see
:mod:`d2track.data.converters.mot`). MOTChallenge's public-detection protocol gives every tracker
the same boxes; d2track's MOT models refine them with the detector's box head, as MMTracking 0.x
does with ``public_bboxes``.
"""

import json
import os

import torch
from detectron2.utils.file_io import PathManager

from d2track.utils.utf8 import decode_utf8

from .datasets.builtin import BENCHMARK_SPLITS
from .datasets.root import datasets_root

__all__ = ["PublicDetections", "public_detections_file"]


def public_detections_file(dataset_name, *, root=None):
    """Where ``prepare_mot.py --convert-det`` puts a builtin MOT split's public detections.

    Args:
        dataset_name (str): e.g. ``"mot17_half_val"``.
        root (str or None): datasets root (default ``$DETECTRON2_DATASETS``).

    Returns:
        str: ``<root>/MOT17/annotations/half-val_detections.json`` for that example.
    """
    split = BENCHMARK_SPLITS.get(dataset_name)
    if split is None or split.meta != "mot":
        raise KeyError(f"{dataset_name!r} is not a builtin MOTChallenge split")
    json_file = split.json_file.replace("_cocoformat.json", "_detections.json")
    return os.path.join(datasets_root() if root is None else root, json_file)


class PublicDetections:
    """Lookup of one split's public detections by video name and frame id.

    Args:
        path (str): the ``<split>_detections.json`` file; read on first use and checked whole,
            errors name the file, sequence and frame.
    """

    def __init__(self, path):
        self.path = path
        self._table = None

    def __call__(self, video_name, frame_id):
        """
        Returns:
            tuple: boxes (N, 4) float32 ``XYXY_ABS`` and scores (N,), empty for a frame without
            detections. A video missing from the file is an error (a wrong file for the split).
        """
        table = self._load()
        if video_name not in table:
            raise KeyError(
                f"{self.path}: no public detections for video {video_name!r}; "
                f"the file has {sorted(table)[:5]}..."
            )
        rows = table[video_name].get(int(frame_id))
        if rows is None:
            return torch.zeros(0, 4), torch.zeros(0)
        return rows[:, :4], rows[:, 4]

    def _load(self):
        if self._table is None:
            with PathManager.open(self.path, "rb") as f:
                raw = json.loads(decode_utf8(f.read(), self.path))
            self._table = _parse(raw, self.path)
        return self._table

    def __repr__(self):
        return f"PublicDetections(path={self.path!r})"


def _parse(raw, path):
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected an object of sequences, got {type(raw).__name__}")
    table = {}
    for seq, frames in raw.items():
        table[seq] = {}
        for key, rows in frames.items():
            where = f"{path}: sequence {seq!r}, frame {key!r}"
            try:
                frame_id = int(key)
                boxes = torch.tensor(rows, dtype=torch.float32)
            except (TypeError, ValueError, RuntimeError) as e:
                raise ValueError(f"{where}: expected [[x1, y1, x2, y2, score], ...] ({e})") from e
            if boxes.numel() == 0:
                boxes = boxes.reshape(0, 5)
            if boxes.dim() != 2 or boxes.shape[1] != 5:
                raise ValueError(
                    f"{where}: expected rows [x1, y1, x2, y2, score], got shape "
                    f"{tuple(boxes.shape)}"
                )
            if len(boxes) and (boxes[:, 2:4] < boxes[:, :2]).any():
                raise ValueError(f"{where}: a box has x2 < x1 or y2 < y1")
            table[seq][frame_id] = boxes
    return table
