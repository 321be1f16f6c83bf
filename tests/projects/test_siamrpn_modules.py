"""SiamRPN++ blocks: cross-correlation, anchors, neck crop, SOT ResNet geometry and freezing."""

import pytest
import torch

from d2track.projects.siamrpn import (
    ChannelMapperNeck,
    SiameseRPNHead,
    SOTResNet,
    anchor_sizes,
    center_crop,
    depthwise_xcorr,
    siamrpn_anchors,
)


def tiny_backbone(**kwargs):
    return SOTResNet(stage_blocks=(1, 1, 1, 1), stem_channels=16, base_planes=8, **kwargs)


def test_depthwise_xcorr_matches_brute_force_loop():
    torch.manual_seed(0)
    search = torch.randn(2, 3, 9, 8, dtype=torch.float64)
    kernel = torch.randn(2, 3, 4, 3, dtype=torch.float64)
    out = depthwise_xcorr(search, kernel)
    assert out.shape == (2, 3, 6, 6)
    expected = torch.zeros_like(out)
    for n in range(2):
        for c in range(3):
            for i in range(6):
                for j in range(6):
                    window = search[n, c, i : i + 4, j : j + 3]
                    expected[n, c, i, j] = (window * kernel[n, c]).sum()
    torch.testing.assert_close(out, expected)


def test_anchor_sizes_truncate_before_scaling():
    # w = int(8 / sqrt(r)) * 8, h = int(8 * sqrt(r)) * 8: 8 / sqrt(.33) = 13.93 -> 13 -> 104, ...
    expected = [[104, 32], [88, 40], [64, 64], [40, 88], [32, 104]]
    assert anchor_sizes().tolist() == expected
    assert anchor_sizes(ratios=(1.0,), scales=(4, 8)).tolist() == [[32, 32], [64, 64]]


def test_anchors_are_centred_on_the_crop_centre():
    anchors = siamrpn_anchors(score_size=25)
    assert anchors.shape == (5, 25, 25, 4) and anchors.dtype == torch.float32
    # cell (i, j) is centred at (8 (j - 12), 8 (i - 12)); the centre cell at (0, 0)
    assert anchors[2, 12, 12].tolist() == [-32, -32, 32, 32]
    assert anchors[0, 0, 0].tolist() == [-96 - 52, -96 - 16, -96 + 52, -96 + 16]
    assert anchors[4, 24, 0].tolist() == [-96 - 16, 96 - 52, -96 + 16, 96 + 52]
    assert anchors[1, 3, 20].tolist() == [64 - 44, -72 - 20, 64 + 44, -72 + 20]
    # MMTracking's list order: (i * W + j) * A + a
    flat = anchors.permute(1, 2, 0, 3).reshape(-1, 4)
    assert flat[(3 * 25 + 20) * 5 + 1].tolist() == anchors[1, 3, 20].tolist()
    # in crop pixels (+ 255 // 2) the centre anchor is centred at pixel 127
    assert (anchors[2, 12, 12] + 127).tolist() == [95, 95, 159, 159]
    even = siamrpn_anchors(score_size=(2, 4), stride=4, ratios=(1.0,), scales=(2,))
    assert even[0, :, :, 0].tolist() == [[-12, -8, -4, 0], [-12, -8, -4, 0]]
    assert even[0, :, 0, 1].tolist() == [-8, -4]


def test_center_crop_uses_mmtrack_indices():
    x = torch.arange(2 * 15 * 15, dtype=torch.float32).view(1, 2, 15, 15)
    torch.testing.assert_close(center_crop(x, 7), x[:, :, 4:11, 4:11])
    y = torch.arange(16 * 16, dtype=torch.float32).view(1, 1, 16, 16)
    torch.testing.assert_close(center_crop(y, 7), y[:, :, 4:11, 4:11])  # (16 - 7) // 2 = 4


def test_neck_maps_channels_then_crops_templates():
    torch.manual_seed(0)
    neck = ChannelMapperNeck(in_channels=[4, 8], out_channels=6).eval()
    feats = neck([torch.randn(2, 4, 15, 15), torch.randn(2, 8, 15, 15)])
    assert [f.shape for f in feats] == [(2, 6, 15, 15)] * 2
    crops = neck.crop_template(feats)
    assert [c.shape for c in crops] == [(2, 6, 7, 7)] * 2
    torch.testing.assert_close(crops[1], feats[1][:, :, 4:11, 4:11])
    assert neck.convs[0].bias is None and neck.convs[0].activation is None


@pytest.mark.parametrize("size, expected", [(127, 15), (255, 31)])
def test_sot_resnet_feature_sizes(size, expected):
    backbone = tiny_backbone().eval()
    assert backbone.output_size(size) == expected
    with torch.no_grad():
        feats = backbone(torch.zeros(1, 3, size, size))
    assert list(feats) == ["res3", "res4", "res5"]
    assert [tuple(f.shape) for f in feats.values()] == [
        (1, 64, expected, expected),
        (1, 128, expected, expected),
        (1, 256, expected, expected),
    ]
    shapes = backbone.output_shape()
    assert [(s.channels, s.stride) for s in shapes.values()] == [(64, 8), (128, 8), (256, 8)]


def test_sot_resnet50_paddings_and_shortcuts():
    backbone = SOTResNet()
    conv = backbone.stem.conv1
    assert (conv.kernel_size, conv.stride, conv.padding) == ((7, 7), (2, 2), (0, 0))

    def geometry(layer):
        return layer.kernel_size[0], layer.stride[0], layer.padding[0], layer.dilation[0]

    assert geometry(backbone.res2[0].shortcut) == (1, 1, 0, 1)
    assert geometry(backbone.res2[1].conv2) == (3, 1, 1, 1)
    assert geometry(backbone.res3[0].conv2) == (3, 2, 0, 1)
    assert geometry(backbone.res3[0].shortcut) == (3, 2, 0, 1)
    assert geometry(backbone.res4[0].conv2) == (3, 1, 1, 1)
    assert geometry(backbone.res4[0].shortcut) == (3, 1, 1, 1)
    assert geometry(backbone.res4[5].conv2) == (3, 1, 2, 2)
    assert geometry(backbone.res5[0].conv2) == (3, 1, 2, 2)
    assert geometry(backbone.res5[0].shortcut) == (3, 1, 2, 2)
    assert geometry(backbone.res5[2].conv2) == (3, 1, 4, 4)
    assert [len(getattr(backbone, f"res{k}")) for k in range(2, 6)] == [3, 4, 6, 3]
    assert backbone.output_size(127) == 15 and backbone.output_size(255) == 31


def test_freezing_can_be_flipped_by_a_hook():
    torch.manual_seed(0)
    backbone = tiny_backbone(freeze_at=5).train()
    stages = backbone.stage_names
    assert stages == ("stem", "res2", "res3", "res4", "res5")
    assert all(p.requires_grad for p in backbone.parameters())  # kept in the optimizer
    mean_before = backbone.res3[0].conv1.norm.running_mean.clone()
    out = backbone(torch.rand(2, 3, 127, 127) * 255)
    assert not any(f.requires_grad for f in out.values())  # all frozen: no graph at all
    torch.testing.assert_close(backbone.res3[0].conv1.norm.running_mean, mean_before)

    backbone.freeze_at = 2  # what the hook does at epoch 10: res3-res5 train, stem + res2 frozen
    backbone.train()  # a later model.train() keeps it
    assert not backbone.stem.training and not backbone.res2.training
    assert backbone.res3.training and backbone.res5[0].conv2.norm.training
    out = backbone(torch.rand(2, 3, 127, 127) * 255)
    sum(f.mean() for f in out.values()).backward()
    assert backbone.stem.conv1.weight.grad is None and backbone.res2[0].conv1.weight.grad is None
    assert float(backbone.res3[0].conv1.weight.grad.abs().sum()) > 0
    assert float(backbone.res5[0].conv3.weight.grad.abs().sum()) > 0
    assert not torch.equal(backbone.res3[0].conv1.norm.running_mean, mean_before)
    with pytest.raises(ValueError, match="freeze_at"):
        backbone.freeze_at = 6


def test_head_levels_are_combined_with_softmax_weights():
    torch.manual_seed(0)
    head = SiameseRPNHead(in_channels=[4, 4], num_anchors=5).eval()
    z = [torch.randn(1, 4, 7, 7) for _ in range(2)]
    x = [torch.randn(1, 4, 31, 31) for _ in range(2)]
    with torch.no_grad():
        head.cls_weight.copy_(torch.tensor([0.0, 1.0]))
        cls, reg = head(z, x)
        w = torch.softmax(torch.tensor([0.0, 1.0]), 0)
        expected = w[0] * head.cls_heads[0](z[0], x[0]) + w[1] * head.cls_heads[1](z[1], x[1])
    assert cls.shape == (1, 10, 25, 25) and reg.shape == (1, 20, 25, 25)
    torch.testing.assert_close(cls, expected)
    branch = head.cls_heads[0]
    assert branch.kernel_convs.padding == (0, 0) and branch.kernel_convs.bias is None
    assert branch.head_convs[1].bias is not None and branch.head_convs[1].norm is None
