import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.converters.youtube_vis import convert_split
from d2track.data.datasets.builtin import BENCHMARK_SPLITS, register_benchmark
from d2track.data.datasets.builtin_meta import YTVIS_2019_CATEGORIES, YTVIS_2021_CATEGORIES
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).parents[2] / "datasets" / "prepare_youtube_vis.py"
POLYGON = [[1.0, 1.0, 3.0, 1.0, 3.0, 3.0, 1.0, 3.0]]
RAW_RLE = {"size": [4, 6], "counts": [5, 4, 15]}


def _script():
    spec = importlib.util.spec_from_file_location("prepare_youtube_vis", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compressed_rle():
    mask = np.zeros((3, 5), np.uint8)
    mask[1:3, 2:4] = 1
    rle = mask_util.encode(np.asfortranarray(mask))
    return {"size": rle["size"], "counts": rle["counts"].decode()}


def _official(version):
    person, last = (1, 40) if version == "2019" else (26, 40)
    categories = [
        dict(c, supercategory=f"super{c['id']}")
        for c in _categories(version)
        if c["id"] in (person, last)
    ]
    videos = [
        {
            "id": 1,
            "width": 6,
            "height": 4,
            "length": 2,
            "file_names": ["a/00000.jpg", "a/00005.jpg"],
            **VIDEO_EXTRA,
        },
        {
            "id": 2,
            "width": 5,
            "height": 3,
            "length": 2,
            "file_names": ["b/00000.jpg", "b/00005.jpg"],
        },
    ]
    tracks = [
        {"id": 9, "video_id": 2, "category_id": last, "iscrowd": 0, "bboxes": [None, [2, 1, 2, 2]],
         "segmentations": [None, _compressed_rle()], "areas": [None, 4]},
        {"id": 7, "video_id": 1, "category_id": person, "iscrowd": 0,
         "bboxes": [[1, 1, 2, 2], [0, 1, 1, 4]], "segmentations": [POLYGON, RAW_RLE]},
    ]  # fmt: skip
    return {"info": INFO, "licenses": LICENSES, "videos": videos, "categories": categories,
            "annotations": tracks}  # fmt: skip


INFO = {"description": "YouTube-VOS", "version": "1.0", "year": 2019}
LICENSES = [{"id": 1, "name": "Creative Commons Attribution 4.0 License"}]
VIDEO_EXTRA = {"license": 1, "coco_url": "", "flickr_url": "", "date_captured": "2019-04-11"}


def _categories(version):
    return YTVIS_2019_CATEGORIES if version == "2019" else YTVIS_2021_CATEGORIES


def _make_tree(root, version):
    data = _official(version)
    for split in ("train", "valid"):
        if split == "valid":
            data = dict(data, annotations=[])
        json_path = root / (f"{split}.json" if version == "2019" else f"{split}/instances.json")
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(data))
        for video in data["videos"]:
            for name in video["file_names"]:
                path = root / split / "JPEGImages" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), np.zeros((video["height"], video["width"], 3), np.uint8))
    return root


def _expected_train(version):
    person, last = (1, 40) if version == "2019" else (26, 40)
    frames = [("a", 0, 4, 6), ("a", 5, 4, 6), ("b", 0, 3, 5), ("b", 5, 3, 5)]
    images = [
        {"id": k + 1, "file_name": f"{v}/0000{f}.jpg", "height": h, "width": w,
         "video_id": int(v == "b") + 1, "frame_id": int(f == 5)}
        for k, (v, f, h, w) in enumerate(frames)
    ]  # fmt: skip
    anns = [
        (1, person, [1.0, 1.0, 2.0, 2.0], 4.0, 1, POLYGON),
        (2, person, [0.0, 1.0, 1.0, 4.0], 4.0, 1, RAW_RLE),
        (4, last, [2.0, 1.0, 2.0, 2.0], 4.0, 2, _compressed_rle()),
    ]
    keys = ("image_id", "category_id", "bbox", "area", "instance_id", "segmentation")
    annotations = [{"id": k + 1, **dict(zip(keys, a)), "iscrowd": 0} for k, a in enumerate(anns)]
    videos = [
        {"id": 1, "name": "a", **VIDEO_EXTRA, "ytvis_video_id": 1, "length": 2, "width": 6,
         "height": 4},
        {"id": 2, "name": "b", "ytvis_video_id": 2, "length": 2, "width": 5, "height": 3},
    ]  # fmt: skip
    categories = [
        dict(c, supercategory=f"super{c['id']}") if c["id"] in (person, last) else c
        for c in _categories(version)
    ]
    return {
        "info": INFO,
        "licenses": LICENSES,
        "categories": categories,
        "images": images,
        "annotations": annotations,
        "videos": videos,
    }


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_convert_exact_and_idempotent(tmp_path, version):
    root, out = _make_tree(tmp_path / "in", version), tmp_path / "out"
    argv = ["--input", str(root), "--version", version, "--output-root", str(out)]
    summaries = _script().main(argv + ["--splits", "train", "valid"])
    assert summaries["train"] == {
        "videos": 2,
        "frames": 4,
        "instances": 3,
        "tracks": 2,
        "ignored": 0,
    }
    ann_dir = out / f"youtube_vis_{version}" / "annotations"
    train = json.loads((ann_dir / f"youtube_vis_{version}_train.json").read_text())
    assert train == _expected_train(version)
    assert len(train["categories"]) == 40  # every class, even those without objects
    valid = json.loads((ann_dir / f"youtube_vis_{version}_valid.json").read_text())
    assert valid == dict(_expected_train(version), annotations=[])
    before = [p.read_bytes() for p in sorted(ann_dir.iterdir())]
    _script().main(argv + ["--splits", "train", "valid"])
    assert [p.read_bytes() for p in sorted(ann_dir.iterdir())] == before


def test_loads_through_registered_split(tmp_path):
    root, out = _make_tree(tmp_path / "in", "2021"), tmp_path / "out"
    _script().main(["--input", str(root), "--version", "2021", "--output-root", str(out),
                    "--splits", "train"])  # fmt: skip
    name = "test_prepare_youtube_vis_2021_train"
    register_benchmark(name, BENCHMARK_SPLITS["ytvis_2021_train"], root=str(out))
    dicts = DatasetCatalog.get(name)
    assert [(d["video_id"], d["frame_id"], len(d["annotations"])) for d in dicts] == [
        (1, 0, 1),
        (1, 1, 1),
        (2, 0, 0),
        (2, 1, 1),
    ]
    assert dicts[0]["file_name"] == str(out / "youtube_vis_2021/train/JPEGImages/a/00000.jpg")
    objs = [a for d in dicts for a in d["annotations"]]
    assert [(a["category_id"], a["instance_id"]) for a in objs] == [(25, 1), (25, 1), (39, 2)]
    assert isinstance(objs[1]["segmentation"]["counts"], bytes)  # raw RLE compressed on load


def test_malformed_track_names_file_and_record(tmp_path):
    root = _make_tree(tmp_path / "in", "2019")
    data = json.loads((root / "train.json").read_text())
    data["annotations"][1]["bboxes"].append(None)
    (root / "train.json").write_text(json.dumps(data))
    message = r"train\.json: annotations\[1\] \(id=7\): bboxes is not a list of 2"
    with pytest.raises(InputFileError, match=message):
        convert_split(str(root), "2019", "train", str(tmp_path / "x.json"))
    argv = ["--input", str(root), "--version", "2019", "--output-root", str(tmp_path)]
    with pytest.raises(SystemExit, match=message):
        _script().main(argv + ["--splits", "train"])
    with pytest.raises(SystemExit, match=r"test\.json: missing"):  # checked before any writing
        _script().main(argv)
    assert not (tmp_path / "youtube_vis_2019").exists()


def test_missing_frame_and_wrong_category_are_reported(tmp_path):
    root = _make_tree(tmp_path / "in", "2019")
    (root / "train" / "JPEGImages" / "b" / "00005.jpg").unlink()
    with pytest.raises(InputFileError, match=r"b/00005\.jpg: missing frame of video 2"):
        convert_split(str(root), "2019", "train", str(tmp_path / "x.json"))
    data = json.loads((root / "valid.json").read_text())
    data["categories"][0]["name"] = "human"
    (root / "valid.json").write_text(json.dumps(data))
    with pytest.raises(InputFileError, match=r"categories\[0\] \(id=1\): name 'human'"):
        convert_split(str(root), "2019", "valid", str(tmp_path / "x.json"))
