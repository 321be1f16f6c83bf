"""datasets/prepare_imagenet_vid.py on a fabricated ILSVRC2015 VID tree."""

import importlib.util
import json
from pathlib import Path

import pytest
from detectron2.data import DatasetCatalog

from d2track.data.datasets.builtin import BENCHMARK_SPLITS, register_benchmark
from d2track.data.datasets.builtin_meta import IMAGENET_VID_CATEGORIES
from d2track.utils.input_files import InputFileError

SCRIPT = Path(__file__).resolve().parents[2] / "datasets" / "prepare_imagenet_vid.py"
V0 = "train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000"
V1 = "train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000001"
VAL = "val/ILSVRC2015_val_00000000"
TRAIN_LIST = f"{V0} 1 0 3\n{V0} 1 2 3\n{V1} 1 1 3\n"  # 0-based frames: V0 0 and 2, V1 1


def _main():
    spec = importlib.util.spec_from_file_location("prepare_imagenet_vid", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def write_xml(path, objects, width=64, height=48):
    """objects: (wnid, trackid, (xmin, ymin, xmax, ymax), occluded, generated)."""
    body = "".join(
        f"<object><trackid>{t}</trackid><name>{n}</name><bndbox><xmax>{b[2]}</xmax>"
        f"<xmin>{b[0]}</xmin><ymax>{b[3]}</ymax><ymin>{b[1]}</ymin></bndbox>"
        f"<occluded>{o}</occluded><generated>{g}</generated></object>"
        for n, t, b, o, g in objects
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<annotation><folder>x</folder><size><width>{width}</width>"
        f"<height>{height}</height></size>{body}</annotation>"
    )


def make_tree(root):
    ann = root / "Annotations" / "VID"
    for f in range(3):  # V0: airplane (track 0) moves; zebra (track 1) only in frame 1
        objs = [("n02691156", 0, (10 + 5 * f, 20, 50 + 5 * f, 60), 0, 0)]
        objs += [("n02391049", 1, (1, 2, 4, 8), 1, 1)] if f == 1 else []
        write_xml(ann / V0 / f"{f:06d}.xml", objs)
        # V1: dog, track 0 again (a new global instance), gone in frame 2
        write_xml(ann / V1 / f"{f:06d}.xml", [("n02084071", 0, (0, 0, 30, 40), 0, 0)][: int(f < 2)])
    for f in range(2):
        write_xml(ann / VAL / f"{f:06d}.xml", [("n02958343", 3, (5, 6, 7, 9), 0, 0)], 80, 60)
    (root / "Lists").mkdir()
    (root / "Lists" / "VID_train_15frames.txt").write_text(TRAIN_LIST)
    (root / "Lists" / "VID_val_videos.txt").write_text(f"{VAL} 1 0 2\n")
    return root


def _image(i, video, frame, train, video_id, w=64, h=48):
    name = (V0, V1, VAL)[video]
    return {
        "id": i,
        "file_name": f"{name}/{frame:06d}.JPEG",
        "height": h,
        "width": w,
        "is_vid_train_frame": train,
        "video_id": video_id,
        "frame_id": frame,
    }


def _ann(i, image_id, cat, bbox, instance, occluded=False, generated=False):
    area = float(bbox[2] * bbox[3])
    out = {"id": i, "image_id": image_id, "category_id": cat, "bbox": [float(v) for v in bbox]}
    out.update(area=area, iscrowd=0, occluded=occluded, generated=generated, instance_id=instance)
    return out


EXPECTED_TRAIN = {
    "categories": [dict(c, encode_name=c["wnid"]) for c in IMAGENET_VID_CATEGORIES],
    "images": [_image(1, 0, 0, True, 1), _image(2, 0, 1, False, 1), _image(3, 0, 2, True, 1)]
    + [_image(4, 1, 0, False, 2), _image(5, 1, 1, True, 2), _image(6, 1, 2, False, 2)],
    "annotations": [
        _ann(1, 1, 1, [10, 20, 40, 40], 1),
        _ann(2, 2, 1, [15, 20, 40, 40], 1),
        _ann(3, 2, 30, [1, 2, 3, 6], 2, True, True),
        _ann(4, 3, 1, [20, 20, 40, 40], 1),
        _ann(5, 4, 9, [0, 0, 30, 40], 3),
        _ann(6, 5, 9, [0, 0, 30, 40], 3),
    ],
    "videos": [
        {"id": 1, "name": V0, "vid_train_frames": [0, 2]},
        {"id": 2, "name": V1, "vid_train_frames": [1]},
    ],
}
EXPECTED_VAL = {
    "categories": [dict(c, encode_name=c["wnid"]) for c in IMAGENET_VID_CATEGORIES],
    "images": [_image(1, 2, 0, False, 1, 80, 60), _image(2, 2, 1, False, 1, 80, 60)],
    "annotations": [_ann(1, 1, 7, [5, 6, 2, 3], 1), _ann(2, 2, 7, [5, 6, 2, 3], 1)],
    "videos": [{"id": 1, "name": VAL, "vid_train_frames": []}],
}


@pytest.fixture
def converted(tmp_path):
    root, out = make_tree(tmp_path / "ILSVRC"), tmp_path / "out"
    summaries = _main()(["--input", str(root), "--output-root", str(out)])
    return root, out, summaries


def test_exact_json_and_train_frames(converted):
    _, out, summaries = converted
    for split, expected in (("train", EXPECTED_TRAIN), ("val", EXPECTED_VAL)):
        path = out / "ILSVRC" / "annotations" / f"imagenet_vid_{split}.json"
        assert json.loads(path.read_text()) == expected
    assert summaries["train"] == {
        "videos": 2,
        "frames": 6,
        "instances": 6,
        "tracks": 3,
        "ignored": 0,
    }
    assert summaries["val"] == {"videos": 1, "frames": 2, "instances": 2, "tracks": 1, "ignored": 0}


def test_idempotent(converted, capsys):
    root, out, _ = converted
    paths = [out / "ILSVRC" / "annotations" / f"imagenet_vid_{s}.json" for s in ("train", "val")]
    before = [p.read_bytes() for p in paths]
    _main()(["--input", str(root), "--output-root", str(out)])
    assert [p.read_bytes() for p in paths] == before
    assert "classes without objects: antelope" in capsys.readouterr().out  # no crash on them


def test_loads_through_registered_split(converted):
    _, out, _ = converted
    register_benchmark(
        "test_prepare_imagenet_vid_train", BENCHMARK_SPLITS["imagenet_vid_train"], root=str(out)
    )
    dicts = DatasetCatalog.get("test_prepare_imagenet_vid_train")
    assert [d["is_vid_train_frame"] for d in dicts] == [True, False, True, False, True, False]
    assert dicts[1]["file_name"] == str(out / "ILSVRC" / "Data" / "VID" / V0 / "000001.JPEG")
    zebra = dicts[1]["annotations"][1]
    assert (zebra["category_id"], zebra["instance_id"], zebra["occluded"]) == (29, 2, True)
    assert [len(d["annotations"]) for d in dicts] == [1, 2, 1, 1, 1, 0]


def _convert(root, out):
    _main()(["--input", str(root), "--output-root", str(out), "--splits", "train"])


def test_list_line_with_missing_annotation_folder(tmp_path):
    root = make_tree(tmp_path / "ILSVRC")
    lst = root / "Lists" / "VID_train_15frames.txt"
    lst.write_text(TRAIN_LIST + f"{V1}x 1 0 3\n")
    with pytest.raises(InputFileError, match=rf"{lst}:4: annotation folder .*{V1}x"):
        _convert(root, tmp_path / "out")
    lst.write_text(TRAIN_LIST + f"{V1} 1 three 3\n")
    with pytest.raises(InputFileError, match=rf"{lst}:4: expected integer"):
        _convert(root, tmp_path / "out")
    lst.write_text(TRAIN_LIST + f"{V1} 1 3 3\n")
    with pytest.raises(InputFileError, match=rf"{lst}:4: frame 3 not in \[0, 3\)"):
        _convert(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_malformed_or_missing_xml_and_list(tmp_path):
    root = make_tree(tmp_path / "ILSVRC")
    xml = root / "Annotations" / "VID" / V1 / "000001.xml"
    xml.write_text("<annotation>\n<size><width>3</width>\n</annotation>")
    with pytest.raises(InputFileError, match=rf"{xml}:3: malformed xml"):
        _convert(root, tmp_path / "out")
    xml.write_text("<annotation><size><width>3</width></size></annotation>")
    with pytest.raises(InputFileError, match=rf"{xml}: malformed xml: <size> has no <height>"):
        _convert(root, tmp_path / "out")
    xml.unlink()
    with pytest.raises(InputFileError, match=rf"{xml}: missing annotation xml"):
        _convert(root, tmp_path / "out")
    (root / "Lists" / "VID_train_15frames.txt").unlink()
    with pytest.raises(InputFileError, match="VID_train_15frames.txt: missing file"):
        _convert(root, tmp_path / "out")
