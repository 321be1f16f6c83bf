import json
import math

import pytest

from d2track.evaluation.vid import evaluate_vid_files
from d2track.utils.input_files import InputFileError
from d2track.utils.testing import write_text_file as write

VID_GT = {
    "videos": [{"id": 1, "name": "v"}],
    "images": [
        {"id": 1, "video_id": 1, "frame_id": 0, "height": 100, "width": 100},
        {"id": 2, "video_id": 1, "frame_id": 1, "height": 100, "width": 100},
    ],
    "categories": [{"id": 3, "name": "car"}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 3, "bbox": [10, 10, 20, 20], "instance_id": 1},
        {"id": 2, "image_id": 2, "category_id": 3, "bbox": [12, 10, 20, 20], "instance_id": 1},
    ],
}


def test_vid_hand_computed_and_max_dets(tmp_path):
    gt_path = write(tmp_path / "gt.json", json.dumps(VID_GT))
    dets = [
        {"image_id": 1, "category_id": 3, "bbox": [10, 10, 20, 20], "score": 0.9},
        {"image_id": 2, "category_id": 3, "bbox": [60, 60, 20, 20], "score": 0.8},
    ]
    res_path = write(tmp_path / "dets.json", json.dumps(dets))
    out = evaluate_vid_files(gt_path, res_path, per_category=True)
    # 1 of 2 gt found by the top detection, the FP ranks last: AP = 0.5 on the 101-point grid
    assert out["bbox_mAP"] == pytest.approx(100 * 51 / 101, abs=1e-9)
    assert out["bbox_mAP_50"] == out["bbox_mAP_75"] == out["bbox_mAP"]
    assert out["bbox_mAP_s"] == out["bbox_mAP"] and math.isnan(out["bbox_mAP_l"])
    assert out["AP-car"] == out["bbox_mAP"] and out["max_dets"] == [100, 300, 1000]
    d2 = evaluate_vid_files(gt_path, res_path, max_dets="detectron2")
    assert d2["bbox_mAP"] == out["bbox_mAP"] and d2["reference"].startswith("Detectron2")
    write(res_path, "[]")
    assert evaluate_vid_files(gt_path, res_path)["bbox_mAP"] == 0.0


@pytest.mark.parametrize(
    "dets,message",
    [
        ([{"image_id": 9, "category_id": 3, "bbox": [0, 0, 1, 1], "score": 1}], r"\[0\].image_id"),
        ([{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1], "score": 1}], r"\[0\].bbox"),
        ([{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]}], r"\[0\]: missing .*'score'"),
        ({"a": 1}, "expected a json list"),
    ],
)
def test_vid_errors_name_record_and_field(tmp_path, dets, message):
    gt_path = write(tmp_path / "gt.json", json.dumps(VID_GT))
    res_path = write(tmp_path / "dets.json", json.dumps(dets))
    with pytest.raises(InputFileError, match="dets.json: " + message):
        evaluate_vid_files(gt_path, res_path)


def test_vid_gt_errors(tmp_path):
    bad = dict(VID_GT, annotations=[dict(VID_GT["annotations"][0], category_id=5)])
    gt_path = write(tmp_path / "gt.json", json.dumps(bad))
    res_path = write(tmp_path / "dets.json", "[]")
    with pytest.raises(InputFileError, match=r"gt.json: annotations\[0\].category_id"):
        evaluate_vid_files(gt_path, res_path)
    with pytest.raises(ValueError, match="max_dets must be one of"):
        evaluate_vid_files(gt_path, res_path, max_dets="all")
