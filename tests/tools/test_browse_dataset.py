import importlib.util
from pathlib import Path

import cv2
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.utils.testing import make_video_dicts
from d2track.utils.video_io import read_video_frames

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("browse_dataset", REPO / "tools/browse_dataset.py")
browse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(browse)


def register(tmp_path, name):
    if name not in DatasetCatalog.list():
        dicts = make_video_dicts(tmp_path, lengths=(3, 2), height=24, width=32)
        DatasetCatalog.register(name, lambda: dicts)
        MetadataCatalog.get(name).set(thing_classes=["a", "b"])
    return name


def test_browse_writes_an_mp4_that_opencv_plays(tmp_path):
    name = register(tmp_path, "d2track_test_browse_mp4")
    out = tmp_path / "out" / "browse.mp4"
    browse.main(
        [
            "--dataset",
            name,
            "--output",
            str(out),
            "--ref-method",
            "uniform",
            "--num-ref-imgs",
            "2",
            "--frame-range",
            "2",
        ]
    )
    frames = list(read_video_frames(str(out)))
    assert len(frames) == 5
    assert frames[0].shape == (24, 32 * 3, 3)  # key + 2 reference panels
    assert [p.name for p in out.parent.iterdir()] == ["browse.mp4"]


def test_browse_writes_pngs_with_drawn_boxes(tmp_path):
    name = register(tmp_path, "d2track_test_browse_png")
    out = tmp_path / "pngs"
    browse.main(["--dataset", name, "--output", str(out), "--num-videos", "1", "--scale", "2"])
    assert sorted(p.name for p in out.iterdir()) == ["0_0.png", "0_1.png", "0_2.png"]
    image = cv2.imread(str(out / "0_1.png"))
    assert image.shape == (48, 64, 3)
    # The frame is uniform grey (10); the drawn box of instance 100 (x 5..11, y 4..9) is not.
    assert (image[8:18, 10:22] != 10).any()
