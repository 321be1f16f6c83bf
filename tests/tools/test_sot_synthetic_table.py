"""tools/analysis/sot_synthetic_table.py on 2 validation videos, with untrained weights."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog

from d2track.config import load_config

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "sot_synthetic_table", REPO / "tools/analysis/sot_synthetic_table.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

# a narrower network than the tiny config's, loaded from 0 workers: seconds, not minutes
OPTS = [
    "dataloader.test.num_workers=0",
    "model.backbone.stem_channels=8",
    "model.backbone.base_planes=2",
    "model.neck.in_channels=[16,32,64]",
    "model.neck.out_channels=8",
    "model.head.in_channels=[8,8,8]",
]


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # other jobs share the CPU: no oversubscription
    yield
    torch.set_num_threads(threads)


def _fake_train_net(calls):
    """Records the command and saves the config's model, untrained, as model_final.pth."""

    def train_net(*args):
        args = [str(a) for a in args]
        calls.append(args)
        (out,) = [Path(a.split("=", 1)[1]) for a in args if a.startswith("train.output_dir=")]
        out.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(0)
        model = instantiate(load_config(args[1], OPTS).model)
        torch.save({"model": model.state_dict()}, out / "model_final.pth")

    return train_net


def _static_success(num_videos):
    """OPE success (percent) of the first-frame box, by hand: IoU > 0, 0.05, ..., 1."""
    videos = {}
    for d in DatasetCatalog.get("synthetic_sot_val"):
        videos.setdefault(d["video_id"], []).append(d)
    rates = []
    for frames in list(videos.values())[:num_videos]:
        gt = np.zeros((len(frames), 4))  # XYXY; zeros where the target is absent
        for t, d in enumerate(frames):
            if d["annotations"]:
                x, y, w, h = d["annotations"][0]["bbox"]  # XYWH_ABS in the CocoVID json
                gt[t] = [x, y, x + w, y + h]
        lo, hi = np.maximum(gt[0, :2], gt[:, :2]), np.minimum(gt[0, 2:], gt[:, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
        area = np.prod(gt[:, 2:] - gt[:, :2], axis=1)
        iou = np.where(area > 0, inter / (area[0] + area - inter), -1.0)
        assert iou[0] == 1.0
        rates.append([(iou > thr).mean() for thr in np.arange(0, 1.05, 0.05)])
    return 100 * float(np.mean(rates))


def test_help_shows_a_runnable_example(capsys):
    with pytest.raises(SystemExit) as exit_info:
        tool.parse_args(["--help"])
    assert exit_info.value.code == 0
    assert "sot_synthetic_table.py --output output/sot_table" in capsys.readouterr().out


def test_skip_train_needs_weights(tmp_path):
    with pytest.raises(SystemExit, match="model_final.pth"):
        tool.main(["--output", str(tmp_path), "--seeds", "3", "--skip-train"])


def _fail_at_once(evaluator):
    """Feeds the first video's VOT codes of a tracker that fails on every first tracked frame."""
    frames = [d for d in DatasetCatalog.get("synthetic_sot_val") if d["video_id"] == 1]
    codes = ([1, 2, 0, 0, 0, 0] * 5)[: len(frames)]  # re-initialised 5 frames after each failure
    for frame, code in zip(frames, codes):
        evaluator.process([{"video_id": 1, "frame_id": frame["frame_id"]}], [{"vot_code": code}])
    return evaluator


def test_eao_of_a_tracker_that_fails_at_once_is_zero():
    vot = _fail_at_once(tool.ShortRunVOTEvaluator("synthetic_sot_val", interval=(1, 29)))
    vot = vot.evaluate()["vot"]
    assert vot["eao"] == 0.0 and vot["num_failures"] == 5 and vot["accuracy"] == 0.0
    assert vot["robustness"] == pytest.approx(5 / 30 * 100)
    with pytest.raises(ValueError, match="outside the EAO curve"):
        _fail_at_once(tool.VOTEvaluator("synthetic_sot_val", interval=(1, 29))).evaluate()


def test_table_on_two_videos(tmp_path, capsys, monkeypatch, one_thread):
    calls = []
    monkeypatch.setattr(tool, "train_net", _fake_train_net(calls))
    argv = ["--output", str(tmp_path), "--seeds", "1", "--num-videos", "2", *OPTS]
    record = tool.main(argv)
    assert calls == [
        [
            "--config-file",
            str(REPO / tool.CONFIG),
            f"train.output_dir={tmp_path / 'seed1'}",
            "train.seed=1",
            *OPTS,
        ]
    ]
    out = capsys.readouterr().out.splitlines()
    header = "| tracker | success | precision | norm_precision | EAO | accuracy | robustness |"
    assert out[0] == header + " absent_as_visible | present_as_lost |"
    assert [line.split(" | ")[0] for line in out[2:]] == [f"| {n}" for n in tool.TRACKERS.values()]
    saved = json.loads((tmp_path / "table.json").read_text())
    assert saved["table"] == "\n".join(out)
    assert saved["eao_interval"] == [1, 29] and saved["score_threshold"] == 0.5
    assert set(saved["summary"]) == set(tool.TRACKERS)
    run = saved["runs"]["1"]
    assert run["train_seconds"] is not None
    for short in tool.TRACKERS:
        results = run["trackers"][short]
        assert set(results) == {"sot", "vot", "lost", "seconds"}
        assert results["seconds"]["frames"] == 60
        assert set(results["sot"]) == {"success", "precision", "norm_precision"}
        assert set(results["vot"]) == {"eao", "accuracy", "robustness", "num_failures"}
        assert 0 <= results["vot"]["eao"] <= 1 and 0 <= results["sot"]["success"] <= 100
        # video 0 loses its target on 3 frames, video 1 never: 58 tracked frames
        assert (results["lost"]["absent_frames"], results["lost"]["present_frames"]) == (3, 55)
    static = run["trackers"]["static"]
    assert static["sot"]["success"] == pytest.approx(_static_success(2), abs=1e-6)
    assert static["lost"]["absent_as_visible"] == 1.0
    assert static["lost"]["present_as_lost"] == 0.0
    assert saved["summary"]["static"]["success"]["values"] == [static["sot"]["success"]]
    assert record["runs"][1]["trackers"]["static"]["sot"] == static["sot"]

    # a second run reuses the weights (no training) and gives the same numbers
    tool.main(["--only", "static", "template", "--skip-train", "--table-name", "b.json", *argv])
    assert json.loads((tmp_path / "table.json").read_text()) == saved  # kept
    again = json.loads((tmp_path / "b.json").read_text())
    assert len(calls) == 1 and again["runs"]["1"]["train_seconds"] is None
    assert list(again["summary"]) == ["static", "template"]
    for short in ("static", "template"):
        for task in ("sot", "vot", "lost"):
            assert again["runs"]["1"]["trackers"][short][task] == run["trackers"][short][task]
