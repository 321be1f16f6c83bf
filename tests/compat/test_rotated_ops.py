"""Tests for d2track.compat.rotated_ops against independent references.

References: torchvision's axis-aligned ``box_iou`` / ``nms`` / ``roi_align(aligned=True)`` for
angle 0, shapely polygons for rotated IoU, and scalar Python transcriptions of detectron2 v0.6's
greedy NMS and ROIAlignRotated sampling rules.
"""

import math

import pytest
import torch
import torchvision
from shapely.geometry import Polygon

from d2track.compat import rotated_ops
from d2track.compat.rotated_ops import box_iou_rotated, nms_rotated, roi_align_rotated


def _polygon(box):
    """Shapely polygon of a detectron2 rotated box (angle CCW on screen, y pointing down)."""
    cx, cy, w, h, angle = [float(v) for v in box]
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return Polygon([(cx + u * c + v * s, cy - u * s + v * c) for u, v in corners])


def _shapely_iou(box1, box2):
    p1, p2 = _polygon(box1), _polygon(box2)
    inter = p1.intersection(p2).area
    return inter / (p1.area + p2.area - inter)


def _random_rotated_boxes(generator, n, extent=20.0, angles=True):
    centers = torch.rand(n, 2, generator=generator, dtype=torch.float64) * extent
    sizes = 1.0 + torch.rand(n, 2, generator=generator, dtype=torch.float64) * extent / 2
    angle = torch.rand(n, 1, generator=generator, dtype=torch.float64) * 360 - 180
    return torch.cat([centers, sizes, angle if angles else torch.zeros_like(angle)], dim=1)


def _xyxy(boxes):
    cx, cy, w, h = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=1)


def test_box_iou_rotated_angle0_matches_box_iou():
    g = torch.Generator().manual_seed(0)
    boxes1 = _random_rotated_boxes(g, 15, angles=False).float()
    boxes2 = _random_rotated_boxes(g, 11, angles=False).float()
    expected = torchvision.ops.box_iou(_xyxy(boxes1), _xyxy(boxes2))
    actual = box_iou_rotated(boxes1, boxes2)
    assert actual.shape == (15, 11) and actual.dtype == torch.float32
    assert (expected > 0.05).sum() > 5, "test data should contain overlapping boxes"
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=0)


def test_box_iou_rotated_matches_shapely():
    g = torch.Generator().manual_seed(1)
    boxes1 = _random_rotated_boxes(g, 12)
    boxes2 = torch.cat([_random_rotated_boxes(g, 8), boxes1[:4] + torch.rand(4, 5, generator=g)])
    expected = torch.tensor(
        [[_shapely_iou(a, b) for b in boxes2] for a in boxes1], dtype=torch.float64
    )
    actual = box_iou_rotated(boxes1, boxes2)
    assert actual.dtype == torch.float32
    assert (expected > 0.05).sum() > 5, "test data should contain overlapping boxes"
    torch.testing.assert_close(actual.double(), expected, atol=1e-4, rtol=0)


def test_box_iou_rotated_quarter_turn_with_swapped_sides_is_same_box():
    boxes = torch.tensor([[5.3, 5.1, 4.7, 2.2, 13.0], [-3.0, 8.0, 1.5, 6.0, -71.0]])
    turned = boxes[:, [0, 1, 3, 2, 4]] + torch.tensor([0.0, 0.0, 0.0, 0.0, 90.0])
    ious = box_iou_rotated(boxes, turned)
    torch.testing.assert_close(ious.diagonal(), torch.ones(2), atol=1e-5, rtol=0)
    assert ious[0, 1] == 0 and ious[1, 0] == 0


@pytest.mark.parametrize("n,m", [(0, 3), (3, 0), (0, 0)])
def test_box_iou_rotated_empty(n, m):
    ious = box_iou_rotated(torch.rand(n, 5), torch.rand(m, 5))
    assert ious.shape == (n, m) and ious.dtype == torch.float32


def test_box_iou_rotated_bad_shape_raises():
    with pytest.raises(ValueError, match=r"boxes2 must have shape \(N, 5\)"):
        box_iou_rotated(torch.rand(3, 5), torch.rand(3, 4))


def _greedy_nms_reference(boxes, scores, threshold):
    """Detectron2's CPU nms_rotated loop, with shapely IoU."""
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
    suppressed, keep = set(), []
    for pos, i in enumerate(order):
        if i in suppressed:
            continue
        keep.append(i)
        for j in order[pos + 1 :]:
            if j not in suppressed and _shapely_iou(boxes[i], boxes[j]) >= threshold:
                suppressed.add(j)
    return keep


def test_nms_rotated_angle0_matches_torchvision_nms():
    g = torch.Generator().manual_seed(2)
    boxes = _random_rotated_boxes(g, 60, extent=30.0, angles=False).float()
    scores = torch.randperm(60, generator=g).float() / 60
    threshold = 0.3
    ious = torchvision.ops.box_iou(_xyxy(boxes), _xyxy(boxes))
    assert (ious - threshold).abs().min() > 1e-4, "test data must avoid IoU ties"
    expected = torchvision.ops.nms(_xyxy(boxes), scores, threshold)
    actual = nms_rotated(boxes, scores, threshold)
    assert actual.dtype == torch.int64
    assert 5 < len(actual) < 60
    assert actual.tolist() == expected.tolist()


def test_nms_rotated_matches_bruteforce_shapely():
    g = torch.Generator().manual_seed(3)
    boxes = _random_rotated_boxes(g, 40, extent=25.0)
    scores = torch.rand(40, generator=g, dtype=torch.float64)
    threshold = 0.2
    expected = _greedy_nms_reference(boxes, scores, threshold)
    actual = nms_rotated(boxes, scores, threshold)
    assert 5 < len(expected) < 40
    assert actual.tolist() == expected


def test_nms_rotated_suppresses_iou_equal_to_threshold():
    same = torch.tensor([[5.0, 5.0, 4.0, 2.0, 0.0], [5.0, 5.0, 4.0, 2.0, 0.0]])
    assert nms_rotated(same, torch.tensor([0.4, 0.9]), 1.0).tolist() == [1]
    half = torch.tensor([[0.0, 0.0, 4.0, 2.0, 0.0], [1.0, 0.0, 2.0, 2.0, 0.0]])
    assert box_iou_rotated(half, half)[0, 1].item() == 0.5
    assert nms_rotated(half, torch.tensor([0.9, 0.4]), 0.5).tolist() == [0]
    assert nms_rotated(half, torch.tensor([0.9, 0.4]), 0.5001).tolist() == [0, 1]


def test_nms_rotated_empty_and_bad_scores():
    keep = nms_rotated(torch.zeros(0, 5), torch.zeros(0), 0.5)
    assert keep.shape == (0,) and keep.dtype == torch.int64
    with pytest.raises(ValueError, match="scores must have shape"):
        nms_rotated(torch.rand(3, 5), torch.rand(4), 0.5)


def _roi_align_rotated_reference(feature, rois, out_size, scale, sampling_ratio):
    """Scalar transcription of detectron2's ROIAlignRotated forward, in float64."""
    ph, pw = out_size
    output = torch.zeros(len(rois), feature.shape[1], ph, pw, dtype=torch.float64)
    for r, (b, cx, cy, w, h, angle) in enumerate(rois.tolist()):
        center_w, center_h = cx * scale - 0.5, cy * scale - 0.5
        width, height = w * scale, h * scale
        theta = angle * math.pi / 180.0
        cos, sin = math.cos(theta), math.sin(theta)
        bin_h, bin_w = height / ph, width / pw
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(height / ph)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(width / pw)
        count = max(grid_h * grid_w, 1)
        for i in range(ph):
            for j in range(pw):
                total = torch.zeros(feature.shape[1], dtype=torch.float64)
                for iy in range(grid_h):
                    yy = -height / 2 + i * bin_h + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        xx = -width / 2 + j * bin_w + (ix + 0.5) * bin_w / grid_w
                        y = yy * cos - xx * sin + center_h
                        x = yy * sin + xx * cos + center_w
                        total += _bilinear_reference(feature[int(b)], y, x)
                output[r, :, i, j] = total / count
    return output


def _bilinear_reference(image, y, x):
    height, width = image.shape[1:]
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return torch.zeros(image.shape[0], dtype=torch.float64)
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(math.floor(y)), int(math.floor(x))
    if y_low >= height - 1:
        y_low = y_high = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_low = x_high = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    return (
        hy * hx * image[:, y_low, x_low]
        + hy * lx * image[:, y_low, x_high]
        + ly * hx * image[:, y_high, x_low]
        + ly * lx * image[:, y_high, x_high]
    )


def _test_rois(generator, n, image_hw, angles=True, dtype=torch.float64):
    """Random rois incl. ones partly outside and larger than the image, plus fixed edge cases."""
    img_h, img_w = image_hw
    rand = torch.rand(n, 5, generator=generator, dtype=dtype)
    rois = torch.stack(
        [
            (rand[:, 0] * 2).floor(),
            rand[:, 1] * (img_w + 8) - 4,
            rand[:, 2] * (img_h + 8) - 4,
            rand[:, 3] * img_w * 1.5,
            rand[:, 4] * img_h * 1.5,
        ],
        dim=1,
    )
    angle = torch.rand(n, 1, generator=generator, dtype=dtype) * 360 - 180
    rois = torch.cat([rois, angle if angles else torch.zeros_like(angle)], dim=1)
    extra = [[1, img_w / 2, img_h / 2, img_w * 2.5, img_h * 3.0, 0.0], [0, 0.0, 0.0, 5.0, 7.0, 0.0]]
    extra += [[0, img_w, img_h, 6.0, 4.0, 0.0], [1, 3.0, 4.0, 0.0, 5.0, 0.0]]
    return torch.cat([rois, torch.tensor(extra, dtype=dtype)])


@pytest.mark.parametrize("sampling_ratio", [0, 2])
@pytest.mark.parametrize("spatial_scale", [1.0, 0.5])
def test_roi_align_rotated_angle0_matches_torchvision(sampling_ratio, spatial_scale):
    g = torch.Generator().manual_seed(4)
    feature = torch.randn(2, 3, 10, 13, generator=g)
    image_hw = (10 / spatial_scale, 13 / spatial_scale)
    rois = _test_rois(g, 20, image_hw, angles=False, dtype=torch.float32)
    boxes = torch.cat([rois[:, :1], _xyxy(rois[:, 1:])], dim=1)
    expected = torchvision.ops.roi_align(
        feature, boxes, (3, 4), spatial_scale, sampling_ratio, aligned=True
    )
    actual = roi_align_rotated(feature, rois, (3, 4), spatial_scale, sampling_ratio)
    assert actual.shape == (24, 3, 3, 4) and actual.dtype == torch.float32
    assert expected.abs().sum() > 1
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("sampling_ratio,spatial_scale", [(0, 1.0), (2, 0.5), (3, 0.7)])
def test_roi_align_rotated_matches_scalar_reference(sampling_ratio, spatial_scale):
    g = torch.Generator().manual_seed(5)
    feature = torch.randn(2, 2, 6, 7, generator=g, dtype=torch.float64)
    rois = _test_rois(g, 8, (6 / spatial_scale, 7 / spatial_scale))
    expected = _roi_align_rotated_reference(feature, rois, (2, 3), spatial_scale, sampling_ratio)
    actual = roi_align_rotated(feature, rois, (2, 3), spatial_scale, sampling_ratio)
    assert actual.dtype == torch.float64
    assert expected.abs().sum() > 1
    torch.testing.assert_close(actual, expected, atol=1e-10, rtol=1e-10)


def test_roi_align_rotated_chunked_groups_match_single_pass(monkeypatch):
    g = torch.Generator().manual_seed(6)
    feature = torch.randn(2, 4, 9, 8, generator=g, dtype=torch.float64)
    rois = _test_rois(g, 30, (18, 16))
    single = roi_align_rotated(feature, rois, 2, 0.5, 0)
    monkeypatch.setattr(rotated_ops, "_MAX_TAPS_PER_CHUNK", 1)
    chunked = roi_align_rotated(feature, rois, 2, 0.5, 0)
    torch.testing.assert_close(chunked, single, atol=1e-12, rtol=0)
    expected = _roi_align_rotated_reference(feature, rois, (2, 2), 0.5, 0)
    torch.testing.assert_close(chunked, expected, atol=1e-10, rtol=1e-10)


def test_roi_align_rotated_gradcheck():
    g = torch.Generator().manual_seed(7)
    feature = torch.randn(2, 2, 5, 6, generator=g, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor(
        [[0, 3.1, 2.4, 4.3, 3.2, 30.0], [1, 1.2, 4.1, 6.5, 2.7, -115.0], [1, 5.0, 1.0, 9, 9, 10]],
        dtype=torch.float64,
    )
    assert torch.autograd.gradcheck(
        lambda x: roi_align_rotated(x, rois, (2, 2), 1.0, 0), (feature,), eps=1e-6, atol=1e-6
    )


def test_roi_align_rotated_half_precision_matches_float():
    g = torch.Generator().manual_seed(8)
    feature = torch.randn(1, 3, 6, 6, generator=g)
    rois = torch.tensor([[0, 3.0, 3.0, 4.0, 2.0, 45.0]])
    actual = roi_align_rotated(feature.half(), rois.half(), 2, 1.0, 2)
    assert actual.dtype == torch.float16
    expected = roi_align_rotated(feature, rois, 2, 1.0, 2)
    torch.testing.assert_close(actual.float(), expected, atol=1e-2, rtol=1e-2)


def test_roi_align_rotated_empty_rois():
    feature = torch.randn(1, 3, 5, 5, requires_grad=True)
    output = roi_align_rotated(feature, torch.zeros(0, 6), (2, 3), 1.0, 0)
    assert output.shape == (0, 3, 2, 3) and output.dtype == torch.float32
    output.sum().backward()
    assert feature.grad is not None and feature.grad.abs().sum() == 0


@pytest.mark.parametrize(
    "rois,message",
    [
        (torch.zeros(3, 5), r"rois must have shape \(R, 6\)"),
        (torch.zeros(6), r"rois must have shape \(R, 6\)"),
        (torch.tensor([[0, 2.0, 2.0, -1.0, 2.0, 0.0]]), "non-negative width and height"),
        (torch.tensor([[0, 2.0, 2.0, 1.0, math.nan, 0.0]]), "non-negative width and height"),
        (torch.tensor([[1, 2.0, 2.0, 1.0, 2.0, 0.0]]), r"batch indices in \[0, 1\)"),
    ],
)
def test_roi_align_rotated_bad_rois_raise(rois, message):
    with pytest.raises(ValueError, match=message):
        roi_align_rotated(torch.randn(1, 2, 5, 5), rois, (2, 2), 1.0, 0)


def test_roi_align_rotated_bad_input_raises():
    with pytest.raises(ValueError, match=r"input must have shape \(N, C, H, W\)"):
        roi_align_rotated(torch.randn(2, 5, 5), torch.zeros(1, 6), (2, 2), 1.0, 0)


def test_nms_rotated_far_apart_boxes_all_kept_and_zero_threshold_keeps_best():
    boxes = torch.tensor(
        [[0.0, 0, 10, 2, 30], [100, 0, 10, 2, 30], [0, 100, 4, 4, 0], [0.5, 0, 10, 2, 30]]
    )
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    assert nms_rotated(boxes, scores, 0.5).tolist() == [0, 1, 2]  # 3 overlaps 0 heavily
    # IoU 0 >= threshold 0: detectron2's kernel suppresses every box after the best one.
    assert nms_rotated(boxes, scores, 0.0).tolist() == [0]


def test_nms_rotated_long_thin_boxes_overlapping_far_from_centres():
    # Centres 45 px apart, boxes overlap near one end of the long box: must still be compared.
    boxes = torch.tensor([[0.0, 0, 100, 2, 0], [45, 0, 10, 2, 0]])
    scores = torch.tensor([0.9, 0.8])
    assert nms_rotated(boxes, scores, 0.05).tolist() == [0]
    assert nms_rotated(boxes, scores, 0.2).tolist() == [0, 1]  # IoU is 10/100
