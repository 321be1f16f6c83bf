"""datasets/prepare_imagenet_det.py on a fabricated ILSVRC2015 DET tree."""

import importlib.util
import json
from pathlib import Path

import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets.builtin import BENCHMARK_SPLITS, register_benchmark
from d2track.data.datasets.builtin_meta import IMAGENET_DET_CATEGORIES
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_imagenet_det.py"
I0 = "train/ILSVRC2014_train_0000/ILSVRC2014_train_00000663"
I1 = "train/ILSVRC2013_train/n02391049/n02391049_10006"
UNLISTED = "train/ILSVRC2014_train_0000/ILSVRC2014_train_00000001"
DET_LIST = f"{I0} 1\n{I1} 1\n{I0} 1\n"  # a path listed twice is kept once


def _main():
    spec = importlib.util.spec_from_file_location("prepare_imagenet_det", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def write_xml(path, objects, width, height):
    """objects: (wnid, (xmin, ymin, xmax, ymax)); DET xmls have no trackid."""
    body = "".join(
        f"<object><name>{n}</name><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}</ymin>"
        f"<xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox><difficult>0</difficult></object>"
        for n, b in objects
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<annotation><size><width>{width}</width><height>{height}</height></size>"
        f"{body}</annotation>"
    )


def make_tree(root):
    ann = root / "Annotations" / "DET"
    # airplane (VID class 1) and a person (not a VID class: other_categories, 31)
    write_xml(
        ann / f"{I0}.xml", [("n02691156", (1, 2, 11, 22)), ("n00007846", (0, 0, 5, 5))], 50, 40
    )
    write_xml(ann / f"{I1}.xml", [("n02391049", (3, 4, 30, 24))], 60, 30)
    write_xml(ann / f"{UNLISTED}.xml", [("n02691156", (1, 1, 2, 2))], 10, 10)
    (root / "Lists").mkdir()
    (root / "Lists" / "DET_train_30classes.txt").write_text(DET_LIST)
    return root


def _image(i, name, w, h):
    return {
        "id": i,
        "file_name": f"{name}.JPEG",
        "height": h,
        "width": w,
        "is_vid_train_frame": True,
    }


def _ann(i, image_id, cat, bbox):
    out = {"id": i, "image_id": image_id, "category_id": cat, "bbox": [float(v) for v in bbox]}
    out.update(area=float(bbox[2] * bbox[3]), iscrowd=0, difficult=0)  # the xml's <difficult>
    return out


EXPECTED = {
    "categories": [dict(c, encode_name=c["wnid"]) for c in IMAGENET_DET_CATEGORIES],
    "images": [_image(1, I0, 50, 40), _image(2, I1, 60, 30)],
    "annotations": [
        _ann(1, 1, 1, [1, 2, 10, 20]),
        _ann(2, 1, 31, [0, 0, 5, 5]),
        _ann(3, 2, 30, [3, 4, 27, 20]),
    ],
}


@pytest.fixture
def converted(tmp_path):
    root, out = make_tree(tmp_path / "ILSVRC"), tmp_path / "out"
    summary = _main()(["--input", str(root), "--output-root", str(out)])
    return root, out, summary


def _json(out):
    return out / "ILSVRC" / "annotations" / "imagenet_det_30plus1cls.json"


def test_exact_json(converted):
    _, out, summary = converted
    assert json.loads(_json(out).read_text()) == EXPECTED
    assert summary == {"videos": 0, "frames": 2, "instances": 3, "tracks": 0, "ignored": 0}
    assert IMAGENET_DET_CATEGORIES[-1] == {"id": 31, "name": "other_categories", "wnid": None}


def test_idempotent(converted, capsys):
    root, out, _ = converted
    before = _json(out).read_bytes()
    _main()(["--input", str(root), "--output-root", str(out)])
    assert _json(out).read_bytes() == before
    assert "classes without objects: antelope" in capsys.readouterr().out  # no crash on them


def test_loads_through_registered_splits(converted):
    _, out, _ = converted
    for split, classes in (
        ("imagenet_det_train", [0, 30, 29]),
        ("imagenet_det_train_30cls", [0, 29]),
    ):
        name = f"test_prepare_{split}"
        register_benchmark(name, BENCHMARK_SPLITS[split], root=str(out))
        dicts = DatasetCatalog.get(name)
        assert [d["file_name"] for d in dicts] == [
            str(out / "ILSVRC" / "Data" / "DET" / f"{i}.JPEG") for i in (I0, I1)
        ]
        assert [a["category_id"] for d in dicts for a in d["annotations"]] == classes
        assert [d["frame_id"] for d in dicts] == [0, 0]


def test_malformed_inputs(tmp_path):
    root, out = make_tree(tmp_path / "ILSVRC"), tmp_path / "out"
    lst = root / "Lists" / "DET_train_30classes.txt"
    lst.write_text(DET_LIST + f"{I1}x 1\n")
    with pytest.raises(InputFileError, match=rf"{lst}:4: annotation .*{I1}x.xml is missing"):
        _main()(["--input", str(root), "--output-root", str(out)])
    lst.write_text(f"{I0}\n")
    with pytest.raises(InputFileError, match=rf"{lst}:1: expected 2 fields"):
        _main()(["--input", str(root), "--output-root", str(out)])
    lst.write_text(DET_LIST)
    xml = root / "Annotations" / "DET" / f"{I1}.xml"
    xml.write_text(xml.read_text().replace("<xmax>30</xmax>", "<xmax>1</xmax>"))
    with pytest.raises(InputFileError, match=rf"{xml}: malformed xml: bndbox"):
        _main()(["--input", str(root), "--output-root", str(out)])
    assert not out.exists()


def test_all_images_adds_the_unlisted_ones_unflagged(tmp_path):
    root, out = make_tree(tmp_path / "ILSVRC"), tmp_path / "out"
    summary = _main()(["--input", str(root), "--output-root", str(out), "--all-images"])
    data = json.loads(_json(out).read_text())
    assert data["images"][:2] == EXPECTED["images"]
    assert data["images"][2] == dict(_image(3, UNLISTED, 10, 10), is_vid_train_frame=False)
    assert data["annotations"][3] == _ann(4, 3, 1, [1, 1, 1, 1])
    assert summary["frames"] == 3
