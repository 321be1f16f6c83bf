"""SiamFC-style crop geometry at test time, as MMTracking 0.x ``SiamRPN`` computes it.

Boxes are (K, 4) float32 ``(cx, cy, w, h)`` in image pixels; every formula is evaluated in
float32 torch ops in the same order as ``mmtrack/models/sot/siamrpn.py`` (``init``, ``track``,
``get_cropped_img``, ``_bbox_clip``), so that crop windows land on the same integer pixels:

* context size ``sqrt((w + p) * (h + p))`` with ``p = context_amount * (w + h)``;
* the template crop spans ``round(context size)`` pixels (round half to even), the search crop
  ``round(context size * search_size / template_size)`` pixels around the previous box;
* a crop of size ``s`` around ``(cx, cy)`` covers the integer pixels ``int(cx - s / 2) ..
  int(cx + s / 2)`` (``int`` truncates toward zero) on each axis, both ends included, except
  that where the window passes the right (bottom) image border it loses its last column (row):
  MMTracking pads ``x1 - W`` columns but slices one more, so the slice stops at the padding's
  end. Pixels outside the image take the frame's mean colour (per channel, float32);
* the crop is resized to the network's input size by bilinear interpolation without corner
  alignment (``F.interpolate(..., mode="bilinear", align_corners=False)``, no antialiasing).
"""

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "boxes_to_cxcywh",
    "cxcywh_to_boxes",
    "clip_cxcywh",
    "context_size",
    "crop_and_resize",
    "crop_windows",
    "image_tensor",
    "mean_colour",
]


def boxes_to_cxcywh(boxes):
    """(K, 4) ``XYXY_ABS`` (float64 ndarray) -> (K, 4) float32 Tensor ``(cx, cy, w, h)``.

    Computed in float64 and rounded once, which equals MMTracking's float32
    ``bbox_xyxy_to_cxcywh`` for float32 inputs and is exact for boxes made by
    :func:`cxcywh_to_boxes`.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    cxcywh = np.stack(
        [
            (boxes[:, 0] + boxes[:, 2]) / 2,
            (boxes[:, 1] + boxes[:, 3]) / 2,
            boxes[:, 2] - boxes[:, 0],
            boxes[:, 3] - boxes[:, 1],
        ],
        axis=1,
    )
    return torch.from_numpy(cxcywh.astype(np.float32))


def cxcywh_to_boxes(cxcywh):
    """(K, 4) ``(cx, cy, w, h)`` Tensor -> (K, 4) float32 ``XYXY_ABS`` (MMTracking's order)."""
    cx, cy, w, h = cxcywh.unbind(dim=1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], dim=1)


def clip_cxcywh(cxcywh, image_size, *, min_size=10.0):
    """Clip centres into the image and sizes to ``[min_size, image side]`` (``_bbox_clip``).

    Args:
        cxcywh (Tensor): (K, 4) boxes.
        image_size (tuple[int, int]): (H, W).
        min_size (float): smallest width and height (MMTracking: 10 px).

    Returns:
        Tensor: (K, 4) clipped copy.
    """
    h, w = image_size
    out = cxcywh.clone()
    out[:, 0] = out[:, 0].clamp(0.0, w)
    out[:, 1] = out[:, 1].clamp(0.0, h)
    out[:, 2] = out[:, 2].clamp(min_size, w)
    out[:, 3] = out[:, 3].clamp(min_size, h)
    return out


def context_size(cxcywh, context_amount):
    """(K,) float32 side of the context square ``sqrt((w + p) (h + p))``, ``p = a (w + h)``."""
    w, h = cxcywh[:, 2], cxcywh[:, 3]
    return torch.sqrt((w + context_amount * (w + h)) * (h + context_amount * (w + h)))


def crop_windows(centers, sizes):
    """Integer crop windows ``(x0, y0, x1, y1)``, both ends included, before border effects.

    Args:
        centers (Tensor): (K, 2) float32 crop centres.
        sizes (Tensor): (K,) float32 crop sides (already rounded by the caller).

    Returns:
        Tensor: (K, 4) int64 ``int(c - s / 2)``, ``int(c + s / 2)`` per axis.
    """
    half = (sizes / 2)[:, None]
    return torch.cat([torch.trunc(centers - half), torch.trunc(centers + half)], dim=1).long()


def crop_and_resize(image, window, out_size, pad_value):
    """Cut one window out of ``image`` (mean-padded outside it) and resize it.

    Args:
        image (Tensor): (C, H, W) float32 frame.
        window (sequence[int]): ``(x0, y0, x1, y1)`` from :func:`crop_windows`.
        out_size (int): side of the output.
        pad_value (Tensor): (C,) colour of the pixels outside the image.

    Returns:
        Tensor: (C, out_size, out_size) float32.
    """
    _, height, width = image.shape
    x0, y0, x1, y1 = (int(v) for v in window)
    # MMTracking's slice end is one past the padding when the window passes the border.
    x_end, y_end = (x1 if x1 >= width else x1 + 1), (y1 if y1 >= height else y1 + 1)
    crop = pad_value[:, None, None].expand(-1, y_end - y0, x_end - x0).clone()
    ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x_end, width), min(y_end, height)
    if ix1 > ix0 and iy1 > iy0:
        crop[:, iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = image[:, iy0:iy1, ix0:ix1]
    resized = F.interpolate(
        crop[None], size=(out_size, out_size), mode="bilinear", align_corners=False
    )
    return resized[0]


def image_tensor(image, device=None):
    """(H, W, C) uint8 ndarray -> contiguous (C, H, W) float32 Tensor on ``device``."""
    chw = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
    return chw.to(device=device, dtype=torch.float32)


def mean_colour(image):
    """(C,) float32 per-channel mean of a (C, H, W) float32 frame (MMTracking's padding)."""
    return image[None].mean(dim=(0, 2, 3))
