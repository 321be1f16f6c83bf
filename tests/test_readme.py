"""The README's examples run as written."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def run_block(marker, check, cwd):
    """Run the README's python block containing ``marker``, then ``check``, in ``cwd``."""
    block = next(b for b in python_blocks((REPO / "README.md").read_text()) if marker in b)
    result = subprocess.run(
        [sys.executable, "-c", block + check + "\nprint('README OK')\n"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "README OK" in result.stdout


def test_video_data_example_runs(tmp_path, _datasets_root):
    check = (
        "\nassert batch[0]['image'].shape[0] == 3 and len(batch) == 2\n"
        "assert len(batch[0]['ref_frames']) == 2\n"
        "assert batch[0]['instances'].has('gt_match_indices')\n"
    )
    run_block("VideoFrameDataset", check, tmp_path)


def test_mot_evaluation_example_runs(tmp_path, _datasets_root):
    check = (
        "\nassert (mot['HOTA'], mot['MOTA'], mot['IDF1']) == (100.0, 100.0, 100.0)\n"
        "import os\nassert len(os.listdir('output/mot_eval/mot_results')) == 10\n"
    )
    run_block("MOTEvaluator", check, tmp_path)


def test_tracker_example_runs(tmp_path):
    run_block("ByteTracker()", "\nassert ids == [[0]] * 6, ids\n", tmp_path)
