"""MMTracking SiameseRPN++ checkpoint keys -> SiamRPNpp keys, every one, with exact shapes.

The MMTracking layout is written here from its module definitions (MMTracking 0.x
``SOTResNet`` on MMDetection's ``ResNet``/``Bottleneck``, MMDetection's ``ChannelMapper``
of MMCV ``ConvModule`` s, ``SiameseRPNHead`` of ``CorrelationHead`` s), not from our model.
"""

import importlib.util
from pathlib import Path

import torch

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules
from d2track.projects.siamrpn import ChannelMapperNeck, SiameseRPNHead, SiamRPNpp, SOTResNet

REPO = Path(__file__).resolve().parents[2]
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, channels):
    return {f"{prefix}.{k}": () if k == "num_batches_tracked" else (channels,) for k in BN}


def _mm_backbone(stage_blocks, stem, base):
    shapes = {"backbone.conv1.weight": (stem, 3, 7, 7), **_bn("backbone.bn1", stem)}
    inplanes = stem
    for k, num in enumerate(stage_blocks, start=1):
        planes = base * 2 ** (k - 1)
        for i in range(num):
            p = f"backbone.layer{k}.{i}"
            shapes[f"{p}.conv1.weight"] = (planes, inplanes, 1, 1)
            shapes[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            shapes[f"{p}.conv3.weight"] = (4 * planes, planes, 1, 1)
            for j, c in ((1, planes), (2, planes), (3, 4 * planes)):
                shapes.update(_bn(f"{p}.bn{j}", c))
            if i == 0:  # SOTResLayer: 1x1 only for layer1 (stride 1, dilation 1)
                side = 1 if k == 1 else 3
                shapes[f"{p}.downsample.0.weight"] = (4 * planes, inplanes, side, side)
                shapes.update(_bn(f"{p}.downsample.1", 4 * planes))
            inplanes = 4 * planes
    return shapes


def _mm_conv_module(prefix, out_c, in_c, side, norm=True):
    if not norm:  # ConvModule(act_cfg=None) without norm: conv with bias
        return {f"{prefix}.conv.weight": (out_c, in_c, side, side), f"{prefix}.conv.bias": (out_c,)}
    return {f"{prefix}.conv.weight": (out_c, in_c, side, side), **_bn(f"{prefix}.bn", out_c)}


def mmtrack_layout(stage_blocks=(3, 4, 6, 3), stem=64, base=64, width=256, anchors=5):
    """{key: shape} of MMTracking's ``SiamRPN`` (default: the R50 model of every dataset)."""
    shapes = _mm_backbone(stage_blocks, stem, base)
    for i, c in enumerate(base * 4 * 2**k for k in (1, 2, 3)):
        shapes.update(_mm_conv_module(f"neck.convs.{i}", width, c, 1))
    for kind, out in (("cls", 2 * anchors), ("reg", 4 * anchors)):
        for i in range(3):
            p = f"head.{kind}_heads.{i}"
            shapes.update(_mm_conv_module(f"{p}.kernel_convs", width, width, 3))
            shapes.update(_mm_conv_module(f"{p}.search_convs", width, width, 3))
            shapes.update(_mm_conv_module(f"{p}.head_convs.0", width, width, 1))
            shapes.update(_mm_conv_module(f"{p}.head_convs.1", out, width, 1, norm=False))
        shapes[f"head.{kind}_weight"] = (3,)
    return shapes


def build(stage_blocks=(3, 4, 6, 3), stem=64, base=64, width=256):
    backbone = SOTResNet(stage_blocks=stage_blocks, stem_channels=stem, base_planes=base)
    neck = ChannelMapperNeck(in_channels=[base * 8, base * 16, base * 32], out_channels=width)
    return SiamRPNpp(backbone=backbone, neck=neck, head=SiameseRPNHead(in_channels=[width] * 3))


def fake_state(shapes):
    g = torch.Generator().manual_seed(0)
    return {
        k: torch.randint(0, 9, s) if k.endswith("tracked") else torch.randn(s, generator=g)
        for k, s in shapes.items()
    }


def test_every_r50_key_maps_with_exact_shapes():
    shapes = mmtrack_layout()
    state = {k: torch.empty(s) for k, s in shapes.items()}
    result = convert_mmtrack_state_dict(state, extra_rules=method_rules("siamrpn"))
    assert result.unmapped == [] and result.dropped == []
    ours = build().state_dict()
    assert len(state) == len(ours) == 458
    assert set(result.state_dict) == set(ours)
    for key, value in result.state_dict.items():
        assert tuple(value.shape) == tuple(ours[key].shape), key


def test_conversion_renames_as_the_key_table():
    state = fake_state(mmtrack_layout((1, 1, 1, 1), 16, 8, 32))
    converted = convert_mmtrack_state_dict(state, extra_rules=method_rules("siamrpn")).state_dict
    pairs = {
        "backbone.conv1.weight": "backbone.stem.conv1.weight",
        "backbone.bn1.running_var": "backbone.stem.conv1.norm.running_var",
        "backbone.layer2.0.conv2.weight": "backbone.res3.0.conv2.weight",
        "backbone.layer4.0.bn3.bias": "backbone.res5.0.conv3.norm.bias",
        "backbone.layer3.0.downsample.0.weight": "backbone.res4.0.shortcut.weight",
        "backbone.layer1.0.downsample.1.num_batches_tracked": "backbone.res2.0.shortcut.norm."
        "num_batches_tracked",
        "neck.convs.2.conv.weight": "neck.convs.2.weight",
        "neck.convs.0.bn.running_mean": "neck.convs.0.norm.running_mean",
        "head.cls_heads.1.kernel_convs.conv.weight": "head.cls_heads.1.kernel_convs.weight",
        "head.reg_heads.2.search_convs.bn.weight": "head.reg_heads.2.search_convs.norm.weight",
        "head.cls_heads.0.head_convs.0.bn.bias": "head.cls_heads.0.head_convs.0.norm.bias",
        "head.reg_heads.0.head_convs.1.conv.bias": "head.reg_heads.0.head_convs.1.bias",
        "head.cls_weight": "head.cls_weight",
    }
    for mm_key, key in pairs.items():
        assert torch.equal(converted[key], state[mm_key]), mm_key  # copied, not permuted


def test_tool_converts_and_the_model_loads_it(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    state = fake_state(mmtrack_layout((1, 1, 1, 1), 16, 8, 32))
    torch.save({"meta": {"epoch": 20}, "state_dict": state}, tmp_path / "in.pth")
    out = tmp_path / "out.pth"
    code = tool.main([str(tmp_path / "in.pth"), str(out), "--method", "siamrpn", "--strict"])
    assert code == 0 and "0 unmapped" in capsys.readouterr().out
    model = build((1, 1, 1, 1), 16, 8, 32)
    model.load_state_dict(torch.load(out, weights_only=True)["model"], strict=True)
    torch.testing.assert_close(
        model.backbone.res5[0].shortcut.weight, state["backbone.layer4.0.downsample.0.weight"]
    )
    torch.testing.assert_close(model.head.reg_weight, state["head.reg_weight"])


def test_pysot_imagenet_backbone_maps_onto_the_backbone(tmp_path, capsys):
    """pysot's ``sot_resnet50.model``: the ResNet's own keys (here under DataParallel's
    ``module.``), an ImageNet classifier, no ``num_batches_tracked``."""
    layout = {
        "module." + k[len("backbone.") :]: s
        for k, s in mmtrack_layout((1, 1, 1, 1), 16, 8, 32).items()
        if k.startswith("backbone.") and not k.endswith("num_batches_tracked")
    }
    state = fake_state({**layout, "module.fc.weight": (1000, 256), "module.fc.bias": (1000,)})
    spec = importlib.util.spec_from_file_location(
        "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    torch.save(state, tmp_path / "sot_resnet50.model")  # a plain state dict
    out = tmp_path / "init.pth"
    args = [str(tmp_path / "sot_resnet50.model"), str(out), "--method", "siamrpn", "--imagenet"]
    assert tool.main([*args, "--strict"]) == 0
    assert "2 dropped (BatchNorm counters, classifier)" in capsys.readouterr().out  # fc
    converted = torch.load(out, weights_only=True)["model"]
    backbone = {
        k
        for k in build((1, 1, 1, 1), 16, 8, 32).state_dict()
        if k.startswith("backbone.") and not k.endswith("num_batches_tracked")
    }
    assert set(converted) == backbone
    torch.testing.assert_close(
        converted["backbone.res4.0.shortcut.weight"], state["module.layer3.0.downsample.0.weight"]
    )
    torch.testing.assert_close(
        converted["backbone.stem.conv1.norm.running_var"], state["module.bn1.running_var"]
    )
