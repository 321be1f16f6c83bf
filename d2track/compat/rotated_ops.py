"""Pure PyTorch/torchvision replacements for detectron2's compiled rotated-box ops.

Reference: the detectron2 v0.6 C++/CUDA kernels behind ``detectron2._C.box_iou_rotated``,
``torch.ops.detectron2.nms_rotated`` (CPU kernel) and ``detectron2._C.roi_align_rotated_forward``
/ ``_backward``. The call signatures match ``detectron2.layers.rotated_boxes``,
``detectron2.layers.nms`` and ``detectron2.layers.roi_align_rotated``.

Rotated boxes are ``(cx, cy, w, h, angle)`` with the angle in degrees, counter-clockwise as seen
in image coordinates (y pointing down), as in detectron2.

How the ops were checked (``tests/compat/test_rotated_ops.py``):

* ``box_iou_rotated``: against ``torchvision.ops.box_iou`` for angle 0 and against shapely polygon
  IoU (float64) for random rotated boxes.
* ``nms_rotated``: against ``torchvision.ops.nms`` for angle 0 and against a brute-force greedy
  loop over shapely IoUs for random rotated boxes, including the ``IoU == threshold`` case.
* ``roi_align_rotated``: against ``torchvision.ops.roi_align(..., aligned=True)`` for angle 0 and
  against a scalar Python transcription of the kernel's sampling and border rules for arbitrary
  angles; input gradients with ``torch.autograd.gradcheck``.
"""

import math
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
import torchvision  # noqa: F401  (importing registers torch.ops.torchvision.box_iou_rotated)
from torch import Tensor

__all__ = ["box_iou_rotated", "nms_rotated", "roi_align_rotated"]

# Upper bound on the number of bilinear taps (samples x 4 corners) that roi_align_rotated builds
# index/weight tensors for at once; larger groups of rois are processed in chunks.
_MAX_TAPS_PER_CHUNK = 1 << 22


def _check_rotated_boxes(boxes: Tensor, name: str) -> None:
    """Raises ValueError unless ``boxes`` has shape (N, 5)."""
    if boxes.dim() != 2 or boxes.shape[1] != 5:
        raise ValueError(
            f"{name} must have shape (N, 5) as (cx, cy, w, h, angle_degrees), "
            f"got {tuple(boxes.shape)}"
        )


def box_iou_rotated(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise intersection-over-union of rotated boxes.

    Matches ``detectron2.layers.rotated_boxes.pairwise_iou_rotated``. The computation runs in
    float32 (as the detectron2 kernel does) through ``torch.ops.torchvision.box_iou_rotated``.

    Args:
        boxes1: Tensor[N, 5] of ``(cx, cy, w, h, angle_degrees)``.
        boxes2: Tensor[M, 5] of ``(cx, cy, w, h, angle_degrees)``, on the same device.

    Returns:
        Tensor[N, M] float32 IoU matrix on the boxes' device. Not differentiable.
    """
    _check_rotated_boxes(boxes1, "boxes1")
    _check_rotated_boxes(boxes2, "boxes2")
    if boxes1.device != boxes2.device:
        raise ValueError(f"boxes1 is on {boxes1.device} but boxes2 is on {boxes2.device}")
    n, m = boxes1.shape[0], boxes2.shape[0]
    if n == 0 or m == 0:
        return torch.zeros((n, m), dtype=torch.float32, device=boxes1.device)
    boxes1 = boxes1.detach().to(torch.float32).contiguous()
    boxes2 = boxes2.detach().to(torch.float32).contiguous()
    return torch.ops.torchvision.box_iou_rotated(boxes1, boxes2)


def nms_rotated(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy non-maximum suppression of rotated boxes.

    Matches detectron2's CPU ``nms_rotated`` kernel: boxes are visited in order of decreasing
    score and every later box whose IoU with a kept box is ``>= iou_threshold`` is suppressed.
    (detectron2's CUDA kernel uses ``>``; torchvision's ``nms`` uses ``>`` too.) IoUs are computed
    only for pairs that can overlap, so memory stays O(N).

    Args:
        boxes: Tensor[N, 5] of ``(cx, cy, w, h, angle_degrees)``.
        scores: Tensor[N] of box scores.
        iou_threshold: Boxes overlapping a kept box with IoU >= this value are discarded.

    Returns:
        Tensor[K] int64 indices of the kept boxes, sorted by decreasing score.
    """
    _check_rotated_boxes(boxes, "boxes")
    if scores.dim() != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(
            f"scores must have shape ({boxes.shape[0]},) to match boxes, got {tuple(scores.shape)}"
        )
    if boxes.shape[0] == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    order = scores.detach().sort(descending=True, stable=True)[1]
    keep = _greedy_keep(boxes.detach()[order].to(torch.float32), float(iou_threshold))
    return order[keep.to(order.device)]


def _greedy_keep(boxes: Tensor, iou_threshold: float) -> Tensor:
    """Runs the greedy NMS loop on score-sorted boxes.

    IoUs are computed lazily, as in detectron2's CPU kernel: only between a kept box and the later
    boxes still alive whose circumscribed circles meet its own (boxes whose circles do not meet
    have IoU 0, which suppresses only when ``iou_threshold <= 0``).

    Args:
        boxes: Tensor[N, 5] float32, sorted by decreasing score.
        iou_threshold: suppress when IoU >= this.

    Returns:
        Tensor[K] int64 positions (in sorted order) of the kept boxes.
    """
    n = boxes.shape[0]
    if iou_threshold <= 0:  # every IoU (even 0) reaches the threshold: the best box wins
        return torch.zeros(1, dtype=torch.int64)
    centers, radii = boxes[:, :2], boxes[:, 2:4].norm(dim=1) / 2
    alive = torch.ones(n, dtype=torch.bool, device=boxes.device)
    keep: List[int] = []
    for i in range(n):
        if not bool(alive[i]):
            continue
        keep.append(i)
        rest = torch.nonzero(alive[i + 1 :]).flatten() + (i + 1)
        rest = rest[(centers[rest] - centers[i]).norm(dim=1) < radii[rest] + radii[i]]
        if rest.numel():
            iou = box_iou_rotated(boxes[i : i + 1], boxes[rest])[0]
            alive[rest[iou >= iou_threshold]] = False
    return torch.tensor(keep, dtype=torch.int64)


def roi_align_rotated(
    input: Tensor,
    rois: Tensor,
    output_size: Union[int, Sequence[int]],
    spatial_scale: float,
    sampling_ratio: int,
) -> Tensor:
    """Rotated RoIAlign, matching detectron2's ``ROIAlignRotated`` kernel (always "aligned").

    Each roi is divided into ``output_size`` bins; each bin averages ``grid_h x grid_w`` bilinear
    samples (``sampling_ratio`` per axis, or ``ceil(roi_size / bins)`` when ``sampling_ratio <=
    0``), rotated by the roi angle around the roi center. Differentiable w.r.t. ``input`` through
    autograd; ``rois`` get no gradient. Half-precision inputs are computed in float32.

    Args:
        input: Tensor[N, C, H, W] feature map.
        rois: Tensor[R, 6] of ``(batch_index, cx, cy, w, h, angle_degrees)`` in image coordinates.
        output_size: ``(ph, pw)`` or a single int for square output.
        spatial_scale: Factor mapping roi coordinates to feature-map coordinates.
        sampling_ratio: Samples per bin along each axis; ``<= 0`` chooses them adaptively.

    Returns:
        Tensor[R, C, ph, pw] with the dtype of ``input``.
    """
    out_h, out_w = _check_roi_align_args(input, rois, output_size)
    if rois.shape[0] == 0:
        return input.flatten()[:0].reshape(0, input.shape[1], out_h, out_w)
    dtype = torch.promote_types(input.dtype, torch.float32)
    geometry = _roi_geometry(rois.detach().to(dtype), spatial_scale, input.shape[0])
    features = input.to(dtype).permute(0, 2, 3, 1).reshape(-1, input.shape[1]).contiguous()
    parts, order = [], []
    for grid, members in _grid_groups(geometry[3], geometry[4], (out_h, out_w), sampling_ratio):
        for chunk in members.split(_rois_per_chunk(grid, (out_h, out_w))):
            roi_geometry = [t[chunk] for t in geometry]
            parts.append(_pool_rois(features, input.shape, roi_geometry, (out_h, out_w), grid))
            order.append(chunk)
    # A single part always holds every roi in order; otherwise undo the grouping permutation.
    pooled = parts[0] if len(parts) == 1 else torch.cat(parts)[torch.cat(order).argsort()]
    return pooled.permute(0, 3, 1, 2).contiguous().to(input.dtype)


def _check_roi_align_args(
    input: Tensor, rois: Tensor, output_size: Union[int, Sequence[int]]
) -> Tuple[int, int]:
    """Validates roi_align_rotated arguments and returns ``(ph, pw)``."""
    if input.dim() != 4:
        raise ValueError(f"input must have shape (N, C, H, W), got {tuple(input.shape)}")
    if rois.dim() != 2 or rois.shape[1] != 6:
        raise ValueError(
            "rois must have shape (R, 6) as (batch_index, cx, cy, w, h, angle_degrees), "
            f"got {tuple(rois.shape)}"
        )
    if rois.device != input.device:
        raise ValueError(f"rois is on {rois.device} but input is on {input.device}")
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"output_size must be a positive int or (ph, pw), got {output_size}")
    return int(size[0]), int(size[1])


def _roi_geometry(rois: Tensor, spatial_scale: float, num_images: int) -> List[Tensor]:
    """Converts rois to feature-map geometry, checking sizes and batch indices.

    Args:
        rois: Tensor[R, 6] in the compute dtype.
        spatial_scale: Image-to-feature-map scale.
        num_images: Batch size N of the feature map.

    Returns:
        ``[batch_index, center_y, center_x, height, width, cos, sin]``, each Tensor[R]; the
        centers include the -0.5 half-pixel offset of the aligned kernel.
    """
    height = rois[:, 4] * spatial_scale
    width = rois[:, 3] * spatial_scale
    if not bool(((height >= 0) & (width >= 0) & (height < math.inf) & (width < math.inf)).all()):
        raise ValueError("rois must have finite, non-negative width and height")
    theta = rois[:, 5] * (math.pi / 180.0)
    center_y = rois[:, 2] * spatial_scale - 0.5
    center_x = rois[:, 1] * spatial_scale - 0.5
    batch = rois[:, 0].to(torch.int64)
    if not bool(((batch >= 0) & (batch < num_images)).all()):
        raise ValueError(f"rois[:, 0] must hold batch indices in [0, {num_images})")
    return [batch, center_y, center_x, height, width, theta.cos(), theta.sin()]


def _grid_groups(
    height: Tensor, width: Tensor, output_size: Tuple[int, int], sampling_ratio: int
) -> List[Tuple[Tuple[int, int], Tensor]]:
    """Groups rois by their per-bin sampling grid.

    Args:
        height: Tensor[R] roi heights in feature-map units.
        width: Tensor[R] roi widths in feature-map units.
        output_size: ``(ph, pw)``.
        sampling_ratio: Fixed samples per bin per axis, or ``<= 0`` for ``ceil(size / bins)``.

    Returns:
        List of ``((grid_h, grid_w), Tensor[Rg] int64 roi indices on the rois' device)``.
    """
    if sampling_ratio > 0:
        members = torch.arange(height.shape[0], device=height.device)
        return [((sampling_ratio, sampling_ratio), members)]
    grid_h = torch.ceil(height / output_size[0]).to(torch.int64)
    grid_w = torch.ceil(width / output_size[1]).to(torch.int64)
    stride = int(grid_w.max()) + 1
    keys = grid_h * stride + grid_w
    groups = []
    for key in torch.unique(keys).tolist():
        groups.append((divmod(key, stride), torch.nonzero(keys == key).flatten()))
    return groups


def _rois_per_chunk(grid: Tuple[int, int], output_size: Tuple[int, int]) -> int:
    """Number of rois of one grid size that are pooled together."""
    taps_per_roi = 4 * grid[0] * grid[1] * output_size[0] * output_size[1]
    return max(1, _MAX_TAPS_PER_CHUNK // max(taps_per_roi, 1))


def _pool_rois(
    features: Tensor,
    input_shape: torch.Size,
    geometry: List[Tensor],
    output_size: Tuple[int, int],
    grid: Tuple[int, int],
) -> Tensor:
    """Pools rois that share one sampling grid.

    Args:
        features: Tensor[N*H*W, C], the channels-last flattened feature map.
        input_shape: ``(N, C, H, W)`` of the feature map.
        geometry: Output of ``_roi_geometry`` restricted to Rg rois (tensors on the input device).
        output_size: ``(ph, pw)``.
        grid: ``(grid_h, grid_w)`` samples per bin.

    Returns:
        Tensor[Rg, ph, pw, C].
    """
    batch, cy, cx, height, width, cos, sin = geometry
    rg, channels, fh, fw = batch.shape[0], input_shape[1], input_shape[2], input_shape[3]
    if grid[0] * grid[1] == 0:
        return features.new_zeros((rg, output_size[0], output_size[1], channels))
    ys, xs = _sample_points(cy, cx, height, width, cos, sin, output_size, grid)
    index, weight = _bilinear_taps(ys, xs, fh, fw)
    index = index + (batch * (fh * fw)).view(-1, 1, 1, 1, 1, 1)
    bags = output_size[0] * output_size[1] * rg
    weight = weight / (grid[0] * grid[1])
    pooled = F.embedding_bag(
        index.reshape(bags, -1), features, mode="sum", per_sample_weights=weight.reshape(bags, -1)
    )
    return pooled.view(rg, output_size[0], output_size[1], channels)


def _axis_samples(length: Tensor, bins: int, grid: int) -> Tensor:
    """Sample offsets from the roi center along one roi axis.

    Args:
        length: Tensor[Rg] roi extent along the axis (feature-map units).
        bins: Number of output bins along the axis.
        grid: Number of samples per bin along the axis.

    Returns:
        Tensor[Rg, bins, grid]: ``-length/2 + b * bin_size + (i + 0.5) * bin_size / grid``.
    """
    bin_size = (length / bins).view(-1, 1, 1)
    b = torch.arange(bins, dtype=length.dtype, device=length.device).view(1, -1, 1)
    i = torch.arange(grid, dtype=length.dtype, device=length.device).view(1, 1, -1)
    return -length.view(-1, 1, 1) / 2 + b * bin_size + (i + 0.5) * bin_size / grid


def _sample_points(
    cy: Tensor,
    cx: Tensor,
    height: Tensor,
    width: Tensor,
    cos: Tensor,
    sin: Tensor,
    output_size: Tuple[int, int],
    grid: Tuple[int, int],
) -> Tuple[Tensor, Tensor]:
    """Feature-map coordinates of all samples, each Tensor[Rg, ph, pw, grid_h, grid_w]."""
    yy = _axis_samples(height, output_size[0], grid[0])[:, :, None, :, None]
    xx = _axis_samples(width, output_size[1], grid[1])[:, None, :, None, :]
    cos, sin = cos.view(-1, 1, 1, 1, 1), sin.view(-1, 1, 1, 1, 1)
    ys = yy * cos - xx * sin + cy.view(-1, 1, 1, 1, 1)
    xs = yy * sin + xx * cos + cx.view(-1, 1, 1, 1, 1)
    return ys, xs


def _bilinear_taps(ys: Tensor, xs: Tensor, height: int, width: int) -> Tuple[Tensor, Tensor]:
    """Bilinear corner indices and weights with the ROIAlignRotated border rules.

    Samples with ``y < -1``, ``y > H``, ``x < -1`` or ``x > W`` (or non-finite) get zero weight.

    Args:
        ys: Tensor[...] sample rows.
        xs: Tensor[...] sample columns, same shape.
        height: Feature-map height H.
        width: Feature-map width W.

    Returns:
        ``(index, weight)``: Tensor[..., 4] int64 flat ``y * W + x`` indices and Tensor[..., 4]
        weights for the corners (low, low), (low, high), (high, low), (high, high).
    """
    valid = (ys >= -1) & (ys <= height) & (xs >= -1) & (xs <= width)
    y_low, y_high, ly = _axis_taps(ys, valid, height)
    x_low, x_high, lx = _axis_taps(xs, valid, width)
    hy, hx = 1 - ly, 1 - lx
    index = torch.stack(
        [
            y_low * width + x_low,
            y_low * width + x_high,
            y_high * width + x_low,
            y_high * width + x_high,
        ],
        dim=-1,
    )
    weight = torch.stack([hy * hx, hy * lx, ly * hx, ly * lx], dim=-1) * valid.unsqueeze(-1)
    return index, weight


def _axis_taps(coords: Tensor, valid: Tensor, size: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Low/high pixel indices and the fractional part along one axis.

    Coordinates are clamped to ``>= 0``; at or beyond the last pixel both taps collapse onto it.
    """
    coords = torch.where(valid, coords, torch.zeros_like(coords)).clamp(min=0)
    low = coords.floor()
    at_edge = low >= size - 1
    low = torch.where(at_edge, torch.full_like(low, size - 1), low)
    coords = torch.where(at_edge, low, coords)
    high = torch.where(at_edge, low, low + 1)
    return low.to(torch.int64), high.to(torch.int64), coords - low
