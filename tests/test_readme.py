"""The README's data-layer example runs as written."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_video_data_example_runs(tmp_path, _datasets_root):
    block = next(
        b for b in python_blocks((REPO / "README.md").read_text()) if "VideoFrameDataset" in b
    )
    check = (
        "\nassert batch[0]['image'].shape[0] == 3 and len(batch) == 2\n"
        "assert len(batch[0]['ref_frames']) == 2\n"
        "assert batch[0]['instances'].has('gt_match_indices')\n"
        "print('README OK')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", block + check],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "README OK" in result.stdout
