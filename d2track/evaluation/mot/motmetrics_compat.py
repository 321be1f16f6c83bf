"""py-motmetrics on numpy 2.

py-motmetrics 1.4.0 calls ``np.asfarray`` (removed in numpy 2.0) in ``motmetrics.distances``.
:func:`import_motmetrics` gives that module a numpy proxy that adds ``asfarray`` back, leaving the
global ``numpy`` module untouched (numpy is not pinned for it).
"""

import types

import numpy as np

__all__ = ["import_motmetrics"]


def _asfarray(a, dtype=np.float64):
    """numpy 1.x ``asfarray``: ``a`` as an array of a floating dtype (float64 by default)."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    return np.asarray(a, dtype=dtype)


class _NumpyWithAsfarray(types.ModuleType):
    """numpy, plus ``asfarray``."""

    def __init__(self, numpy):
        super().__init__(numpy.__name__, numpy.__doc__)
        self.__dict__["_numpy"] = numpy
        self.__dict__["asfarray"] = _asfarray

    def __getattr__(self, name):
        return getattr(self._numpy, name)


def import_motmetrics():
    """Import and return ``motmetrics``, usable with numpy 2 (idempotent)."""
    import motmetrics
    from motmetrics import distances

    if not hasattr(distances.np, "asfarray"):
        distances.np = _NumpyWithAsfarray(distances.np)
    return motmetrics
