"""SiamRPN++ model: targets, losses on crafted cases, a training step, the inference interface."""

import math

import numpy as np
import pytest
import torch
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher

from d2track.engine.sot_inference import SOTTestProtocol
from d2track.projects.siamrpn import (
    ChannelMapperNeck,
    SiameseRPNHead,
    SiamRPNpp,
    SOTResNet,
    negative_pair_targets,
    positive_pair_targets,
)
from d2track.tracking.sot import SiameseRPNTracker

CENTRE_BOX = [95.0, 95.0, 159.0, 159.0]  # the 64 x 64 anchor of the centre cell, crop pixels


def tiny_model(freeze_at=0):
    backbone = SOTResNet(
        stage_blocks=(1, 1, 1, 1), stem_channels=16, base_planes=8, freeze_at=freeze_at
    )
    neck = ChannelMapperNeck(in_channels=[64, 128, 256], out_channels=32)
    return SiamRPNpp(backbone=backbone, neck=neck, head=SiameseRPNHead(in_channels=[32] * 3))


def zero_head_outputs(model, cls_bias=None, reg_bias=None):
    """Make the head output constant maps: last convs' weights 0, biases as given (or 0)."""
    with torch.no_grad():
        for heads, bias in ((model.head.cls_heads, cls_bias), (model.head.reg_heads, reg_bias)):
            for branch in heads:
                last = branch.head_convs[1]
                last.weight.zero_()
                last.bias.copy_(torch.zeros_like(last.bias) if bias is None else bias)


def sample(is_positive, box=CENTRE_BOX, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "template": torch.randint(0, 256, (3, 127, 127), dtype=torch.uint8, generator=g),
        "search": torch.randint(0, 256, (3, 255, 255), dtype=torch.uint8, generator=g),
        "search_box": torch.tensor(box),
        "is_positive": is_positive,
    }


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_positive_pair_targets_follow_maxiou_and_sampling():
    torch.manual_seed(0)
    model = tiny_model()
    anchors = model.anchors.view(-1, 4) + 127
    gt = torch.tensor([90.0, 100.0, 170.0, 150.0])
    labels, cls_w, deltas, reg_w = positive_pair_targets(
        anchors, gt, matcher=model.matcher, box2box_transform=model.box2box_transform
    )
    ious = [_iou(a, gt.tolist()) for a in anchors.tolist()]
    pos = (reg_w > 0).nonzero().view(-1).tolist()
    neg = ((cls_w > 0) & (labels == 0)).nonzero().view(-1).tolist()
    n_fg = sum(i >= 0.6 for i in ious)
    assert len(pos) == min(16, n_fg) and 0 < len(pos)
    assert len(neg) == min(64 - len(pos), 48)
    assert all(ious[m] >= 0.6 for m in pos) and all(ious[m] < 0.3 for m in neg)
    assert set(labels.nonzero().view(-1).tolist()) == set(pos)
    assert cls_w[pos].tolist() == pytest.approx([0.5 / len(pos)] * len(pos))
    assert cls_w[neg].tolist() == pytest.approx([0.5 / len(neg)] * len(neg))
    assert float(cls_w.sum()) == pytest.approx(1.0) and float(reg_w.sum()) == pytest.approx(1.0)
    m = pos[0]
    a = anchors[m].tolist()
    aw, ah = a[2] - a[0], a[3] - a[1]
    expected = [(130 - (a[0] + a[2]) / 2) / aw, (125 - (a[1] + a[3]) / 2) / ah]
    expected += [math.log(80 / aw), math.log(50 / ah)]
    assert deltas[m].tolist() == pytest.approx(expected, abs=1e-5)


def test_negative_pair_samples_16_anchors_around_the_box_cell():
    torch.manual_seed(0)
    box = torch.tensor(CENTRE_BOX)  # centre 127: cell 12 + ceil(0 / 8 + 0.5) = 13
    labels, cls_w, deltas, reg_w = negative_pair_targets(
        box, num_anchors=5, score_size=25, stride=8, search_size=255
    )
    chosen = cls_w.view(5, 25, 25).nonzero()
    assert len(chosen) == 16 and cls_w.sum().item() == pytest.approx(0.5)
    assert chosen[:, 1].min() >= 10 and chosen[:, 1].max() <= 16
    assert chosen[:, 2].min() >= 10 and chosen[:, 2].max() <= 16
    assert not labels.any() and not reg_w.any() and not deltas.any()
    # centre (5, 105): column 12 + ceil(-15.25 + .5) = -2, row 12 + ceil(-2.75 + .5) = 10
    left = torch.tensor([0.0, 100.0, 10.0, 110.0])
    _, cls_w, _, _ = negative_pair_targets(
        left, num_anchors=5, score_size=25, stride=8, search_size=255
    )
    cells = cls_w.view(5, 25, 25).nonzero()
    assert cells[:, 2].max() <= 1  # columns max(0, -5) .. -2 + 3
    assert cells[:, 1].min() >= 7 and cells[:, 1].max() <= 13


def test_crafted_losses():
    """Constant head outputs (logits 0, deltas 0): cross-entropy is log 2 per anchor."""
    torch.manual_seed(0)
    model = tiny_model()
    zero_head_outputs(model)
    losses = model([sample(False)])
    assert losses["loss_rpn_bbox"].item() == 0.0  # a negative pair has no regression target
    assert losses["loss_rpn_cls"].item() == pytest.approx(0.5 * math.log(2), rel=1e-5)

    losses = model([sample(True)])  # the box is exactly the centre 64 x 64 anchor
    assert losses["loss_rpn_cls"].item() == pytest.approx(math.log(2), rel=1e-5)
    torch.manual_seed(0)
    anchors = model.anchors.view(-1, 4) + 127
    _, _, deltas, reg_w = positive_pair_targets(
        anchors,
        torch.tensor(CENTRE_BOX),
        matcher=Matcher([0.3, 0.6], [0, -1, 1]),
        box2box_transform=Box2BoxTransform((1.0,) * 4),
    )
    assert reg_w[2 * 625 + 12 * 25 + 12] > 0  # the identical anchor is positive
    expected = 1.2 * float((deltas.abs().sum(1) * reg_w).sum())
    assert losses["loss_rpn_bbox"].item() == pytest.approx(expected, rel=1e-5)

    both = model([sample(True), sample(False, seed=1)])  # weights are divided by N = 2
    assert both["loss_rpn_cls"].item() == pytest.approx(0.75 * math.log(2), rel=1e-5)


def test_training_step_gives_finite_losses_and_gradients():
    torch.manual_seed(0)
    model = tiny_model().train()
    batch = [sample(True, seed=0), sample(False, [30.0, 40.0, 90.0, 120.0], seed=1)]
    batch.append(sample(True, [100.0, 110.0, 150.0, 140.0], seed=2))
    losses = model(batch)
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_bbox"}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert float(model.backbone.stem.conv1.weight.grad.abs().sum()) > 0
    assert float(model.head.cls_weight.grad.abs().sum()) > 0

    frozen = tiny_model(freeze_at=5).train()
    sum(frozen(batch).values()).backward()
    assert all(p.grad is None for p in frozen.backbone.parameters())
    assert float(frozen.neck.convs[0].weight.grad.abs().sum()) > 0


def test_search_outputs_shapes_and_zero_deltas_give_the_anchors():
    torch.manual_seed(0)
    model = tiny_model().eval()
    assert (model.template_size, model.search_size, model.score_size) == (127, 255, 25)
    assert (model.num_anchors, model.anchor_stride, model.input_format) == (5, 8, "BGR")
    zero_head_outputs(model)
    templates = torch.rand(3, 3, 127, 127) * 255
    with torch.no_grad():
        feats = model.template_features(templates)
        assert [tuple(f.shape) for f in feats] == [(3, 32, 7, 7)] * 3
        scores, boxes = model.search_outputs(feats, torch.rand(3, 3, 255, 255) * 255)
    assert scores.shape == (3, 5, 25, 25) and boxes.shape == (3, 5, 25, 25, 4)
    torch.testing.assert_close(scores, torch.full_like(scores, 0.5))
    a = model.anchors
    cxcywh = torch.stack([(a[..., 0] + a[..., 2]) / 2, (a[..., 1] + a[..., 3]) / 2], -1)
    cxcywh = torch.cat([cxcywh, a[..., 2:] - a[..., :2]], -1)
    torch.testing.assert_close(boxes, cxcywh.expand_as(boxes))
    assert boxes[0, 0, 12, 12].tolist() == [0, 0, 104, 32]
    assert boxes[1, 4, 0, 24].tolist() == [96, -96, 32, 104]


def test_search_outputs_channel_layout_and_batch_independence():
    torch.manual_seed(0)
    model = tiny_model().eval()
    cls_bias = torch.zeros(10)
    cls_bias[5 + 2] = 3.0  # class-major: channel k * A + a, foreground of anchor 2
    reg_bias = torch.zeros(20)
    reg_bias[0 * 5 + 1] = 0.5  # coordinate-major: channel j * A + a, dx of anchor 1
    reg_bias[3 * 5 + 4] = math.log(2.0)  # dh of anchor 4
    zero_head_outputs(model, cls_bias, reg_bias)
    with torch.no_grad():
        feats = model.template_features(torch.rand(1, 3, 127, 127) * 255)
        scores, boxes = model.search_outputs(feats, torch.rand(1, 3, 255, 255) * 255)
    torch.testing.assert_close(scores[0, 2], torch.full((25, 25), torch.sigmoid(torch.tensor(3.0))))
    torch.testing.assert_close(scores[0, 0], torch.full((25, 25), 0.5))
    assert boxes[0, 1, 12, 12].tolist() == pytest.approx([44.0, 0.0, 88.0, 40.0])
    assert boxes[0, 4, 12, 12].tolist() == pytest.approx([0.0, 0.0, 32.0, 208.0])

    model = tiny_model().eval()  # N targets in one call = N separate calls
    templates, searches = torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 255, 255) * 255
    with torch.no_grad():
        scores, boxes = model.search_outputs(model.template_features(templates), searches)
        one = model.search_outputs(model.template_features(templates[1:]), searches[1:])
    torch.testing.assert_close(scores[1:], one[0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(boxes[1:], one[1], rtol=1e-3, atol=1e-3)


def test_bad_inputs_and_eval_forward():
    model = tiny_model().eval()
    with pytest.raises(ValueError, match="127, 127"):
        model.template_features(torch.zeros(1, 3, 128, 128))
    with pytest.raises(ValueError, match="needs a tracker"):
        model([sample(True)])


def _frames(num_frames=6, size=96):
    """A bright square moving right 3 px a frame; the target box is given on every frame."""
    frames = []
    for t in range(num_frames):
        image = torch.zeros(3, size, size, dtype=torch.uint8)
        x = 20 + 3 * t
        image[:, 30:50, x : x + 20] = 255
        region = np.array([x, 30.0, 20.0, 20.0])
        frames.append({"image": image, "frame_id": t, "video_id": 0, "gt_region": region})
    return frames


@pytest.mark.parametrize("protocol", ["ope", "vot"])
def test_eval_forward_tracks_a_video(protocol):
    torch.manual_seed(0)
    model = tiny_model().eval()
    model.tracker = SiameseRPNTracker()
    model.test_protocol = SOTTestProtocol(protocol=protocol)
    with torch.no_grad():
        outputs = [model([frame])[0] for frame in _frames()]
    first = outputs[0]
    if protocol == "vot":
        assert first == {"vot_code": 1}
        later = [o for o in outputs[1:] if "instances" in o]
        assert all(set(o) in ({"instances"}, {"vot_code"}) for o in outputs)
    else:
        assert first["instances"].pred_boxes.tensor.tolist() == [[20.0, 30.0, 40.0, 50.0]]
        later = outputs[1:]
    for out in later:  # one target; MMTracking's clip: centre in the frame, sides 10 to 96 px
        instances = out["instances"]
        assert len(instances) == 1 and instances.ID.tolist() == [0]
        x0, y0, x1, y1 = instances.pred_boxes.tensor[0].tolist()
        assert 0 <= (x0 + x1) / 2 <= 96 and 0 <= (y0 + y1) / 2 <= 96
        assert 10 <= x1 - x0 <= 96 and 10 <= y1 - y0 <= 96
