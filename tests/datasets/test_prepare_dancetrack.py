import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.data.datasets.builtin import DANCETRACK_SPORTSMOT_SPLITS, register_benchmark
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).parents[2] / "datasets" / "prepare_dancetrack.py"


def _script():
    spec = importlib.util.spec_from_file_location("prepare_dancetrack", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# frame, id, x, y, w, h, 1, 1, 1 (DanceTrack's gt: one class, all considered and visible)
GT_1 = ["1,1,1,2,3,4,1,1,1", "1,2,4,0,2,5,1,1,1", "2,1,1.5,2,3,4,1,1,1", "4,2,3,1,2,5,1,1,1"]
GT_2 = ["2,1,0,0,5,5,1,1,1", "3,1,1,0,5,5,1,1,1"]
GT_4 = ["1,3,2,2,2,2,1,1,1"]


@pytest.fixture
def dance_root(tmp_path, make_sequence):
    root = tmp_path / "dancetrack"
    make_sequence(root / "train", "dancetrack0001", 4, GT_1)
    make_sequence(root / "train", "dancetrack0002", 3, GT_2)
    make_sequence(root / "val", "dancetrack0004", 3, GT_4)
    make_sequence(root / "test", "dancetrack0003", 3)
    return root


def _load(path):
    with open(path) as f:
        return json.load(f)


def _convert(root, out):
    return _script().main(["--input", str(root), "--output-root", str(out)])


def test_converts_every_split(dance_root, tmp_path):
    out = tmp_path / "out"
    summaries = _convert(dance_root, out)
    assert summaries["train"] == dict(videos=2, frames=7, instances=6, tracks=3, ignored=0)
    ann_dir = out / "DanceTrack" / "annotations"
    train = _load(ann_dir / "train_cocoformat.json")
    info = dict(fps=20, width=8, height=6)
    assert train["videos"] == [
        dict(id=1, name="dancetrack0001", **info, length=4, mot_seq_length=4),
        dict(id=2, name="dancetrack0002", **info, length=3, mot_seq_length=3),
    ]
    names = [
        (i["file_name"], i["video_id"], i["frame_id"], i["mot_frame_id"]) for i in train["images"]
    ]
    assert names[:2] == [
        ("dancetrack0001/img1/00000001.jpg", 1, 0, 1),
        ("dancetrack0001/img1/00000002.jpg", 1, 1, 2),
    ]
    assert names[4:] == [(f"dancetrack0002/img1/0000000{k}.jpg", 2, k - 1, k) for k in (1, 2, 3)]
    anns = train["annotations"]
    assert [(a["image_id"], a["instance_id"], a["mot_instance_id"]) for a in anns] == [
        (1, 1, 1), (1, 2, 2), (2, 1, 1), (4, 2, 2), (6, 3, 1), (7, 3, 1)]  # fmt: skip
    assert anns[2]["bbox"] == [1.5, 2.0, 3.0, 4.0] and anns[2]["area"] == 12.0
    assert {(a["category_id"], a["mot_class_id"], a["visibility"], a["ignore"]) for a in anns} == {
        (1, 1, 1.0, False)
    }
    val = _load(ann_dir / "val_cocoformat.json")
    assert [v["name"] for v in val["videos"]] == ["dancetrack0004"]
    assert [a["bbox"] for a in val["annotations"]] == [[2.0, 2.0, 2.0, 2.0]]
    test = _load(ann_dir / "test_cocoformat.json")
    assert test["annotations"] == [] and len(test["images"]) == 3
    assert test["images"][2]["file_name"] == "dancetrack0003/img1/00000003.jpg"


def test_registered_split_loads_and_has_mot_metadata(dance_root, tmp_path):
    _convert(dance_root, tmp_path)
    (tmp_path / "DanceTrack" / "val").symlink_to(dance_root / "val")
    name = "test_prepare_dancetrack_val"
    register_benchmark(name, DANCETRACK_SPORTSMOT_SPLITS["dancetrack_val"], root=str(tmp_path))
    dicts = DatasetCatalog.get(name)
    assert [d["frame_id"] for d in dicts] == [0, 1, 2]
    assert dicts[0]["file_name"] == str(
        tmp_path / "DanceTrack" / "val" / "dancetrack0004" / "img1" / "00000001.jpg"
    )
    assert Path(dicts[0]["file_name"]).is_file()
    (ann,) = dicts[0]["annotations"]
    assert (ann["instance_id"], ann["mot_instance_id"], ann["category_id"]) == (1, 3, 0)
    meta = MetadataCatalog.get("dancetrack_val")
    assert (meta.evaluator_type, meta.mot_benchmark) == ("mot", "MOT17")
    assert meta.thing_classes == ["pedestrian"]
    assert all(f"dancetrack_{s}" in DatasetCatalog.list() for s in ("train", "val", "test"))


def test_missing_gt_names_the_file(dance_root, tmp_path):
    gt = dance_root / "val" / "dancetrack0004" / "gt" / "gt.txt"
    gt.unlink()
    with pytest.raises(SystemExit, match=re.escape(f"error: {gt}: missing gt/gt.txt")):
        _convert(dance_root, tmp_path)


@pytest.mark.parametrize("line", ["2,1,1,2,3,4,1,1", "2,1,1,y,3,4,1,1,1"])
def test_bad_row_names_file_and_line(dance_root, tmp_path, line):
    gt = dance_root / "train" / "dancetrack0002" / "gt" / "gt.txt"
    gt.write_text(GT_2[0] + "\n" + line + "\n")
    with pytest.raises(InputFileError, match=re.escape(f"{gt}:2: ")):
        _script().convert(str(dance_root), str(tmp_path))


def test_missing_split_folder_writes_nothing(dance_root, tmp_path):
    shutil.rmtree(dance_root / "test")
    with pytest.raises(SystemExit, match=re.escape(f"{dance_root / 'test'}: missing DanceTrack")):
        _convert(dance_root, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    summaries = _script().main(
        ["--input", str(dance_root), "--output-root", str(tmp_path / "out"), "--splits", "val"]
    )
    assert list(summaries) == ["val"]


def test_frame_names_that_are_not_numbers(dance_root, tmp_path):
    bad = dance_root / "val" / "dancetrack0004" / "img1" / "frame_a.jpg"
    for f in bad.parent.iterdir():
        f.unlink()
    bad.write_bytes(b"")
    with pytest.raises(SystemExit, match=re.escape(f"{bad}: frame file name is not a frame")):
        _convert(dance_root, tmp_path)
