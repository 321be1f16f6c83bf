import numpy as np
import pytest
from detectron2.data import transforms as T
from detectron2.structures import BoxMode

from d2track.data.transforms import augment_clip, transform_clip_annotations


def clip(num_frames=3, h=20, w=30):
    """Frames whose pixel (y, x) encodes x, and frame index in channel 1."""
    frames = []
    for i in range(num_frames):
        frame = np.zeros((h, w, 3), dtype=np.uint8)
        frame[:, :, 0] = np.arange(w, dtype=np.uint8)[None, :]
        frame[:, :, 1] = i
        frames.append(frame)
    return frames


def test_flip_is_drawn_once_for_all_frames():
    frames = clip()
    outcomes = set()
    for seed in range(12):
        np.random.seed(seed)  # Detectron2 augmentations draw from numpy's global RNG
        out, transforms = augment_clip([T.RandomFlip(prob=0.5)], frames)
        flipped = [bool(f[0, 0, 0] == 29) for f in out]
        assert len(set(flipped)) == 1, f"seed {seed}: frames disagree {flipped}"
        assert [int(f[0, 0, 1]) for f in out] == [0, 1, 2]
        outcomes.add(flipped[0])
    assert outcomes == {True, False}


def test_resize_crop_and_photometric_share_parameters():
    frames = clip(h=40, w=60)
    augs = [
        T.ResizeShortestEdge(short_edge_length=(20, 30), sample_style="choice", max_size=100),
        T.RandomCrop("absolute", (10, 12)),
        T.RandomBrightness(0.5, 1.5),
    ]
    np.random.seed(3)
    out, transforms = augment_clip(augs, frames)
    assert {f.shape for f in out} == {(10, 12, 3)}
    # Same crop window and brightness: the x-coded channel is identical in every frame.
    for f in out[1:]:
        np.testing.assert_array_equal(f[:, :, 0], out[0][:, :, 0])
    assert len(transforms.transforms) >= 3


def test_annotations_follow_the_frames_and_keep_fields():
    frames = clip(h=20, w=30)
    annos = [
        {"bbox": [2, 3, 5, 4], "bbox_mode": BoxMode.XYWH_ABS, "category_id": 1, "instance_id": 7,
         "visibility": 0.5, "iscrowd": 0,
         "segmentation": [[2.0, 3.0, 7.0, 3.0, 7.0, 7.0, 2.0, 7.0]]},
    ]  # fmt: skip
    out, transforms = augment_clip([T.HFlipTransform(30)], frames)
    new = transform_clip_annotations(annos, transforms, out[0].shape[:2])
    assert new[0]["bbox_mode"] == BoxMode.XYXY_ABS
    np.testing.assert_allclose(new[0]["bbox"], [23, 3, 28, 7])
    np.testing.assert_allclose(new[0]["segmentation"][0][:2], [28, 3])
    assert (new[0]["instance_id"], new[0]["visibility"], new[0]["category_id"]) == (7, 0.5, 1)
    assert annos[0]["bbox"] == [2, 3, 5, 4]  # the input is not modified


def test_rle_masks_are_transformed():
    from pycocotools import mask as mask_util

    mask = np.zeros((20, 30), dtype=np.uint8, order="F")
    mask[2:5, 1:4] = 1
    rle = mask_util.encode(mask)
    anno = {"bbox": [1, 2, 3, 3], "bbox_mode": BoxMode.XYWH_ABS, "category_id": 0,
            "segmentation": rle}  # fmt: skip
    out, transforms = augment_clip([T.HFlipTransform(30)], clip())
    new = transform_clip_annotations([anno], transforms, (20, 30))[0]
    flipped = new["segmentation"]
    assert flipped.shape == (20, 30) and flipped[2:5, 26:29].all() and flipped.sum() == 9


def test_frames_of_different_sizes_are_rejected():
    with pytest.raises(ValueError, match="same"):
        augment_clip([T.RandomFlip()], [np.zeros((4, 5, 3)), np.zeros((4, 6, 3))])
    with pytest.raises(ValueError, match="at least one frame"):
        augment_clip([T.RandomFlip()], [])
