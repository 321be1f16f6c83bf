"""Compatibility layer that runs upstream Detectron2 v0.6 on today's Python stack.

Detectron2 v0.6 (the last release) predates Pillow 10, setuptools 81, numpy 2 and CPU-only
multi-process training, and its ``detectron2._C`` extension is compiled C++/CUDA that d2track's
installer does not build. :func:`install` adds one :data:`sys.meta_path` finder that, for a fixed
list of ``detectron2.*`` modules, runs a small fix just before or after the module executes
(see :mod:`.fixes`). Detectron2's files are never edited and nothing is imported at install time.

Two copies of this package exist: ``d2track.compat`` (the library's, installed by
``import d2track``) and ``_detectron2_compat`` (baked into the wheel that
``scripts/install_detectron2.py`` builds, run by a ``.pth`` hook so that a script which never
imports d2track still gets a working Detectron2). The copy with the higher :data:`SHIM_VERSION`
wins, the library's on a tie. The package therefore uses relative imports only and never
imports d2track.
"""

import sys

from . import _finder

SHIM_VERSION = 2

__all__ = ["SHIM_VERSION", "install", "uninstall", "is_installed"]


def install():
    """Install the import hook (idempotent) and fix Detectron2 modules that are already imported.

    A finder of a newer copy is kept; an older one, or another copy of the same version, is
    replaced (the library's copy is what ``make setup`` last saw, the hook's may be stale).

    Returns:
        bool: True if this copy's finder is active after the call.
    """
    for finder in list(sys.meta_path):
        version = getattr(finder, "d2_compat_version", None)
        if version is None:
            continue
        if version > SHIM_VERSION:
            return False
        if version == SHIM_VERSION and finder.package == __name__:
            return True
        sys.meta_path.remove(finder)
    sys.meta_path.insert(0, _finder.CompatFinder(version=SHIM_VERSION, package=__name__))
    _finder.fix_imported_modules()
    return True


def uninstall():
    """Remove every copy's finder (modules already fixed stay fixed)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not hasattr(f, "d2_compat_version")]


def is_installed():
    """Whether a compat finder (this copy or another) is on :data:`sys.meta_path`."""
    return any(hasattr(f, "d2_compat_version") for f in sys.meta_path)
