"""datasets/prepare_trackingnet.py on a tiny fabricated TrackingNet tree."""

import importlib.util
import json
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_trackingnet.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_trackingnet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _video(root, chunk, name, num_frames, boxes):
    (root / chunk / "frames" / name).mkdir(parents=True)
    (root / chunk / "anno").mkdir(exist_ok=True)
    for k in range(num_frames):
        path = root / chunk / "frames" / name / f"{k}.jpg"
        cv2.imwrite(str(path), np.zeros((2, 3, 3), np.uint8))
    (root / chunk / "anno" / f"{name}.txt").write_text("".join(f"{b}\n" for b in boxes))


@pytest.fixture
def trackingnet(tmp_path):
    root = tmp_path / "trackingnet"
    _video(root, "TRAIN_0", "vidA", 2, ["1,1,1,1", "2,2,1,1"])
    _video(root, "TRAIN_10", "vidC", 1, ["3,3,1,1"])
    _video(root, "TRAIN_2", "vidB", 11, [f"{k},0,1,1" for k in range(11)])
    _video(root, "TEST", "vidT", 2, ["4,4,2,2"])
    return root


def test_trackingnet_exact_json_and_idempotent(trackingnet, tmp_path):
    out = tmp_path / "out"
    summary = _main()(["--input", str(trackingnet), "--output-root", str(out)])
    assert summary["train"] == {
        "videos": 3,
        "frames": 14,
        "instances": 14,
        "tracks": 3,
        "ignored": 0,
    }
    assert summary["test"] == {"videos": 1, "frames": 2, "instances": 1, "tracks": 1, "ignored": 0}
    path = out / "trackingnet/annotations/trackingnet_train.json"
    train = json.loads(path.read_text())
    assert [v["name"] for v in train["videos"]] == ["vidA", "vidB", "vidC"]
    files = [i["file_name"] for i in train["images"]]
    assert files[:3] == [
        "TRAIN_0/frames/vidA/0.jpg",
        "TRAIN_0/frames/vidA/1.jpg",
        "TRAIN_2/frames/vidB/0.jpg",
    ]
    assert files[12:] == ["TRAIN_2/frames/vidB/10.jpg", "TRAIN_10/frames/vidC/0.jpg"]
    assert [i["frame_id"] for i in train["images"]] == [0, 1] + list(range(11)) + [0]
    assert train["annotations"][12] == {
        "id": 13,
        "image_id": 13,
        "category_id": 0,
        "bbox": [10.0, 0.0, 1.0, 1.0],
        "area": 1.0,
        "iscrowd": 0,
        "instance_id": 2,
    }
    test = json.loads((out / "trackingnet/annotations/trackingnet_test.json").read_text())
    assert test["images"][1] == {
        "id": 2,
        "file_name": "TEST/frames/vidT/1.jpg",
        "height": 2,
        "width": 3,
        "video_id": 1,
        "frame_id": 1,
    }
    assert [(a["image_id"], a["bbox"]) for a in test["annotations"]] == [(1, [4.0, 4.0, 2.0, 2.0])]
    first = path.read_bytes()
    _main()(["--input", str(trackingnet), "--output-root", str(out), "--splits", "train"])
    assert path.read_bytes() == first


def test_trackingnet_unzip(tmp_path):
    root = tmp_path / "tn"
    (root / "TEST" / "zips").mkdir(parents=True)
    (root / "TEST" / "anno").mkdir()
    (root / "TEST" / "anno" / "vidZ.txt").write_text("1,1,1,1\n")
    ok, jpg = cv2.imencode(".jpg", np.zeros((2, 3, 3), np.uint8))
    with zipfile.ZipFile(root / "TEST" / "zips" / "vidZ.zip", "w") as z:
        for k in range(3):
            z.writestr(f"{k}.jpg", jpg.tobytes())
    out = tmp_path / "out"
    summary = _main()(["--input", str(root), "--unzip", "--output-root", str(out)])
    assert summary == {
        "test": {"videos": 1, "frames": 3, "instances": 1, "tracks": 1, "ignored": 0}
    }
    assert (root / "TEST" / "frames" / "vidZ" / "2.jpg").is_file()


def test_trackingnet_malformed_inputs_name_file_and_line(trackingnet, tmp_path):
    gt = trackingnet / "TRAIN_0" / "anno" / "vidA.txt"
    gt.write_text("1,1,1,1\n2,2,-1,1\n")
    with pytest.raises(SystemExit, match=rf"{gt}:2: negative width or height"):
        _main()(["--input", str(trackingnet), "--output-root", str(tmp_path / "out")])
    gt.write_text("1,1,1,1\n")
    with pytest.raises(SystemExit, match=rf"{gt}: 1 boxes for 2 frames of vidA"):
        _main()(["--input", str(trackingnet), "--output-root", str(tmp_path / "out")])


def test_trackingnet_loads_through_registered_split(trackingnet, tmp_path):
    out = tmp_path / "tn_out"
    _main()(["--input", str(trackingnet), "--output-root", str(out)])
    json_file = out / "trackingnet/annotations/trackingnet_train.json"
    assert len(load_cocovid_json(json_file, trackingnet)) == 14
    split = BENCHMARK_SPLITS["trackingnet_train"]
    register_benchmark("test_prepare_trackingnet", split, root=str(out))
    dicts = DatasetCatalog.get("test_prepare_trackingnet")
    assert dicts[13]["file_name"] == str(out / "trackingnet/TRAIN_10/frames/vidC/0.jpg")
    assert dicts[2]["video_length"] == 11
