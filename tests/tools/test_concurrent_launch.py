"""Two 2-process trainings started together on one machine both finish (no port collision)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "lazyconfig_train_net.py"
CONFIG = REPO / "configs" / "demo" / "faster_rcnn_r18_fpn_400it_synthetic_shapes.py"
TINY = [
    "dataloader.train.dataset.names=synthetic_shapes_mini",
    "dataloader.train.total_batch_size=2",
    "dataloader.train.num_workers=0",
    "train.max_iter=1",
    "train.eval_period=0",
]


def _start(out):
    # Own datasets root: the two runs must not race on generating the synthetic split.
    env = dict(os.environ, DETECTRON2_DATASETS=str(out.parent / f"{out.name}_datasets"))
    env["OMP_NUM_THREADS"] = "1"  # 4 processes share the cores
    cmd = [sys.executable, str(TOOL), "--config-file", str(CONFIG), "--num-gpus", "2"]
    cmd += TINY + [f"train.output_dir={out}"]
    return subprocess.Popen(
        cmd, cwd=out.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_multi_process_trainings_started_together_both_finish(tmp_path):
    runs = {name: _start(tmp_path / name) for name in ("a", "b")}
    for name, proc in runs.items():
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"run {name}:\n{stderr[-4000:]}"
        assert (tmp_path / name / "model_final.pth").is_file()
