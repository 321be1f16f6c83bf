import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trackeval

from d2track.evaluation import (
    evaluate_sot_files,
    evaluate_vid_files,
    evaluate_vis_files,
    evaluate_vot_files,
)
from d2track.utils.testing import write_text_file as write

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "evaluate_results", REPO / "tools/evaluate_results.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

MM_DATA = os.path.join(os.path.dirname(importlib.util.find_spec("motmetrics").origin), "data")
TUD = {"TUD-Campus": 71, "TUD-Stadtmitte": 179}
HOTA_ARRAYS = {"HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA"}


def run(capsys, argv):
    code = tool.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- MOT: the TUD sequences against TrackEval itself ----------------------------------------


@pytest.fixture(scope="module")
def tud(tmp_path_factory):
    root = tmp_path_factory.mktemp("tud")
    gt_dir, res_dir = root / "gt", root / "trackers" / "trk"
    for seq, length in TUD.items():
        (gt_dir / seq / "gt").mkdir(parents=True)
        shutil.copy(os.path.join(MM_DATA, seq, "gt.txt"), gt_dir / seq / "gt" / "gt.txt")
        write(gt_dir / seq / "seqinfo.ini", f"[Sequence]\nname={seq}\nseqLength={length}\n")
        res_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(MM_DATA, seq, "test.txt"), res_dir / f"{seq}.txt")
    config = {
        "GT_FOLDER": str(gt_dir),
        "TRACKERS_FOLDER": str(res_dir.parent),
        "TRACKERS_TO_EVAL": ["trk"],
        "TRACKER_SUB_FOLDER": "",
        "SKIP_SPLIT_FOL": True,
        "BENCHMARK": "MOT15",
        "SPLIT_TO_EVAL": "train",
        "SEQ_INFO": {seq: None for seq in TUD},
        "PRINT_CONFIG": False,
    }
    evaluator_config = {"PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False}
    evaluator_config.update(
        OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False, PLOT_CURVES=False, LOG_ON_ERROR=None
    )
    metrics = [
        trackeval.metrics.HOTA(),
        trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
        trackeval.metrics.Identity({"PRINT_CONFIG": False}),
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        dataset = trackeval.datasets.MotChallenge2DBox(config)
        res, _ = trackeval.Evaluator(evaluator_config).evaluate([dataset], metrics)
    reference = {
        seq: {k: v for m in r["pedestrian"].values() for k, v in m.items()}
        for seq, r in res["MotChallenge2DBox"]["trk"].items()
    }
    return gt_dir, res_dir, reference


def test_mot_equals_trackeval_on_tud(tud, tmp_path, capsys):
    gt_dir, res_dir, reference = tud
    out_json = tmp_path / "out" / "mot.json"
    code, out, _ = run(
        capsys,
        ["mot", "--gt", gt_dir, "--results", res_dir, "--benchmark", "MOT15", "--json", out_json],
    )
    assert code == 0
    for name in ("TUD-Campus", "TUD-Stadtmitte", "COMBINED", "HOTA", "IDF1", "FN"):
        assert name in out
    metrics = json.loads(out_json.read_text())
    assert metrics["reference"].startswith("TrackEval") and metrics["convention"] == "trackeval"
    rows = dict(metrics["per_sequence"], COMBINED_SEQ=metrics["combined"])
    assert set(rows) == set(reference)
    for seq, row in rows.items():
        for key in ("HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1", "IDSW", "MT", "ML", "CLR_FP"):
            ref = reference[seq][key]
            ref = float(np.mean(ref)) if key in HOTA_ARRAYS else float(ref)
            assert rows[seq][key] == pytest.approx(ref, abs=1e-9, rel=0), (seq, key)
    # the table prints TrackEval's percent: combined MOTA = 100 * (913 - 58 - 14) / 1515
    assert f"{100 * metrics['combined']['MOTA']:.3f}" in out
    assert metrics["combined"]["CLR_FN"] == 602 and metrics["combined"]["IDSW"] == 14


def test_mot_motmetrics_convention_and_bad_results(tud, tmp_path, capsys):
    gt_dir, res_dir, _ = tud
    copy = tmp_path / "trk"
    shutil.copytree(res_dir, copy)
    argv = ["mot", "--gt", gt_dir, "--results", copy, "--benchmark", "MOT15", "--json"]
    code, _, _ = run(capsys, argv + [tmp_path / "m.json", "--convention", "motmetrics"])
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and metrics["convention"] == "motmetrics"
    assert "MOTP" in metrics["convention_differences"] and metrics["not_reproduced"]
    with open(copy / "TUD-Campus.txt", "a") as f:
        f.write("1,2,3\n")
    code, out, err = run(capsys, argv + [tmp_path / "bad.json"])
    assert code == 2 and out == ""
    assert err.strip().startswith(f"error: {copy / 'TUD-Campus.txt'}:223: results need 6")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "bad.json").exists()
    with pytest.raises(ValueError, match="TUD-Campus.txt:223"):
        tool.main([str(a) for a in argv + [tmp_path / "bad.json", "--debug"]])


# --- SOT ------------------------------------------------------------------------------------


def sot_files(root):
    write(root / "gt" / "walk.txt", "0,0,10,10\n2,2,10,10\n4,4,10,10\n")
    write(root / "gt" / "jump.txt", "5,5,4,4\n")
    write(root / "res" / "walk.txt", "0,0,10,10\n2,2,10,5\n40,40,10,10\n")
    write(root / "res" / "jump.txt", "5,5,4,4\n")
    write(root / "res" / "extra.txt", "1,1,1,1\n")
    return root / "gt", root / "res"


def test_sot_table_json_plots_and_warning(tmp_path, capsys):
    gt_dir, res_dir = sot_files(tmp_path)
    argv = ["sot", "--gt", gt_dir, "--results", res_dir, "--plots", tmp_path / "plots"]
    code, out, err = run(capsys, argv + ["--json", tmp_path / "sot.json"])
    assert code == 0
    assert "warning: result 'extra' has no ground truth" in err
    assert "walk" in out and "jump" in out and "OVERALL" in out and "norm_precision" in out
    metrics = json.loads((tmp_path / "sot.json").read_text())
    assert metrics == json.loads(json.dumps(evaluate_sot_files(gt_dir, res_dir)))
    assert metrics["reference"].startswith("MMTracking")
    assert sorted(os.listdir(tmp_path / "plots")) == [
        "norm_precision.png",
        "precision.png",
        "success.png",
    ]


def test_sot_errors(tmp_path, capsys):
    gt_dir, res_dir = sot_files(tmp_path)
    (res_dir / "jump.txt").unlink()
    code, _, err = run(capsys, ["sot", "--gt", gt_dir, "--results", res_dir])
    assert code == 2 and f"{res_dir / 'jump.txt'}: missing results of video jump" in err
    write(res_dir / "jump.txt", "5,5,4\n")
    code, _, err = run(capsys, ["sot", "--gt", gt_dir, "--results", res_dir])
    assert code == 2 and f"{res_dir / 'jump.txt'}:1: expected 4 (x,y,w,h) values" in err


# --- VOT ------------------------------------------------------------------------------------


def vot_files(root):
    """Two 120-frame sequences in the VOT layout; s1 has an image, s2 a failure at frame 60."""
    trajectory = ["1"] + ["2,2,6,6"] * 119
    failing = list(trajectory)
    failing[60:66] = ["2", "0", "0", "0", "0", "1"]
    for seq, gt_line, lines in (
        ("s1", "2,2,6,6", trajectory),
        ("s2", "2,2,9,2,9,9,2,9", failing),
    ):
        write(root / "gt" / seq / "groundtruth.txt", f"{gt_line}\n" * 120)
        write(root / "res" / f"{seq}.txt", "\n".join(lines) + "\n")
    write(root / "gt" / "list.txt", "s1\ns2\n")
    import cv2

    cv2.imwrite(str(root / "gt" / "s1" / "00000001.jpg"), np.zeros((20, 30, 3), np.uint8))
    return root / "gt", root / "res"


def test_vot_table_json_and_size_lookup(tmp_path, capsys):
    gt_dir, res_dir = vot_files(tmp_path)
    argv = ["vot", "--gt", gt_dir, "--results", res_dir, "--dataset", "vot2018"]
    code, _, err = run(capsys, argv)
    assert code == 2 and "image size of sequence 's2' unknown" in err
    sizes = write(tmp_path / "sizes.json", '{"s1": [99, 99], "s2": [16, 12]}')
    argv += ["--image-sizes", sizes, "--json", tmp_path / "vot.json"]
    code, out, _ = run(capsys, argv)
    assert code == 0 and "s1" in out and "s2" in out and "EAO" in out
    metrics = json.loads((tmp_path / "vot.json").read_text())
    assert metrics["image_sizes"] == {"s1": [30, 20], "s2": [16, 12]}  # image before json
    expected = evaluate_vot_files(gt_dir, res_dir, image_sizes_path=sizes)
    assert metrics == json.loads(json.dumps(expected))
    assert metrics["num_failures"] == 1 and metrics["interval"] == [100, 356]


def test_vot_malformed_results(tmp_path, capsys):
    gt_dir, res_dir = vot_files(tmp_path)
    write(res_dir / "s1.txt", "1\n2,2,6\n" + "2,2,6,6\n" * 118)
    argv = ["vot", "--gt", gt_dir, "--results", res_dir, "--dataset", "vot2018"]
    code, _, err = run(capsys, argv)
    assert code == 2 and err.startswith(f"error: {res_dir / 's1.txt'}:2: expected a code, 4 or 8")


# --- VIS ------------------------------------------------------------------------------------


def vis_files(root):
    from d2track.evaluation.vis.format import mask_to_rle, write_ytvis_submission

    mask = np.zeros((8, 8), bool)
    mask[:4, :4] = True
    gt = {
        "videos": [{"id": 1, "height": 8, "width": 8, "length": 2}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {
                "id": 1,
                "video_id": 1,
                "category_id": 1,
                "iscrowd": 0,
                "segmentations": [mask_to_rle(mask), None],
                "areas": [16.0, None],
            },
        ],
    }
    results = [
        {
            "video_id": 1,
            "category_id": 1,
            "score": 0.9,
            "segmentations": [mask_to_rle(mask), mask_to_rle(mask)],
        },
    ]
    gt_path = write(root / "gt.json", json.dumps(gt))
    zip_path = write_ytvis_submission(results, str(root / "sub.zip"))
    return gt_path, Path(zip_path)


def test_vis_zip_table_and_json(tmp_path, capsys):
    gt_path, zip_path = vis_files(tmp_path)
    argv = ["vis", "--gt", gt_path, "--results", zip_path, "--per-category"]
    code, out, _ = run(capsys, argv + ["--json", tmp_path / "vis.json"])
    assert code == 0 and "AP50" in out and "AP-cat" in out
    metrics = json.loads((tmp_path / "vis.json").read_text())
    assert metrics == evaluate_vis_files(gt_path, zip_path, per_category=True)
    assert (
        metrics["AP50"] == pytest.approx(1.0, abs=1e-12) and metrics["AP75"] == 0.0
    )  # video IoU 16 / 32 = 0.5


def test_vis_malformed_json(tmp_path, capsys):
    gt_path, _ = vis_files(tmp_path)
    bad = write(tmp_path / "results.json", '[\n{"video_id": 1,,}\n]')
    code, _, err = run(capsys, ["vis", "--gt", gt_path, "--results", bad])
    assert code == 2 and err.startswith(f"error: {bad}:2: invalid json")


# --- VID ------------------------------------------------------------------------------------


def vid_files(root, dets):
    gt = {
        "videos": [{"id": 1, "name": "v"}],
        "images": [{"id": i, "video_id": 1, "frame_id": i - 1} for i in (1, 2)],
        "categories": [{"id": 1, "name": "car"}],
        "annotations": [
            {"id": i, "image_id": i, "category_id": 1, "bbox": [10, 10, 50, 50]} for i in (1, 2)
        ],
    }
    return write(root / "gt.json", json.dumps(gt)), write(root / "dets.json", json.dumps(dets))


def test_vid_table_and_json(tmp_path, capsys):
    dets = [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 50], "score": 0.5}]
    gt_path, res_path = vid_files(tmp_path, dets)
    argv = ["vid", "--gt", gt_path, "--results", res_path, "--max-dets", "detectron2"]
    code, out, _ = run(capsys, argv + ["--json", tmp_path / "vid.json"])
    assert code == 0 and "bbox_mAP_50" in out and "Detectron2" in out
    metrics = json.loads((tmp_path / "vid.json").read_text())
    expected = evaluate_vid_files(gt_path, res_path, max_dets="detectron2")
    assert metrics.keys() == expected.keys()
    for key, value in expected.items():
        assert metrics[key] == value or (value != value and metrics[key] is None), key  # NaN: null
    assert metrics["bbox_mAP_50"] == pytest.approx(100 * 51 / 101, abs=1e-9)  # recall 1/2


def test_vid_malformed_results(tmp_path, capsys):
    gt_path, res_path = vid_files(tmp_path, [{"image_id": 1}])
    code, _, err = run(capsys, ["vid", "--gt", gt_path, "--results", res_path])
    assert code == 2 and err.startswith(f"error: {res_path}: [0]: missing field 'category_id'")
    write(res_path, "[\n{]")
    code, _, err = run(capsys, ["vid", "--gt", gt_path, "--results", res_path])
    assert code == 2 and err.startswith(f"error: {res_path}:2: invalid json")


def test_help_runs_as_a_script():
    result = subprocess.run(
        [sys.executable, str(REPO / "tools/evaluate_results.py"), "vot", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "--image-sizes" in result.stdout and "--burnin" in result.stdout
