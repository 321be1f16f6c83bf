"""Tests of VideoROIHeads (d2track.modeling.roi_heads) on tiny inputs."""

import pytest
import torch
from detectron2.layers import ShapeSpec
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.modeling.roi_heads import FastRCNNOutputLayers
from detectron2.structures import Boxes, ImageList, Instances
from detectron2.utils.events import EventStorage

from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads

FEATURE = "res5"  # name of the detector's (DC5, stride 16) feature map
CHANNELS, STRIDE, IMAGE_SIZE, NUM_CLASSES = 8, 16, 64, 3


def build_heads(cls=VideoROIHeads, **extra):
    torch.manual_seed(0)
    box_head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=CHANNELS, height=7, width=7),
        num_shared_fcs=2,
        fc_dim=32,
        num_attention_blocks=4,
    )
    return cls(
        num_classes=NUM_CLASSES,
        batch_size_per_image=16,
        positive_fraction=0.25,
        proposal_matcher=Matcher([0.5], [0, 1], allow_low_quality_matches=False),
        box_in_features=[FEATURE],
        box_pooler=ROIPooler(
            output_size=7, scales=(1.0 / STRIDE,), sampling_ratio=2, pooler_type="ROIAlignV2"
        ),
        box_head=box_head,
        box_predictor=FastRCNNOutputLayers(
            input_shape=box_head.output_shape,
            box2box_transform=Box2BoxTransform(weights=(10.0, 10.0, 5.0, 5.0)),
            num_classes=NUM_CLASSES,
            test_score_thresh=0.0,
            test_topk_per_image=20,
        ),
        **extra,
    )


def make_proposals(num_images, num_boxes, seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num_images):
        xy = torch.rand(num_boxes, 2, generator=g) * (IMAGE_SIZE - 24)
        wh = 8 + torch.rand(num_boxes, 2, generator=g) * 16
        inst = Instances((IMAGE_SIZE, IMAGE_SIZE))
        inst.proposal_boxes = Boxes(torch.cat([xy, xy + wh], dim=1))
        inst.objectness_logits = torch.randn(num_boxes, generator=g)
        out.append(inst)
    return out


def make_targets(num_images):
    targets = []
    for i in range(num_images):
        inst = Instances((IMAGE_SIZE, IMAGE_SIZE))
        inst.gt_boxes = Boxes(torch.tensor([[4.0, 4.0, 30.0, 28.0], [20.0 + i, 30.0, 50.0, 60.0]]))
        inst.gt_classes = torch.tensor([0, 2])
        targets.append(inst)
    return targets


def make_inputs(num_images=2, num_refs=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    side = IMAGE_SIZE // STRIDE
    images = ImageList(torch.zeros(num_images, 3, IMAGE_SIZE, IMAGE_SIZE), [(IMAGE_SIZE,) * 2] * 2)
    features = {FEATURE: torch.randn(num_images, CHANNELS, side, side, generator=g)}
    total = num_images * num_refs
    refs = {
        "ref_features": {FEATURE: torch.randn(total, CHANNELS, side, side, generator=g)},
        "ref_proposals": make_proposals(total, 6, seed + 1),
        "num_refs": [num_refs] * num_images,
    }
    return images, features, make_proposals(num_images, 10, seed + 2), refs


def test_train_losses_are_standard_and_finite():
    heads = build_heads().train()
    images, features, proposals, refs = make_inputs()
    with EventStorage():
        sampled, losses = heads(images, features, proposals, make_targets(2), **refs)
    assert set(losses) == {"loss_cls", "loss_box_reg"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert len(sampled) == 2 and sampled[0].has("gt_classes")
    sum(losses.values()).backward()
    assert heads.box_head.aggregator[0].fc.weight.grad is not None


def test_inference_returns_instances():
    heads = build_heads().eval()
    images, features, proposals, refs = make_inputs()
    with torch.no_grad():
        results, losses = heads(images, features, proposals, **refs)
    assert losses == {} and len(results) == 2
    for inst in results:
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        assert 0 < len(inst) <= 20
        assert inst.image_size == (IMAGE_SIZE, IMAGE_SIZE)


def _box_head_output(heads, features, proposals, refs):
    captured = []
    handle = heads.box_head.register_forward_hook(lambda m, i, o: captured.append(o))
    with torch.no_grad():
        heads(None, features, proposals, **refs)
    handle.remove()
    return captured[0]


def test_grouping_sample_zero_ignores_sample_one_references():
    heads = build_heads().eval()
    _, features, proposals, refs = make_inputs()
    out = _box_head_output(heads, features, proposals, refs)
    refs["ref_features"] = {FEATURE: refs["ref_features"][FEATURE].clone()}
    refs["ref_features"][FEATURE][2:] = torch.randn(2, CHANNELS, 4, 4)
    refs["ref_proposals"] = refs["ref_proposals"][:2] + make_proposals(2, 9, seed=7)
    out2 = _box_head_output(heads, features, proposals, refs)
    assert out.shape == out2.shape == (20, 32)
    assert torch.equal(out[:10], out2[:10])
    assert not torch.allclose(out[10:], out2[10:])


def test_without_references_each_image_is_its_own_reference():
    heads = build_heads().eval()
    images, features, proposals, _ = make_inputs()
    own = {"ref_features": features, "ref_proposals": proposals, "num_refs": [1, 1]}
    with torch.no_grad():
        plain, _ = heads(images, features, proposals)
        explicit, _ = heads(images, features, proposals, **own)
    for a, b in zip(plain, explicit):
        assert torch.equal(a.scores, b.scores)
        assert torch.equal(a.pred_boxes.tensor, b.pred_boxes.tensor)
    heads.train()
    with EventStorage():
        _, losses = heads(images, features, proposals, make_targets(2))
    assert set(losses) == {"loss_cls", "loss_box_reg"}


def test_bad_references_raise():
    heads = build_heads().eval()
    images, features, proposals, refs = make_inputs()
    with pytest.raises(ValueError, match="num_refs"):
        heads(images, features, proposals, **{**refs, "num_refs": [2, 1]})
    with pytest.raises(ValueError, match="num_refs"):
        heads(images, features, proposals, **{**refs, "num_refs": [4, 0]})
    with pytest.raises(ValueError, match="ref_proposals"):
        heads(images, features, proposals, **{**refs, "ref_proposals": refs["ref_proposals"][:3]})
    with pytest.raises(ValueError, match=r"ref_features lacks .*'res5'"):
        heads(images, features, proposals, **{**refs, "ref_features": {"p5": features[FEATURE]}})
    with pytest.raises(ValueError, match=r"ref_features\['res5'\]"):
        short = {FEATURE: refs["ref_features"][FEATURE][:3]}
        heads(images, features, proposals, **{**refs, "ref_features": short})
