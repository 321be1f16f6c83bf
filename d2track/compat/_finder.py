"""The :data:`sys.meta_path` finder that wraps the loaders of the Detectron2 modules we fix.

Kept import-light (no ``importlib.abc``, no torch): the ``.pth`` hook imports it at every
interpreter start of the venv.
"""

import sys
import warnings
from importlib.util import spec_from_file_location
from os import path as _path

C_MODULE = "detectron2._C"
STUB_FILE = _path.join(_path.dirname(__file__), "stub_c.py")

# Every module that some fix in .fixes applies to (kept here so that finding needs no import).
TARGETS = frozenset(
    [
        C_MODULE,
        "detectron2.config.lazy",
        "detectron2.data.build",
        "detectron2.data.datasets.pascal_voc",
        "detectron2.data.transforms.transform",
        "detectron2.engine",
        "detectron2.engine.defaults",
        "detectron2.engine.launch",
        "detectron2.evaluation.coco_evaluation",
        "detectron2.evaluation.pascal_voc_evaluation",
        "detectron2.evaluation.sem_seg_evaluation",
        "detectron2.export",
        "detectron2.layers.deform_conv",
        "detectron2.layers.nms",
        "detectron2.layers.roi_align_rotated",
        "detectron2.model_zoo.model_zoo",
        "detectron2.structures.masks",
        "detectron2.utils.video_visualizer",
        "detectron2.utils.visualizer",
    ]
)


def _fixes():
    from . import fixes

    return fixes


def fix_imported_modules():
    """Apply the after-import fixes to target modules that were imported before the finder."""
    for name in sorted(TARGETS):
        module = sys.modules.get(name)
        if module is not None:
            _fixes().after(name, module)


class CompatFinder:
    """Finds the target modules with the other finders, then wraps their loaders."""

    def __init__(self, *, version, package):
        self.d2_compat_version = version
        self.package = package

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in TARGETS:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or hasattr(finder, "d2_compat_version"):
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find else None
            if spec is not None:
                break
        if fullname == C_MODULE:
            return _extension_spec(spec)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = FixingLoader(spec.loader)
        return spec


def _extension_spec(spec):
    """``detectron2._C``: the real one if it loads, else the stub (with a warning if broken)."""
    if spec is None:
        return spec_from_file_location(C_MODULE, STUB_FILE)
    spec.loader = ExtensionLoader(spec.loader)
    return spec


class FixingLoader:
    """Delegates to the real loader and runs the module's fixes around ``exec_module``."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        _fixes().execute(module.__name__, module, self._loader.exec_module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class ExtensionLoader(FixingLoader):
    """Loads a compiled ``detectron2._C``; falls back to the stub if it cannot be loaded."""

    _use_stub = False

    def create_module(self, spec):
        try:
            return self._loader.create_module(spec)
        except ImportError as e:
            warnings.warn(
                f"detectron2._C at {spec.origin} failed to load ({e}); it was probably built "
                "for another torch/CUDA. Using d2track's pure-PyTorch fallbacks instead.",
                RuntimeWarning,
                stacklevel=2,
            )
            self._use_stub = True
            return None

    def exec_module(self, module):
        if not self._use_stub:
            return super().exec_module(module)
        with open(STUB_FILE) as f:
            code = compile(f.read(), STUB_FILE, "exec")
        exec(code, module.__dict__)
        _fixes().after(module.__name__, module)
