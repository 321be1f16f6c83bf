"""datasets/prepare_otb100.py on a tiny fabricated OTB100 tree with its quirks."""

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_otb100.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_otb100", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _sequence(root, seq, numbers, gt_files, digits=4):
    (root / seq / "img").mkdir(parents=True)
    for k in numbers:
        path = root / seq / "img" / f"{k:0{digits}d}.jpg"
        cv2.imwrite(str(path), np.zeros((4, 6, 3), np.uint8))
    for name, lines in gt_files.items():
        (root / seq / name).write_text("".join(f"{line}\n" for line in lines))


@pytest.fixture
def otb(tmp_path):
    root = tmp_path / "data"
    _sequence(root, "Basket", [1, 2, 3], {"groundtruth_rect.txt": ["1,2,3,4", "2,2,3,4"]})
    _sequence(root, "BlurCar1", [247, 248], {"groundtruth_rect.txt": ["1\t1\t2\t2", "2 2 2 2"]})
    _sequence(root, "Board", [1], {"groundtruth_rect.txt": ["3,3,1,1"]}, digits=5)
    _sequence(root, "David", [1, 299, 300, 301], {"groundtruth_rect.txt": ["5,5,1,1", "6,6,1,1"]})
    gts = {"groundtruth_rect.1.txt": ["1,1,1,1"], "groundtruth_rect.2.txt": ["2,2,2,2"]}
    _sequence(root, "Jogging", [1], gts)
    tiger = [f"{k},{k},1,1" for k in range(1, 8)]
    _sequence(root, "Tiger1", range(1, 8), {"groundtruth_rect.txt": tiger})
    return root


def test_otb100_exact_json_and_idempotent(otb, tmp_path):
    out = tmp_path / "out"
    summary = _main()(["--input", str(otb), "--output-root", str(out)])
    assert summary == {"videos": 7, "frames": 11, "instances": 11, "tracks": 7, "ignored": 0}
    path = out / "otb100/annotations/otb100_test.json"
    data = json.loads(path.read_text())
    names = ["Basket", "BlurCar1", "Board", "David", "Jogging-1", "Jogging-2", "Tiger1"]
    assert data["videos"] == [{"id": i + 1, "name": n} for i, n in enumerate(names)]
    assert [(i["file_name"], i["video_id"], i["frame_id"]) for i in data["images"]] == [
        ("Basket/img/0001.jpg", 1, 0),
        ("Basket/img/0002.jpg", 1, 1),
        ("BlurCar1/img/0247.jpg", 2, 0),
        ("BlurCar1/img/0248.jpg", 2, 1),
        ("Board/img/00001.jpg", 3, 0),
        ("David/img/0300.jpg", 4, 0),
        ("David/img/0301.jpg", 4, 1),
        ("Jogging/img/0001.jpg", 5, 0),
        ("Jogging/img/0001.jpg", 6, 0),
        ("Tiger1/img/0006.jpg", 7, 0),
        ("Tiger1/img/0007.jpg", 7, 1),
    ]
    assert all(i["height"] == 4 and i["width"] == 6 for i in data["images"])
    assert [(a["image_id"], a["instance_id"], a["bbox"]) for a in data["annotations"]] == [
        (1, 1, [1.0, 2.0, 3.0, 4.0]),
        (2, 1, [2.0, 2.0, 3.0, 4.0]),
        (3, 2, [1.0, 1.0, 2.0, 2.0]),
        (4, 2, [2.0, 2.0, 2.0, 2.0]),
        (5, 3, [3.0, 3.0, 1.0, 1.0]),
        (6, 4, [5.0, 5.0, 1.0, 1.0]),
        (7, 4, [6.0, 6.0, 1.0, 1.0]),
        (8, 5, [1.0, 1.0, 1.0, 1.0]),
        (9, 6, [2.0, 2.0, 2.0, 2.0]),
        (10, 7, [6.0, 6.0, 1.0, 1.0]),
        (11, 7, [7.0, 7.0, 1.0, 1.0]),
    ]
    assert data["annotations"][0] == {
        "id": 1,
        "image_id": 1,
        "category_id": 0,
        "bbox": [1.0, 2.0, 3.0, 4.0],
        "area": 12.0,
        "iscrowd": 0,
        "instance_id": 1,
    }
    first = path.read_bytes()
    _main()(["--input", str(otb), "--output-root", str(out)])
    assert path.read_bytes() == first


def test_otb100_malformed_box_names_file_and_line(otb, tmp_path):
    gt = otb / "Basket" / "groundtruth_rect.txt"
    gt.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(SystemExit, match=rf"{gt}:2: expected \(4,\) values"):
        _main()(["--input", str(otb), "--output-root", str(tmp_path / "out")])
    gt.write_text("1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n")
    with pytest.raises(SystemExit, match=rf"{gt}: 4 boxes from image 1, but no image numbered 4"):
        _main()(["--input", str(otb), "--output-root", str(tmp_path / "out")])


def test_otb100_loads_through_registered_split(otb, tmp_path):
    out = tmp_path / "otb_out"
    _main()(["--input", str(otb), "--output-root", str(out)])
    (out / "otb100" / "data").symlink_to(otb)
    dicts = load_cocovid_json(out / "otb100/annotations/otb100_test.json", out / "otb100/data")
    assert len(dicts) == 11
    register_benchmark("test_prepare_otb100", BENCHMARK_SPLITS["otb100_test"], root=str(out))
    dicts = DatasetCatalog.get("test_prepare_otb100")
    assert [d["video_length"] for d in dicts[:3]] == [2, 2, 2]
    assert dicts[9]["file_name"] == str(out / "otb100/data/Tiger1/img/0006.jpg")
    assert dicts[9]["annotations"][0]["bbox"] == [6.0, 6.0, 1.0, 1.0]


def test_empty_numbered_box_file_is_skipped(tmp_path):
    # Human4 ships an empty groundtruth_rect.1.txt next to the real groundtruth_rect.2.txt.
    root = tmp_path / "data"
    _sequence(root, "Human4", [1, 2], {"groundtruth_rect.2.txt": ["1,1,2,2", "2,2,2,2"]})
    (root / "Human4" / "groundtruth_rect.1.txt").write_text("")
    out = tmp_path / "out"
    _main()(["--input", str(root), "--output-root", str(out)])
    data = json.loads((out / "otb100/annotations/otb100_test.json").read_text())
    assert [v["name"] for v in data["videos"]] == ["Human4"]
    assert [a["bbox"] for a in data["annotations"]] == [[1.0, 1.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]]
