"""Video datasets: CocoVID loading and registration, sampling, mappers, synthetic data.

Importing this package registers the builtin splits (see :mod:`.builtin`).
"""

from . import builtin  # noqa: F401  (registers the builtin splits)
from .synthetic import SHAPE_CLASSES, load_synthetic_shapes

__all__ = ["SHAPE_CLASSES", "load_synthetic_shapes"]
