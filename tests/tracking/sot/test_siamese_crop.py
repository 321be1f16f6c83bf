"""SiamRPN++ crop geometry against hand-computed windows, padding and crops."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from d2track.tracking.sot.crop import (
    boxes_to_cxcywh,
    clip_cxcywh,
    context_size,
    crop_and_resize,
    crop_windows,
    cxcywh_to_boxes,
    image_tensor,
    mean_colour,
)


def _box(cx, cy, w, h):
    return torch.tensor([[cx, cy, w, h]], dtype=torch.float32)


def test_context_and_crop_sizes():
    # w=40, h=20: p = 0.5 * 60 = 30, sqrt(70 * 50) = 59.16; search side 59.16 * 255 / 127.
    z = context_size(_box(100.5, 50.25, 40, 20), 0.5)
    assert z.dtype == torch.float32
    assert z.item() == pytest.approx(59.1608, abs=1e-4)
    assert torch.round(z).item() == 59
    assert torch.round(z * (255 / 127)).item() == 119
    # round half to even, as torch.round: sqrt((w + p)(h + p)) = 58.5 exactly.
    assert torch.round(torch.tensor(58.5)).item() == 58


def test_crop_windows_truncate_toward_zero():
    centers = torch.tensor([[100.5, 50.25], [10.0, 10.0], [0.0, 3.0]])
    sizes = torch.tensor([59.0, 59.0, 9.0])
    windows = crop_windows(centers, sizes)
    assert windows.dtype == torch.int64
    # 100.5 -/+ 29.5 = 71, 130; 50.25 -/+ 29.5 = 20.75 -> 20, 79.75 -> 79
    # 10 - 29.5 = -19.5 -> -19 (toward zero, not floor); 0 - 4.5 -> -4; 3 - 4.5 = -1.5 -> -1
    assert windows.tolist() == [[71, 20, 130, 79], [-19, -19, 39, 39], [-4, -1, 4, 7]]


def _image(height=6, width=10):
    values = np.arange(height * width * 3, dtype=np.float32).reshape(3, height, width)
    return torch.from_numpy(values)


def test_crop_pads_with_mean_colour_outside_image():
    image = _image()
    pad = torch.tensor([-1.0, -2.0, -3.0])
    # window x -2..1, y -1..2: 4 x 4 pixels (an identity resize), 2 columns and 1 row padded
    crop = crop_and_resize(image, (-2, -1, 1, 2), 4, pad)
    expected = pad[:, None, None].expand(3, 4, 4).clone()
    expected[:, 1:, 2:] = image[:, 0:3, 0:2]
    torch.testing.assert_close(crop, expected)


def test_crop_loses_last_column_past_right_border():
    image = _image()
    pad = torch.tensor([0.5, 0.5, 0.5])
    # x1 = 12 >= W = 10: columns 7..11 (5), not 7..12; y 0..4 is inside: 5 rows
    crop = crop_and_resize(image, (7, 0, 12, 4), 5, pad)
    expected = pad[:, None, None].expand(3, 5, 5).clone()
    expected[:, :, :3] = image[:, 0:5, 7:10]
    torch.testing.assert_close(crop, expected)
    # x1 = 10 == W: no padding, but the slice still stops at column 9
    crop = crop_and_resize(image, (6, 1, 10, 4), 4, pad)
    torch.testing.assert_close(crop, image[:, 1:5, 6:10])
    # inside the image both ends are kept
    torch.testing.assert_close(crop_and_resize(image, (2, 1, 5, 4), 4, pad), image[:, 1:5, 2:6])


def _reference_crop(image, window, out_size, pad):
    """Pad the whole frame, then slice ``[x0, x1 + 1)``, as the MMTracking docstring reads."""
    c, h, w = image.shape
    x0, y0, x1, y1 = window
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = max(0, x1 - w), max(0, y1 - h)
    padded = pad[:, None, None].expand(c, h + top + bottom, w + left + right).clone()
    padded[:, top : top + h, left : left + w] = image
    crop = padded[:, y0 + top : y1 + top + 1, x0 + left : x1 + left + 1]
    return F.interpolate(crop[None], size=(out_size, out_size), mode="bilinear")[0]


def test_crop_matches_pad_then_slice_on_random_windows():
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.uniform(0, 255, size=(3, 40, 60)).astype(np.float32))
    pad = mean_colour(image)
    centers = torch.from_numpy(rng.uniform(-5, 65, size=(50, 2)).astype(np.float32))
    sizes = torch.round(torch.from_numpy(rng.uniform(3, 80, size=50).astype(np.float32)))
    for window in crop_windows(centers, sizes).tolist():
        if window[0] >= 60 or window[1] >= 40:
            continue
        ours = crop_and_resize(image, window, 17, pad)
        torch.testing.assert_close(ours, _reference_crop(image, window, 17, pad))


def test_crop_of_synthetic_image_resizes_bilinearly():
    frame = np.zeros((20, 20, 3), dtype=np.uint8)
    frame[:, 10:] = 200  # left half 0, right half 200
    image = image_tensor(frame)
    assert image.shape == (3, 20, 20) and image.dtype == torch.float32
    pad = mean_colour(image)
    torch.testing.assert_close(pad, torch.full((3,), 100.0))
    # 8x8 window centred on the edge, resized to 4x4: each output pixel averages a 2x2 block
    crop = crop_and_resize(image, (6, 6, 13, 13), 4, pad)
    torch.testing.assert_close(crop[0, 0], torch.tensor([0.0, 0.0, 200.0, 200.0]))


def test_clip_and_box_conversions():
    boxes = torch.tensor([[-5.0, 250.0, 3.0, 400.0], [50.0, 20.0, 20.0, 12.5]])
    clipped = clip_cxcywh(boxes, (200, 300))
    assert clipped.tolist() == [[0.0, 200.0, 10.0, 200.0], [50.0, 20.0, 20.0, 12.5]]
    assert boxes[0, 0] == -5.0  # not in place
    xyxy = np.array([[10.0, 20.0, 41.0, 30.5]])
    cxcywh = boxes_to_cxcywh(xyxy)
    assert cxcywh.dtype == torch.float32
    assert cxcywh.tolist() == [[25.5, 25.25, 31.0, 10.5]]
    assert cxcywh_to_boxes(cxcywh).tolist() == xyxy.tolist()
