"""datasets/prepare_got10k.py on a tiny fabricated GOT-10k tree."""

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_got10k.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_got10k", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _sequence(split_dir, name, num_frames, boxes, labels=None):
    folder = split_dir / name
    folder.mkdir(parents=True)
    for i in range(num_frames):
        cv2.imwrite(str(folder / f"{i + 1:08d}.jpg"), np.zeros((5, 7, 3), np.uint8))
    (folder / "groundtruth.txt").write_text("".join(f"{b}\n" for b in boxes))
    for key, values in (labels or {}).items():
        (folder / f"{key}.label").write_text("".join(f"{v}\n" for v in values))


@pytest.fixture
def got10k(tmp_path):
    root = tmp_path / "got10k"
    labels = {"absence": [0, 1, 0], "cover": [8, 0, 3], "cut_by_image": [0, 0, 1]}
    _sequence(root / "train", "GOT-10k_Train_000001", 3, ["1,2,3,4", "0,0,0,0", "2,2,3,3"], labels)
    labels = {"absence": [0, 0], "cover": [8, 8], "cut_by_image": [0, 0]}
    _sequence(root / "val", "GOT-10k_Val_000001", 2, ["1,1,2,2", "1.5,1,2,2"], labels)
    _sequence(root / "test", "GOT-10k_Test_000001", 3, ["3,3,1,1"])
    for split, name in [("train", "Train"), ("val", "Val"), ("test", "Test")]:
        (root / split / "list.txt").write_text(f"GOT-10k_{name}_000001\n")
    (root / "train" / "GOT-10k_Train_000001" / "meta_info.ini").write_text(META_INFO)
    return root


META_INFO = """[METAINFO]
url: https://youtu.be/abc
begin: 00:00:08
end: 00:00:10
anno_fps: 10Hz
object_class: ichneumon
motion_class: walking
major_class: viverrine
root_class: animal
motion_adverb: slowly
resolution: (1280, 720)
"""


def _flags(absence, cover, cut):
    return {"absence": absence, "cover": cover, "cut_by_image": cut}


def test_got10k_exact_json_and_idempotent(got10k, tmp_path):
    out = tmp_path / "out"
    summary = _main()(["--input", str(got10k), "--output-root", str(out)])
    assert summary["test"] == {"videos": 1, "frames": 3, "instances": 1, "tracks": 1, "ignored": 0}
    train_path = out / "got10k/annotations/got10k_train.json"
    train = json.loads(train_path.read_text())
    (video,) = train["videos"]
    assert video == {"id": 1, "name": "GOT-10k_Train_000001", "meta_info": video["meta_info"]}
    assert video["meta_info"] == {
        "url": "https://youtu.be/abc", "begin": "00:00:08", "end": "00:00:10",
        "anno_fps": "10Hz", "object_class": "ichneumon", "motion_class": "walking",
        "major_class": "viverrine", "root_class": "animal", "motion_adverb": "slowly",
        "resolution": "(1280, 720)"}  # fmt: skip
    assert train["images"][1] == {
        "id": 2,
        "file_name": "GOT-10k_Train_000001/00000002.jpg",
        "height": 5,
        "width": 7,
        "video_id": 1,
        "frame_id": 1,
    }
    boxes = [([1.0, 2.0, 3.0, 4.0], 12.0), ([0.0, 0.0, 0.0, 0.0], 0.0), ([2.0, 2.0, 3.0, 3.0], 9.0)]
    flags = [_flags(0, 8, 0), _flags(1, 0, 0), _flags(0, 3, 1)]
    assert train["annotations"] == [
        {"id": i + 1, "image_id": i + 1, "category_id": 0, "bbox": b, "area": a, "iscrowd": 0}
        | flags[i]
        | {"instance_id": 1}
        for i, (b, a) in enumerate(boxes)
    ]
    test = json.loads((out / "got10k/annotations/got10k_test.json").read_text())
    assert [a["image_id"] for a in test["annotations"]] == [1]
    assert test["annotations"][0]["bbox"] == [3.0, 3.0, 1.0, 1.0]
    assert "absence" not in test["annotations"][0]
    first = train_path.read_bytes()
    _main()(["--input", str(got10k), "--output-root", str(out), "--splits", "train"])
    assert train_path.read_bytes() == first


def test_got10k_unzip(got10k, tmp_path):
    archive = tmp_path / "val_data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted((got10k / "val").rglob("*")):
            z.write(path, path.relative_to(got10k).as_posix())
    root = tmp_path / "fresh"
    root.mkdir()
    out = tmp_path / "out"
    summary = _main()(["--input", str(root), "--unzip", str(archive), "--output-root", str(out)])
    assert list(summary) == ["val"] and summary["val"]["frames"] == 2
    (root / "val" / "GOT-10k_Val_000001" / "cover.label").unlink()  # val: labels optional
    _main()(["--input", str(root), "--output-root", str(out)])
    val = json.loads((out / "got10k/annotations/got10k_val.json").read_text())
    assert "cover" not in val["annotations"][0] and val["annotations"][0]["absence"] == 0


def test_got10k_malformed_label_names_file_and_line(got10k, tmp_path):
    label = got10k / "train" / "GOT-10k_Train_000001" / "cover.label"
    label.write_text("8\n0\nthree\n")
    with pytest.raises(SystemExit, match=rf"{label}:3: not a flag"):
        _main()(["--input", str(got10k), "--output-root", str(tmp_path / "out")])
    shutil.rmtree(got10k / "val" / "GOT-10k_Val_000001")
    with pytest.raises(SystemExit, match="GOT-10k_Val_000001: missing frame folder"):
        _main()(["--input", str(got10k), "--splits", "val", "--output-root", str(tmp_path)])


def test_got10k_loads_through_registered_split(got10k, tmp_path):
    out = tmp_path / "got_out"
    _main()(["--input", str(got10k), "--output-root", str(out)])
    (out / "got10k" / "val").symlink_to(got10k / "val")
    dicts = load_cocovid_json(out / "got10k/annotations/got10k_val.json", out / "got10k/val")
    assert [d["frame_id"] for d in dicts] == [0, 1]
    register_benchmark("test_prepare_got10k_val", BENCHMARK_SPLITS["got10k_val"], root=str(out))
    dicts = DatasetCatalog.get("test_prepare_got10k_val")
    assert dicts[1]["annotations"][0]["bbox"] == [1.5, 1.0, 2.0, 2.0]
    assert dicts[1]["annotations"][0]["cover"] == 8
    assert dicts[0]["file_name"] == str(out / "got10k/val/GOT-10k_Val_000001/00000001.jpg")
