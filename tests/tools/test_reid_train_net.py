"""tools/lazyconfig_train_net.py on the tiny synthetic ReID config: train, evaluate mAP/CMC."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "lazyconfig_train_net.py"
CONFIG = REPO / "configs" / "reid" / "reid_tiny_400it_synthetic.py"


def test_tiny_synthetic_reid_trains_and_reports_map(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, str(TOOL), "--config-file", str(CONFIG), "train.max_iter=3",
           "train.eval_period=3", "train.log_period=1", "dataloader.train.num_workers=0",
           "dataloader.test.num_workers=0", f"train.output_dir={out}"]  # fmt: skip
    # One thread: on a busy shared CPU, torch's default threads slow these small convs 10x.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # DETECTRON2_DATASETS: conftest's tmp root
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    rows = [json.loads(r) for r in (out / "metrics.json").read_text().splitlines()]
    losses = [r for r in rows if "loss_triplet" in r]
    assert [r["iteration"] for r in losses] == [0, 1, 2]
    assert all(r["loss_cls"] > 0 and 0.0 <= r["reid/cls_accuracy"] <= 1.0 for r in losses)
    results = json.loads((out / "eval_results.json").read_text())["reid"]
    assert set(results) == {"mAP", "R1", "R5", "R10", "R20"}
    assert 0.0 < results["mAP"] <= 100.0 and results["R1"] <= results["R5"] <= results["R20"]
    assert "copypaste: mAP,R1,R5,R10,R20" in result.stdout + result.stderr
