"""The fixes applied to Detectron2 v0.6 modules as they are imported.

Each fix is applied only when it is needed, and is idempotent:

========================================  ==================================================
module                                    fix
========================================  ==================================================
``data.transforms.transform`` (before)    Pillow >= 10 removed ``Image.LINEAR/CUBIC/ANTIALIAS``
``model_zoo.model_zoo`` (before/after)    setuptools >= 81 has no ``pkg_resources``: a stand-in
                                          with ``resource_filename`` while the module executes
seven modules using ``np.int`` & co.      numpy >= 1.24 removed the aliases: the module's
                                          ``np`` becomes a proxy that adds them back
``_C`` (stub only)                        ``box_iou_rotated`` from torchvision
``layers.deform_conv`` (stub only)        deform conv v1/v2 via ``torchvision.ops.deform_conv2d``
``layers.roi_align_rotated`` (stub only)  pure-PyTorch ``roi_align_rotated``
``layers.nms``                            registers ``torch.ops.detectron2.nms_rotated``
``evaluation.coco_evaluation`` (stub)     the C++ fast COCOeval -> pycocotools' ``COCOeval``
``engine.launch``                         CPU-only machines: gloo instead of NCCL
``engine.defaults`` / ``engine``          ``create_ddp_model`` on CPU: ``device_ids=None``
``export``                                without caffe2, keep ``TracingAdapter`` & co.
``config.lazy``                           ``LazyConfig.to_py`` crashed on a dataclass target
                                          (``LazyCall`` stores those as dotted strings)
========================================  ==================================================
"""

import importlib.util
import os
import sys
import types
import warnings

from . import _finder

_MARK = "_d2track_compat_fixed"
_NUMPY_ALIASES = {
    "bool": bool,
    "int": int,
    "float": float,
    "complex": complex,
    "object": object,
    "str": str,
}
_NUMPY_MODULES = frozenset(
    [
        "detectron2.data.build",
        "detectron2.data.datasets.pascal_voc",
        "detectron2.evaluation.pascal_voc_evaluation",
        "detectron2.evaluation.sem_seg_evaluation",
        "detectron2.structures.masks",
        "detectron2.utils.video_visualizer",
        "detectron2.utils.visualizer",
    ]
)


def execute(name, module, exec_module):
    """Run ``exec_module(module)`` with the fixes registered for ``name`` around it."""
    if name == "detectron2.export":
        return _execute_export(module, exec_module)
    before(name)
    try:
        exec_module(module)
    finally:
        _BEFORE_CLEANUP.get(name, lambda: None)()
    after(name, module)


def before(name):
    """Fixes that must be in place before the module's code runs."""
    if name == "detectron2.data.transforms.transform":
        _add_pillow_aliases()
    elif name == "detectron2.model_zoo.model_zoo":
        _push_pkg_resources()


def after(name, module):
    """Fixes applied to the executed module (also to modules imported before ``install()``)."""
    if getattr(module, _MARK, False):
        return
    fix = _AFTER.get(name)
    if name in _NUMPY_MODULES:
        fix = _proxy_numpy
    if fix is not None:
        fix(module)
    setattr(module, _MARK, True)


def c_is_stub():
    """True if ``detectron2._C`` is d2track's stub (no compiled extension)."""
    import detectron2._C as C

    return bool(getattr(C, "IS_STUB", False))


# --- Pillow ---------------------------------------------------------------------------------


def _add_pillow_aliases():
    from PIL import Image

    for old, new in (("LINEAR", "BILINEAR"), ("CUBIC", "BICUBIC"), ("ANTIALIAS", "LANCZOS")):
        if not hasattr(Image, old):
            setattr(Image, old, getattr(Image, new))


# --- pkg_resources --------------------------------------------------------------------------


def _resource_filename(package, resource):
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"cannot locate package {package!r} for resource {resource!r}")
    return os.path.join(os.path.dirname(spec.origin), resource)


_PKG_RESOURCES_STANDIN = types.ModuleType(
    "pkg_resources", "d2track stand-in: only resource_filename, for detectron2.model_zoo"
)
_PKG_RESOURCES_STANDIN.resource_filename = _resource_filename


def _push_pkg_resources():
    if "pkg_resources" in sys.modules or importlib.util.find_spec("pkg_resources"):
        return
    sys.modules["pkg_resources"] = _PKG_RESOURCES_STANDIN


def _pop_pkg_resources():
    if sys.modules.get("pkg_resources") is _PKG_RESOURCES_STANDIN:
        del sys.modules["pkg_resources"]


_BEFORE_CLEANUP = {"detectron2.model_zoo.model_zoo": _pop_pkg_resources}


# --- numpy aliases --------------------------------------------------------------------------


class NumpyProxy(types.ModuleType):
    """numpy as seen by old code: ``np.int`` & co. resolve to the builtins they aliased."""

    def __init__(self, numpy):
        super().__init__(numpy.__name__, numpy.__doc__)
        self.__dict__["_numpy"] = numpy

    def __getattr__(self, name):
        if name not in _NUMPY_ALIASES:
            return getattr(self._numpy, name)
        with warnings.catch_warnings():  # numpy 2 warns before raising for np.object & co.
            warnings.simplefilter("ignore", FutureWarning)
            return getattr(self._numpy, name, _NUMPY_ALIASES[name])


def _proxy_numpy(module):
    numpy = module.__dict__.get("np")
    if numpy is None or isinstance(numpy, NumpyProxy):
        return
    if not all(hasattr(numpy, alias) for alias in _NUMPY_ALIASES):
        module.np = NumpyProxy(numpy)


# --- compiled ops ---------------------------------------------------------------------------


def _fix_c(module):
    if not getattr(module, "IS_STUB", False):
        return

    def box_iou_rotated(boxes1, boxes2):
        from .rotated_ops import box_iou_rotated as impl

        return impl(boxes1, boxes2)

    module.box_iou_rotated = box_iou_rotated


def _fix_deform_conv(module):
    if c_is_stub():
        from . import deform_ops

        module.deform_conv = deform_ops.deform_conv
        module.modulated_deform_conv = deform_ops.modulated_deform_conv


def _fix_roi_align_rotated(module):
    if c_is_stub():
        from .rotated_ops import roi_align_rotated

        module.roi_align_rotated = roi_align_rotated


_LIBRARIES = []  # torch.library registrations live as long as their Library object


def _fix_nms(module):
    import torch

    if hasattr(torch.ops.detectron2, "nms_rotated"):
        return  # a compiled _C registered it

    def nms_rotated(boxes, scores, iou_threshold):
        from .rotated_ops import nms_rotated as impl

        return impl(boxes, scores, iou_threshold)

    library = torch.library.Library("detectron2", "FRAGMENT")
    library.define("nms_rotated(Tensor boxes, Tensor scores, float iou_threshold) -> Tensor")
    library.impl("nms_rotated", nms_rotated, "CompositeExplicitAutograd")
    _LIBRARIES.append(library)


def _fix_coco_evaluation(module):
    if c_is_stub():
        from pycocotools.cocoeval import COCOeval

        module.COCOeval_opt = COCOeval


# --- distributed on CPU ---------------------------------------------------------------------


def _fix_launch(module):
    from . import launch

    launch.patch_launch_module(module)


def _fix_engine_defaults(module):
    from . import launch

    module.create_ddp_model = launch.wrap_create_ddp_model(module.create_ddp_model)


def _fix_engine(module):
    defaults = sys.modules.get("detectron2.engine.defaults")
    if defaults is not None and hasattr(module, "create_ddp_model"):
        module.create_ddp_model = defaults.create_ddp_model


# --- LazyConfig.to_py ----------------------------------------------------------------------


def _fix_lazy(module):
    """``to_py`` renders a ``_target_`` object; one already a dotted string passes through."""
    convert = module._convert_target_to_string

    def convert_target(target):
        return target if isinstance(target, str) else convert(target)

    module._convert_target_to_string = convert_target


# --- export without caffe2 ------------------------------------------------------------------


def _execute_export(module, exec_module):
    try:
        exec_module(module)
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("caffe2"):
            raise
        from detectron2.export.flatten import TracingAdapter
        from detectron2.export.torchscript import dump_torchscript_IR, scripting_with_instances

        module.TracingAdapter = TracingAdapter
        module.scripting_with_instances = scripting_with_instances
        module.dump_torchscript_IR = dump_torchscript_IR
        module.__all__ = ["TracingAdapter", "scripting_with_instances", "dump_torchscript_IR"]
    setattr(module, _MARK, True)


_AFTER = {
    _finder.C_MODULE: _fix_c,
    "detectron2.config.lazy": _fix_lazy,
    "detectron2.engine": _fix_engine,
    "detectron2.engine.defaults": _fix_engine_defaults,
    "detectron2.engine.launch": _fix_launch,
    "detectron2.evaluation.coco_evaluation": _fix_coco_evaluation,
    "detectron2.layers.deform_conv": _fix_deform_conv,
    "detectron2.layers.nms": _fix_nms,
    "detectron2.layers.roi_align_rotated": _fix_roi_align_rotated,
}
