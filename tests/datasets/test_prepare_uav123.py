"""datasets/prepare_uav123.py on a tiny fabricated UAV123 tree with fragments and NaN lines."""

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.converters.sot_uav import FRAGMENTS
from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_uav123.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_uav123", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture
def uav(tmp_path):
    root = tmp_path / "UAV123"
    for folder, count in [("bird1", 6), ("car1_s", 3)]:
        (root / "data_seq" / "UAV123" / folder).mkdir(parents=True)
        for k in range(1, count + 1):
            path = root / "data_seq" / "UAV123" / folder / f"{k:06d}.jpg"
            cv2.imwrite(str(path), np.zeros((3, 5, 3), np.uint8))
    anno = root / "anno" / "UAV123"
    anno.mkdir(parents=True)
    (anno / "bird1_1.txt").write_text("1,1,2,2\n2,2,2,2\n")
    (anno / "bird1_2.txt").write_text("NaN,NaN,NaN,NaN\n3,3,1,1\n")
    (anno / "car1_s.txt").write_text("0,0,4,3\n1,0,4,3\n2,0,4,3\n")
    (root / "fragments.txt").write_text("bird1_1 bird1 1 2\nbird1_2, bird1, 5, 6\n")
    return root


def test_uav123_builtin_fragment_table():
    assert len(FRAGMENTS) == 51  # 123 sequences = 51 fragments + 72 whole recordings
    assert FRAGMENTS["bird1_2"] == ("bird1", 775, 1477)
    assert FRAGMENTS["uav1_3"] == ("uav1", 2473, 3469)


def test_uav123_exact_json_and_idempotent(uav, tmp_path):
    out = tmp_path / "out"
    args = [
        "--input",
        str(uav),
        "--fragments",
        str(uav / "fragments.txt"),
        "--output-root",
        str(out),
    ]
    summary = _main()(args)
    assert summary == {"videos": 3, "frames": 7, "instances": 7, "tracks": 3, "ignored": 0}
    path = out / "uav123/annotations/uav123_test.json"
    data = json.loads(path.read_text())
    assert data["videos"] == [
        {"id": 1, "name": "bird1_1"},
        {"id": 2, "name": "bird1_2"},
        {"id": 3, "name": "car1_s"},
    ]
    assert [(i["file_name"], i["video_id"], i["frame_id"]) for i in data["images"]] == [
        ("bird1/000001.jpg", 1, 0),
        ("bird1/000002.jpg", 1, 1),
        ("bird1/000005.jpg", 2, 0),
        ("bird1/000006.jpg", 2, 1),
        ("car1_s/000001.jpg", 3, 0),
        ("car1_s/000002.jpg", 3, 1),
        ("car1_s/000003.jpg", 3, 2),
    ]
    assert data["images"][0] | {"id": 1} == {
        "id": 1,
        "file_name": "bird1/000001.jpg",
        "height": 3,
        "width": 5,
        "video_id": 1,
        "frame_id": 0,
    }
    assert [
        (a["image_id"], a["instance_id"], a["bbox"], a["area"]) for a in data["annotations"]
    ] == [
        (1, 1, [1.0, 1.0, 2.0, 2.0], 4.0),
        (2, 1, [2.0, 2.0, 2.0, 2.0], 4.0),
        (3, 2, [0.0, 0.0, 0.0, 0.0], 0.0),
        (4, 2, [3.0, 3.0, 1.0, 1.0], 1.0),
        (5, 3, [0.0, 0.0, 4.0, 3.0], 12.0),
        (6, 3, [1.0, 0.0, 4.0, 3.0], 12.0),
        (7, 3, [2.0, 0.0, 4.0, 3.0], 12.0),
    ]
    first = path.read_bytes()
    _main()(args)
    assert path.read_bytes() == first


def test_uav123_malformed_inputs_name_file_and_line(uav, tmp_path):
    out = ["--output-root", str(tmp_path / "out")]
    table = uav / "fragments.txt"
    table.write_text("bird1_1 bird1 1 2\nbird1_2 bird1 five 6\n")
    with pytest.raises(SystemExit, match=rf"{table}:2: expected"):
        _main()(["--input", str(uav), "--fragments", str(table)] + out)
    # built-in table: bird1_1 needs images 1..253, the box file has 2 lines
    gt = uav / "anno" / "UAV123" / "bird1_1.txt"
    with pytest.raises(SystemExit, match=rf"{gt}: 2 boxes for images 1..253 of bird1"):
        _main()(["--input", str(uav)] + out)
    gt = uav / "anno" / "UAV123" / "car1_s.txt"
    gt.write_text("0,0,4,3\n1,0,4\n2,0,4,3\n")
    table.write_text("bird1_1 bird1 1 2\nbird1_2 bird1 5 6\n")
    with pytest.raises(SystemExit, match=rf"{gt}:2: expected"):
        _main()(["--input", str(uav), "--fragments", str(table)] + out)


def test_uav123_loads_through_registered_split(uav, tmp_path):
    out = tmp_path / "uav_out"
    _main()(
        ["--input", str(uav), "--fragments", str(uav / "fragments.txt"), "--output-root", str(out)]
    )
    (out / "uav123" / "data_seq").symlink_to(uav / "data_seq")
    image_root = out / "uav123/data_seq/UAV123"
    assert len(load_cocovid_json(out / "uav123/annotations/uav123_test.json", image_root)) == 7
    register_benchmark("test_prepare_uav123", BENCHMARK_SPLITS["uav123_test"], root=str(out))
    dicts = DatasetCatalog.get("test_prepare_uav123")
    assert dicts[2]["file_name"] == str(image_root / "bird1/000005.jpg")
    assert dicts[2]["annotations"][0]["bbox"] == [0.0, 0.0, 0.0, 0.0]
    assert dicts[4]["video_length"] == 3
