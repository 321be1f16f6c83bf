import json
import zipfile

import numpy as np
import pytest

from d2track.evaluation.vis import evaluate_vis_files
from d2track.evaluation.vis.format import mask_to_rle, write_ytvis_submission
from d2track.utils.input_files import InputFileError
from d2track.utils.testing import write_text_file as write


def box_mask(y0, y1, x0, x1):
    mask = np.zeros((8, 8), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def vis_files(tmp_path, results=None):
    masks = [box_mask(0, 4, 0, 4), None]
    gt = {
        "videos": [{"id": 1, "height": 8, "width": 8, "length": 2}],
        "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
        "annotations": [
            {
                "id": 1,
                "video_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "segmentations": [mask_to_rle(m) for m in masks],
                "areas": [16.0, None],
            }
        ],
    }
    if results is None:
        pred = [box_mask(0, 4, 0, 2), box_mask(0, 1, 0, 1)]  # IoU 8 / 17
        results = [
            {
                "video_id": 1,
                "category_id": 1,
                "score": 0.9,
                "segmentations": [mask_to_rle(m) for m in pred],
            },
        ]
    gt_path = write(tmp_path / "gt.json", json.dumps(gt))
    res_path = write(tmp_path / "results.json", json.dumps(results))
    return gt_path, res_path, results


def test_vis_json_and_zip_equal_ytvis(tmp_path):
    from d2track.evaluation.vis.ytvis_eval import evaluate_ytvis_files

    gt_path, res_path, results = vis_files(tmp_path)
    out = evaluate_vis_files(gt_path, res_path, per_category=True)
    ref = evaluate_ytvis_files(str(gt_path), str(res_path), per_category=True)
    assert {k: out[k] for k in ref} == ref
    # IoU 8/17 < 0.5: no threshold matches
    assert out["AP"] == 0.0 and out["AP-dog"] == -1
    zip_path = write_ytvis_submission(results, str(tmp_path / "sub.zip"))
    assert evaluate_vis_files(gt_path, zip_path, per_category=True) == out
    assert out["reference"].startswith("YouTube-VIS")


def test_vis_errors(tmp_path):
    gt_path, res_path, _ = vis_files(tmp_path, results=[{"video_id": 7}])
    with pytest.raises(InputFileError, match="results.json: "):
        evaluate_vis_files(gt_path, res_path)
    write(res_path, '[\n{"video_id": 1,\n')
    with pytest.raises(InputFileError, match=r"results.json:3: invalid json"):
        evaluate_vis_files(gt_path, res_path)
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("other.json", "[]")
    with pytest.raises(InputFileError, match=r"bad.zip: a submission zip needs one results"):
        evaluate_vis_files(gt_path, tmp_path / "bad.zip")
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        zf.writestr("results.json", "[\n}")
    with pytest.raises(InputFileError, match=r"bad.zip!results.json:2: invalid json"):
        evaluate_vis_files(gt_path, tmp_path / "bad.zip")
