import os
import subprocess
import sys

from d2track.data.datasets import staging
from d2track.data.datasets.synthetic import ensure_synthetic_videos

TINY = dict(num_videos=1, num_frames=2, height=32, width=32)


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_generation_removes_stale_staging_folders_of_dead_processes_only(tmp_path):
    host = staging._host()
    dead = f".mot_train_0123456789.{host}.{_dead_pid()}.k3j_x9ab.tmp"
    live = f".mot_train_0123456789.{host}.{os.getppid()}.a1b2c3d4.tmp"  # our parent runs
    other_host = f".mot_train_0123456789.elsewhere-{host}.{_dead_pid()}.a1b2c3d4.tmp"
    unknown = ".mot_train_0123456789.x8y7z6w5.tmp"  # no host and pid: not ours to judge
    for name in (dead, live, other_host, unknown):
        (tmp_path / name / "images").mkdir(parents=True)
    json_file, _ = ensure_synthetic_videos("mot", "train", root=str(tmp_path), **TINY)
    dataset = os.path.basename(os.path.dirname(json_file))
    assert sorted(os.listdir(tmp_path)) == sorted([dataset, live, other_host, unknown])


def test_staging_folder_names_host_and_pid(tmp_path):
    path = staging.make_staging_dir(str(tmp_path), "vid_val_abc")
    name = os.path.basename(path)
    assert name.startswith(f".vid_val_abc.{staging._host()}.{os.getpid()}.")
    assert name.endswith(".tmp") and staging._STAGING.match(name)
    assert staging.remove_stale_staging_dirs(str(tmp_path)) == []  # this process runs
