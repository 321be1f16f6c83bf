"""tools/analysis/mot_synthetic_table.py on 1 validation video, with untrained weights."""

import importlib.util
import json
from pathlib import Path

import torch
from detectron2.config import instantiate

from d2track.config import load_config

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "mot_synthetic_table", REPO / "tools/analysis/mot_synthetic_table.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
# 0 workers and 5 detections per frame (an untrained detector gives 100): seconds, not minutes
OPTS = [
    "dataloader.test.num_workers=0",
    "model.detector.roi_heads.box_predictor.test_topk_per_image=5",
]


def test_configs_and_trackers_exist():
    trackers = load_config(str(REPO / "configs/common/trackers.py"), [])
    for config in [tool.DETECTOR, tool.REID, tool.MODEL, *tool.OWN_MODEL.values()]:
        assert (REPO / config).is_file(), config
    for _, attribute in tool.TRACKERS.values():
        assert attribute in trackers, attribute


def test_one_seed_one_split_with_untrained_weights(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_train_net(*args):
        args = [str(a) for a in args]
        calls.append(args)
        (out,) = [Path(a.split("=", 1)[1]) for a in args if a.startswith("train.output_dir=")]
        out.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(0)
        model = instantiate(load_config(args[1], []).model)
        torch.save({"model": model.state_dict()}, out / "model_final.pth")

    monkeypatch.setattr(tool, "train_net", fake_train_net)
    argv = ["--output", str(tmp_path), "--seeds", "0", "--splits", "synthetic_mot_val"]
    argv += ["--only", "sort", "botsort", "tracktor", "qdtrack", "--num-videos", "1", *OPTS]
    record = tool.main(argv)
    # the detector, the ReID model and QDTrack's model are trained once, with the seed
    trained = [Path(c[1]).name for c in calls]
    assert trained == [Path(c).name for c in (tool.DETECTOR, tool.REID, tool.OWN_MODEL["qdtrack"])]
    assert all("train.seed=0" in c for c in calls)
    assert any(a.startswith("dataloader.train.dataset.dataset_dicts.names=") for a in calls[2])
    run = record["runs"][0]["synthetic_mot_val"]
    assert sorted(run) == ["botsort", "qdtrack", "sort", "tracktor"]
    for metrics in run.values():
        assert set(tool.COLUMNS) <= set(metrics) and metrics["ms/frame"] > 0
    out = capsys.readouterr().out
    assert "`synthetic_mot_val`:" in out and "| SORT | " in out and "| Tracktor | " in out
    saved = json.loads((tmp_path / "table.json").read_text())
    assert saved["summary"]["synthetic_mot_val"]["sort"]["HOTA"]["values"] == [run["sort"]["HOTA"]]
    # a second run reuses the weights
    calls.clear()
    tool.main(argv[:-6] + ["--only", "sort", "--num-videos", "1", *OPTS])
    assert calls == []
