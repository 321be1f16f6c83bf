"""Dataset loaders and the builtin splits (registered on import, reading no files)."""

from . import builtin  # noqa: F401  (registers the builtin splits)
from .synthetic_shapes import SHAPE_CLASSES, load_synthetic_shapes

__all__ = ["SHAPE_CLASSES", "load_synthetic_shapes"]
