"""The compat layer's per-module fixes, checked on the Detectron2 that the tests import."""

import logging
import types
import warnings

import numpy as np
import pytest
from omegaconf import OmegaConf

from d2track.compat import _finder, fixes


def test_pillow_aliases_make_transforms_importable():
    from detectron2.data.transforms import ExtentTransform
    from PIL import Image

    assert Image.LINEAR == Image.BILINEAR
    assert Image.ANTIALIAS == Image.LANCZOS
    assert ExtentTransform.__init__.__defaults__[0] == Image.BILINEAR


def test_model_zoo_config_resolves_without_pkg_resources():
    import sys

    from detectron2 import model_zoo

    path = model_zoo.get_config_file("common/models/mask_rcnn_fpn.py")
    assert path.endswith("model_zoo/configs/common/models/mask_rcnn_fpn.py")
    cfg = model_zoo.get_config("common/models/mask_rcnn_fpn.py")
    assert cfg.model.roi_heads.num_classes == 80
    assert sys.modules.get("pkg_resources") is not fixes._PKG_RESOURCES_STANDIN


def test_resource_filename_standin_errors_name_the_package():
    with pytest.raises(ModuleNotFoundError, match="no_such_pkg_xyz"):
        fixes._resource_filename("no_such_pkg_xyz", "a.txt")


def test_numpy_proxy_restores_removed_aliases_only():
    proxy = fixes.NumpyProxy(np)
    assert proxy.int is int and proxy.float is float and proxy.object is object
    assert proxy.zeros(2).dtype == np.float64
    assert proxy.int64 is np.int64
    with pytest.raises(AttributeError):
        proxy.no_such_numpy_name


def test_class_histogram_is_logged_again(caplog):
    # With numpy >= 1.24 Detectron2 swallows an AttributeError here and never logs it.
    from detectron2.data import build

    dicts = [{"annotations": [{"category_id": 0}, {"category_id": 1}, {"category_id": 1}]}]
    with caplog.at_level(logging.INFO):
        build.print_instances_class_histogram(dicts, ["a", "b"])
    assert "Distribution of instances" in caplog.text


def test_sem_seg_evaluator_runs_on_numpy2():
    from detectron2.data import DatasetCatalog, MetadataCatalog
    from detectron2.evaluation import SemSegEvaluator

    name = "d2track_test_semseg"
    if name not in DatasetCatalog.list():
        DatasetCatalog.register(name, lambda: [])
        MetadataCatalog.get(name).set(stuff_classes=["a", "b"], ignore_label=255)
    evaluator = SemSegEvaluator(name, distributed=False)
    evaluator.reset()
    evaluator._conf_matrix[:2, :2] = [[3, 1], [0, 4]]
    result = evaluator.evaluate()["sem_seg"]
    assert result["mIoU"] == pytest.approx(100 * (3 / 4 + 4 / 5) / 2)
    assert result["pACC"] == pytest.approx(100 * 7 / 8)


def test_polygons_to_bitmask_and_empty_masks():
    from detectron2.structures.masks import polygons_to_bitmask

    empty = polygons_to_bitmask([], 4, 5)
    assert empty.shape == (4, 5) and empty.dtype == bool and not empty.any()
    square = polygons_to_bitmask([np.array([1, 1, 3, 1, 3, 3, 1, 3], dtype=float)], 5, 5)
    assert square.sum() == 4


def test_stub_c_has_env_functions_and_clear_errors():
    import detectron2._C as C

    assert C.IS_STUB is True
    assert "d2track" in C.get_compiler_version() and C.has_cuda() is False
    with pytest.raises(AttributeError, match="no pure-PyTorch fallback"):
        C.deform_conv_forward


def test_coco_fast_path_falls_back_to_pycocotools():
    from detectron2.evaluation import coco_evaluation
    from pycocotools.cocoeval import COCOeval

    assert coco_evaluation.COCOeval_opt is COCOeval


def test_export_without_caffe2_keeps_tracing():
    from detectron2.export import TracingAdapter, dump_torchscript_IR, scripting_with_instances

    assert callable(TracingAdapter) and callable(scripting_with_instances)
    assert callable(dump_torchscript_IR)


class _BrokenExtension:
    def create_module(self, spec):
        raise ImportError("undefined symbol: _ZN3c10")

    def exec_module(self, module):
        raise AssertionError("must not run")


def test_broken_compiled_extension_falls_back_to_stub_with_warning():
    loader = _finder.ExtensionLoader(_BrokenExtension())
    spec = types.SimpleNamespace(origin="/x/_C.cpython-311.so")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert loader.create_module(spec) is None
    assert any("failed to load" in str(w.message) for w in caught)
    module = types.ModuleType(_finder.C_MODULE)
    loader.exec_module(module)
    assert module.IS_STUB is True and callable(module.box_iou_rotated)


def test_to_py_renders_dataclass_targets():
    """``LazyCall`` keeps a dataclass target as a dotted string; ``to_py`` crashed on it."""
    from detectron2.config import LazyCall as L
    from detectron2.config import LazyConfig

    from d2track.data import RefSampler

    cfg = OmegaConf.create({"sampler": L(RefSampler)(method="uniform", num_ref_imgs=1)})
    assert isinstance(cfg.sampler._target_, str)
    text = LazyConfig.to_py(cfg)
    assert text == 'cfg.sampler = d2track.data.RefSampler(method="uniform", num_ref_imgs=1)\n'
