"""Builtin synthetic splits: generated on first use under ``$DETECTRON2_DATASETS``, then cached.

============================  ==========================================================
name                          what
============================  ==========================================================
synthetic_shapes_<s>          images of shapes (``train`` 512, ``val`` 64, ``mini`` 16)
synthetic_<task>_<s>          CocoVID videos for ``task`` in vid, mot, sot, vis;
                              ``<s>``: train (20 videos), val (10), test (10: held
                              out for choosing recipes and tracker values, so that
                              the val numbers are not tuned); see :mod:`.synthetic`
synthetic_<task>_train200     the train split's generator and seed with 200 videos (its
                              first 20 are ``train``'s) for vid, sot, vis: more look and
                              scene variety for learned trackers (SiamRPN++'s tiny recipe)
synthetic_sot_val100          the val split with 100 videos (its first 10 are ``val``'s):
                              SOT scores with about a third (1/sqrt(10)) of the sampling
                              noise of 10 videos
synthetic_sot_test100         the test split with 100 videos (its first 10 are ``test``'s):
                              for choosing SOT recipes and tracker values with less noise
synthetic_mot_dance_<s>       hard MOT, as DanceTrack: 8-15 look-alike dancers that
                              turn, stop, reverse and cross; static camera; 80 frames
synthetic_mot_sports_<s>      hard MOT, as SportsMOT: 10-15 players in 3 kits, fast
                              and erratic, panning and zooming camera; 80 frames
============================  ==========================================================

The hard MOT splits (:data:`SYNTHETIC_HARD_MOT_SPLITS`, tasks ``mot_dance`` and ``mot_sports`` of
:mod:`.synthetic_tasks`) have the same sizes, class (``pedestrian``) and format as
``synthetic_mot_<s>``, so MOT configs switch to them by dataset name alone.
"""

import os
from functools import partial

from detectron2.data import DatasetCatalog, MetadataCatalog

from .root import datasets_root
from .synthetic_shapes import SHAPE_CLASSES, load_synthetic_shapes
from .synthetic_tasks import synthetic_classes

__all__ = [
    "SYNTHETIC_SHAPES_SPLITS",
    "SYNTHETIC_VIDEO_SPLITS",
    "SYNTHETIC_HARD_MOT_SPLITS",
    "SYNTHETIC_LARGE_SPLITS",
    "register_synthetic_shapes",
    "register_synthetic_videos",
    "register_all_synthetic",
]

# name -> (number of images, seed)
SYNTHETIC_SHAPES_SPLITS = {
    "synthetic_shapes_train": (512, 0),
    "synthetic_shapes_val": (64, 1),
    "synthetic_shapes_mini": (16, 2),  # for smoke tests and quick checks
}
_SPLITS = ("train", "val", "test")
# name -> (task, split)
SYNTHETIC_VIDEO_SPLITS = {
    f"synthetic_{task}_{split}": (task, split)
    for task in ("vid", "mot", "sot", "vis")
    for split in _SPLITS
}
# name -> (task, split, number of videos): a split made larger, same params otherwise
SYNTHETIC_LARGE_SPLITS = {
    **{f"synthetic_{task}_train200": (task, "train", 200) for task in ("vid", "sot", "vis")},
    "synthetic_sot_val100": ("sot", "val", 100),
    "synthetic_sot_test100": ("sot", "test", 100),
}
SYNTHETIC_HARD_MOT_SPLITS = {
    f"synthetic_{task}_{split}": (task, split)
    for task in ("mot_dance", "mot_sports")
    for split in _SPLITS
}


def register_synthetic_shapes(name, *, root=None, num_images, seed, **kwargs):
    """Register a synthetic shapes split (idempotent). See :func:`load_synthetic_shapes`.

    Args:
        root (str or None): where images are generated; None means
            ``<datasets_root()>/synthetic_shapes``, resolved when the split is loaded.
    """
    if name in DatasetCatalog.list():
        return
    loader = partial(_load_shapes, root, num_images=num_images, seed=seed, **kwargs)
    DatasetCatalog.register(name, loader)
    MetadataCatalog.get(name).set(
        thing_classes=list(SHAPE_CLASSES),
        thing_colors=[(0, 114, 189), (217, 83, 25), (119, 172, 48)],
    )


def _load_shapes(root, **kwargs):
    root = os.path.join(datasets_root(), "synthetic_shapes") if root is None else root
    return load_synthetic_shapes(root, **kwargs)


def register_synthetic_videos(name, *, task, split, root=None, **overrides):
    """Register a synthetic video split (idempotent, generates nothing until loaded).

    Args:
        task (str): vid, mot, sot, vis, mot_dance or mot_sports (see
            :data:`.synthetic_tasks.SYNTHETIC_TASKS`).
        split (str): train, val, ...
        root (str or None): cache folder; None: ``<datasets_root()>/synthetic_videos``.
        overrides: generation parameters (see :class:`.synthetic_tasks.SyntheticVideoParams`).
    """
    if name in DatasetCatalog.list():
        return
    DatasetCatalog.register(name, partial(_load_videos, name, task, split, root, overrides))
    MetadataCatalog.get(name).set(thing_classes=synthetic_classes(task))


def _load_videos(name, task, split, root, overrides):
    from .cocovid import load_cocovid_json
    from .synthetic import ensure_synthetic_videos

    json_file, image_root = ensure_synthetic_videos(task, split, root, progress=True, **overrides)
    return load_cocovid_json(json_file, image_root, name)


def register_all_synthetic():
    for name, (num_images, seed) in SYNTHETIC_SHAPES_SPLITS.items():
        register_synthetic_shapes(name, num_images=num_images, seed=seed)
    for name, (task, split) in {**SYNTHETIC_VIDEO_SPLITS, **SYNTHETIC_HARD_MOT_SPLITS}.items():
        register_synthetic_videos(name, task=task, split=split)
    for name, (task, split, num_videos) in SYNTHETIC_LARGE_SPLITS.items():
        register_synthetic_videos(name, task=task, split=split, num_videos=num_videos)
