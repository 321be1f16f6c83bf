import json

import cv2
import numpy as np
import pytest

from d2track.evaluation.sot import evaluate_vot_files
from d2track.evaluation.sot.vot_files import find_vot_image_size
from d2track.evaluation.sot.vot_metrics import evaluate_vot
from d2track.utils.input_files import InputFileError
from d2track.utils.testing import csv_lines as lines
from d2track.utils.testing import write_text_file as write


def vot_trajectory(length, failure=None):
    """[1], boxes, and optionally [2] at ``failure``, [0] for 4 frames, [1] again."""
    entries = [[1]] + [[2, 2, 6, 6]] * (length - 1)
    if failure is not None:
        entries[failure] = [2]
        entries[failure + 1 : failure + 5] = [[0]] * 4
        entries[failure + 5] = [1]
    return entries


def vot_layout(root, *, folder_layout=False, images=(), failure=60):
    """Two 120-frame sequences: s1 boxes, s2 8-value polygons; images only for ``images``."""
    gts = {
        "s1": [[2, 2, 6, 6]] * 120,
        "s2": [[2, 2, 9, 2, 9, 9, 2, 9]] * 120,
    }
    trajectories = {"s1": vot_trajectory(120), "s2": vot_trajectory(120, failure)}
    for name, gt in gts.items():
        path = (
            root / "gt" / name / "groundtruth.txt" if folder_layout else root / "gt" / f"{name}.txt"
        )
        write(path, lines(gt))
        write(root / "res" / f"{name}.txt", lines(trajectories[name]))
    for name in images:
        (root / "gt" / name / "color").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(
            str(root / "gt" / name / "color" / "00000001.jpg"), np.zeros((20, 30, 3), np.uint8)
        )
    return root / "gt", root / "res", gts, trajectories


def test_vot_files_equal_evaluate_vot(tmp_path):
    gt_dir, res_dir, gts, trajectories = vot_layout(tmp_path, folder_layout=True, images=["s1"])
    sizes = write(tmp_path / "sizes.json", json.dumps({"s1": [99, 99], "s2": [12, 12]}))
    out = evaluate_vot_files(gt_dir, res_dir, dataset="vot2018", image_sizes_path=sizes)
    assert out["image_sizes"] == {"s1": [30, 20], "s2": [12, 12]}  # images first, then json
    ref = evaluate_vot(
        {k: [np.array(e, float) for e in v] for k, v in trajectories.items()},
        {k: np.array(v, float) for k, v in gts.items()},
        image_sizes={"s1": (30, 20), "s2": (12, 12)},
    )
    for key in ("eao", "accuracy", "robustness", "num_failures"):
        assert out[key] == ref[key], key
    assert out["eao_curve"] == ref["eao_curve"].tolist()
    # s1: the prediction equals the gt box: accuracy 1; s2: the 6x6 box inside the polygon's
    # scan-line fill, pixels 2..9 (8x8, the toolkit fills both edge crossings)
    assert out["per_video"]["s1"]["accuracy"] == 1.0
    assert out["per_video"]["s2"]["accuracy"] == pytest.approx(36 / 64, abs=1e-12)
    assert out["num_failures"] == 1 and out["robustness"] == pytest.approx(100 / 240)
    assert out["interval"] == [100, 356] and out["dataset"] == "vot2018"


def test_vot_size_lookup_order_and_toolkit_results(tmp_path):
    gt_dir, res_dir, _, _ = vot_layout(tmp_path, images=["s1"])
    sizes = {"s1": [5, 5], "s2": [40, 30]}
    assert find_vot_image_size(gt_dir, "s1", sizes) == (30, 20)  # image wins
    assert find_vot_image_size(gt_dir, "s2", sizes) == (40, 30)  # then the json
    with pytest.raises(InputFileError, match="image size of sequence 's2' unknown"):
        find_vot_image_size(gt_dir, "s2", {"s1": [5, 5]}, image_sizes_path="sizes.json")
    with pytest.raises(InputFileError, match="'s2' unknown.*no --image-sizes"):
        evaluate_vot_files(gt_dir, res_dir)
    # the VOT toolkit's <seq>/<seq>_001.txt results
    (res_dir / "s2").mkdir()
    (res_dir / "s2.txt").rename(res_dir / "s2" / "s2_001.txt")
    json_path = write(tmp_path / "sizes.json", json.dumps(sizes))
    out = evaluate_vot_files(gt_dir, res_dir, dataset="vot2019", image_sizes_path=json_path)
    assert out["interval"] == [46, 291] and out["ignored_results"] == []


@pytest.mark.parametrize(
    "sizes,message",
    [
        ('{"s2": [1]}', r"sizes.json: 's2': expected \[W, H\]"),
        ('{"s2": [0, 4]}', r"sizes.json: 's2': sizes must be >= 1"),
        ("[1, 2]", r"sizes.json: expected a json object"),
        ('{"s2":\n [1, 2', r"sizes.json:2: invalid json"),
    ],
)
def test_vot_bad_image_sizes(tmp_path, sizes, message):
    gt_dir, res_dir, _, _ = vot_layout(tmp_path)
    path = write(tmp_path / "sizes.json", sizes)
    with pytest.raises(InputFileError, match=message):
        evaluate_vot_files(gt_dir, res_dir, image_sizes_path=path)


def test_vot_result_errors_name_line(tmp_path):
    gt_dir, res_dir, _, trajectories = vot_layout(tmp_path, images=["s1", "s2"])
    text = lines(trajectories["s2"]).splitlines()
    write(res_dir / "s2.txt", "\n".join(text[:62] + ["2,2,6,6"] + text[63:]) + "\n")
    with pytest.raises(InputFileError, match=r"res/s2.txt:63: video 's2', frame 62: a region"):
        evaluate_vot_files(gt_dir, res_dir)
    write(res_dir / "s2.txt", "\n".join(text[:5] + ["3"] + text[6:]) + "\n")
    with pytest.raises(InputFileError, match=r"res/s2.txt:6: code 3 is not"):
        evaluate_vot_files(gt_dir, res_dir)
    write(res_dir / "s2.txt", "\n".join(text[:5] + ["nan,1,2,3"] + text[6:]) + "\n")
    with pytest.raises(InputFileError, match=r"res/s2.txt:6: .*not finite"):
        evaluate_vot_files(gt_dir, res_dir)
    write(res_dir / "s2.txt", "\n".join(text[:-1]) + "\n")
    with pytest.raises(InputFileError, match=r"res/s2.txt: 119 lines for the 120 frames"):
        evaluate_vot_files(gt_dir, res_dir)
    with pytest.raises(ValueError, match="dataset must be one of"):
        evaluate_vot_files(gt_dir, res_dir, dataset="vot1999")


def test_vot_bad_ground_truth_names_the_gt_file(tmp_path):
    gt_dir, res_dir, _, _ = vot_layout(tmp_path, images=["s1", "s2"])
    text = (gt_dir / "s1.txt").read_text().splitlines()
    write(gt_dir / "s1.txt", "\n".join(text[:3] + ["nan,2,6,6"] + text[4:]) + "\n")
    with pytest.raises(InputFileError, match=r"gt/s1.txt:4: .*ground-truth region"):
        evaluate_vot_files(gt_dir, res_dir)
