"""benchmarks/bench_tracker_association.py: synthetic video, timing loop, BoxMOT hook."""

import importlib.util
import sys
from pathlib import Path

import pytest

from d2track.tracking import ByteTracker

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/bench_tracker_association.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_tracker_association", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_video_and_run_count_id_changes(bench):
    frames = bench.make_video(6, 12, p_missing=0.0, p_low=0.0)
    assert [len(f) for f in frames] == [6] * 12
    assert frames[0].gt.tolist() == list(range(6))
    result = bench.run(ByteTracker(), frames, warmup=2)
    assert result["output_per_frame"] == 6  # every object tracked in every frame
    assert result["id_changes_per_1k"] == 0 and result["frames_without_id_change"] == 1.0
    assert result["ms_per_frame"] > 0


def test_compare_boxmot_without_boxmot_says_how_to_get_it(bench, monkeypatch):
    monkeypatch.setitem(sys.modules, "boxmot", None)  # import boxmot -> ImportError
    with pytest.raises(SystemExit, match="pip install boxmot"):
        bench.BoxMOTByteTrack()
