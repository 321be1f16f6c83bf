import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.converters.crowdhuman import convert_split
from d2track.data.datasets.builtin import BENCHMARK_SPLITS, register_benchmark
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).parents[2] / "datasets" / "prepare_crowdhuman.py"


def _script():
    spec = importlib.util.spec_from_file_location("prepare_crowdhuman", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _box(fbox, tag="person", ignore=0):
    return {
        "tag": tag,
        "fbox": fbox,
        "vbox": [fbox[0] + 1, fbox[1], 1, 2],
        "hbox": [0, 0, 1, 1],
        "extra": {"box_id": 7, "occ": 1, "ignore": ignore},
        "head_attr": {"ignore": 0, "occ": 0, "unsure": 0},
    }


def _kept(box):
    """What the json keeps of an odgt box besides fbox."""
    return dict(
        vis_bbox=[float(v) for v in box["vbox"]],
        head_bbox=[float(v) for v in box["hbox"]],
        tag=box["tag"],
        extra=box["extra"],
        head_attr=box["head_attr"],
    )


def _write_jpeg(path, height, width):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((height, width, 3), 128, np.uint8))


def _make_tree(root):
    train = [
        {"ID": "1,a", "gtboxes": [_box([1, 2, 3, 4]), _box([-2, 0, 5, 6], ignore=1)]},
        {"ID": "2,b", "gtboxes": [_box([0, 0, 10, 20], tag="mask")]},
    ]
    val = [{"ID": "3,c", "gtboxes": []}]
    root.mkdir()
    (root / "annotation_train.odgt").write_text("".join(json.dumps(r) + "\n" for r in train))
    (root / "annotation_val.odgt").write_text(json.dumps(val[0]) + "\n")
    _write_jpeg(root / "train" / "Images" / "1,a.jpg", 6, 8)
    _write_jpeg(root / "train" / "Images" / "2,b.jpg", 10, 12)
    _write_jpeg(root / "Images" / "3,c.jpg", 4, 5)  # one shared Images folder works too
    return root


def _ann(ann_id, image_id, bbox, ignore, **kept):
    ann = {"id": ann_id, "image_id": image_id, "category_id": 1, "bbox": bbox}
    ann.update(area=bbox[2] * bbox[3], iscrowd=int(ignore), ignore=ignore, **kept)
    return ann


def test_convert_exact_and_idempotent(tmp_path):
    root, out = _make_tree(tmp_path / "in"), tmp_path / "out"
    summaries = _script().main(["--input", str(root), "--output-root", str(out)])
    assert summaries["train"] == {
        "videos": 0,
        "frames": 2,
        "instances": 3,
        "tracks": 0,
        "ignored": 2,
    }
    train_json = out / "crowdhuman" / "annotations" / "crowdhuman_train.json"
    assert json.loads(train_json.read_text()) == {
        "categories": [{"id": 1, "name": "person"}],
        "images": [
            {"id": 1, "file_name": "Images/1,a.jpg", "height": 6, "width": 8},
            {"id": 2, "file_name": "Images/2,b.jpg", "height": 10, "width": 12},
        ],
        "annotations": [
            _ann(1, 1, [1.0, 2.0, 3.0, 4.0], False, **_kept(_box([1, 2, 3, 4]))),
            _ann(2, 1, [-2.0, 0.0, 5.0, 6.0], True, **_kept(_box([-2, 0, 5, 6], ignore=1))),
            _ann(3, 2, [0.0, 0.0, 10.0, 20.0], True, **_kept(_box([0, 0, 10, 20], tag="mask"))),
        ],
    }
    val_json = out / "crowdhuman" / "annotations" / "crowdhuman_val.json"
    assert json.loads(val_json.read_text())["images"] == [
        {"id": 1, "file_name": "Images/3,c.jpg", "height": 4, "width": 5}
    ]
    before = train_json.read_bytes(), val_json.read_bytes()
    _script().main(["--input", str(root), "--output-root", str(out)])
    assert (train_json.read_bytes(), val_json.read_bytes()) == before


def test_loads_through_registered_split(tmp_path):
    root, out = _make_tree(tmp_path / "in"), tmp_path / "out"
    _script().main(["--input", str(root), "--output-root", str(out), "--splits", "train"])
    name = "test_prepare_crowdhuman_train"
    register_benchmark(name, BENCHMARK_SPLITS["crowdhuman_train"], root=str(out))
    dicts = DatasetCatalog.get(name)
    assert [d["file_name"] for d in dicts] == [
        str(out / "crowdhuman" / "train" / "Images" / n) for n in ("1,a.jpg", "2,b.jpg")
    ]
    anns = dicts[0]["annotations"]
    assert [(a["category_id"], a["iscrowd"], a["ignore"]) for a in anns] == [
        (0, 0, False),
        (0, 1, True),
    ]


def test_malformed_line_names_file_and_line(tmp_path):
    root = _make_tree(tmp_path / "in")
    odgt = root / "annotation_train.odgt"
    lines = odgt.read_text().splitlines()
    lines[1] = lines[1].replace('"fbox": [0, 0, 10, 20]', '"fbox": [0, 0, 10]')
    odgt.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"annotation_train\.odgt:2: gtboxes\[0\]: fbox"):
        convert_split(str(root), "train", str(tmp_path / "x.json"))
    with pytest.raises(SystemExit, match=r"annotation_train\.odgt:2"):
        _script().main(["--input", str(root), "--output-root", str(tmp_path / "out")])
    assert not (tmp_path / "x.json").exists()


def test_missing_image_names_line(tmp_path):
    root = _make_tree(tmp_path / "in")
    (root / "train" / "Images" / "2,b.jpg").unlink()
    with pytest.raises(InputFileError, match=r"annotation_train\.odgt:2: image .*2,b\.jpg"):
        convert_split(str(root), "train", str(tmp_path / "x.json"))
