"""MMTracking QDTrack checkpoint keys -> QDTrack keys, every one, with exact shapes.

The MMTracking layout is written here from its module definitions (MMDetection's ``ResNet`` /
``Bottleneck`` (``style="caffe"``: the same names and shapes as pytorch style), ``FPN``,
``RPNHead`` (3 anchors per location), ``Shared2FCBBoxHead`` (1 class) under ``detector.``;
MMTracking's ``QuasiDenseEmbedHead``: 4 bias-free ``ConvModule`` convs with GroupNorm ``gn``, 1 fc
of 1024 and ``fc_embed`` of 256, under ``track_head.embed_head.``), not from our model.
"""

import importlib.util
from pathlib import Path

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "projects/QDTrack/configs/qdtrack_faster_rcnn_r50_fpn_4e_mot17_halfval_private.py"
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, channels):
    return {f"{prefix}.{k}": () if k == "num_batches_tracked" else (channels,) for k in BN}


def _conv(prefix, out_c, in_c, side, bias=True):
    shapes = {f"{prefix}.weight": (out_c, in_c, side, side)}
    return {**shapes, f"{prefix}.bias": (out_c,)} if bias else shapes


def _linear(prefix, out_c, in_c):
    return {f"{prefix}.weight": (out_c, in_c), f"{prefix}.bias": (out_c,)}


def _resnet50(prefix):
    shapes = {f"{prefix}conv1.weight": (64, 3, 7, 7), **_bn(f"{prefix}bn1", 64)}
    inplanes = 64
    for k, num in enumerate((3, 4, 6, 3), start=1):
        planes = 64 * 2 ** (k - 1)
        for i in range(num):
            p = f"{prefix}layer{k}.{i}"
            shapes.update(_conv(f"{p}.conv1", planes, inplanes, 1, bias=False))
            shapes.update(_conv(f"{p}.conv2", planes, planes, 3, bias=False))
            shapes.update(_conv(f"{p}.conv3", 4 * planes, planes, 1, bias=False))
            for j, c in ((1, planes), (2, planes), (3, 4 * planes)):
                shapes.update(_bn(f"{p}.bn{j}", c))
            if i == 0:
                shapes.update(_conv(f"{p}.downsample.0", 4 * planes, inplanes, 1, bias=False))
                shapes.update(_bn(f"{p}.downsample.1", 4 * planes))
            inplanes = 4 * planes
    return shapes


def mmtrack_layout(prefix="detector.", track_head=True):
    """{key: shape} of MMTracking's QDTrack R50-FPN (``prefix=""`` without the track head:
    MMDetection's 1-class Faster R-CNN, ``faster_rcnn_r50_fpn_1x_coco-person``)."""
    shapes = _resnet50(f"{prefix}backbone.")
    for i, c in enumerate((256, 512, 1024, 2048)):
        shapes.update(_conv(f"{prefix}neck.lateral_convs.{i}.conv", 256, c, 1))
        shapes.update(_conv(f"{prefix}neck.fpn_convs.{i}.conv", 256, 256, 3))
    rpn = f"{prefix}rpn_head."
    shapes.update(_conv(f"{rpn}rpn_conv", 256, 256, 3))
    shapes.update(_conv(f"{rpn}rpn_cls", 3, 256, 1))
    shapes.update(_conv(f"{rpn}rpn_reg", 12, 256, 1))
    box = f"{prefix}roi_head.bbox_head."
    shapes.update(_linear(f"{box}shared_fcs.0", 1024, 256 * 49))
    shapes.update(_linear(f"{box}shared_fcs.1", 1024, 1024))
    shapes.update(_linear(f"{box}fc_cls", 2, 1024))
    shapes.update(_linear(f"{box}fc_reg", 4, 1024))
    if track_head:
        embed = "track_head.embed_head."
        for i in range(4):
            shapes.update(_conv(f"{embed}convs.{i}.conv", 256, 256, 3, bias=False))
            shapes.update({f"{embed}convs.{i}.gn.{k}": (256,) for k in ("weight", "bias")})
        shapes.update(_linear(f"{embed}fcs.0", 1024, 256 * 49))
        shapes.update(_linear(f"{embed}fc_embed", 256, 1024))
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
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("qdtrack"))
    assert result.unmapped == []
    assert len(result.dropped) == 53 and all(
        k.endswith("num_batches_tracked") for k in result.dropped
    )
    ours = model.state_dict()
    assert set(result.state_dict) == set(ours)  # none left over on either side
    for key, value in result.state_dict.items():
        assert tuple(value.shape) == tuple(ours[key].shape), key


def test_mmdetection_person_detector_maps_onto_the_whole_detector(model):
    """MMTracking's start: the same detector keys without ``detector.``, 1 class too."""
    state = {k: torch.empty(s) for k, s in mmtrack_layout(prefix="", track_head=False).items()}
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("qdtrack"))
    assert result.unmapped == []
    ours = model.state_dict()
    assert set(result.state_dict) == {k for k in ours if k.startswith("detector.")}
    assert all(v.shape == ours[k].shape for k, v in result.state_dict.items())


def test_tool_converts_and_the_model_loads_it(model, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    state = fake_state(mmtrack_layout())
    torch.save({"meta": {"epoch": 4}, "state_dict": state}, tmp_path / "in.pth")
    out = tmp_path / "out.pth"
    code = tool.main([str(tmp_path / "in.pth"), str(out), "--method", "qdtrack", "--strict"])
    assert code == 0 and "0 unmapped" in capsys.readouterr().out
    model.load_state_dict(torch.load(out, weights_only=True)["model"], strict=True)
    ours = model.state_dict()
    pairs = {
        "detector.backbone.conv1.weight": "detector.backbone.bottom_up.stem.conv1.weight",
        "detector.backbone.layer3.0.downsample.1.running_var": (
            "detector.backbone.bottom_up.res4.0.shortcut.norm.running_var"
        ),
        "detector.neck.lateral_convs.1.conv.weight": "detector.backbone.fpn_lateral3.weight",
        "detector.neck.fpn_convs.3.conv.bias": "detector.backbone.fpn_output5.bias",
        "detector.rpn_head.rpn_reg.weight": (
            "detector.proposal_generator.rpn_head.anchor_deltas.weight"
        ),
        "detector.roi_head.bbox_head.shared_fcs.1.weight": "detector.roi_heads.box_head.fc2.weight",
        "detector.roi_head.bbox_head.fc_cls.bias": (
            "detector.roi_heads.box_predictor.cls_score.bias"
        ),
        "track_head.embed_head.convs.2.conv.weight": "track_head.convs.2.weight",
        "track_head.embed_head.convs.3.gn.bias": "track_head.convs.3.norm.bias",
        "track_head.embed_head.fcs.0.weight": "track_head.fcs.0.weight",
        "track_head.embed_head.fc_embed.bias": "track_head.fc_embed.bias",
    }
    for mm_key, key in pairs.items():
        torch.testing.assert_close(ours[key], state[mm_key], msg=mm_key)
