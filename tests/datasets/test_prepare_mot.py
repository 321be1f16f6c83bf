import importlib.util
import json
import os
import re

import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets import load_cocovid_json
from d2track.data.datasets.builtin import BENCHMARK_SPLITS, register_benchmark
from d2track.utils.input_files import InputFileError

_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "prepare_mot.py")


def _main():
    spec = importlib.util.spec_from_file_location("prepare_mot", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


SEQINFO = (
    "[Sequence]\nname={}\nimDir=img1\nframeRate=30\nseqLength={}\n"
    "imWidth=64\nimHeight=48\nimExt=.jpg\n"
)
# frame, id, x, y, w, h, considered, class, visibility
GT_A = [
    "1,1,10,10,20,30,1,1,0.9",  # pedestrian
    "2,1,11,10,20,30,1,1,0.8",
    "4,1,12,10,20,30,1,1,0.7",
    "1,2,30,5,10,10,1,7,1.0",  # static_person -> ignored
    "2,3,0,0,5,5,1,3,1.0",  # car -> category 3
    "5,4,1,2,3,4,0,1,0.5",  # pedestrian not considered -> ignored
]
GT_B = ["1,7,2,3,4,5,1,1,1.0"]
DET_A = ["1,-1,1,2,3,4,0.9,-1,-1,-1", "4,-1,5,5,10,10,0.5,-1,-1,-1"]


def _seq(root, split, name, length, gt=None, det=None):
    seq = root / split / name
    (seq / "img1").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name, length))
    for folder, lines, fname in (("gt", gt, "gt.txt"), ("det", det, "det.txt")):
        if lines is not None:
            (seq / folder).mkdir()
            (seq / folder / fname).write_text("\n".join(lines) + "\n")


@pytest.fixture
def mot_root(tmp_path):
    root = tmp_path / "in"
    _seq(root, "train", "MOT17-02-FRCNN", 5, GT_A, DET_A)
    _seq(root, "train", "MOT17-04-FRCNN", 2, GT_B, [])
    _seq(root, "test", "MOT17-01-FRCNN", 2, None, ["2,-1,0,0,2,2,0.3,-1,-1,-1"])
    return root


def _img(i, seq, frame, frame_id, vid):
    name = f"{seq}/img1/{frame:06d}.jpg"
    return dict(id=i, file_name=name, height=48, width=64, mot_frame_id=frame, video_id=vid,
                frame_id=frame_id)  # fmt: skip


def _ann(i, img, box, inst, mid, conf, cls, vis, ignore, category_id=1):
    x, y, w, h = (float(v) for v in box)
    return dict(id=i, image_id=img, category_id=category_id, bbox=[x, y, w, h], area=w * h,
                iscrowd=0, mot_instance_id=mid, mot_conf=conf, mot_class_id=cls, visibility=vis,
                ignore=ignore, instance_id=inst)  # fmt: skip


def _load(path):
    with open(path) as f:
        return json.load(f)


def test_train_and_half_splits(mot_root, tmp_path):
    out = tmp_path / "out"
    summaries = _main()(["--input", str(mot_root), "--benchmark", "MOT17",
                         "--output-root", str(out), "--convert-det"])  # fmt: skip
    ann_dir = out / "MOT17" / "annotations"
    train = _load(ann_dir / "train_cocoformat.json")
    assert train["categories"][:3] == [
        {"id": 1, "name": "pedestrian"}, {"id": 2, "name": "person_on_vehicle"},
        {"id": 3, "name": "car"}]  # fmt: skip
    assert [c["id"] for c in train["categories"]] == list(range(1, 14))
    seqinfo = dict(fps=30, width=64, height=48)
    assert train["videos"] == [
        {"id": 1, "name": "MOT17-02-FRCNN", **seqinfo, "length": 5, "mot_seq_length": 5},
        {"id": 2, "name": "MOT17-04-FRCNN", **seqinfo, "length": 2, "mot_seq_length": 2},
    ]
    a, b = "MOT17-02-FRCNN", "MOT17-04-FRCNN"
    assert train["images"] == [_img(k + 1, a, k + 1, k, 1) for k in range(5)] + [
        _img(6, b, 1, 0, 2), _img(7, b, 2, 1, 2)]  # fmt: skip
    assert train["annotations"] == [
        _ann(1, 1, (10, 10, 20, 30), 1, 1, 1.0, 1, 0.9, False),
        _ann(2, 1, (30, 5, 10, 10), 2, 2, 1.0, 7, 1.0, True),
        _ann(3, 2, (11, 10, 20, 30), 1, 1, 1.0, 1, 0.8, False),
        _ann(4, 2, (0, 0, 5, 5), 3, 3, 1.0, 3, 1.0, False, category_id=3),
        _ann(5, 4, (12, 10, 20, 30), 1, 1, 1.0, 1, 0.7, False),
        _ann(6, 5, (1, 2, 3, 4), 4, 4, 0.0, 1, 0.5, True),
        _ann(7, 6, (2, 3, 4, 5), 5, 7, 1.0, 1, 1.0, False),
    ]
    assert summaries["train"] == dict(videos=2, frames=7, instances=7, tracks=5, ignored=2)
    half_train = _load(ann_dir / "half-train_cocoformat.json")
    assert [(i["mot_frame_id"], i["frame_id"]) for i in half_train["images"]] == [
        (1, 0), (2, 1), (3, 2), (1, 0), (2, 1)]  # fmt: skip
    assert [a["instance_id"] for a in half_train["annotations"]] == [1, 2, 1, 3, 4]
    half_val = _load(ann_dir / "half-val_cocoformat.json")
    assert half_val["videos"][0] == {
        "id": 1, "name": a, **seqinfo, "length": 2, "mot_seq_length": 5}  # fmt: skip
    assert half_val["images"] == [_img(1, a, 4, 0, 1), _img(2, a, 5, 1, 1)]
    assert half_val["annotations"] == [
        _ann(1, 1, (12, 10, 20, 30), 1, 1, 1.0, 1, 0.7, False),
        _ann(2, 2, (1, 2, 3, 4), 2, 4, 0.0, 1, 0.5, True),
    ]
    test = _load(ann_dir / "test_cocoformat.json")
    assert [i["file_name"] for i in test["images"]] == [
        "MOT17-01-FRCNN/img1/000001.jpg", "MOT17-01-FRCNN/img1/000002.jpg"]  # fmt: skip
    assert test["annotations"] == []
    assert _load(ann_dir / "half-val_detections.json") == {
        a: {"0": [[5.0, 5.0, 15.0, 15.0, 0.5]]}, b: {}}  # fmt: skip
    assert _load(ann_dir / "train_detections.json")[a] == {
        "0": [[1.0, 2.0, 4.0, 6.0, 0.9]], "3": [[5.0, 5.0, 15.0, 15.0, 0.5]]}  # fmt: skip
    assert _load(ann_dir / "test_detections.json") == {
        "MOT17-01-FRCNN": {"1": [[0.0, 0.0, 2.0, 2.0, 0.3]]}
    }


def test_idempotent_and_input_untouched(mot_root, tmp_path):
    out = tmp_path / "out"
    before = sorted(p for p in mot_root.rglob("*"))
    args = [
        "--input",
        str(mot_root),
        "--benchmark",
        "MOT17",
        "--output-root",
        str(out),
        "--convert-det",
    ]
    _main()(args)
    first = {p: p.read_bytes() for p in out.rglob("*.json")}
    _main()(args)
    assert {p: p.read_bytes() for p in out.rglob("*.json")} == first
    assert len(first) == 8
    assert sorted(p for p in mot_root.rglob("*")) == before


def test_mot20_non_mot_vehicle_is_ignored(tmp_path):
    root = tmp_path / "in"
    _seq(root, "train", "MOT20-01", 2, ["1,1,0,0,2,2,1,6,1.0"])
    _seq(root, "test", "MOT20-04", 1)
    _main()(["--input", str(root), "--benchmark", "MOT20", "--output-root", str(tmp_path)])
    anns = _load(tmp_path / "MOT20" / "annotations" / "train_cocoformat.json")["annotations"]
    assert [(a["mot_class_id"], a["ignore"]) for a in anns] == [(6, True)]
    _main()(["--input", str(root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])
    anns = _load(tmp_path / "MOT17" / "annotations" / "train_cocoformat.json")["annotations"]
    assert [(a["category_id"], a["mot_class_id"], a["ignore"]) for a in anns] == [(6, 6, False)]


def test_mot15_without_seqinfo(tmp_path):
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    root = tmp_path / "in"
    for split, name in (("train", "TUD-Campus"), ("test", "TUD-Crossing")):
        (root / split / name / "img1").mkdir(parents=True)
        for k in (1, 2, 3):
            cv2.imwrite(
                str(root / split / name / "img1" / f"{k:06d}.jpg"), np.zeros((6, 8, 3), np.uint8)
            )
    (root / "train" / "TUD-Campus" / "gt").mkdir()
    gt = "2,5,1,1,2,2,1,-1,-1,-1\n3,6,1,1,2,2,1,7.5,2,0\n"  # 2D row; row with world x, y, z
    (root / "train" / "TUD-Campus" / "gt" / "gt.txt").write_text(gt)
    _main()(["--input", str(root), "--benchmark", "MOT15", "--output-root", str(tmp_path)])
    data = _load(tmp_path / "MOT15" / "annotations" / "train_cocoformat.json")
    assert [(i["height"], i["width"]) for i in data["images"]] == [(6, 8)] * 3
    assert data["videos"] == [
        dict(id=1, name="TUD-Campus", width=8, height=6, length=3, mot_seq_length=3)]  # fmt: skip
    first, world = data["annotations"]
    assert (first["image_id"], first["ignore"], "visibility" in first) == (2, False, False)
    assert "mot_world_xyz" not in first
    assert (world["category_id"], world["mot_class_id"], world["ignore"]) == (1, 1, False)
    assert world["mot_world_xyz"] == [7.5, 2.0, 0.0]


@pytest.mark.parametrize("line", ["1,1,10,10,20,30,1,1", "1,1,10,x,20,30,1,1,1.0"])
def test_malformed_gt_names_file_and_line(mot_root, tmp_path, line):
    gt = mot_root / "train" / "MOT17-04-FRCNN" / "gt" / "gt.txt"
    gt.write_text("1,7,2,3,4,5,1,1,1.0\n" + line + "\n")
    with pytest.raises(InputFileError, match=re.escape(f"{gt}:2: ")):
        _main()(["--input", str(mot_root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])


def test_missing_gt_and_img1(mot_root, tmp_path):
    gt = mot_root / "train" / "MOT17-04-FRCNN" / "gt" / "gt.txt"
    gt.unlink()
    with pytest.raises(InputFileError, match=re.escape(str(gt))):
        _main()(["--input", str(mot_root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])
    (mot_root / "train" / "MOT17-04-FRCNN" / "seqinfo.ini").unlink()
    with pytest.raises(InputFileError, match="img1.*no images"):
        _main()(["--input", str(mot_root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])
    (mot_root / "train" / "MOT17-04-FRCNN" / "img1").rmdir()
    with pytest.raises(InputFileError, match="img1: missing img1 folder"):
        _main()(["--input", str(mot_root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])


def test_loads_through_registered_split(mot_root, tmp_path):
    _main()(["--input", str(mot_root), "--benchmark", "MOT17", "--output-root", str(tmp_path)])
    os.symlink(mot_root / "train", tmp_path / "MOT17" / "train")
    split = BENCHMARK_SPLITS["mot17_half_val"]
    register_benchmark("test_prepare_mot17_half_val", split, root=str(tmp_path))
    dicts = DatasetCatalog.get("test_prepare_mot17_half_val")
    assert [d["frame_id"] for d in dicts] == [0, 1]
    assert dicts[1]["file_name"] == str(
        tmp_path / "MOT17" / "train" / "MOT17-02-FRCNN/img1/000005.jpg"
    )
    assert dicts[1]["mot_frame_id"] == 5
    (ann,) = dicts[1]["annotations"]
    assert (ann["instance_id"], ann["ignore"], ann["mot_instance_id"], ann["category_id"]) == (
        2,
        True,
        4,
        0,
    )
    direct = load_cocovid_json(tmp_path / "MOT17/annotations/train_cocoformat.json", tmp_path)
    assert len(direct) == 7
