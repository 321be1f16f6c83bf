"""Pure PyTorch/torchvision replacements for detectron2's compiled deformable convolutions.

Reference: the detectron2 v0.6 C++/CUDA kernels behind ``detectron2._C.deform_conv_*`` (DCNv1)
and ``detectron2._C.modulated_deform_conv_*`` (DCNv2). The positional signatures match
``deform_conv = _DeformConv.apply`` and ``modulated_deform_conv = _ModulatedDeformConv.apply`` in
``detectron2/layers/deform_conv.py``.

Both wrap ``torchvision.ops.deform_conv2d``, whose offset layout (per deformable group and kernel
tap ``k = i * kw + j``: channel ``2k`` is the row offset, ``2k + 1`` the column offset) and mask
layout (channel ``k`` per deformable group) are the same as detectron2's, and whose bilinear
sampling uses the same zero-outside-the-image rule. Unlike detectron2's kernels, these run forward
and backward on any device, including CPU with ``deformable_groups > 1`` and the modulated op.

How the ops were checked (``tests/compat/test_deform_ops.py``): zero offsets (and a mask of ones)
against ``torch.nn.functional.conv2d``; integer offsets against ``conv2d`` on a shifted input;
random fractional offsets and masks against a brute-force bilinear-sampling reference in float64;
gradients with ``torch.autograd.gradcheck``.
"""

from typing import Optional, Sequence, Tuple, Union

from torch import Tensor
from torchvision.ops import deform_conv2d

__all__ = ["deform_conv", "modulated_deform_conv"]

IntPair = Union[int, Sequence[int]]


def deform_conv(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    deformable_groups: int = 1,
    im2col_step: int = 64,
) -> Tensor:
    """Deformable convolution (DCNv1) without bias, like detectron2's ``deform_conv``.

    Args:
        input: Tensor[N, C_in, H, W].
        offset: Tensor[N, 2 * deformable_groups * kh * kw, H_out, W_out] sampling offsets.
        weight: Tensor[C_out, C_in / groups, kh, kw].
        stride: Int or ``(sh, sw)``.
        padding: Int or ``(ph, pw)``.
        dilation: Int or ``(dh, dw)``.
        groups: Number of convolution groups; must agree with ``weight`` and ``input``.
        deformable_groups: Number of offset groups; must agree with ``offset``.
        im2col_step: Accepted for signature compatibility and ignored.

    Returns:
        Tensor[N, C_out, H_out, W_out].

    Raises:
        ValueError: If the tensor shapes disagree with each other or with the group counts.
    """
    del im2col_step  # a memory/speed knob of detectron2's CUDA kernel; no meaning here
    params = _conv_params(stride, padding, dilation)
    _check_shapes(input, offset, None, weight, None, params, groups, deformable_groups)
    return deform_conv2d(
        input, offset, weight, stride=params[0], padding=params[1], dilation=params[2]
    )


def modulated_deform_conv(
    input: Tensor,
    offset: Tensor,
    mask: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    deformable_groups: int = 1,
) -> Tensor:
    """Modulated deformable convolution (DCNv2), like detectron2's ``modulated_deform_conv``.

    ``bias=None`` means no bias, as detectron2's ``with_bias=False``; an empty bias tensor is
    treated the same way.

    Args:
        input: Tensor[N, C_in, H, W].
        offset: Tensor[N, 2 * deformable_groups * kh * kw, H_out, W_out] sampling offsets.
        mask: Tensor[N, deformable_groups * kh * kw, H_out, W_out] modulation scalars.
        weight: Tensor[C_out, C_in / groups, kh, kw].
        bias: Optional Tensor[C_out].
        stride: Int or ``(sh, sw)``.
        padding: Int or ``(ph, pw)``.
        dilation: Int or ``(dh, dw)``.
        groups: Number of convolution groups; must agree with ``weight`` and ``input``.
        deformable_groups: Number of offset groups; must agree with ``offset`` and ``mask``.

    Returns:
        Tensor[N, C_out, H_out, W_out].

    Raises:
        ValueError: If the tensor shapes disagree with each other or with the group counts.
    """
    if bias is not None and bias.numel() == 0:
        bias = None
    params = _conv_params(stride, padding, dilation)
    _check_shapes(input, offset, mask, weight, bias, params, groups, deformable_groups)
    return deform_conv2d(
        input,
        offset,
        weight,
        bias=bias,
        stride=params[0],
        padding=params[1],
        dilation=params[2],
        mask=mask,
    )


def _as_pair(value: IntPair, name: str) -> Tuple[int, int]:
    """Returns ``(value, value)`` for an int, or the validated 2-sequence."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair[0], pair[1]


def _conv_params(
    stride: IntPair, padding: IntPair, dilation: IntPair
) -> Tuple[Tuple[int, int], Tuple[int, int], Tuple[int, int]]:
    """Normalizes stride, padding and dilation to pairs and checks their ranges."""
    stride, padding = _as_pair(stride, "stride"), _as_pair(padding, "padding")
    dilation = _as_pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(
            f"need stride >= 1, dilation >= 1 and padding >= 0, "
            f"got stride={stride}, padding={padding}, dilation={dilation}"
        )
    return stride, padding, dilation


def _check_shapes(
    input: Tensor,
    offset: Tensor,
    mask: Optional[Tensor],
    weight: Tensor,
    bias: Optional[Tensor],
    params: Tuple[Tuple[int, int], Tuple[int, int], Tuple[int, int]],
    groups: int,
    deformable_groups: int,
) -> None:
    """Raises ValueError naming the first inconsistency between shapes and group counts."""
    for name, tensor in (("input", input), ("offset", offset), ("weight", weight), ("mask", mask)):
        if tensor is not None and tensor.dim() != 4:
            raise ValueError(f"{name} must be 4-dimensional, got shape {tuple(tensor.shape)}")
    _check_groups(input, weight, groups)
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"bias must have shape ({weight.shape[0]},) to match weight, got {tuple(bias.shape)}"
        )
    out_hw = _output_hw(input, weight, params)
    taps = weight.shape[2] * weight.shape[3]
    _check_sampling_tensor("offset", offset, input, 2 * taps, deformable_groups, out_hw)
    if mask is not None:
        _check_sampling_tensor("mask", mask, input, taps, deformable_groups, out_hw)


def _check_groups(input: Tensor, weight: Tensor, groups: int) -> None:
    """Checks ``groups`` against the input channels and the weight's shape."""
    if groups < 1 or weight.shape[1] * groups != input.shape[1]:
        raise ValueError(
            f"groups={groups} does not match the shapes: weight.shape[1] * groups = "
            f"{weight.shape[1]} * {groups} but input has {input.shape[1]} channels"
        )
    if weight.shape[0] % groups != 0:
        raise ValueError(
            f"groups={groups} must divide the number of output channels "
            f"weight.shape[0] = {weight.shape[0]}"
        )


def _output_hw(
    input: Tensor,
    weight: Tensor,
    params: Tuple[Tuple[int, int], Tuple[int, int], Tuple[int, int]],
) -> Tuple[int, int]:
    """Spatial output size of the convolution; raises ValueError when it would be empty."""
    stride, padding, dilation = params
    size = []
    for axis in range(2):
        extent = dilation[axis] * (weight.shape[2 + axis] - 1) + 1
        size.append((input.shape[2 + axis] + 2 * padding[axis] - extent) // stride[axis] + 1)
    if min(size) <= 0:
        raise ValueError(
            f"convolution input is too small: input {tuple(input.shape)} with kernel "
            f"{tuple(weight.shape[2:])} gives output size {tuple(size)}"
        )
    return size[0], size[1]


def _check_sampling_tensor(
    name: str,
    tensor: Tensor,
    input: Tensor,
    channels_per_group: int,
    deformable_groups: int,
    out_hw: Tuple[int, int],
) -> None:
    """Checks an offset or mask tensor against the input and ``deformable_groups``."""
    if deformable_groups < 1 or input.shape[1] % deformable_groups != 0:
        raise ValueError(
            f"deformable_groups={deformable_groups} must divide the {input.shape[1]} input channels"
        )
    expected = (input.shape[0], channels_per_group * deformable_groups) + tuple(out_hw)
    if tuple(tensor.shape) != expected:
        raise ValueError(
            f"{name} must have shape {expected}: (N, {channels_per_group} per deformable group "
            f"x deformable_groups={deformable_groups}, H_out, W_out), got {tuple(tensor.shape)}"
        )
