"""Where datasets live: ``$DETECTRON2_DATASETS`` (default ``datasets/``), as in Detectron2."""

import os

__all__ = ["datasets_root"]


def datasets_root():
    """``$DETECTRON2_DATASETS`` or ``datasets``, read at call time (not import time)."""
    return os.path.expanduser(os.getenv("DETECTRON2_DATASETS", "datasets"))
