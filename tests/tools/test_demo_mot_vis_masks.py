"""tools/demo/demo_mot_vis.py with a VIS model: masks drawn in the track's colour."""

import runpy
from pathlib import Path

import cv2
import numpy as np
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.structures import Boxes, Instances

from d2track.utils.testing import count_video_frames, run_tool_main

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py"


def one_track(track_id):
    inst = Instances((40, 60))
    inst.pred_boxes = Boxes(torch.tensor([[5.0, 5.0, 55.0, 35.0]]))
    inst.scores = torch.tensor([0.9])
    inst.ID = torch.tensor([track_id])
    mask = torch.zeros(1, 40, 60, dtype=torch.bool)
    mask[0, 15:25, 20:40] = True
    inst.pred_masks = mask
    return inst


def test_masks_are_filled_with_the_id_colour():
    draw = runpy.run_path(str(REPO / "tools/demo/demo_mot_vis.py"), run_name="tool")["draw"]
    black = np.zeros((40, 60, 3), np.uint8)
    image = draw(black, one_track(3), 0.0)
    assert image.shape == (40, 60, 3)
    assert image[20, 30].any()  # inside the mask
    assert not image[20, 12].any()  # inside the box, outside the mask
    again = draw(black, one_track(3), 0.0)
    np.testing.assert_array_equal(image[20, 30], again[20, 30])  # one colour per ID
    assert (draw(black, one_track(4), 0.0)[20, 30] != image[20, 30]).any()
    assert not draw(black, one_track(3), 0.95).any()  # under --score-thr: nothing drawn


def test_demo_tracks_a_folder_with_masktrack_rcnn(tmp_path):
    frames_folder = tmp_path / "frames"
    frames_folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        cv2.imwrite(str(frames_folder / f"{i}.png"), rng.integers(0, 255, (64, 80, 3), np.uint8))
    torch.manual_seed(0)
    model = instantiate(LazyConfig.load(str(TINY)).model)
    torch.save({"model": model.state_dict()}, tmp_path / "random.pth")
    out = tmp_path / "tracked.mp4"
    run_tool_main(
        REPO / "tools/demo/demo_mot_vis.py",
        "--config-file",
        TINY,
        "--weights",
        tmp_path / "random.pth",
        "--input",
        frames_folder,
        "--output",
        out,
        "--device",
        "cpu",
        "--score-thr",
        "0.3",
    )
    assert count_video_frames(out) == 3
