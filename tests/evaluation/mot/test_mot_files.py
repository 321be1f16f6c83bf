import json
import re

import pytest

from d2track.evaluation.mot import evaluate_mot_files
from d2track.evaluation.mot.data import load_trackeval_layout, preprocess_sequence
from d2track.evaluation.mot.metrics import evaluate_mot
from d2track.utils.input_files import InputFileError
from d2track.utils.testing import csv_lines as lines
from d2track.utils.testing import write_text_file as write


def mot_layout(root, sequences):
    """sequences: {name: (gt_rows, result_rows, length)}."""
    for name, (gt, res, length) in sequences.items():
        write(root / "gt" / name / "gt" / "gt.txt", lines(gt))
        write(root / "gt" / name / "seqinfo.ini", f"[Sequence]\nseqLength={length}\n")
        write(root / "res" / f"{name}.txt", lines(res))
    return root / "gt", root / "res"


MOT_GT = [
    [1, 1, 0, 0, 10, 10, 1, 1, 1],
    [2, 1, 0, 0, 10, 10, 1, 1, 1],
    [2, 2, 20, 0, 10, 10, 1, 1, 1],
]
MOT_RES = [[1, 5, 0, 0, 10, 10, 0.9], [2, 5, 1, 0, 10, 10, 0.9]]


def test_mot_files_equal_the_metric_modules(tmp_path):
    gt_dir, res_dir = mot_layout(tmp_path, {"s": (MOT_GT, MOT_RES, 2)})
    write(res_dir / "extra.txt", "")
    out = evaluate_mot_files(gt_dir, res_dir, benchmark="MOT17")
    datas = {
        n: preprocess_sequence(s, benchmark="MOT17")
        for n, s in load_trackeval_layout(gt_dir, res_dir).items()
    }
    ref = evaluate_mot(datas)
    assert out["combined"] == ref["combined"] and out["per_sequence"] == ref["per_sequence"]
    # hand-computed: frame 1 TP, frame 2 one TP (IoU 9/11) + one FN
    assert (out["combined"]["CLR_TP"], out["combined"]["CLR_FN"], out["combined"]["CLR_FP"]) == (
        2,
        1,
        0,
    )
    assert out["combined"]["MOTA"] == pytest.approx(2 / 3, abs=1e-12)
    assert out["ignored_results"] == ["extra"]
    assert out["reference"].startswith("TrackEval") and out["benchmark"] == "MOT17"
    json.dumps(out)  # JSON-ready


def test_mot_motmetrics_convention_and_errors(tmp_path):
    gt_dir, res_dir = mot_layout(tmp_path, {"s": (MOT_GT, MOT_RES, 2)})
    out = evaluate_mot_files(gt_dir, res_dir, convention="motmetrics")
    assert out["convention"] == "motmetrics" and out["reference"].startswith("py-motmetrics")
    assert out["combined"]["MOTP"] == pytest.approx((0 + 2 / 11) / 2, abs=1e-12)
    with pytest.raises(ValueError, match="benchmark must be one of"):
        evaluate_mot_files(gt_dir, res_dir, benchmark="MOT99")
    (res_dir / "s.txt").unlink()
    with pytest.raises(InputFileError, match=re.escape(str(res_dir / "s.txt"))):
        evaluate_mot_files(gt_dir, res_dir)


def test_mot_empty_results_and_preprocessing_switch(tmp_path):
    gt_dir, res_dir = mot_layout(tmp_path, {"s": (MOT_GT, [], 2)})
    out = evaluate_mot_files(gt_dir, res_dir)
    combined = out["combined"]
    assert (combined["CLR_TP"], combined["CLR_FN"], combined["CLR_FP"]) == (0, 3, 0)
    assert combined["MOTA"] == 0.0 and combined["HOTA"] == 0.0 and combined["IDF1"] == 0.0
    # a static_person (class 7) gt box: its matching result is removed only when preprocessing
    gt = [[1, 1, 0, 0, 10, 10, 1, 1, 1], [1, 2, 50, 50, 10, 10, 1, 7, 1]]
    res = [[1, 1, 0, 0, 10, 10, 0.9], [1, 2, 50, 50, 10, 10, 0.9]]
    gt_dir, res_dir = mot_layout(tmp_path / "d", {"s": (gt, res, 1)})
    kept = evaluate_mot_files(gt_dir, res_dir)["combined"]
    assert (kept["CLR_TP"], kept["CLR_FP"], kept["CLR_FN"]) == (1, 0, 0)
    raw = evaluate_mot_files(gt_dir, res_dir, do_preproc=False)
    assert raw["do_preproc"] is False
    assert (raw["combined"]["CLR_TP"], raw["combined"]["CLR_FP"]) == (2, 0)
