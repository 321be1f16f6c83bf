"""Video datasets: CocoVID loading and registration, sampling, mappers, synthetic data.

Importing this package registers the builtin splits (see :mod:`.datasets.builtin`).
"""

from .datasets import SHAPE_CLASSES, load_synthetic_shapes

__all__ = ["SHAPE_CLASSES", "load_synthetic_shapes"]
