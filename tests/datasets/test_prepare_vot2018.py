"""datasets/prepare_vot2018.py on a tiny fabricated VOT2018 tree (quads, tags)."""

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets import BENCHMARK_SPLITS, load_cocovid_json, register_benchmark

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_vot2018.py"


def _main():
    spec = importlib.util.spec_from_file_location("prepare_vot2018", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _sequence(root, name, sub, boxes, tags):
    folder = root / name / sub
    folder.mkdir(parents=True)
    for k in range(len(boxes)):
        cv2.imwrite(str(folder / f"{k + 1:08d}.jpg"), np.zeros((8, 9, 3), np.uint8))
    (root / name / "groundtruth.txt").write_text("".join(f"{b}\n" for b in boxes))
    for tag, values in tags.items():
        (root / name / f"{tag}.tag").write_text("".join(f"{v}\n" for v in values))


@pytest.fixture
def vot(tmp_path):
    root = tmp_path / "data"
    boxes = ["1.7,2.5,4.2,2.5,4.2,5.9,1.7,5.9", "2,0,4,2,2,4,0,2"]
    _sequence(root, "ants1", "color", boxes, {"camera_motion": [1, 0], "occlusion": [1]})
    _sequence(root, "bag", "", ["1,1,2,3"], {"illum_change": [1], "size_change": [0]})
    (root / "list.txt").write_text("ants1\nbag\n")
    return root


def _tags(camera=0, illum=0, motion=0, occlusion=0, size=0):
    return {
        "camera_motion": camera,
        "illum_change": illum,
        "motion_change": motion,
        "occlusion": occlusion,
        "size_change": size,
    }


def test_vot2018_exact_json_and_idempotent(vot, tmp_path):
    out = tmp_path / "out"
    summary = _main()(["--input", str(vot), "--output-root", str(out)])
    assert summary == {"videos": 2, "frames": 3, "instances": 3, "tracks": 2, "ignored": 0}
    path = out / "vot2018/annotations/vot2018_test.json"
    data = json.loads(path.read_text())
    assert data["videos"] == [{"id": 1, "name": "ants1"}, {"id": 2, "name": "bag"}]
    assert data["images"] == [
        {
            "id": 1,
            "file_name": "ants1/color/00000001.jpg",
            "height": 8,
            "width": 9,
            "video_id": 1,
            "frame_id": 0,
        },
        {
            "id": 2,
            "file_name": "ants1/color/00000002.jpg",
            "height": 8,
            "width": 9,
            "video_id": 1,
            "frame_id": 1,
        },
        {
            "id": 3,
            "file_name": "bag/00000001.jpg",
            "height": 8,
            "width": 9,
            "video_id": 2,
            "frame_id": 0,
        },
    ]
    common = {"category_id": 0, "iscrowd": 0}
    assert data["annotations"] == [
        {
            "id": 1,
            "image_id": 1,
            "bbox": [1.7, 2.5, 4.2, 2.5, 4.2, 5.9, 1.7, 5.9],
            "area": pytest.approx(2.5 * 3.4),
        }
        | common
        | _tags(camera=1, occlusion=1)
        | {"instance_id": 1},
        {"id": 2, "image_id": 2, "bbox": [2.0, 0.0, 4.0, 2.0, 2.0, 4.0, 0.0, 2.0], "area": 16.0}
        | common
        | _tags()
        | {"instance_id": 1},
        {"id": 3, "image_id": 3, "bbox": [1.0, 1.0, 3.0, 1.0, 3.0, 4.0, 1.0, 4.0], "area": 6.0}
        | common
        | _tags(illum=1)
        | {"instance_id": 2},
    ]
    first = path.read_bytes()
    _main()(["--input", str(vot), "--output-root", str(out)])
    assert path.read_bytes() == first


def test_vot2018_malformed_inputs_name_file_and_line(vot, tmp_path):
    gt = vot / "ants1" / "groundtruth.txt"
    gt.write_text("1,2,3,4,5,6,7,8\n1,2,3,4,5,6\n")
    with pytest.raises(SystemExit, match=rf"{gt}:2: expected \(4, 8\) values"):
        _main()(["--input", str(vot), "--output-root", str(tmp_path / "out")])
    gt.write_text("1,2,3,4,5,6,7,8\n1,2,3,4,5,6,7,8\n")
    tag = vot / "ants1" / "occlusion.tag"
    tag.write_text("0\n1\n1\n")
    with pytest.raises(SystemExit, match=rf"{tag}: 3 tags for 2 frames"):
        _main()(["--input", str(vot), "--output-root", str(tmp_path / "out")])


def test_vot2018_loads_through_registered_split(vot, tmp_path):
    out = tmp_path / "vot_out"
    _main()(["--input", str(vot), "--output-root", str(out)])
    dicts = load_cocovid_json(out / "vot2018/annotations/vot2018_test.json", vot)
    assert dicts[1]["annotations"][0]["bbox"] == [0.0, 0.0, 4.0, 4.0]
    register_benchmark("test_prepare_vot2018", BENCHMARK_SPLITS["vot2018_test"], root=str(out))
    dicts = DatasetCatalog.get("test_prepare_vot2018")
    ann = dicts[0]["annotations"][0]
    assert ann["quad"] == [1.7, 2.5, 4.2, 2.5, 4.2, 5.9, 1.7, 5.9]
    assert ann["bbox"] == pytest.approx([1.7, 2.5, 2.5, 3.4])  # float corners, not truncated
    assert ann["camera_motion"] == 1 and ann["illum_change"] == 0 and ann["occlusion"] == 1
    assert dicts[2]["file_name"] == str(out / "vot2018/data/bag/00000001.jpg")
