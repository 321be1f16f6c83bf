"""MMTracking's MOT detector and ReID checkpoints -> d2track (``d2track.checkpoint.mmtrack_mot``).

The MMTracking-layout state dicts are built from the d2track models of our configs by an inverse
key table written out here (MMDetection's / MMTracking's module names), so every shape is real.
"""

import re
from pathlib import Path

import pytest
import torch
import torchvision
from detectron2.config import LazyConfig, instantiate
from torch import nn

from d2track.checkpoint import (
    MMDET_DETECTOR_OVERRIDES,
    convert_mmtrack_state_dict,
    method_rules,
    mot_detector_rules,
    mot_tracking_rules,
    reid_rules,
)
from d2track.config import get_config

DEEPSORT = (
    Path(__file__).parents[2]
    / "projects/DeepSORT/configs/deepsort_faster_rcnn_r50_fpn_mot17_halfval_private.py"
)


def _mmcv_resnet_key(key):
    """A Detectron2 ResNet key (after ``bottom_up.`` or ``backbone.``) -> MMCV's name."""
    key = key.replace("stem.conv1.norm.", "bn1.").replace("stem.conv1.", "conv1.")
    key = re.sub(r"res(\d)\.", lambda m: f"layer{int(m.group(1)) - 1}.", key)
    key = key.replace("shortcut.norm.", "downsample.1.").replace("shortcut.", "downsample.0.")
    return re.sub(r"conv(\d)\.norm\.", r"bn\1.", key)


def mmdet_detector_key(key):
    """A key of ``faster_rcnn_r50_fpn_mot.py``'s GeneralizedRCNN -> MMDetection's FasterRCNN."""
    if key.startswith("backbone.bottom_up."):
        return "backbone." + _mmcv_resnet_key(key[len("backbone.bottom_up.") :])
    if m := re.fullmatch(r"backbone\.fpn_(lateral|output)(\d)\.(\w+)", key):
        kind = "lateral_convs" if m.group(1) == "lateral" else "fpn_convs"
        return f"neck.{kind}.{int(m.group(2)) - 2}.conv.{m.group(3)}"
    table = {
        "proposal_generator.rpn_head.conv.": "rpn_head.rpn_conv.",
        "proposal_generator.rpn_head.objectness_logits.": "rpn_head.rpn_cls.",
        "proposal_generator.rpn_head.anchor_deltas.": "rpn_head.rpn_reg.",
        "roi_heads.box_head.fc1.": "roi_head.bbox_head.shared_fcs.0.",
        "roi_heads.box_head.fc2.": "roi_head.bbox_head.shared_fcs.1.",
        "roi_heads.box_predictor.cls_score.": "roi_head.bbox_head.fc_cls.",
        "roi_heads.box_predictor.bbox_pred.": "roi_head.bbox_head.fc_reg.",
    }
    for d2, mm in table.items():
        if key.startswith(d2):
            return mm + key[len(d2) :]
    raise AssertionError(f"no MMDetection name for {key}")


def mmtrack_reid_key(key):
    """A key of ``reid_r50.py``'s ReID -> MMTracking's BaseReID (LinearReIDHead, FcModule)."""
    if key.startswith("backbone."):
        return "backbone." + _mmcv_resnet_key(key[len("backbone.") :])
    if m := re.fullmatch(r"head\.fcs\.(\d+)\.(\w+)", key):
        block, layer = divmod(int(m.group(1)), 3)
        return f"head.fcs.{block}.{'fc' if layer == 0 else 'bn'}.{m.group(2)}"
    return key  # head.fc_out, head.bn, head.classifier


def _random_state(model, seed):
    generator = torch.Generator().manual_seed(seed)
    return {
        k: torch.randint(0, 9, v.shape, generator=generator) if not v.is_floating_point()
        else torch.randn(v.shape, generator=generator)
        for k, v in model.state_dict().items()
    }  # fmt: skip


@pytest.fixture(scope="module")
def detector():
    return instantiate(get_config("common/models/faster_rcnn_r50_fpn_mot.py").model).eval()


@pytest.fixture(scope="module")
def reid():
    return instantiate(get_config("common/models/reid_r50.py").model).eval()


@pytest.fixture(scope="module")
def detector_state(detector):
    """d2track detector weights and the same weights in MMDetection's layout (+ the BN counters
    MMDetection's trained BatchNorm saves)."""
    d2 = _random_state(detector, 0)
    mm = {mmdet_detector_key(k): v for k, v in d2.items()}
    for key in [k for k in mm if k.startswith("backbone.") and k.endswith(".running_var")]:
        mm[key.replace("running_var", "num_batches_tracked")] = torch.tensor(7)
    return d2, mm


@pytest.fixture(scope="module")
def reid_state(reid):
    d2 = _random_state(reid, 1)
    return d2, {mmtrack_reid_key(k): v for k, v in d2.items()}


@pytest.mark.parametrize("prefix", ["", "detector."])
def test_detector_keys_all_map_and_load_strictly(detector, detector_state, prefix):
    d2, mm = detector_state
    state = {prefix + k: v for k, v in mm.items()}
    result = convert_mmtrack_state_dict(
        state, extra_rules=mot_detector_rules(), with_detector=False
    )
    assert result.unmapped == []
    assert len(result.dropped) == 53 and all("num_batches_tracked" in k for k in result.dropped)
    assert sorted(result.state_dict) == sorted(d2)
    assert all(torch.equal(result.state_dict[k], d2[k]) for k in d2)  # names only, no permutation
    detector.load_state_dict(result.state_dict, strict=True)


@pytest.mark.parametrize("prefix", ["", "reid."])
def test_reid_keys_all_map_and_load_strictly(reid, reid_state, prefix):
    d2, mm = reid_state
    assert "head.fcs.0.bn.running_mean" in mm and "neck" not in " ".join(mm)
    result = convert_mmtrack_state_dict(
        {prefix + k: v for k, v in mm.items()}, extra_rules=reid_rules(), with_detector=False
    )
    assert (result.unmapped, result.dropped) == ([], [])
    assert sorted(result.state_dict) == sorted(d2)
    assert all(torch.equal(result.state_dict[k], d2[k]) for k in d2)
    reid.load_state_dict(result.state_dict, strict=True)


def test_whole_tracking_model(detector_state, reid_state):
    cfg = LazyConfig.load(str(DEEPSORT))
    model = instantiate(cfg.model)
    state = {f"detector.{k}": v for k, v in detector_state[1].items()}
    state |= {f"reid.{k}": v for k, v in reid_state[1].items()}
    state["motion.unused"] = torch.zeros(1)
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("mot"), with_detector=False)
    assert result.unmapped == ["motion.unused"]
    model.load_state_dict(result.state_dict, strict=True)
    assert result.state_dict.keys() == model.state_dict().keys()


def test_without_prefix_rules_the_other_part_stays_unmapped(detector_state, reid_state):
    state = {f"reid.{k}": v for k, v in reid_state[1].items()}
    state["detector.neck.fpn_convs.0.conv.bias"] = torch.zeros(256)
    result = convert_mmtrack_state_dict(
        state, extra_rules=method_rules("mot_detector"), with_detector=False
    )
    assert list(result.state_dict) == ["backbone.fpn_output2.bias"]
    assert len(result.unmapped) == len(reid_state[1])  # never guessed as detector weights
    assert mot_tracking_rules() == method_rules("mot")


def _torchvision_resnet50(seed):
    torch.manual_seed(seed)
    model = torchvision.models.resnet50(weights=None).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.0)
    return model


def _resnet_features(tv, image):
    x = tv.maxpool(tv.relu(tv.bn1(tv.conv1(image))))
    return tv.layer4(tv.layer3(tv.layer2(tv.layer1(x))))


def test_converted_detector_backbone_computes_mmdetections_with_the_overrides():
    """MMDetection's "pytorch"-style ResNet (= torchvision's) needs ``stride_in_1x1=False``."""
    tv = _torchvision_resnet50(3)
    state = {f"backbone.{k}": v for k, v in tv.state_dict().items() if not k.startswith("fc.")}
    result = convert_mmtrack_state_dict(
        state, extra_rules=mot_detector_rules(), with_detector=False
    )
    assert result.unmapped == []
    image = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        expected = _resnet_features(tv, image)
    outputs = {}
    for style in ("mmdet", "detectron2"):
        cfg = get_config("common/models/faster_rcnn_r50_fpn_mot.py")
        if style == "mmdet":
            cfg = LazyConfig.apply_overrides(
                cfg, [f"model.{k}={v!r}" for k, v in MMDET_DETECTOR_OVERRIDES.items()]
            )
        model = instantiate(cfg.model).eval()
        model.load_state_dict(result.state_dict, strict=False)
        with torch.no_grad():
            outputs[style] = model.backbone.bottom_up(image)["res5"]
        if style == "mmdet":
            assert model.input_format == "RGB"
            assert model.pixel_std.flatten().tolist() == pytest.approx([58.395, 57.12, 57.375])
    torch.testing.assert_close(outputs["mmdet"], expected, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(outputs["detectron2"], expected, atol=1e-2)


def test_converted_reid_embeds_as_mmtracking():
    """ResNet-50 -> average pooling -> FcModule(Linear, BN1d, ReLU) -> fc_out, as BaseReID."""
    tv = _torchvision_resnet50(5)
    fc, bn, fc_out = nn.Linear(2048, 1024), nn.BatchNorm1d(1024), nn.Linear(1024, 128)
    with torch.no_grad():
        bn.running_mean.uniform_(-0.1, 0.1)
        bn.running_var.uniform_(0.5, 1.5)
    bn.eval()
    state = {f"backbone.{k}": v for k, v in tv.state_dict().items() if not k.startswith("fc.")}
    state |= {f"head.fcs.0.fc.{k}": v for k, v in fc.state_dict().items()}
    state |= {f"head.fcs.0.bn.{k}": v for k, v in bn.state_dict().items()}
    state |= {f"head.fc_out.{k}": v for k, v in fc_out.state_dict().items()}
    result = convert_mmtrack_state_dict(state, extra_rules=reid_rules(), with_detector=False)
    assert result.unmapped == []
    cfg = get_config("common/models/reid_r50.py")
    cfg.model.head.num_classes, cfg.model.head.loss_cls_weight = 0, 0.0  # as tracking configs
    model = instantiate(cfg.model).eval()
    model.load_state_dict(result.state_dict, strict=True)
    crops = 255 * torch.rand(2, 3, 256, 128, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        normalized = (crops - model.pixel_mean) / model.pixel_std  # MMTracking's img_norm_cfg
        pooled = _resnet_features(tv, normalized).mean(dim=(2, 3))  # GlobalAveragePooling
        expected = fc_out(torch.relu(bn(fc(pooled))))
        actual = model.embed(crops)
    assert actual.shape == (2, 128)
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4)


def test_readme_overrides_configure_a_tracking_config_as_mmdetection():
    """The overrides that ``projects/SORT/README.md`` gives for converted detectors are keys of
    the tracking configs and give MMDetection's detector: RGB in, ImageNet normalisation, stride
    on the 3x3 conv."""
    readme = (Path(__file__).parents[2] / "projects/SORT/README.md").read_text()
    block = next(b for b in readme.split("```") if "stride_in_1x1" in b)
    overrides = [
        token.strip('"')
        for token in block.split()
        if token.strip('"').startswith(("model.detector.", "dataloader."))
    ]
    assert len(overrides) == 5
    assert {o.split("=")[0].removeprefix("model.detector.") for o in overrides} >= set(
        MMDET_DETECTOR_OVERRIDES
    )
    cfg = LazyConfig.load(str(DEEPSORT))
    cfg = LazyConfig.apply_overrides(cfg, overrides)
    assert cfg.dataloader.test.mapper.image_format == "RGB"
    model = instantiate(cfg.model).detector
    block = model.backbone.bottom_up.res3[0]
    assert (block.conv1.stride, block.conv2.stride) == ((1, 1), (2, 2))
    assert model.input_format == "RGB"
    assert model.pixel_mean.flatten().tolist() == pytest.approx([123.675, 116.28, 103.53])
