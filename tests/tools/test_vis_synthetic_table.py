"""tools/analysis/vis_synthetic_table.py on 1 validation video, with untrained weights."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from detectron2.config import instantiate

from d2track.config import load_config

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "vis_synthetic_table", REPO / "tools/analysis/vis_synthetic_table.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
# 0 workers and 5 detections per frame (an untrained detector gives 100): seconds, not minutes
OPTS = [
    "dataloader.test.num_workers=0",
    "model.detector.roi_heads.box_predictor.test_topk_per_image=5",
]


def _fake_train_net(calls):
    """Records the command and saves the config's model, untrained, as model_final.pth."""

    def train_net(*args):
        args = [str(a) for a in args]
        calls.append(args)
        (out,) = [Path(a.split("=", 1)[1]) for a in args if a.startswith("train.output_dir=")]
        out.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(int(next(a for a in args if a.startswith("train.seed=")).split("=")[1]))
        model = instantiate(load_config(args[1], OPTS).model)
        torch.save({"model": model.state_dict()}, out / "model_final.pth")

    return train_net


def test_table_of_every_tracker_over_two_seeds(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(tool, "train_net", _fake_train_net(calls))
    out = tmp_path / "table"
    args = ["--seeds", "0", "1", "--num-videos", "1", "--output", str(out), *OPTS]
    record = tool.main(args)
    assert [[a for a in c if a.startswith("train.seed=")] for c in calls] == [
        ["train.seed=0"],
        ["train.seed=1"],
    ]
    assert sorted(record["summary"]) == sorted(tool.TRACKERS)
    for short, stats in record["summary"].items():
        for column in tool.COLUMNS:
            values = stats[column]["values"]
            assert len(values) == 2 and all(0 <= v <= 100 for v in values), (short, column)
        assert (out / "seed1" / short / "results.json").is_file()
    assert json.loads((out / "table.json").read_text())["num_videos"] == 1
    assert record["table"].count("\n") == 1 + len(tool.TRACKERS)
    again = tool.main(
        ["--seeds", "0", "--skip-train", "--only", "mask_iou", "--num-videos", "1"]
        + ["--output", str(out), *OPTS]
    )
    assert len(calls) == 2  # reused
    assert (
        again["summary"]["mask_iou"]["AP"]["values"]
        == record["summary"]["mask_iou"]["AP"]["values"][:1]
    )


def test_skip_train_needs_the_weights(tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        tool.main(["--seeds", "0", "--skip-train", "--output", str(tmp_path), *OPTS])
