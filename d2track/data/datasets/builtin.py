"""Builtin dataset splits, registered on ``import d2track.data`` (reading no files).

Roots resolve under ``$DETECTRON2_DATASETS`` (default ``datasets/``), as in Detectron2.
"""

import os
from functools import partial

from detectron2.data import DatasetCatalog, MetadataCatalog

from .synthetic_shapes import SHAPE_CLASSES, load_synthetic_shapes

__all__ = ["SYNTHETIC_SHAPES_SPLITS", "register_synthetic_shapes", "datasets_root"]

# name -> (number of images, seed)
SYNTHETIC_SHAPES_SPLITS = {
    "synthetic_shapes_train": (512, 0),
    "synthetic_shapes_val": (64, 1),
    "synthetic_shapes_mini": (16, 2),  # for smoke tests and quick checks
}


def datasets_root():
    """``$DETECTRON2_DATASETS`` or ``datasets``."""
    return os.path.expanduser(os.getenv("DETECTRON2_DATASETS", "datasets"))


def register_synthetic_shapes(name, *, root=None, num_images, seed, **kwargs):
    """Register a synthetic shapes split (idempotent). See :func:`load_synthetic_shapes`.

    Args:
        root (str or None): where images are generated; None means
            ``<datasets_root()>/synthetic_shapes``, resolved when the split is loaded.
    """
    if name in DatasetCatalog.list():
        return
    loader = partial(_load, root, num_images=num_images, seed=seed, **kwargs)
    DatasetCatalog.register(name, loader)
    MetadataCatalog.get(name).set(
        thing_classes=list(SHAPE_CLASSES),
        thing_colors=[(0, 114, 189), (217, 83, 25), (119, 172, 48)],
        evaluator_type="coco",
    )


def _load(root, **kwargs):
    root = os.path.join(datasets_root(), "synthetic_shapes") if root is None else root
    return load_synthetic_shapes(root, **kwargs)


def register_all_synthetic(root=None):
    for name, (num_images, seed) in SYNTHETIC_SHAPES_SPLITS.items():
        register_synthetic_shapes(name, root=root, num_images=num_images, seed=seed)


register_all_synthetic()
