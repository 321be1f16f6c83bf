"""tools/lazyconfig_train_net.py end to end on CPU: train, evaluate, resume, eval-only, DDP."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "lazyconfig_train_net.py"
CONFIG = REPO / "configs" / "demo" / "faster_rcnn_r18_fpn_400it_synthetic_shapes.py"
TINY = [
    "dataloader.train.dataset.names=synthetic_shapes_mini",
    "dataloader.test.dataset.names=synthetic_shapes_mini",
    "dataloader.train.total_batch_size=2",
    "dataloader.train.num_workers=0",
    "dataloader.test.num_workers=0",
    "train.log_period=1",
    "model.roi_heads.box_predictor.test_score_thresh=0.0",  # an untrained model still predicts
]


def run_tool(*args, output_dir, timeout=300):
    cmd = [sys.executable, str(TOOL), "--config-file", str(CONFIG), *args]
    cmd += TINY + [f"train.output_dir={output_dir}"]
    result = subprocess.run(
        cmd, cwd=output_dir.parent, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def iterations(output_dir):
    rows = (output_dir / "metrics.json").read_text().splitlines()
    return [json.loads(r)["iteration"] for r in rows if "total_loss" in r]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    run_tool(
        "train.max_iter=2", "train.eval_period=2", "train.checkpointer.period=1", output_dir=out
    )
    return out


def test_train_writes_checkpoints_metrics_and_eval_results(trained):
    assert (trained / "model_final.pth").is_file() and (trained / "model_0000000.pth").is_file()
    assert (trained / "config.yaml").is_file()
    assert iterations(trained) == [0, 1]
    results = json.loads((trained / "eval_results.json").read_text())
    assert 0.0 <= results["bbox"]["AP"] <= 100.0
    assert set(results["bbox"]) >= {"AP", "AP50", "AP75", "AP-square", "AP-circle"}


def test_resume_continues_from_last_checkpoint(trained):
    run_tool("--resume", "train.max_iter=3", "train.eval_period=0", output_dir=trained)
    assert iterations(trained) == [0, 1, 2]


def test_eval_only_loads_weights_and_scores(trained, tmp_path):
    out = tmp_path / "eval"
    result = run_tool(
        "--eval-only", f"train.init_checkpoint={trained / 'model_final.pth'}", output_dir=out
    )
    results = json.loads((out / "eval_results.json").read_text())
    assert "AP" in results["bbox"]
    assert "copypaste: AP,AP50,AP75" in result.stdout
    # d2track's own log lines reach the tool's output (and log.txt) like Detectron2's
    assert f"evaluation results written to {out / 'eval_results.json'}" in result.stdout
    assert not (out / "model_final.pth").exists()


def test_two_cpu_processes_train_with_gloo(tmp_path):
    out = tmp_path / "ddp"
    run_tool("--num-gpus", "2", "train.max_iter=1", "train.eval_period=0", output_dir=out)
    assert (out / "model_final.pth").is_file()
    assert iterations(out) == [0]


def test_visualize_detections_draws_gt_and_predictions(trained, tmp_path):
    import cv2

    tool = REPO / "tools" / "demo" / "visualize_detections.py"
    cmd = [sys.executable, str(tool), "--config-file", str(CONFIG), "--weights",
           str(trained / "model_final.pth"), "--output", str(tmp_path), "--num-images", "2",
           "--scale", "2", "--confidence", "0", *TINY]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.png", "1.png"]
    image = cv2.imread(str(tmp_path / "0.png"))
    assert image.shape == (256, 512, 3)
