import numpy as np
import pytest

from d2track.utils.video_io import atomic_video_writer, read_video_frames
from d2track.utils.visualizer import draw_tracks, id_color


def test_write_then_read_back(tmp_path):
    path = tmp_path / "v.mp4"
    with atomic_video_writer(str(path), fps=5, frame_size=(32, 24)) as writer:
        for value in (0, 128, 255):
            writer.write(np.full((24, 32, 3), value, dtype=np.uint8))
    frames = list(read_video_frames(str(path)))
    assert len(frames) == 3 and frames[0].shape == (24, 32, 3)
    assert [int(round(f.mean())) for f in frames] == pytest.approx([0, 128, 255], abs=6)  # lossy


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_video_writer(str(tmp_path / "v.mp4"), fps=5, frame_size=(8, 8)) as writer:
            writer.write(np.zeros((8, 8, 3), dtype=np.uint8))
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_read_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        next(read_video_frames(str(tmp_path / "missing.mp4")))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(ValueError, match="bad.mp4"):
        next(read_video_frames(str(bad)))


def test_shared_demo_clip_decodes():
    import os
    from pathlib import Path

    shared = os.environ.get("D2TRACK_SHARED", Path(__file__).resolve().parents[3] / "shared")
    clip = Path(shared) / "data" / "demo.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is not present (set $D2TRACK_SHARED to the shared folder)")
    first = next(read_video_frames(str(clip)))
    assert first.ndim == 3 and first.shape[2] == 3 and first.mean() > 0


def test_id_colours_are_stable_and_distinct():
    assert id_color(3) == id_color(3)
    assert len({tuple(np.round(id_color(i), 3)) for i in range(50)}) == 50
    image = np.zeros((40, 40, 3), dtype=np.uint8)
    drawn = draw_tracks(image, boxes=np.array([[5, 5, 30, 30]]), instance_ids=[7])
    assert drawn.shape == (40, 40, 3) and drawn[5:31, 5].any() and not drawn[35:, 35:].any()
    assert not draw_tracks(image, boxes=np.zeros((0, 4)), instance_ids=[]).any()


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_written_video_has_usual_mode(tmp_path, umask):
    import os

    from d2track.utils.demo_output import frame_sink

    old = os.umask(umask)
    try:
        path = tmp_path / "v.mp4"
        with atomic_video_writer(str(path), fps=5, frame_size=(8, 8)) as writer:
            writer.write(np.zeros((8, 8, 3), dtype=np.uint8))
        demo = tmp_path / "demo.mp4"
        with frame_sink(str(demo), fps=5) as write:
            write(0, np.zeros((8, 8, 3), dtype=np.uint8))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # 0o644 under 022, not mkstemp's 0o600
    assert demo.stat().st_mode & 0o777 == 0o666 & ~umask
