"""kill -9 during training, then --resume: the same final weights as an uninterrupted run (CPU)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "lazyconfig_train_net.py"
CONFIG = REPO / "configs" / "demo" / "faster_rcnn_r18_fpn_400it_synthetic_shapes.py"
MAX_ITER, PERIOD, KILL_AFTER = 8, 3, 6  # checkpoints after iterations 2, 5 and 7 (final)
OPTS = [
    "dataloader.train.dataset.names=synthetic_shapes_mini",
    "dataloader.test.dataset.names=synthetic_shapes_mini",
    "dataloader.train.total_batch_size=2",
    "dataloader.train.num_workers=1",  # samples are mapped in a worker, as in real runs
    "dataloader.test.num_workers=0",
    "train.seed=0",
    "train.log_period=1",
    f"train.max_iter={MAX_ITER}",
    f"train.checkpointer.period={PERIOD}",
    "train.eval_period=0",
]


def _start(out, *args):
    cmd = [sys.executable, str(TOOL), "--config-file", str(CONFIG), *args]
    cmd += OPTS + [f"train.output_dir={out}"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen(
        cmd, cwd=out.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def _finish(proc, timeout=300):
    _, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr[-4000:]


def _iterations(out):
    path = out / "metrics.json"
    lines = path.read_text().splitlines() if path.is_file() else []
    return [json.loads(r)["iteration"] for r in lines if r.endswith("}") and "total_loss" in r]


def _kill_after(proc, out, iteration, timeout=300):
    deadline = time.monotonic() + timeout
    while not any(i >= iteration for i in _iterations(out)):
        assert proc.poll() is None, proc.stderr.read()[-4000:]
        assert time.monotonic() < deadline, "training too slow"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _weights(path):
    return torch.load(path, map_location="cpu")["model"]


def test_kill_and_resume_gives_the_uninterrupted_weights(tmp_path):
    full, killed = tmp_path / "full", tmp_path / "killed"
    reference = _start(full)
    victim = _start(killed)
    _kill_after(victim, killed, KILL_AFTER)
    assert not (killed / "model_final.pth").exists()
    assert (killed / "last_checkpoint").read_text() == "model_0000005.pth"
    _finish(_start(killed, "--resume"))
    _finish(reference)

    expected, got = _weights(full / "model_final.pth"), _weights(killed / "model_final.pth")
    assert expected.keys() == got.keys()
    differing = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert differing == []
    assert _iterations(killed) == list(range(MAX_ITER))  # redone iterations logged once
