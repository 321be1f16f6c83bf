import logging

from detectron2.evaluation import DatasetEvaluator, DatasetEvaluators

from d2track.evaluation.mot.evaluator import mot_undefined_reasons
from d2track.evaluation.undefined import (
    UNKNOWN_REASON,
    collect_undefined_reasons,
    undefined_notes,
)
from d2track.evaluation.vid.evaluator import vid_undefined_reasons

NAN = float("nan")


class _Recorder(DatasetEvaluator):
    def __init__(self, reasons):
        self.undefined_reasons = reasons


def test_notes_name_every_non_finite_metric_with_its_reason():
    results = {"bbox": {"AP": 1.0, "AP_s": NAN}, "mot": {"MOTA": -float("inf")}, "x": NAN}
    reasons = {"bbox": {"AP_s": "no small box"}}
    assert undefined_notes(results, reasons) == [
        "bbox/AP_s: undefined (no small box)",
        f"mot/MOTA: undefined ({UNKNOWN_REASON})",
        f"x: undefined ({UNKNOWN_REASON})",
    ]
    assert undefined_notes({"bbox": {"AP": 1.0}}) == []


def test_reasons_collected_from_dataset_evaluators():
    both = DatasetEvaluators(
        [_Recorder({"bbox": {"AP_s": "a"}}), _Recorder({"mot": {"MOTA": "b"}}), DatasetEvaluator()]
    )
    assert collect_undefined_reasons(both) == {"bbox": {"AP_s": "a"}, "mot": {"MOTA": "b"}}
    assert collect_undefined_reasons(_Recorder({"t": {"m": "c"}})) == {"t": {"m": "c"}}
    assert collect_undefined_reasons(logging) == {}


def test_vid_and_mot_reasons():
    vid = vid_undefined_reasons({"bbox_mAP": 10.0, "bbox_mAP_s": NAN, "AP-car": NAN})
    assert vid == {
        "bbox_mAP_s": "no small ground-truth box (area < 32^2) in the evaluated frames",
        "AP-car": "no ground-truth box of this category in the evaluated frames",
    }
    mot = mot_undefined_reasons({"MOTA": -float("inf"), "MOTP": NAN, "IDSW": 0, "IDF1": 50.0})
    assert set(mot) == {"MOTA", "MOTP"} and "x/0" in mot["MOTA"] and "0/0" in mot["MOTP"]
