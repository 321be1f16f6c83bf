import json
import math
import re
import zipfile

import cv2
import numpy as np
import pytest

from d2track.evaluation.mot_data import load_trackeval_layout, preprocess_sequence
from d2track.evaluation.mot_metrics import evaluate_mot
from d2track.evaluation.result_files import (
    evaluate_mot_files,
    evaluate_sot_files,
    evaluate_vid_files,
    evaluate_vis_files,
    evaluate_vot_files,
    find_vot_image_size,
)
from d2track.evaluation.sot_metrics import evaluate_ope
from d2track.evaluation.vis_format import mask_to_rle, write_ytvis_submission
from d2track.evaluation.vot_metrics import evaluate_vot
from d2track.utils.input_files import InputFileError

# --- helpers: fabricated files --------------------------------------------------------------


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def lines(rows):
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows)


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


SOT_GT = {"a": [[0, 0, 10, 10], [2, 2, 10, 10], [4, 4, 10, 10]], "b": [[5, 5, 4, 4]]}
SOT_RES = {"a": [[0, 0, 10, 10], [2, 2, 10, 5], [40, 40, 10, 10]], "b": [[5, 5, 4, 4]]}


def sot_layout(root, gts=SOT_GT, results=SOT_RES):
    for name, boxes in gts.items():
        write(root / "gt" / f"{name}.txt", lines(boxes))
    for name, boxes in results.items():
        write(root / "res" / f"{name}.txt", lines(boxes))
    return root / "gt", root / "res"


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


# --- MOT ------------------------------------------------------------------------------------


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


# --- SOT ------------------------------------------------------------------------------------


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


# --- VOT ------------------------------------------------------------------------------------


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


# --- VIS ------------------------------------------------------------------------------------


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
    from d2track.evaluation.ytvis_eval import evaluate_ytvis_files

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


# --- VID ------------------------------------------------------------------------------------


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


def test_text_that_is_not_utf8_names_file_and_line(tmp_path):
    import zipfile

    from d2track.evaluation.mot_data import read_seqinfo
    from d2track.evaluation.result_files import _load_json, _read_image_sizes
    from d2track.evaluation.ytvis_eval import _read_json

    bad_json = tmp_path / "sizes.json"
    bad_json.write_bytes(b'{\n  "s1": [1, 2],\n  "caf\xe9": [3, 4]\n}\n')
    for read in (_read_image_sizes, _read_json, _load_json):
        with pytest.raises(InputFileError, match=r"sizes\.json:3: not UTF-8 text: byte 0xe9"):
            read(str(bad_json))
    archive = tmp_path / "results.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("results.json", b"[\n\xff]")
    with pytest.raises(InputFileError, match=r"results\.zip!results\.json:2: not UTF-8"):
        _load_json(str(archive), "results.json")
    ini = tmp_path / "seqinfo.ini"
    ini.write_bytes(b"[Sequence]\nname=x\xe9\nseqLength=3\n")
    with pytest.raises(InputFileError, match=r"seqinfo\.ini:2: not UTF-8"):
        read_seqinfo(str(ini))
