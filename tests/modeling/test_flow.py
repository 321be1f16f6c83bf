import math

import pytest
import torch
import torch.nn.functional as F

from d2track.modeling.flow import (
    MMTRACK_KEY_MAP,
    FlowNetSimple,
    flow_warp_feats,
    mmtrack_key_to_d2track,
)

# MMTracking FlowNetSimple state dict (ConvModule names), shapes written from reading its code:
# conv_layers inplanes (6, 64, 128, 256, 512, 512), kernels (7, 5, 5, 3, 3, 3), num_convs
# (1, 1, 2, 2, 2, 2), conv6 doubles its channels, stage 3's second conv has kernel 3;
# deconv inplanes (386, 770, 1026, 1024) with planes 512 halving from level 5 down.
MMTRACK_SHAPES = {
    "conv1.0.conv.weight": (64, 6, 7, 7),
    "conv1.0.conv.bias": (64,),
    "conv2.0.conv.weight": (128, 64, 5, 5),
    "conv2.0.conv.bias": (128,),
    "conv3.0.conv.weight": (256, 128, 5, 5),
    "conv3.0.conv.bias": (256,),
    "conv3.1.conv.weight": (256, 256, 3, 3),
    "conv3.1.conv.bias": (256,),
    "conv4.0.conv.weight": (512, 256, 3, 3),
    "conv4.0.conv.bias": (512,),
    "conv4.1.conv.weight": (512, 512, 3, 3),
    "conv4.1.conv.bias": (512,),
    "conv5.0.conv.weight": (512, 512, 3, 3),
    "conv5.0.conv.bias": (512,),
    "conv5.1.conv.weight": (512, 512, 3, 3),
    "conv5.1.conv.bias": (512,),
    "conv6.0.conv.weight": (1024, 512, 3, 3),
    "conv6.0.conv.bias": (1024,),
    "conv6.1.conv.weight": (1024, 1024, 3, 3),
    "conv6.1.conv.bias": (1024,),
    "deconv5.conv.weight": (1024, 512, 4, 4),
    "deconv4.conv.weight": (1026, 256, 4, 4),
    "deconv3.conv.weight": (770, 128, 4, 4),
    "deconv2.conv.weight": (386, 64, 4, 4),
    "predict_flow6.conv.weight": (2, 1024, 3, 3),
    "predict_flow5.conv.weight": (2, 1026, 3, 3),
    "predict_flow4.conv.weight": (2, 770, 3, 3),
    "predict_flow3.conv.weight": (2, 386, 3, 3),
    "upsample_flow5.conv.weight": (2, 2, 4, 4),
    "upsample_flow4.conv.weight": (2, 2, 4, 4),
    "upsample_flow3.conv.weight": (2, 2, 4, 4),
    "upsample_flow2.conv.weight": (2, 2, 4, 4),
    "predict_flow.conv.weight": (2, 194, 3, 3),
}


@pytest.fixture(scope="module")
def flownet():
    torch.manual_seed(0)
    return FlowNetSimple()


def _const_flow(n, h, w, dx, dy):
    flow = torch.empty(n, 2, h, w)
    flow[:, 0] = dx
    flow[:, 1] = dy
    return flow


def _pattern(n=2, c=3, h=6, w=10):
    torch.manual_seed(1)
    return torch.randn(n, c, h, w, dtype=torch.float64)


# ----------------------------------------------------------------------------- flow_warp_feats


def test_zero_flow_is_identity_in_exact_mode():
    x = _pattern()
    out = flow_warp_feats(x, torch.zeros(2, 2, 6, 10, dtype=x.dtype), mmtrack_compat=False)
    assert out.shape == x.shape
    assert torch.allclose(out, x, atol=1e-6, rtol=0)


def test_constant_flow_moves_pattern_by_three_pixels_with_border():
    x = _pattern()
    out = flow_warp_feats(x, _const_flow(2, 6, 10, 3.0, 0.0).double(), mmtrack_compat=False)
    # out(p) = x(p + flow(p)): the pattern moves 3 px to the left
    assert torch.allclose(out[..., :7], x[..., 3:], atol=1e-6, rtol=0)
    # sampling beyond the right edge repeats the last column (border padding)
    assert torch.allclose(out[..., 7:], x[..., 9:].expand(-1, -1, -1, 3), atol=1e-6, rtol=0)


def test_negative_vertical_flow_moves_pattern_down_with_border():
    x = _pattern()
    out = flow_warp_feats(x, _const_flow(2, 6, 10, 0.0, -2.0).double(), mmtrack_compat=False)
    assert torch.allclose(out[:, :, 2:], x[:, :, :4], atol=1e-6, rtol=0)
    assert torch.allclose(out[:, :, :2], x[:, :, :1].expand(-1, -1, 2, -1), atol=1e-6, rtol=0)


def test_per_pixel_integer_flow_gathers_from_displaced_pixel():
    torch.manual_seed(2)
    x = _pattern(n=1, c=2, h=7, w=9)
    rows, cols = torch.meshgrid(torch.arange(7), torch.arange(9), indexing="ij")
    dx = torch.randint(-3, 4, (7, 9))
    dy = torch.randint(-3, 4, (7, 9))
    flow = torch.stack((dx, dy))[None].double()
    out = flow_warp_feats(x, flow, mmtrack_compat=False)
    src_r = (rows + dy).clamp(0, 6)
    src_c = (cols + dx).clamp(0, 8)
    expected = x[0][:, src_r, src_c][None]
    assert torch.allclose(out, expected, atol=1e-6, rtol=0)


def test_fractional_flow_interpolates_bilinearly():
    ramp = torch.arange(10, dtype=torch.float64).view(1, 1, 1, 10).expand(1, 1, 4, 10)
    out = flow_warp_feats(ramp, _const_flow(1, 4, 10, 0.25, 0.0).double(), mmtrack_compat=False)
    expected = torch.tensor([0.25 + i for i in range(9)] + [9.0], dtype=torch.float64)
    assert torch.allclose(out[0, 0], expected.expand(4, -1), atol=1e-6, rtol=0)


def test_mmtrack_compat_grid_shrinks_towards_origin():
    # MMTracking normalises with x / W and samples with align_corners=True: zero flow reads
    # position x * (W - 1) / W; exact for a linear ramp under bilinear sampling.
    h, w = 5, 10
    col = torch.arange(w, dtype=torch.float64).view(1, 1, 1, w).expand(1, 1, h, w)
    row = torch.arange(h, dtype=torch.float64).view(1, 1, h, 1).expand(1, 1, h, w)
    ramps = torch.cat((col, row), dim=1)
    out = flow_warp_feats(ramps, torch.zeros(1, 2, h, w, dtype=torch.float64))
    assert torch.allclose(out[0, 0], col[0, 0] * (w - 1) / w, atol=1e-6, rtol=0)
    assert torch.allclose(out[0, 1], row[0, 0] * (h - 1) / h, atol=1e-6, rtol=0)
    out = flow_warp_feats(ramps, _const_flow(1, h, w, 3.0, 0.0).double())
    expected = ((col[0, 0] + 3) * (w - 1) / w).clamp(max=w - 1)
    assert torch.allclose(out[0, 0], expected, atol=1e-6, rtol=0)
    assert out[0, 0, 0, -1].item() == pytest.approx(9.0, abs=1e-9)  # clamped at the border


@pytest.mark.parametrize("compat", [True, False])
def test_half_resolution_flow_is_resized_and_rescaled(compat):
    x = _pattern(n=1, c=2, h=8, w=12)
    half = _const_flow(1, 4, 6, 1.5, -0.5).double()
    full = _const_flow(1, 8, 12, 3.0, -1.0).double()
    out_half = flow_warp_feats(x, half, mmtrack_compat=compat)
    out_full = flow_warp_feats(x, full, mmtrack_compat=compat)
    assert torch.allclose(out_half, out_full, atol=1e-6, rtol=0)
    if not compat:
        assert torch.allclose(out_full[:, :, 1:, :9], x[:, :, :-1, 3:], atol=1e-6, rtol=0)


def test_flow_resizing_uses_one_ratio_per_axis():
    x = _pattern(n=1, c=2, h=8, w=12)
    flow = _const_flow(1, 8, 6, 1.5, 2.0).double()  # width halved, height kept
    out = flow_warp_feats(x, flow, mmtrack_compat=False)
    expected = flow_warp_feats(x, _const_flow(1, 8, 12, 3.0, 2.0).double(), mmtrack_compat=False)
    assert torch.allclose(out, expected, atol=1e-6, rtol=0)


def test_matches_mmtrack_formula_on_a_random_flow():
    # Oracle written from MMTracking's documented steps: resize the flow with the single scale
    # factor W_x / W_f, scale its values by it, grid (x + u) / W * 2 - 1, align_corners=True.
    torch.manual_seed(3)
    x = torch.randn(2, 4, 6, 8, dtype=torch.float64)
    flow = torch.randn(2, 2, 24, 32, dtype=torch.float64) * 8
    scale = 8 / 32
    small = F.interpolate(flow, scale_factor=scale, mode="bilinear", align_corners=False) * scale
    ys, xs = torch.meshgrid(torch.arange(6.0), torch.arange(8.0), indexing="ij")
    gx = (xs.double() + small[:, 0]) / 8 * 2 - 1
    gy = (ys.double() + small[:, 1]) / 6 * 2 - 1
    grid = torch.stack((gx, gy), dim=-1)
    expected = F.grid_sample(x, grid, padding_mode="border", align_corners=True)
    assert torch.allclose(flow_warp_feats(x, flow), expected, atol=1e-6, rtol=0)


def test_warp_rejects_bad_shapes():
    x = torch.zeros(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"flow \(N, 2, H_f, W_f\).*\(2, 3, 4, 5\)"):
        flow_warp_feats(x, torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="got"):
        flow_warp_feats(x, torch.zeros(1, 2, 4, 5))
    with pytest.raises(ValueError, match="got"):
        flow_warp_feats(x[0], torch.zeros(2, 2, 4, 5))


# ------------------------------------------------------------------------------- FlowNetSimple


def test_flownet_output_shape(flownet):
    with torch.no_grad():
        out = flownet(torch.randn(2, 6, 64, 96))
    assert out.shape == (2, 2, 64, 96)
    with torch.no_grad():  # odd sizes: the decoder crops to the encoder's sizes
        assert flownet(torch.randn(1, 6, 72, 120)).shape == (1, 2, 72, 120)
        assert flownet(torch.randn(1, 6, 100, 148)).shape == (1, 2, 104, 152)


def test_parameter_names_and_shapes_match_mmtrack(flownet):
    state = flownet.state_dict()
    assert len(state) == len(MMTRACK_SHAPES) == len(MMTRACK_KEY_MAP) == 33
    assert set(MMTRACK_KEY_MAP) == set(MMTRACK_SHAPES)
    for mm_key, shape in MMTRACK_SHAPES.items():
        assert tuple(state[MMTRACK_KEY_MAP[mm_key]].shape) == shape, mm_key
    assert sum(p.numel() for p in flownet.parameters()) == sum(
        math.prod(s) for s in MMTRACK_SHAPES.values()
    )
    assert mmtrack_key_to_d2track("motion.conv3.1.conv.bias") == "motion.conv3.1.bias"
    assert mmtrack_key_to_d2track("predict_flow.conv.weight") == "predict_flow.weight"
    with pytest.raises(KeyError, match="motion.conv7.0.conv.weight"):
        mmtrack_key_to_d2track("motion.conv7.0.conv.weight")


def test_converted_mmtrack_state_dict_loads(flownet):
    torch.manual_seed(4)
    mm_state = {k: torch.randn(s) for k, s in MMTRACK_SHAPES.items()}
    model = FlowNetSimple()
    model.load_state_dict({MMTRACK_KEY_MAP[k]: v for k, v in mm_state.items()}, strict=True)
    assert torch.equal(model.deconv4.weight, mm_state["deconv4.conv.weight"])


def test_init_is_kaiming_fan_out_with_zero_bias(flownet):
    biases = [n for n in MMTRACK_KEY_MAP.values() if n.endswith("bias")]
    assert len(biases) == 10
    assert all(not flownet.get_parameter(n).detach().any() for n in biases)
    weight = flownet.conv6[1].weight.detach()  # 1024 x 1024 x 3 x 3, followed by LeakyReLU(0.1)
    expected = math.sqrt(2.0 / (1 + 0.1**2)) / math.sqrt(1024 * 9)
    assert float(weight.std()) == pytest.approx(expected, rel=0.01)
    expected = math.sqrt(2.0) / math.sqrt(2 * 9)  # predict_flow: relu gain, fan_out = 2 * 3 * 3
    assert float(flownet.predict_flow.weight.detach().std()) == pytest.approx(expected, rel=0.05)


def test_gradients_flow_to_every_parameter_and_input(flownet):
    torch.manual_seed(5)
    flownet.zero_grad()
    imgs = torch.randn(1, 6, 32, 32, requires_grad=True)
    flownet(imgs).square().mean().backward()
    for name, param in flownet.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
        assert float(param.grad.abs().sum()) > 0, name
    assert float(imgs.grad.abs().sum()) > 0
    flownet.zero_grad()


def test_prepare_images_renormalises_zeroes_padding_and_halves(flownet):
    torch.manual_seed(6)
    pixels = torch.rand(2, 6, 8, 12, dtype=torch.float64) * 255
    mean = torch.tensor([123.675, 116.28, 103.53] * 2, dtype=torch.float64).view(1, 6, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375] * 2, dtype=torch.float64).view(1, 6, 1, 1)
    flow_mean = torch.tensor([0.411, 0.432, 0.450] * 2, dtype=torch.float64).view(1, 6, 1, 1)
    model = flownet.double()
    try:
        out = model.prepare_images((pixels - mean) / std, image_sizes=[(8, 12), (6, 10)])
    finally:
        flownet.float()
    expected = pixels / 255 - flow_mean
    expected[1, :, 6:] = 0
    expected[1, :, :, 10:] = 0
    expected = F.avg_pool2d(expected, 2)  # bilinear x0.5 without corner alignment = 2x2 mean
    assert out.shape == (2, 6, 4, 6)
    assert torch.allclose(out, expected, atol=1e-6, rtol=0)


def test_flow_values_scale_with_flow_scale_factor(flownet):
    imgs = torch.randn(1, 6, 32, 32)
    with torch.no_grad():
        base = flownet(imgs)
        try:
            flownet.flow_scale_factor = 10.0
            assert torch.allclose(flownet(imgs), 2 * base, atol=1e-6, rtol=1e-5)
            flownet.img_scale_factor = 1.0  # flow at stride 4 of the full image, upsampled x4
            assert flownet(imgs).shape == (1, 2, 32, 32)
        finally:
            flownet.flow_scale_factor, flownet.img_scale_factor = 5.0, 0.5


def test_flownet_rejects_bad_input(flownet):
    with pytest.raises(ValueError, match=r"out_indices must be \(2, 3, 4, 5, 6\), got \(3, 4\)"):
        FlowNetSimple(out_indices=[3, 4])
    with pytest.raises(ValueError, match="pixel_mean must have 3 values"):
        FlowNetSimple(pixel_mean=[0.0])
    with pytest.raises(ValueError, match=r"\(N, 6, H, W\) image pairs, got \(1, 3, 8, 8\)"):
        flownet(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="image_sizes has 1 entries for 2 pairs"):
        flownet(torch.zeros(2, 6, 32, 32), image_sizes=[(32, 32)])


def test_width_divisor_shrinks_every_layer_and_keeps_the_output():
    full = FlowNetSimple()
    small = FlowNetSimple(width_divisor=8)
    assert sum(p.numel() for p in full.parameters()) > 50 * sum(
        p.numel() for p in small.parameters()
    )
    assert small.conv1[0].weight.shape == (8, 6, 7, 7)
    assert small.predict_flow.weight.shape == (2, 16 + 8 + 2, 3, 3)
    assert small(torch.randn(2, 6, 64, 96)).shape == (2, 2, 64, 96)
    with pytest.raises(ValueError, match="width_divisor must divide 64"):
        FlowNetSimple(width_divisor=3)


def test_zero_init_flow_predicts_zero_flow_and_still_learns():
    net = FlowNetSimple(width_divisor=8, zero_init_flow=True)
    imgs = torch.randn(1, 6, 64, 64, requires_grad=True)
    flow = net(imgs)
    assert torch.count_nonzero(flow) == 0
    flow.sum().backward()
    assert net.predict_flow.weight.grad.abs().sum() > 0
