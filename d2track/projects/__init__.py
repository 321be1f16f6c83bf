"""Import the Python packages of ``projects/<Method>/<package>/`` as ``d2track.projects.<package>``.

As ``detectron2.projects`` does for Detectron2's projects: modules that a single paper needs live
next to that paper's configs (``projects/SELSA/selsa/``), and configs import them as
``from d2track.projects.selsa import ...``. Projects are discovered, not listed: every
``<root>/<Method>/<package>/__init__.py`` is one (``configs/`` and ``tests/`` folders excepted),
so a new project needs no edit in ``d2track/``. Importing a project's package registers what it
brings, e.g. its MMTracking checkpoint rules
(:func:`d2track.checkpoint.register_method_rules`).

The roots searched, in order (a package name found under several resolves to the first):

1. the folders listed in ``$D2TRACK_PROJECTS`` (:data:`ENV_VAR`, ``os.pathsep``-separated), e.g.
   your own projects, or a checkout's ``projects/`` for a d2track installed from a wheel;
2. :data:`PROJECT_ROOT`, the ``projects/`` folder next to this package's ``d2track/`` folder: the
   checkout's, when d2track runs from it or is installed with ``pip install -e .``; a wheel
   ships no projects, so there it does not exist and is skipped.
"""

import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "PROJECTS",
    "PROJECT_ROOT",
    "discover_projects",
    "find_project",
    "project_roots",
]

#: Environment variable with extra project roots, searched before :data:`PROJECT_ROOT`.
ENV_VAR = "D2TRACK_PROJECTS"
#: The checkout's ``projects/`` folder.
PROJECT_ROOT = Path(__file__).resolve().parents[2] / "projects"

# Folders of a project that are not its package.
_NOT_PACKAGES = frozenset({"configs", "tests"})


def project_roots():
    """The folders searched for projects, in order: ``$D2TRACK_PROJECTS``, then
    :data:`PROJECT_ROOT` (both read at each call).

    Returns:
        list[Path]: they may not exist.
    """
    extra = os.environ.get(ENV_VAR, "").split(os.pathsep)
    return [*(Path(p).expanduser() for p in extra if p), PROJECT_ROOT]


def find_project(package, roots=None):
    """The folder of the project package ``package``: ``<root>/<Method>/<package>/``.

    Args:
        package (str): a package name, e.g. ``"selsa"``.
        roots (Iterable[str or Path] or None): the folders to search, in order; default
            :func:`project_roots`.

    Returns:
        Path or None: the package folder under the first root that has one; None if none has.

    Raises:
        ImportError: if two projects of that root have a package named ``package``.
    """
    if package in _NOT_PACKAGES or not package.isidentifier():
        return None
    for root in project_roots() if roots is None else roots:
        inits = sorted(Path(root).glob(f"*/{package}/__init__.py"))
        if len(inits) > 1:
            found = " and ".join(str(init.parent) for init in inits)
            raise ImportError(f"two projects have a package {package!r}: {found}")
        if inits:
            return inits[0].parent
    return None


def discover_projects(roots=None):
    """All project packages (without importing them).

    Args:
        roots (Iterable[str or Path] or None): as in :func:`find_project`.

    Returns:
        dict[str, Path]: package name -> package folder, sorted by name, e.g.
        ``{"dff": .../projects/DFF/dff, ...}``.

    Raises:
        ImportError: if two projects of one root have packages of the same name.
    """
    roots = project_roots() if roots is None else list(roots)
    names = {init.parent.name for root in roots for init in Path(root).glob("*/*/__init__.py")}
    folders = {name: find_project(name, roots) for name in sorted(names)}
    return {name: folder for name, folder in folders.items() if folder is not None}


def __getattr__(name):
    """``PROJECTS``: package name -> project folder name (``{"selsa": "SELSA", ...}``), the
    table that was written by hand before discovery; now computed at each access."""
    if name == "PROJECTS":
        return {package: folder.parent.name for package, folder in discover_projects().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _ProjectsFinder(importlib.abc.MetaPathFinder):
    """Finds ``d2track.projects.<package>`` with :func:`find_project`; its submodules are then
    found by the regular path finder, in the package's folder."""

    def find_spec(self, name, path, target=None):
        prefix, _, package = name.rpartition(".")
        if prefix != __name__:
            return None
        folder = find_project(package)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )


if not any(isinstance(f, _ProjectsFinder) for f in sys.meta_path):
    sys.meta_path.append(_ProjectsFinder())
