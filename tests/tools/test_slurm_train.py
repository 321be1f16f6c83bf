"""tools/slurm_train.sh builds the right multi-node command (with fake srun/scontrol)."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _fake(bin_dir, name, body):
    path = bin_dir / name
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def test_slurm_train_passes_rendezvous_and_ranks(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "srun_args.txt"
    # srun: record its options, then run the task as node 1 of a 2-node job.
    _fake(
        bin_dir,
        "srun",
        f"""
args=(); while [[ "$1" == -* ]]; do args+=("$1"); shift; done
echo "${{args[@]}}" > {log}
SLURM_JOB_NODELIST=node[01-02] SLURM_NNODES=2 SLURM_NODEID=1 "$@"
""",
    )
    _fake(bin_dir, "scontrol", "echo node01; echo node02\n")
    _fake(bin_dir, "fakepython", 'printf "%s\\n" "$@"\n')
    env = dict(
        os.environ,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        PORT="29999",
        PYTHON=str(bin_dir / "fakepython"),
    )
    cmd = ["bash", "tools/slurm_train.sh", "gpu", "job", "cfg.py", "2", "8", "a=1", "--resume"]
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:-1] == [
        "tools/lazyconfig_train_net.py",
        "--config-file",
        "cfg.py",
        "--num-gpus",
        "8",
        "--num-machines",
        "2",
        "--machine-rank",
        "1",
        "--dist-url",
        "tcp://node01:29999",
        "a=1",
        "--resume",
    ]
    assert (
        "--partition=gpu --job-name=job --nodes=2 --ntasks-per-node=1 --gres=gpu:8"
        in log.read_text()
    )


def test_slurm_train_usage_error():
    out = subprocess.run(["bash", "tools/slurm_train.sh"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2 and "Usage:" in out.stderr
