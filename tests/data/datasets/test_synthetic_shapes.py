import numpy as np
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.data.datasets import builtin_synthetic as builtin
from d2track.data.datasets.synthetic_shapes import (
    SHAPE_CLASSES,
    Shape,
    load_synthetic_shapes,
    shape_polygon,
)


def test_same_seed_same_pixels_and_annotations(tmp_path):
    a = load_synthetic_shapes(str(tmp_path / "a"), num_images=3, seed=7, height=64, width=80)
    b = load_synthetic_shapes(str(tmp_path / "b"), num_images=3, seed=7, height=64, width=80)
    c = load_synthetic_shapes(str(tmp_path / "c"), num_images=3, seed=8, height=64, width=80)
    assert [d["annotations"] for d in a] == [d["annotations"] for d in b]
    assert [d["annotations"] for d in a] != [d["annotations"] for d in c]
    import cv2

    assert np.array_equal(cv2.imread(a[1]["file_name"]), cv2.imread(b[1]["file_name"]))
    assert cv2.imread(a[0]["file_name"]).shape == (64, 80, 3)


def test_annotations_are_valid_and_match_pixels(tmp_path):
    dicts = load_synthetic_shapes(str(tmp_path), num_images=20, seed=0, height=96, width=96)
    assert [d["image_id"] for d in dicts] == list(range(20))
    for d in dicts:
        assert 1 <= len(d["annotations"]) <= 4
        for ann in d["annotations"]:
            x0, y0, x1, y1 = ann["bbox"]
            assert 0 <= x0 < x1 <= 96 and 0 <= y0 < y1 <= 96
            assert ann["category_id"] in range(len(SHAPE_CLASSES))
            poly = np.asarray(ann["segmentation"][0]).reshape(-1, 2)
            assert poly[:, 0].min() == pytest.approx(x0) and poly[:, 1].max() == pytest.approx(y1)


def test_shape_polygons():
    square = shape_polygon(Shape(0, 10, 20, 8, (255, 255, 255)))
    np.testing.assert_allclose(square, [[6, 16], [14, 16], [14, 24], [6, 24]])
    circle = shape_polygon(Shape(1, 0, 0, 10, (255, 255, 255)))
    np.testing.assert_allclose(np.linalg.norm(circle, axis=1), 5.0)
    assert len(shape_polygon(Shape(2, 0, 0, 10, (1, 1, 1)))) == 3


def test_builtin_splits_registered_with_metadata():
    for name in builtin.SYNTHETIC_SHAPES_SPLITS:
        assert name in DatasetCatalog.list()
        meta = MetadataCatalog.get(name)
        assert meta.thing_classes == ["square", "circle", "triangle"]
    before = len(DatasetCatalog.list())
    builtin.register_all_synthetic()  # idempotent, reads nothing
    assert len(DatasetCatalog.list()) == before


def test_builtin_mini_split_loads_under_detectron2_datasets(_datasets_root):
    dicts = DatasetCatalog.get("synthetic_shapes_mini")
    assert len(dicts) == builtin.SYNTHETIC_SHAPES_SPLITS["synthetic_shapes_mini"][0]
    assert dicts[0]["file_name"].startswith(str(_datasets_root))
