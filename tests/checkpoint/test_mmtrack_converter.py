import pytest
import torch
import torchvision
from detectron2.config import instantiate

from d2track.checkpoint import mmtrack
from d2track.checkpoint.mmtrack import (
    Rule,
    convert_mmtrack_state_dict,
    method_rules,
    permute_anchor_rows,
    register_method_rules,
)
from d2track.config import get_config

SCALES, RATIOS = (4, 8, 16, 32), (0.5, 1.0, 2.0)
METHOD_KEYS = (
    "detector.roi_head.bbox_head.aggregator.0.fc_embed.weight",
    "motion.conv1.0.weight",
    "aggregator.0.weight",
)


def mmdet_base_anchors(stride=16):
    """MMDetection's base anchors (scale_major=True, center_offset=0), written out by hand."""
    rows = []
    for ratio in RATIOS:  # ratio-major: anchor r * S + s
        for scale in SCALES:
            w, h = stride * scale / ratio**0.5, stride * scale * ratio**0.5
            rows.append([-w / 2, -h / 2, w / 2, h / 2])
    return torch.tensor(rows)


def test_permute_anchor_rows_labels():
    labels = torch.tensor([10 * r + s for r in range(3) for s in range(4)])  # MMDet order
    out = permute_anchor_rows(labels, num_scales=4, num_ratios=3)
    assert out.tolist() == [10 * r + s for s in range(4) for r in range(3)]
    grouped = torch.arange(12 * 4).reshape(48, 1, 1, 1)  # 4 deltas per anchor
    out = permute_anchor_rows(grouped, num_scales=4, num_ratios=3).flatten()
    assert out[:8].tolist() == [0, 1, 2, 3, 16, 17, 18, 19]  # (s0, r0), (s0, r1)
    assert out[-4:].tolist() == [44, 45, 46, 47]


def test_permuted_mmdet_anchors_equal_detectron2_cell_anchors():
    model_cfg = get_config("common/models/faster_rcnn_r50_dc5.py").model
    generator = instantiate(model_cfg.proposal_generator.anchor_generator)
    cell = list(generator.cell_anchors)[0]
    permuted = permute_anchor_rows(mmdet_base_anchors(), num_scales=4, num_ratios=3)
    torch.testing.assert_close(permuted, cell)


def test_permute_anchor_rows_bad_shape():
    with pytest.raises(ValueError, match=r"shape \(10, 2\): first dim is not a multiple of 12"):
        permute_anchor_rows(torch.zeros(10, 2), num_scales=4, num_ratios=3)


def randomize_bn_(module):
    """Random BN statistics and affine parameters, of a scale that keeps activations finite."""
    generator = torch.Generator().manual_seed(0)
    ranges = {"weight": (0.5, 1.0), "bias": (-0.1, 0.1), "mean": (-0.1, 0.1), "var": (0.5, 1.5)}
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                for name, tensor in [("weight", m.weight), ("bias", m.bias)] + [
                    ("mean", m.running_mean),
                    ("var", m.running_var),
                ]:
                    low, high = ranges[name]
                    tensor.copy_(torch.rand(tensor.shape, generator=generator) * (high - low) + low)
    return module


@pytest.fixture(scope="module")
def torchvision_dc5():
    """MMCV's ResNet-50 DC5: torchvision's dilated layer4, with block 0 dilated as the others.

    torchvision keeps dilation 1 in layer4[0].conv2; MMCV's ResLayer (and Detectron2) dilate every
    block of the stage.
    """
    model = torchvision.models.resnet50(weights=None, replace_stride_with_dilation=[0, 0, 1])
    model.layer4[0].conv2.dilation = model.layer4[0].conv2.padding = (2, 2)
    return randomize_bn_(model).eval()


@pytest.fixture(scope="module")
def mmtrack_state(torchvision_dc5):
    """An MMTracking SELSA-like state dict: MMCV ResNet names (= torchvision's) + heads."""
    generator = torch.Generator().manual_seed(1)
    state = {f"detector.backbone.{k}": v for k, v in torchvision_dc5.state_dict().items()}
    del state["detector.backbone.fc.weight"], state["detector.backbone.fc.bias"]
    shapes = {
        "neck.convs.0.conv.weight": (512, 2048, 3, 3),
        "neck.convs.0.conv.bias": (512,),
        "rpn_head.rpn_conv.weight": (512, 512, 3, 3),
        "rpn_head.rpn_conv.bias": (512,),
        "rpn_head.rpn_cls.weight": (12, 512, 1, 1),
        "rpn_head.rpn_cls.bias": (12,),
        "rpn_head.rpn_reg.weight": (48, 512, 1, 1),
        "rpn_head.rpn_reg.bias": (48,),
        "roi_head.bbox_head.shared_fcs.0.weight": (1024, 512 * 7 * 7),
        "roi_head.bbox_head.shared_fcs.0.bias": (1024,),
        "roi_head.bbox_head.shared_fcs.1.weight": (1024, 1024),
        "roi_head.bbox_head.shared_fcs.1.bias": (1024,),
        "roi_head.bbox_head.fc_cls.weight": (31, 1024),
        "roi_head.bbox_head.fc_cls.bias": (31,),
        "roi_head.bbox_head.fc_reg.weight": (120, 1024),
        "roi_head.bbox_head.fc_reg.bias": (120,),
    }
    for key, shape in shapes.items():
        state[f"detector.{key}"] = torch.randn(shape, generator=generator)
    for key in METHOD_KEYS:
        state[key] = torch.randn(3, 3, generator=generator)
    return state


@pytest.fixture(scope="module")
def converted(mmtrack_state):
    return convert_mmtrack_state_dict(mmtrack_state)


@pytest.fixture(scope="module")
def r50():
    return instantiate(get_config("common/models/faster_rcnn_r50_dc5.py").model).eval()


def test_keys(converted, mmtrack_state, r50):
    assert converted.unmapped == list(METHOD_KEYS)
    assert len(converted.dropped) == 53  # every BN's num_batches_tracked
    assert all(key.endswith(".num_batches_tracked") for key in converted.dropped)
    assert len(converted.state_dict) + 53 + 3 == len(mmtrack_state)
    r50.load_state_dict(converted.state_dict, strict=True)  # every detector key, right shapes


def test_exact_tensors(converted, mmtrack_state):
    new, old = converted.state_dict, mmtrack_state
    resnet = {
        "stem.conv1.weight": "conv1.weight",
        "stem.conv1.norm.running_mean": "bn1.running_mean",
        "res2.0.shortcut.weight": "layer1.0.downsample.0.weight",
        "res2.0.shortcut.norm.bias": "layer1.0.downsample.1.bias",
        "res4.5.conv2.weight": "layer3.5.conv2.weight",
        "res5.2.conv3.norm.running_var": "layer4.2.bn3.running_var",
    }
    pairs = {f"backbone.bottom_up.{k}": f"detector.backbone.{v}" for k, v in resnet.items()}
    pairs |= {
        "backbone.conv.weight": "detector.neck.convs.0.conv.weight",
        "proposal_generator.rpn_head.conv.bias": "detector.rpn_head.rpn_conv.bias",
        "roi_heads.box_head.fc1.weight": "detector.roi_head.bbox_head.shared_fcs.0.weight",
        "roi_heads.box_head.fc2.bias": "detector.roi_head.bbox_head.shared_fcs.1.bias",
        "roi_heads.box_predictor.cls_score.weight": "detector.roi_head.bbox_head.fc_cls.weight",
        "roi_heads.box_predictor.bbox_pred.bias": "detector.roi_head.bbox_head.fc_reg.bias",
    }
    for new_key, old_key in pairs.items():
        assert torch.equal(new[new_key], old[old_key]), new_key


def test_rpn_rows_are_permuted(converted, mmtrack_state):
    head = "proposal_generator.rpn_head."
    logits_w = converted.state_dict[f"{head}objectness_logits.weight"]
    logits_b = converted.state_dict[f"{head}objectness_logits.bias"]
    deltas = converted.state_dict[f"{head}anchor_deltas.weight"]
    mm_cls = mmtrack_state["detector.rpn_head.rpn_cls.weight"]
    mm_cls_b = mmtrack_state["detector.rpn_head.rpn_cls.bias"]
    mm_reg = mmtrack_state["detector.rpn_head.rpn_reg.weight"]
    for s in range(4):
        for r in range(3):
            d2, mm = s * 3 + r, r * 4 + s
            assert torch.equal(logits_w[d2], mm_cls[mm])
            assert torch.equal(logits_b[d2], mm_cls_b[mm])
            assert torch.equal(deltas[4 * d2 : 4 * d2 + 4], mm_reg[4 * mm : 4 * mm + 4])
    assert not torch.equal(logits_w, mm_cls)


def test_converted_backbone_matches_torchvision(converted, r50, torchvision_dc5):
    """The converted R50-DC5 computes what the MMCV-named original computes."""
    r50.load_state_dict(converted.state_dict)
    image = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(2))
    tv = torchvision_dc5
    with torch.no_grad():
        x = tv.maxpool(tv.relu(tv.bn1(tv.conv1(image))))
        expected = tv.layer4(tv.layer3(tv.layer2(tv.layer1(x))))
        actual = r50.backbone.bottom_up(image)["res5"]
    assert actual.shape == expected.shape == (1, 2048, 4, 6)
    scale = expected.abs().max()
    assert scale > 0
    torch.testing.assert_close(actual / scale, expected / scale, rtol=0, atol=1e-5)


def test_extra_rules_first_and_drop():
    state = {
        "motion.conv1.weight": torch.ones(2),
        "detector.neck.convs.0.conv.bias": torch.zeros(3),
        "detector.backbone.bn1.num_batches_tracked": torch.tensor(5),
    }
    rules = (
        Rule(r"motion\.(.*)", r"motion.\1", lambda t: 2 * t),
        Rule(r"detector\.neck\.convs\.0\.conv\.bias", "other.bias"),
    )
    result = convert_mmtrack_state_dict(state, extra_rules=rules)
    assert list(result.state_dict) == ["motion.conv1.weight", "other.bias"]
    assert result.state_dict["motion.conv1.weight"].tolist() == [2.0, 2.0]
    assert result.dropped == ["detector.backbone.bn1.num_batches_tracked"]
    assert result.unmapped == []


def test_empty_and_duplicates():
    result = convert_mmtrack_state_dict({})
    assert (result.state_dict, result.unmapped, result.dropped) == ({}, [], [])
    state = {"a": torch.zeros(1), "detector.neck.convs.0.conv.bias": torch.zeros(1)}
    with pytest.raises(ValueError, match="'a' and 'detector.neck.convs.0.conv.bias' both map"):
        convert_mmtrack_state_dict(state, extra_rules=[Rule("a", "backbone.conv.bias")])


def test_bad_rpn_shape_names_key():
    state = {"detector.rpn_head.rpn_reg.bias": torch.zeros(10)}
    with pytest.raises(ValueError, match=r"^detector.rpn_head.rpn_reg.bias: RPN tensor"):
        convert_mmtrack_state_dict(state)


def test_anchor_counts_are_options():
    state = {"detector.rpn_head.rpn_cls.bias": torch.arange(6.0)}  # 2 ratios x 3 scales
    result = convert_mmtrack_state_dict(state, num_anchor_scales=3, num_anchor_ratios=2)
    out = result.state_dict["proposal_generator.rpn_head.objectness_logits.bias"]
    assert out.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


def test_method_registry(monkeypatch):
    monkeypatch.setattr(mmtrack, "_METHOD_RULES", {})
    with pytest.raises(
        KeyError,
        match=r"no checkpoint rules registered for 'fake_method'.*"
        r"import its project \(d2track.projects.fake_method\) first",
    ):
        method_rules("fake_method")  # never imports a project
    table = (Rule(r"aggregator\.(.*)", r"roi_heads.box_head.aggregator.\1"),)
    register_method_rules("fake_method", table)
    assert method_rules("fake_method") == table
    register_method_rules("fake_method", [])
    assert method_rules("fake_method") == ()
