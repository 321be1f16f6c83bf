"""MMTracking MaskTrack R-CNN checkpoint keys -> MaskTrackRCNN keys, every one, with exact shapes.

The MMTracking layout is written here from its module definitions (MMDetection's ``ResNet`` /
``Bottleneck`` (``style="pytorch"``), ``FPN``, ``RPNHead``, ``Shared2FCBBoxHead`` and
``FCNMaskHead`` under ``detector.``; MMTracking's ``RoIEmbedHead`` under ``track_head.``), not from
our model.
"""

import importlib.util
from pathlib import Path

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "projects/MaskTrackRCNN/configs/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py"
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, channels):
    return {f"{prefix}.{k}": () if k == "num_batches_tracked" else (channels,) for k in BN}


def _conv(prefix, out_c, in_c, side):
    return {f"{prefix}.weight": (out_c, in_c, side, side), f"{prefix}.bias": (out_c,)}


def _linear(prefix, out_c, in_c):
    return {f"{prefix}.weight": (out_c, in_c), f"{prefix}.bias": (out_c,)}


def _resnet50(prefix):
    shapes = {f"{prefix}conv1.weight": (64, 3, 7, 7), **_bn(f"{prefix}bn1", 64)}
    inplanes = 64
    for k, num in enumerate((3, 4, 6, 3), start=1):
        planes = 64 * 2 ** (k - 1)
        for i in range(num):
            p = f"{prefix}layer{k}.{i}"
            shapes[f"{p}.conv1.weight"] = (planes, inplanes, 1, 1)
            shapes[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            shapes[f"{p}.conv3.weight"] = (4 * planes, planes, 1, 1)
            for j, c in ((1, planes), (2, planes), (3, 4 * planes)):
                shapes.update(_bn(f"{p}.bn{j}", c))
            if i == 0:
                shapes[f"{p}.downsample.0.weight"] = (4 * planes, inplanes, 1, 1)
                shapes.update(_bn(f"{p}.downsample.1", 4 * planes))
            inplanes = 4 * planes
    return shapes


def mmtrack_layout(classes=40, prefix="detector."):
    """{key: shape} of MMTracking's MaskTrack R-CNN R50-FPN (``prefix=""`` and no track head:
    MMDetection's Mask R-CNN)."""
    shapes = _resnet50(f"{prefix}backbone.")
    for i, c in enumerate((256, 512, 1024, 2048)):
        shapes.update(_conv(f"{prefix}neck.lateral_convs.{i}.conv", 256, c, 1))
        shapes.update(_conv(f"{prefix}neck.fpn_convs.{i}.conv", 256, 256, 3))
    rpn = f"{prefix}rpn_head."
    shapes.update(_conv(f"{rpn}rpn_conv", 256, 256, 3))
    shapes.update(_conv(f"{rpn}rpn_cls", 3, 256, 1))
    shapes.update(_conv(f"{rpn}rpn_reg", 12, 256, 1))
    box, mask = f"{prefix}roi_head.bbox_head.", f"{prefix}roi_head.mask_head."
    shapes.update(_linear(f"{box}shared_fcs.0", 1024, 256 * 49))
    shapes.update(_linear(f"{box}shared_fcs.1", 1024, 1024))
    shapes.update(_linear(f"{box}fc_cls", classes + 1, 1024))
    shapes.update(_linear(f"{box}fc_reg", 4 * classes, 1024))
    for i in range(4):
        shapes.update(_conv(f"{mask}convs.{i}.conv", 256, 256, 3))
    shapes.update({f"{mask}upsample.weight": (256, 256, 2, 2), f"{mask}upsample.bias": (256,)})
    shapes.update(_conv(f"{mask}conv_logits", classes, 256, 1))
    if prefix:
        shapes.update(_linear("track_head.embed_head.fcs.0", 1024, 256 * 49))
        shapes.update(_linear("track_head.embed_head.fcs.1", 1024, 1024))
    return shapes


@pytest.fixture(scope="module")
def model():
    return instantiate(LazyConfig.load(str(CONFIG)).model)


def fake_state(shapes):
    g = torch.Generator().manual_seed(0)
    return {
        k: torch.randint(0, 9, s) if k.endswith("tracked") else torch.randn(s, generator=g)
        for k, s in shapes.items()
    }


def test_every_key_maps_with_exact_shapes(model):
    state = {k: torch.empty(s) for k, s in mmtrack_layout().items()}
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("masktrack"))
    assert result.unmapped == []
    assert len(result.dropped) == 53 and all(
        k.endswith("num_batches_tracked") for k in result.dropped
    )
    ours = model.state_dict()
    assert set(result.state_dict) == set(ours)
    for key, value in result.state_dict.items():
        assert tuple(value.shape) == tuple(ours[key].shape), key


def test_mmdetection_coco_mask_rcnn_maps_onto_the_detector(model):
    """MMTracking's start (``mask_rcnn_r50_fpn_1x_coco``): the same keys without ``detector.``,
    80 classes (their predictors do not fit 40 and are skipped when loaded)."""
    state = {k: torch.empty(s) for k, s in mmtrack_layout(classes=80, prefix="").items()}
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("masktrack"))
    assert result.unmapped == []
    ours = model.state_dict()
    detector = {k for k in ours if k.startswith("detector.")}
    assert set(result.state_dict) == detector
    mismatched = {k for k, v in result.state_dict.items() if v.shape != ours[k].shape}
    assert mismatched == {
        "detector.roi_heads.box_predictor.cls_score.weight",
        "detector.roi_heads.box_predictor.cls_score.bias",
        "detector.roi_heads.box_predictor.bbox_pred.weight",
        "detector.roi_heads.box_predictor.bbox_pred.bias",
        "detector.roi_heads.mask_head.predictor.weight",
        "detector.roi_heads.mask_head.predictor.bias",
    }


def test_tool_converts_and_the_model_loads_it(model, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    state = fake_state(mmtrack_layout())
    torch.save({"meta": {"epoch": 12}, "state_dict": state}, tmp_path / "in.pth")
    out = tmp_path / "out.pth"
    code = tool.main([str(tmp_path / "in.pth"), str(out), "--method", "masktrack", "--strict"])
    assert code == 0 and "0 unmapped" in capsys.readouterr().out
    model.load_state_dict(torch.load(out, weights_only=True)["model"], strict=True)
    ours = model.state_dict()
    pairs = {
        "detector.backbone.layer3.0.downsample.0.weight": "backbone.bottom_up.res4.0.shortcut",
        "detector.neck.lateral_convs.1.conv.weight": "backbone.fpn_lateral3",
        "detector.neck.fpn_convs.3.conv.bias": "backbone.fpn_output5",
        "detector.rpn_head.rpn_cls.weight": "proposal_generator.rpn_head.objectness_logits",
        "detector.roi_head.bbox_head.shared_fcs.1.weight": "roi_heads.box_head.fc2",
        "detector.roi_head.mask_head.convs.3.conv.weight": "roi_heads.mask_head.mask_fcn4",
        "detector.roi_head.mask_head.upsample.weight": "roi_heads.mask_head.deconv",
        "detector.roi_head.mask_head.conv_logits.bias": "roi_heads.mask_head.predictor",
    }
    pairs = {k: f"detector.{v}.{k.rsplit('.', 1)[1]}" for k, v in pairs.items()}
    pairs["track_head.embed_head.fcs.0.weight"] = "track_head.fcs.0.weight"
    for mm_key, key in pairs.items():
        torch.testing.assert_close(ours[key], state[mm_key], msg=mm_key)
