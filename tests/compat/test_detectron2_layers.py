"""Detectron2's own layers route to d2track's fallbacks when ``detectron2._C`` is the stub.

The fallbacks are checked against independent references in test_rotated_ops/test_deform_ops;
here we check the wiring: Detectron2's public layers give the same numbers as those functions.
"""

import importlib

import pytest
import torch
from detectron2.layers import (
    DeformConv,
    ModulatedDeformConv,
    ROIAlignRotated,
    batched_nms_rotated,
    nms_rotated,
)
from detectron2.structures import RotatedBoxes, pairwise_iou_rotated

from d2track.compat import deform_ops, rotated_ops

pytestmark = pytest.mark.skipif(
    not getattr(importlib.import_module("detectron2._C"), "IS_STUB", False),
    reason="a compiled detectron2._C is in use: the fallbacks are not wired",
)


def _boxes(n, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 50
    wh = torch.rand(n, 2, generator=g) * 20 + 5
    angle = torch.rand(n, 1, generator=g) * 360 - 180
    return torch.cat([xy, wh, angle], dim=1)


def test_rotated_iou_through_structures():
    a, b = _boxes(6, 0), _boxes(4, 1)
    expected = rotated_ops.box_iou_rotated(a, b)
    torch.testing.assert_close(pairwise_iou_rotated(RotatedBoxes(a), RotatedBoxes(b)), expected)
    same = pairwise_iou_rotated(RotatedBoxes(a), RotatedBoxes(a)).diagonal()
    torch.testing.assert_close(same, torch.ones(6))


def test_nms_rotated_through_layers():
    boxes = _boxes(40, 2)
    scores = torch.rand(40, generator=torch.Generator().manual_seed(3))
    keep = nms_rotated(boxes, scores, 0.3)
    assert torch.equal(keep, rotated_ops.nms_rotated(boxes, scores, 0.3))
    assert torch.equal(torch.ops.detectron2.nms_rotated(boxes, scores, 0.3), keep)
    # Per class: a box never suppresses one of another class.
    classes = torch.arange(40) % 2
    kept = batched_nms_rotated(boxes, scores, classes, 0.3)
    for c in (0, 1):
        idx = torch.nonzero(classes == c).flatten()
        expected = idx[rotated_ops.nms_rotated(boxes[idx], scores[idx], 0.3)]
        assert sorted(kept[classes[kept] == c].tolist()) == sorted(expected.tolist())


def test_roi_align_rotated_module_forward_backward():
    features = torch.randn(2, 3, 12, 12, requires_grad=True)
    rois = torch.tensor([[0, 6.0, 6, 8, 4, 30], [1, 3, 4, 5, 5, -45]])
    out = ROIAlignRotated((3, 3), spatial_scale=1.0, sampling_ratio=2)(features, rois)
    assert out.shape == (2, 3, 3, 3)
    expected = rotated_ops.roi_align_rotated(features, rois, (3, 3), 1.0, 2)
    torch.testing.assert_close(out, expected)
    out.sum().backward()
    assert features.grad is not None and features.grad.abs().sum() > 0


def test_deform_conv_modules_train_on_cpu():
    torch.manual_seed(0)
    x = torch.randn(1, 4, 8, 8, requires_grad=True)
    conv = DeformConv(4, 6, kernel_size=3, padding=1, deformable_groups=2, bias=False)
    offset = torch.randn(1, 2 * 2 * 9, 8, 8) * 0.5
    out = conv(x, offset)
    expected = deform_ops.deform_conv(x, offset, conv.weight, 1, 1, 1, 1, 2)
    torch.testing.assert_close(out, expected)
    out.sum().backward()  # Detectron2's own kernel raises NotImplementedError on CPU here
    assert conv.weight.grad.abs().sum() > 0

    mconv = ModulatedDeformConv(4, 6, kernel_size=3, padding=1, bias=True)
    mask = torch.rand(1, 9, 8, 8)
    out = mconv(x, offset[:, :18], mask)
    assert out.shape == (1, 6, 8, 8)
    out.sum().backward()
    assert mconv.bias.grad.abs().sum() > 0
