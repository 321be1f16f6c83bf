"""Tests for d2track.compat.deform_ops against independent references.

References: ``torch.nn.functional.conv2d`` (zero offsets, and integer offsets on a shifted input)
and a brute-force float64 transcription of detectron2 v0.6's deformable im2col (bilinear sampling
with zeros outside the image, modulated by the mask) followed by a grouped matrix product.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from d2track.compat.deform_ops import deform_conv, modulated_deform_conv


def _out_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - (dilation * (kernel - 1) + 1)) // stride + 1


def _bilinear_zero_outside(image, y, x):
    """Bilinear sample of image[C, H, W] at (y, x); zero outside, as in DCN's im2col."""
    channels, height, width = image.shape
    value = torch.zeros(channels, dtype=image.dtype)
    if y <= -1 or y >= height or x <= -1 or x >= width:
        return value
    y0, x0 = math.floor(y), math.floor(x)
    for yy in (y0, y0 + 1):
        for xx in (x0, x0 + 1):
            if 0 <= yy < height and 0 <= xx < width:
                value += (1 - abs(y - yy)) * (1 - abs(x - xx)) * image[:, yy, xx]
    return value


def _deform_conv_reference(x, offset, mask, weight, bias, stride, padding, dilation, groups, dg):
    """Brute-force (modulated) deformable convolution with square stride/padding/dilation."""
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    ho, wo = _out_size(h, kh, stride, padding, dilation), _out_size(
        w, kw, stride, padding, dilation
    )
    columns = torch.zeros(n, c, kh * kw, ho, wo, dtype=x.dtype)
    c_per_dg = c // dg
    for b in range(n):
        for g in range(dg):
            image = x[b, g * c_per_dg : (g + 1) * c_per_dg]
            for k in range(kh * kw):
                i, j = divmod(k, kw)
                for oy in range(ho):
                    for ox in range(wo):
                        dy = offset[b, g * 2 * kh * kw + 2 * k, oy, ox].item()
                        dx = offset[b, g * 2 * kh * kw + 2 * k + 1, oy, ox].item()
                        y = oy * stride - padding + i * dilation + dy
                        xs = ox * stride - padding + j * dilation + dx
                        scale = 1.0 if mask is None else mask[b, g * kh * kw + k, oy, ox].item()
                        value = _bilinear_zero_outside(image, y, xs) * scale
                        columns[b, g * c_per_dg : (g + 1) * c_per_dg, k, oy, ox] = value
    out = torch.zeros(n, c_out, ho, wo, dtype=x.dtype)
    c_in_g, c_out_g = c // groups, c_out // groups
    for gi in range(groups):
        w_g = weight[gi * c_out_g : (gi + 1) * c_out_g].reshape(c_out_g, c_in_g, kh * kw)
        cols = columns[:, gi * c_in_g : (gi + 1) * c_in_g]
        out[:, gi * c_out_g : (gi + 1) * c_out_g] = torch.einsum("ock,nckyx->noyx", w_g, cols)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _random_case(
    seed, n, c, hw, c_out, kernel, groups, dg, stride, padding, dilation, offset_scale
):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, hw, hw, generator=g, dtype=torch.float64)
    weight = torch.randn(c_out, c // groups, kernel, kernel, generator=g, dtype=torch.float64)
    ho = _out_size(hw, kernel, stride, padding, dilation)
    offset = torch.randn(n, 2 * dg * kernel * kernel, ho, ho, generator=g, dtype=torch.float64)
    mask = torch.rand(n, dg * kernel * kernel, ho, ho, generator=g, dtype=torch.float64)
    bias = torch.randn(c_out, generator=g, dtype=torch.float64)
    return x, offset * offset_scale, mask, weight, bias


CONV_VARIANTS = [
    # (c, c_out, kernel, groups, stride, padding, dilation)
    (4, 6, 3, 1, 1, 1, 1),
    (4, 6, 3, 2, 2, 1, 1),
    (6, 4, 3, 2, 1, 2, 2),
    (3, 5, 2, 1, 1, 0, 1),
    (4, 4, 1, 4, 2, 0, 1),
]


@pytest.mark.parametrize("c,c_out,kernel,groups,stride,padding,dilation", CONV_VARIANTS)
def test_zero_offsets_match_conv2d(c, c_out, kernel, groups, stride, padding, dilation):
    x, offset, mask, weight, bias = _random_case(
        0, 2, c, 7, c_out, kernel, groups, 1, stride, padding, dilation, 0.0
    )
    x, offset, weight, bias = x.float(), offset.float(), weight.float(), bias.float()
    expected = F.conv2d(x, weight, None, stride, padding, dilation, groups)
    actual = deform_conv(x, offset, weight, stride, padding, dilation, groups, 1)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)
    ones = torch.ones_like(mask, dtype=torch.float32)
    actual = modulated_deform_conv(x, offset, ones, weight, bias, stride, padding, dilation, groups)
    expected = F.conv2d(x, weight, bias, stride, padding, dilation, groups)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shift", [(1, -2), (-1, 0), (3, 2)])
def test_integer_offsets_match_conv2d_on_shifted_input(shift):
    x, offset, _, weight, _ = _random_case(1, 1, 3, 8, 4, 3, 1, 1, 1, 1, 2, 0.0)
    dy, dx = shift
    offset[:, 0::2], offset[:, 1::2] = float(dy), float(dx)
    margin, pad, extent = 8, 1, 8 + 2 * 1  # the padded input window
    canvas = F.pad(x, (margin,) * 4)
    top, left = margin - pad + dy, margin - pad + dx
    shifted = canvas[:, :, top : top + extent, left : left + extent]
    expected = F.conv2d(shifted, weight, dilation=2)
    actual = deform_conv(x, offset, weight, stride=1, padding=1, dilation=2)
    assert expected.abs().sum() > 1
    torch.testing.assert_close(actual, expected, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize(
    "groups,dg,stride,padding,dilation", [(1, 1, 1, 1, 1), (2, 2, 2, 1, 1), (1, 2, 1, 2, 2)]
)
def test_deform_conv_matches_bruteforce(groups, dg, stride, padding, dilation):
    x, offset, _, weight, _ = _random_case(
        2, 2, 4, 6, 6, 3, groups, dg, stride, padding, dilation, 1.5
    )
    expected = _deform_conv_reference(
        x, offset, None, weight, None, stride, padding, dilation, groups, dg
    )
    actual = deform_conv(x, offset, weight, stride, padding, dilation, groups, dg)
    torch.testing.assert_close(actual, expected, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("groups,dg,stride,padding", [(1, 1, 1, 1), (2, 2, 2, 0), (1, 4, 1, 1)])
def test_modulated_deform_conv_matches_bruteforce(groups, dg, stride, padding):
    x, offset, mask, weight, bias = _random_case(
        3, 2, 4, 6, 4, 3, groups, dg, stride, padding, 1, 1.5
    )
    expected = _deform_conv_reference(x, offset, mask, weight, bias, stride, padding, 1, groups, dg)
    actual = modulated_deform_conv(x, offset, mask, weight, bias, stride, padding, 1, groups, dg)
    torch.testing.assert_close(actual, expected, atol=1e-10, rtol=1e-10)


def test_modulated_deform_conv_without_bias():
    x, offset, mask, weight, _ = _random_case(4, 1, 2, 5, 3, 3, 1, 1, 1, 1, 1, 1.0)
    expected = _deform_conv_reference(x, offset, mask, weight, None, 1, 1, 1, 1, 1)
    no_bias = modulated_deform_conv(x, offset, mask, weight, None, 1, 1)
    empty_bias = modulated_deform_conv(x, offset, mask, weight, x.new_empty(0), 1, 1)
    torch.testing.assert_close(no_bias, expected, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(empty_bias, expected, atol=1e-10, rtol=1e-10)


def test_deform_conv_accepts_pairs_and_ignores_im2col_step():
    x, offset, _, weight, _ = _random_case(5, 2, 2, 6, 2, 3, 1, 1, 2, 1, 1, 1.0)
    a = deform_conv(x, offset, weight, 2, 1, 1, 1, 1, 64)
    b = deform_conv(x, offset, weight, (2, 2), (1, 1), (1, 1), im2col_step=1)
    torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_deform_conv_gradcheck():
    x, offset, _, weight, _ = _random_case(6, 1, 2, 4, 2, 3, 1, 2, 1, 1, 1, 0.8)
    inputs = [t.requires_grad_() for t in (x, offset, weight)]
    assert torch.autograd.gradcheck(
        lambda a, o, w: deform_conv(a, o, w, 1, 1, 1, 1, 2), inputs, eps=1e-6, atol=1e-5
    )


def test_modulated_deform_conv_gradcheck():
    x, offset, mask, weight, bias = _random_case(7, 1, 2, 4, 2, 3, 2, 1, 1, 1, 1, 0.8)
    inputs = [t.requires_grad_() for t in (x, offset, mask, weight, bias)]
    assert torch.autograd.gradcheck(
        lambda a, o, m, w, b: modulated_deform_conv(a, o, m, w, b, 1, 1, 1, 2, 1),
        inputs,
        eps=1e-6,
        atol=1e-5,
    )


def test_shape_mismatches_raise_helpful_errors():
    x, offset, mask, weight, bias = _random_case(8, 1, 4, 5, 4, 3, 1, 1, 1, 1, 1, 1.0)
    with pytest.raises(ValueError, match=r"groups=2 does not match.*input has 4 channels"):
        deform_conv(x, offset, weight, 1, 1, 1, 2, 1)
    with pytest.raises(ValueError, match=r"offset must have shape \(1, 36, 5, 5\)"):
        deform_conv(x, offset, weight, 1, 1, 1, 1, 2)
    with pytest.raises(ValueError, match=r"offset must have shape \(1, 18, 3, 3\)"):
        deform_conv(x, offset, weight, 1, 0, 1, 1, 1)
    with pytest.raises(ValueError, match=r"mask must have shape \(1, 9, 5, 5\)"):
        modulated_deform_conv(x, offset, mask[:, :4], weight, bias, 1, 1)
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        modulated_deform_conv(x, offset, mask, weight, bias[:3], 1, 1)
    with pytest.raises(ValueError, match="input must be 4-dimensional"):
        deform_conv(x[0], offset, weight, 1, 1)
    with pytest.raises(ValueError, match="convolution input is too small"):
        deform_conv(x[:, :, :2, :2], offset, weight)
