"""benchmarks/bench_tracker_association.py: synthetic video, timing loop, BoxMOT hook."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch
from detectron2.structures import Boxes, Instances

from d2track.tracking import ByteTracker

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/bench_tracker_association.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_tracker_association", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_video_and_run_count_id_changes(bench):
    frames = bench.make_video(6, 12, p_missing=0.0, p_low=0.0)
    assert [len(f) for f in frames] == [6] * 12
    assert frames[0].gt.tolist() == list(range(6))
    result = bench.run(ByteTracker(), frames, warmup=2)
    assert result["output_per_frame"] == 6  # every object tracked in every frame
    assert result["id_changes_per_1k"] == 0 and result["frames_without_id_change"] == 1.0
    assert result["ms_per_frame"] > 0


def test_noisy_crowd_has_false_positives_and_hota_scores_the_output(bench):
    video = bench.make_crowd(8, 15, noise="noisy", fp_rate=0.5)
    gts = torch.cat([f.gt for f in video.frames])
    assert (gts == -1).sum() > 0 and set(gts[gts >= 0].tolist()) == set(range(8))
    assert [len(b) for b in video.gt_boxes] == [8] * 15
    result = bench.run(ByteTracker(), video.frames, warmup=2)
    scores = bench.hota(video, result["outputs"])
    assert 0 < scores["HOTA"] < 100 and scores["IDSW"] >= 0
    # The ground truth itself, as a tracker output, scores 100.
    perfect = []
    for boxes, ids in zip(video.gt_boxes, video.gt_ids):
        out = Instances((1080, 1920))
        out.pred_boxes, out.ID = Boxes(torch.tensor(boxes)), torch.tensor(ids)
        out.scores = torch.ones(len(ids))
        perfect.append(out)
    assert bench.hota(video, perfect) == {
        "HOTA": 100.0,
        "DetA": 100.0,
        "AssA": 100.0,
        "IDF1": 100.0,
        "MOTA": 100.0,
        "IDSW": 0,
    }


def test_main_writes_a_row_per_noise_tracker_and_size(bench, tmp_path):
    out = tmp_path / "r.json"
    argv = ["--objects", "5", "--frames", "6", "--warmup", "1", "--repeats", "1"]
    results = bench.main(argv + ["--output", str(out)])
    assert [(r["noise"], r["objects"]) for r in results] == [("clean", 5)] * 3 + [("noisy", 5)] * 3
    assert json.loads(out.read_text())["results"][0]["tracker"] == results[0]["tracker"]


def test_compare_boxmot_without_boxmot_says_how_to_get_it(bench, monkeypatch):
    monkeypatch.setitem(sys.modules, "boxmot", None)  # import boxmot -> ImportError
    with pytest.raises(SystemExit, match="pip install boxmot"):
        bench.BoxMOTTracker("ByteTrack")
