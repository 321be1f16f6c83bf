"""tools/demo/demo_mot_vis.py and tools/analysis/mot_param_search.py on the synthetic MOT config."""

import json
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from d2track.utils.testing import serve_video_url

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py")
RANDOM = "model.detector_weights=null"  # an untrained detector, on purpose


def run_tool(relpath, *args):
    """Run a tool's ``main`` in this process (the tiny model builds in about a second)."""
    argv = sys.argv
    sys.argv = [relpath, *map(str, args)]
    try:
        module = runpy.run_path(str(REPO / relpath), run_name="tool")
        return module["main"]()
    finally:
        sys.argv = argv


@pytest.fixture
def frames_folder(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in (1, 2, 10):  # natural order: 1, 2, 10
        cv2.imwrite(str(folder / f"frame{i}.png"), rng.integers(0, 255, (64, 80, 3), np.uint8))
    return folder


def test_demo_mot_vis_writes_every_frame(frames_folder, tmp_path):
    out = tmp_path / "tracked.mp4"
    run_tool(
        "tools/demo/demo_mot_vis.py",
        "--config-file",
        CONFIG,
        "--input",
        frames_folder,
        "--output",
        out,
        "--device",
        "cpu",
        RANDOM,
    )
    capture = cv2.VideoCapture(str(out))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == 3
    folder = tmp_path / "out"
    run_tool(
        "tools/demo/demo_mot_vis.py",
        "--config-file",
        CONFIG,
        "--input",
        frames_folder,
        "--output",
        folder,
        "--device",
        "cpu",
        "--max-frames",
        "2",
        RANDOM,
    )
    assert sorted(p.name for p in folder.iterdir()) == ["000000.jpg", "000001.jpg"]


def test_demo_mot_vis_reads_a_stream_url(frames_folder, tmp_path):
    frames = [cv2.imread(str(p)) for p in sorted(frames_folder.iterdir())]
    with serve_video_url(frames) as url:
        run_tool(
            "tools/demo/demo_mot_vis.py",
            "--config-file",
            CONFIG,
            "--input",
            url,
            "--output",
            tmp_path / "out",
            "--device",
            "cpu",
            RANDOM,
        )
    written = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in written] == ["000000.jpg", "000001.jpg", "000002.jpg"]
    assert cv2.imread(str(written[0])).shape == (64, 80, 3)


def test_demo_mot_vis_errors(frames_folder, tmp_path):
    with pytest.raises(SystemExit):
        run_tool("tools/demo/demo_mot_vis.py", "--config-file", CONFIG, "--input", frames_folder)
    with pytest.raises(FileNotFoundError, match="missing_input"):
        run_tool(
            "tools/demo/demo_mot_vis.py",
            "--config-file",
            CONFIG,
            "--input",
            tmp_path / "missing_input",
            "--output",
            tmp_path / "o.mp4",
        )


def test_mot_param_search_scores_every_combination(tmp_path):
    rows = run_tool(
        "tools/analysis/mot_param_search.py",
        "--config-file",
        CONFIG,
        "--output",
        tmp_path,
        "--device",
        "cpu",
        "dataloader.test.dataset_dicts.num_videos=1",
        "dataloader.test.num_workers=0",
        "model.tracker.init_track_thr=[0.0,0.99]",
        RANDOM,
    )
    assert [r["params"] for r in rows] == [{"init_track_thr": 0.0}, {"init_track_thr": 0.99}]
    saved = json.loads((tmp_path / "param_search.json").read_text())
    assert saved["rows"] == rows and saved["metrics"] == ["HOTA", "MOTA", "IDF1"]
    # an untrained detector: nothing scores above 0.99, so that run starts no track at all
    low, high = (r["results"] for r in rows)
    assert high["HOTA"] == 0.0 and high["IDF1"] == 0.0
    assert all(isinstance(v, float) for v in low.values())
    assert (tmp_path / "mot_results").is_dir()
