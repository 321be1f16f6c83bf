"""datasets/prepare_lasot.py on a tiny fabricated LaSOT tree."""

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.converters.sot_lasot import TEST_SEQUENCES
from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_lasot.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_lasot", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _sequence(root, cls, n, boxes, occlusion, out_of_view):
    folder = root / cls / f"{cls}-{n}"
    (folder / "img").mkdir(parents=True)
    for i in range(len(boxes)):
        cv2.imwrite(str(folder / "img" / f"{i + 1:08d}.jpg"), np.zeros((6, 8, 3), np.uint8))
    (folder / "groundtruth.txt").write_text("".join(f"{b}\n" for b in boxes))
    (folder / "full_occlusion.txt").write_text(",".join(map(str, occlusion)))
    (folder / "out_of_view.txt").write_text(",".join(map(str, out_of_view)) + "\n")


@pytest.fixture
def lasot(tmp_path):
    root = tmp_path / "LaSOTBenchmark"
    _sequence(root, "cat", 1, ["1,2,3,4", "2,3,4,5", "0,0,0,0"], [0, 0, 1], [0, 1, 1])
    _sequence(root, "cat", 2, ["5,5,2,2", "6,6,2,2"], [0, 0], [0, 0])
    _sequence(root, "dog", 1, ["1.5,2.5,3,4"], [0], [0])
    (root / "testing_set.txt").write_text("cat-2\n")
    (root / "cat" / "cat-2" / "nlp.txt").write_text("white cat walking on the sofa\n")
    return root


def _ann(i, image, box, instance, occ, oov):
    return {
        "id": i,
        "image_id": image,
        "category_id": 0,
        "bbox": box,
        "area": box[2] * box[3],
        "iscrowd": 0,
        "full_occlusion": occ,
        "out_of_view": oov,
        "instance_id": instance,
    }


def _image(i, name, video, frame):
    return {
        "id": i,
        "file_name": name,
        "height": 6,
        "width": 8,
        "video_id": video,
        "frame_id": frame,
    }


def test_lasot_exact_json_and_idempotent(lasot, tmp_path):
    out = tmp_path / "out"
    summary = _main()(["--input", str(lasot), "--output-root", str(out)])
    assert summary["train"] == {"videos": 2, "frames": 4, "instances": 4, "tracks": 2, "ignored": 0}
    test = json.loads((out / "lasot/annotations/lasot_test.json").read_text())
    assert test == {
        "categories": [{"id": 0, "name": "object"}],
        "images": [
            _image(1, "cat/cat-2/img/00000001.jpg", 1, 0),
            _image(2, "cat/cat-2/img/00000002.jpg", 1, 1),
        ],
        "annotations": [
            _ann(1, 1, [5.0, 5.0, 2.0, 2.0], 1, 0, 0),
            _ann(2, 2, [6.0, 6.0, 2.0, 2.0], 1, 0, 0),
        ],
        "videos": [{"id": 1, "name": "cat-2", "nlp": "white cat walking on the sofa"}],
    }
    train_path = out / "lasot/annotations/lasot_train.json"
    train = json.loads(train_path.read_text())
    assert train["videos"] == [{"id": 1, "name": "cat-1"}, {"id": 2, "name": "dog-1"}]
    assert [(i["video_id"], i["frame_id"]) for i in train["images"]] == [
        (1, 0),
        (1, 1),
        (1, 2),
        (2, 0),
    ]
    assert train["annotations"][2] == _ann(3, 3, [0.0, 0.0, 0.0, 0.0], 1, 1, 1)
    assert train["annotations"][3] == _ann(4, 4, [1.5, 2.5, 3.0, 4.0], 2, 0, 0)
    first = train_path.read_bytes()
    _main()(["--input", str(lasot), "--output-root", str(out)])
    assert train_path.read_bytes() == first


def test_lasot_testing_set_file_option(lasot, tmp_path):
    names = tmp_path / "my_test.txt"
    names.write_text("cat-1\ndog-1\n")
    out = tmp_path / "out"
    summary = _main()(
        ["--input", str(lasot), "--testing-set", str(names), "--output-root", str(out)]
    )
    assert summary["test"]["videos"] == 2 and summary["train"]["videos"] == 1


def test_lasot_builtin_test_list(lasot, tmp_path, capsys):
    assert len(TEST_SEQUENCES) == len(set(TEST_SEQUENCES)) == 280
    assert TEST_SEQUENCES[:2] == ("airplane-1", "airplane-9") and "zebra-17" in TEST_SEQUENCES
    (lasot / "testing_set.txt").unlink()
    out = tmp_path / "out"
    summary = _main()(["--input", str(lasot), "--output-root", str(out)])
    assert "warning: 278 of the 280 test sequences are not under" in capsys.readouterr().out
    test = json.loads((out / "lasot/annotations/lasot_test.json").read_text())
    assert [v["name"] for v in test["videos"]] == ["cat-1", "dog-1"]  # both in the built-in list
    assert summary["train"]["videos"] == 1


def test_lasot_malformed_box_names_file_and_line(lasot, tmp_path):
    gt = lasot / "cat" / "cat-1" / "groundtruth.txt"
    gt.write_text("1,2,3,4\n1,2,x,4\n0,0,0,0\n")
    with pytest.raises(SystemExit, match=rf"{gt}:2: not a number"):
        _main()(["--input", str(lasot), "--output-root", str(tmp_path / "out")])


def test_lasot_loads_through_registered_split(lasot, tmp_path):
    _main()(["--input", str(lasot), "--output-root", str(tmp_path / "lasot_out")])
    src = tmp_path / "lasot_out" / "lasot"
    (src / "LaSOTBenchmark").symlink_to(lasot)
    dicts = load_cocovid_json(src / "annotations/lasot_train.json", src / "LaSOTBenchmark")
    assert [len(d["annotations"]) for d in dicts] == [1, 1, 1, 1]
    register_benchmark(
        "test_prepare_lasot_train",
        BENCHMARK_SPLITS["lasot_train"],
        root=str(tmp_path / "lasot_out"),
    )
    dicts = DatasetCatalog.get("test_prepare_lasot_train")
    assert dicts[2]["annotations"][0]["full_occlusion"] == 1
    assert dicts[2]["file_name"] == str(src / "LaSOTBenchmark/cat/cat-1/img/00000003.jpg")
    assert dicts[3]["video_length"] == 1
