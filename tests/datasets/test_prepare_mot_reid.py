import importlib.util
import os
import random
import re

import cv2
import numpy as np
import pytest

from d2track.data.converters.mot_reid import reid_sequences
from d2track.utils.input_files import InputFileError

_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "prepare_mot_reid.py")
SEQINFO = "[Sequence]\nname={}\nseqLength={}\nimWidth=64\nimHeight=48\nimExt=.jpg\n"
# frame, id, x, y, w, h, considered, class, visibility
GT_02 = (
    [f"{k},1,10,10,20,30,1,1,1.0" for k in range(1, 6)]  # 5 crops, subsampled to 3
    + ["1,2,50,40,30,30,1,1,0.9", "2,2,0,0,8,6,1,1,0.9"]  # clipped at the border
    + ["1,3,0,0,4,4,1,1,0.9", "2,3,0,0,4,4,1,1,0.1", "3,3,0,0,4,4,1,1,0.1"]  # 1 visible: dropped
    + ["1,4,0,0,4,4,1,7,1.0", "2,4,0,0,4,4,1,7,1.0"]  # static person: not a pedestrian
    + ["1,5,0,0,4,4,0,1,1.0", "2,5,0,0,4,4,0,1,1.0"]  # not considered
)
GT_04 = ["1,1,5,5,10,10,1,1,1.0", "2,1,5,5,10,10,1,1,1.0"]


def _main():
    spec = importlib.util.spec_from_file_location("prepare_mot_reid", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _seq(root, name, length, gt):
    seq = root / "train" / name
    (seq / "img1").mkdir(parents=True)
    (seq / "gt").mkdir()
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name, length))
    (seq / "gt" / "gt.txt").write_text("\n".join(gt) + "\n")
    for k in range(1, length + 1):
        cv2.imwrite(str(seq / "img1" / f"{k:06d}.jpg"), np.full((48, 64, 3), 10 * k, np.uint8))


@pytest.fixture
def mot_root(tmp_path):
    root = tmp_path / "in"  # no "MOT17" in the path: copies are told by the sequence name
    _seq(root, "MOT17-02-FRCNN", 5, GT_02)
    for copy in ("DPM", "SDP"):
        _seq(root, f"MOT17-02-{copy}", 2, ["1,9,0,0,4,4,1,1,1.0", "2,9,0,0,4,4,1,1,1.0"])
    _seq(root, "MOT17-04-FRCNN", 2, GT_04)
    return root


def _run(root, out, *extra):
    args = ["--input", str(root), "--output", str(out), "--min-per-person", "2"]
    return _main()(args + ["--max-per-person", "3", "--val-split", "0.3", *extra])


def test_crops_and_lists(mot_root, tmp_path):
    out = tmp_path / "reid"
    result = _run(mot_root, out)
    assert result["train"] == ["MOT17-02-FRCNN_000001", "MOT17-02-FRCNN_000002"]
    assert result["val"] == ["MOT17-04-FRCNN_000001"]
    kept = [k + 1 for k in sorted(random.Random(0).sample(range(5), 3))]
    a, b = "imgs/MOT17-02-FRCNN_000001", "imgs/MOT17-02-FRCNN_000002"
    expected = [f"{a}/{f:06d}.jpg 0" for f in kept] + [f"{b}/000001.jpg 1", f"{b}/000002.jpg 1"]
    assert (out / "meta" / "train_70.txt").read_text().splitlines() == expected
    assert (out / "meta" / "val_30.txt").read_text().splitlines() == [
        "imgs/MOT17-04-FRCNN_000001/000001.jpg 0",
        "imgs/MOT17-04-FRCNN_000001/000002.jpg 0",
    ]
    files = sorted(str(p.relative_to(out)) for p in (out / "imgs").rglob("*.jpg"))
    assert len(files) == result["crops"] == 7
    assert cv2.imread(str(out / a / f"{kept[0]:06d}.jpg")).shape == (30, 20, 3)
    assert cv2.imread(str(out / b / "000001.jpg")).shape == (8, 14, 3)  # clipped to 64x48
    assert cv2.imread(str(out / b / "000002.jpg")).shape == (6, 8, 3)


def test_idempotent(mot_root, tmp_path):
    out = tmp_path / "reid"
    _run(mot_root, out)
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _run(mot_root, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_reid_sequences_keep_one_copy(tmp_path):
    for name in ("MOT17-02-DPM", "MOT17-02-FRCNN", "MOT17-02-SDP", "MOT20-01", "TUD-Campus"):
        (tmp_path / "train" / name).mkdir(parents=True)
    assert reid_sequences(str(tmp_path)) == ["MOT17-02-FRCNN", "MOT20-01", "TUD-Campus"]


def test_malformed_gt_names_file_and_line(mot_root, tmp_path):
    gt = mot_root / "train" / "MOT17-04-FRCNN" / "gt" / "gt.txt"
    gt.write_text("1,1,5,5,10,10,1,1,1.0\n2,1,5,5\n")
    with pytest.raises(InputFileError, match=re.escape(f"{gt}:2: ")):
        _run(mot_root, tmp_path / "reid")


def test_train_txt_lists_every_identity(mot_root, tmp_path):
    out = tmp_path / "reid"
    result = _run(mot_root, out)
    train = (out / "meta" / "train_70.txt").read_text().splitlines()
    every = (out / "meta" / "train.txt").read_text().splitlines()
    assert every == train + [  # val identities follow with the next labels, as in MMTracking
        "imgs/MOT17-04-FRCNN_000001/000001.jpg 2",
        "imgs/MOT17-04-FRCNN_000001/000002.jpg 2",
    ]
    assert result["lists"][2] == str(out / "meta" / "train.txt")
