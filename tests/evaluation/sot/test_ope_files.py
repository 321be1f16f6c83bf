import numpy as np
import pytest

from d2track.evaluation.sot import evaluate_sot_files
from d2track.evaluation.sot.ope_metrics import evaluate_ope
from d2track.utils.input_files import InputFileError
from d2track.utils.testing import csv_lines as lines
from d2track.utils.testing import write_text_file as write

SOT_GT = {"a": [[0, 0, 10, 10], [2, 2, 10, 10], [4, 4, 10, 10]], "b": [[5, 5, 4, 4]]}
SOT_RES = {"a": [[0, 0, 10, 10], [2, 2, 10, 5], [40, 40, 10, 10]], "b": [[5, 5, 4, 4]]}


def sot_layout(root, gts=SOT_GT, results=SOT_RES):
    for name, boxes in gts.items():
        write(root / "gt" / f"{name}.txt", lines(boxes))
    for name, boxes in results.items():
        write(root / "res" / f"{name}.txt", lines(boxes))
    return root / "gt", root / "res"


def test_sot_files_equal_evaluate_ope_and_hand_values(tmp_path):
    gt_dir, res_dir = sot_layout(tmp_path)
    out = evaluate_sot_files(gt_dir, res_dir)
    ref = evaluate_ope(
        {k: np.array(v, float) for k, v in SOT_RES.items()},
        {k: np.array(v, float) for k, v in SOT_GT.items()},
    )
    assert out["success"] == ref["success"] and out["precision"] == ref["precision"]
    assert out["curves"]["success"] == ref["curves"]["success"].tolist()
    # one-frame video "b" with an exact box: IoU 1 beats 20 of the 21 thresholds (not t = 1)
    assert out["per_video"]["b"]["success"] == pytest.approx(100 * 20 / 21, abs=1e-9)
    assert out["per_video"]["b"]["precision"] == 100.0
    # "a": IoU 1, 0.5, 0 -> precision frames 1, 2 (centre errors 0, 2.5 px), frame 3 is 36 px away
    assert out["per_video"]["a"]["precision"] == pytest.approx(100 * 2 / 3, abs=1e-9)
    assert out["ignored_results"] == [] and out["protocol"] == "mmtracking"


def test_sot_visibility_and_lasot(tmp_path):
    gt_dir, res_dir = sot_layout(tmp_path)
    write(tmp_path / "vis" / "a.txt", "1\n1\n0\n")
    write(tmp_path / "vis" / "b.txt", "1\n")
    out = evaluate_sot_files(gt_dir, res_dir, visible_dir=tmp_path / "vis", protocol="lasot")
    visible = {"a": np.array([True, True, False]), "b": np.array([True])}
    ref = evaluate_ope(
        {k: np.array(v, float) for k, v in SOT_RES.items()},
        {k: np.array(v, float) for k, v in SOT_GT.items()},
        visible=visible,
        protocol="lasot",
    )
    assert out["norm_precision"] == ref["norm_precision"] and out["success"] == ref["success"]
    assert out["reference"].startswith("LaSOT")
    write(tmp_path / "vis" / "a.txt", "1\n1\n")
    with pytest.raises(InputFileError, match=r"vis/a.txt: 2 flags for the 3 frames"):
        evaluate_sot_files(gt_dir, res_dir, visible_dir=tmp_path / "vis")


def test_sot_errors_name_file_and_line(tmp_path):
    gt_dir, res_dir = sot_layout(tmp_path, results={"a": SOT_RES["a"], "c": [[1, 1, 1, 1]]})
    with pytest.raises(InputFileError, match=r"res/b.txt: missing results of video b"):
        evaluate_sot_files(gt_dir, res_dir)
    write(res_dir / "b.txt", "5,5,4,4\n")
    assert evaluate_sot_files(gt_dir, res_dir)["ignored_results"] == ["c"]
    write(res_dir / "b.txt", "5,5,4,4\n5,5,4,4\n")
    with pytest.raises(InputFileError, match=r"res/b.txt: 2 lines for the 1 frames"):
        evaluate_sot_files(gt_dir, res_dir)
    write(res_dir / "a.txt", "0,0,10,10\n1,x,3,4\n4,4,10,10\n")
    with pytest.raises(InputFileError, match=r"res/a.txt:2: non-numeric"):
        evaluate_sot_files(gt_dir, res_dir)
    write(gt_dir / "a.txt", "")
    with pytest.raises(InputFileError, match=r"gt/a.txt: no boxes"):
        evaluate_sot_files(gt_dir, res_dir)
