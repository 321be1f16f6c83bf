import math

import pytest
import torch
from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import BasicStem, ResNet
from detectron2.modeling.backbone.resnet import BasicBlock

from d2track.modeling.backbone import ChannelMapper, make_resnet_stages


def tiny_resnet():
    stages = [
        ResNet.make_stage(BasicBlock, 1, in_channels=8, out_channels=8, stride_per_block=[1]),
        ResNet.make_stage(BasicBlock, 1, in_channels=8, out_channels=12, stride_per_block=[2]),
    ]
    stem = BasicStem(in_channels=3, out_channels=8, norm="BN")
    return ResNet(stem, stages, out_features=["res2", "res3"])


def test_shapes_and_stride():
    mapper = ChannelMapper(bottom_up=tiny_resnet(), in_feature="res3", out_channels=5)
    assert mapper.output_shape() == {"mapped": ShapeSpec(channels=5, stride=8)}
    assert mapper.size_divisibility == 0
    out = mapper(torch.randn(2, 3, 64, 48))
    assert list(out) == ["mapped"]
    assert out["mapped"].shape == (2, 5, 8, 6)
    assert out["mapped"].min() >= 0  # ReLU


def test_conv_and_custom_names():
    mapper = ChannelMapper(
        bottom_up=tiny_resnet(), in_feature="res2", out_channels=4, kernel_size=1, out_feature="x"
    )
    assert mapper.conv.weight.shape == (4, 8, 1, 1)
    assert mapper.conv.padding == (0, 0)
    assert mapper.output_shape()["x"].stride == 4
    with torch.no_grad():
        image = torch.randn(1, 3, 32, 32)
        feature = mapper.bottom_up(image)["res2"]
        expected = torch.relu(
            torch.nn.functional.conv2d(feature, mapper.conv.weight, mapper.conv.bias)
        )
        torch.testing.assert_close(mapper(image)["x"], expected, rtol=0, atol=0)


def test_xavier_uniform_init():
    torch.manual_seed(0)
    bottom_up = ResNet(
        BasicStem(in_channels=3, out_channels=64, norm="BN"),
        [ResNet.make_stage(BasicBlock, 1, in_channels=64, out_channels=256)],
        out_features=["res2"],
    )
    mapper = ChannelMapper(bottom_up=bottom_up, in_feature="res2", out_channels=128)
    bound = math.sqrt(6.0 / (256 * 9 + 128 * 9))  # gain 1, fan_in + fan_out
    weight = mapper.conv.weight
    assert weight.abs().max() <= bound
    assert weight.abs().max() > 0.95 * bound
    assert abs(weight.std().item() - bound / math.sqrt(3)) < 0.02 * bound  # uniform std
    assert torch.count_nonzero(mapper.conv.bias) == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="'res5' is not an output.*'res2', 'res3'"):
        ChannelMapper(bottom_up=tiny_resnet(), in_feature="res5", out_channels=4)
    with pytest.raises(ValueError, match="kernel_size must be odd, got 2"):
        ChannelMapper(bottom_up=tiny_resnet(), in_feature="res3", out_channels=4, kernel_size=2)


def test_make_resnet_stages_dc5():
    stages = make_resnet_stages(50, res5_dilation=2)
    assert [len(s) for s in stages] == [3, 4, 6, 3]
    res5 = stages[3]
    assert all(block.conv2.dilation == (2, 2) and block.conv2.padding == (2, 2) for block in res5)
    assert [block.stride for block in stages[0] + stages[1][:1] + stages[3]] == [1] * 3 + [2] + [
        1
    ] * 3
    assert res5[0].shortcut.stride == (1, 1)
    assert stages[1][0].conv1.stride == (1, 1) and stages[1][0].conv2.stride == (2, 2)  # pytorch


def test_make_resnet_stages_resnext_and_errors():
    stages = make_resnet_stages(101, num_groups=64, width_per_group=4, res5_dilation=2)
    assert [len(s) for s in stages] == [3, 4, 23, 3]
    assert stages[0][0].conv2.weight.shape == (256, 4, 3, 3)  # 64 groups x 4
    assert stages[3][0].conv2.weight.shape == (2048, 32, 3, 3)
    assert stages[3][0].conv3.weight.shape == (2048, 2048, 1, 1)
    assert [len(s) for s in make_resnet_stages(18, norm="BN")] == [2, 2, 2, 2]
    with pytest.raises(ValueError, match="depth must be one of"):
        make_resnet_stages(42)
    with pytest.raises(ValueError, match="ResNet-18/34 support neither"):
        make_resnet_stages(18, res5_dilation=2)
    with pytest.raises(ValueError, match="res5_dilation must be 1 or 2, got 4"):
        make_resnet_stages(50, res5_dilation=4)
