"""Import the Python packages of ``projects/<Method>/`` as ``d2track.projects.<package>``.

As ``detectron2.projects`` does for Detectron2's projects: heads that a single paper needs live
next to that paper's configs (``projects/SELSA/selsa/``), and configs import them as
``from d2track.projects.selsa import ...``. Works from a source checkout (an editable install);
a project's package is found only if :data:`PROJECTS` lists it.
"""

import importlib.abc
import importlib.util
import sys
from pathlib import Path

__all__ = ["PROJECTS", "PROJECT_ROOT"]

#: package name -> folder under ``projects/``.
PROJECTS = {
    "dff": "DFF",
    "fgfa": "FGFA",
    "selsa": "SELSA",
    "troi": "TemporalRoIAlign",
}
PROJECT_ROOT = Path(__file__).resolve().parents[2] / "projects"


class _ProjectsFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        prefix, _, package = name.rpartition(".")
        if prefix != __name__ or package not in PROJECTS:
            return None
        init = PROJECT_ROOT / PROJECTS[package] / package / "__init__.py"
        if not init.is_file():
            return None
        return importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(init.parent)]
        )


if not any(isinstance(f, _ProjectsFinder) for f in sys.meta_path):
    sys.meta_path.append(_ProjectsFinder())
