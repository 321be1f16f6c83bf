"""FlowNetSimple and flow-guided feature warping, shared by DFF and FGFA.

Reproduces MMTracking 0.x ``mmtrack/models/motion/flownet_simple.py`` (``FlowNetSimple``) and
``mmtrack/core/motion/flow.py`` (``flow_warp_feats``): same layers, shapes and forward pass, so
MMTracking's converted ``motion.*`` weights load through :data:`MMTRACK_KEY_MAP`.

Conventions:

* Input of :class:`FlowNetSimple`: ``(N, 6, H, W)``, the current frame and the reference frame
  concatenated on channels (``torch.cat((img, ref_img), dim=1)``), each normalised as the detector
  feeds its backbone: ``(pixel - pixel_mean) / pixel_std`` with the detector's ``pixel_mean`` /
  ``pixel_std`` (0-255 scale, RGB for d2track's VID configs, as MMTracking's ``to_rgb=True``).
  The net undoes that normalisation and applies its own (``pixel / flow_img_norm_std -
  flow_img_norm_mean``), zeroes the padding beyond each pair's valid image size, then resizes by
  ``img_scale_factor``.
* Output flow ``(N, 2, H_o, W_o)`` in pixels of the input image: channel 0 is the x (width)
  displacement, channel 1 the y displacement. It is predicted at stride 4 of the rescaled image and
  upsampled by ``4 / img_scale_factor``; ``H_o == H`` when ``H * img_scale_factor`` is a multiple of
  4 (any ``H`` padded to a multiple of 8 with the default 0.5).
* Direction: ``flow_warp_feats(ref_feats, flow)`` gives ``out(p) = ref_feats(p + flow(p))``: the
  flow of the pair (current, reference) maps a pixel of the current frame to its position in the
  reference frame, so warping reference features aligns them with the current frame.
* Init: MMTracking's ``ConvModule`` default, ``kaiming_normal_`` (``fan_out``; ``leaky_relu`` with
  slope 0.1 for layers followed by LeakyReLU, ``relu`` gain otherwise) and zero biases. In practice
  the weights come from the pretrained FlowNet checkpoint MMTracking's configs load.

Deliberate differences:

* ``out_indices`` other than MMTracking's default ``(2, 3, 4, 5, 6)`` raise ``ValueError``
  (MMTracking accepts them but its decoder then fails on channel counts).
* MMTracking zeroes the padding of every pair with the size of the first image; here each pair
  uses its own ``image_sizes`` entry (same result for MMTracking's batch size 1).
* ``flow_warp_feats`` resizes the flow to exactly the feature size and scales x and y by their own
  size ratios; MMTracking uses one scale factor (width ratio) for both, which is the same whenever
  it does not fail with a shape mismatch.
* MMTracking normalises the sampling grid with ``x / W * 2 - 1`` and ``align_corners=True``, so a
  zero flow samples ``x * (W - 1) / W`` (not the identity; up to one pixel off at the right and
  bottom edges). ``mmtrack_compat=True`` (default, to match MMTracking's checkpoints) keeps this;
  ``mmtrack_compat=False`` makes zero flow the exact identity.
"""

import re
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from detectron2.layers import Conv2d, ConvTranspose2d
from torch import nn

__all__ = ["FlowNetSimple", "flow_warp_feats", "MMTRACK_KEY_MAP", "mmtrack_key_to_d2track"]

_LEAKY_SLOPE = 0.1
# encoder stage -> (in_channels, out_channels, kernel size of the strided conv, number of convs)
_ENCODER = {
    1: (6, 64, 7, 1),
    2: (64, 128, 5, 1),
    3: (128, 256, 5, 2),
    4: (256, 512, 3, 2),
    5: (512, 512, 3, 2),
    6: (512, 1024, 3, 2),
}
# decoder level -> (in_channels of predict_flow{level+1} and deconv{level}, deconv out_channels)
# at full width; the in_channels are skip + deconv + 2 (upsampled flow) of the level above, and
# predict_flow takes conv2 (128) + deconv2 (64) + 2 = 194
_DECODER = {5: (1024, 512), 4: (1026, 256), 3: (770, 128), 2: (386, 64)}


def _leaky_relu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, _LEAKY_SLOPE, inplace=True)


def _build_key_map() -> Dict[str, str]:
    """MMTracking ``ConvModule`` names (``<layer>.conv.<param>``) -> this module's names."""
    names = []
    for stage, (_, _, _, num_convs) in _ENCODER.items():
        for j in range(num_convs):
            names += [f"conv{stage}.{j}.weight", f"conv{stage}.{j}.bias"]
    for level in _DECODER:
        names += [
            f"deconv{level}.weight",
            f"predict_flow{level + 1}.weight",
            f"upsample_flow{level}.weight",
        ]
    names.append("predict_flow.weight")
    return {re.sub(r"\.(weight|bias)$", r".conv.\1", name): name for name in names}


#: MMTracking ``FlowNetSimple`` state-dict key (without the ``motion.`` prefix) -> key here.
MMTRACK_KEY_MAP: Dict[str, str] = _build_key_map()


def mmtrack_key_to_d2track(key: str) -> str:
    """Map one MMTracking key (``conv1.0.conv.weight``; optional ``motion.`` prefix kept).

    Raises:
        KeyError: naming the key, if it is not a FlowNetSimple parameter.
    """
    prefix, name = ("motion.", key[len("motion.") :]) if key.startswith("motion.") else ("", key)
    if name not in MMTRACK_KEY_MAP:
        raise KeyError(f"{key!r} is not a parameter of MMTracking's FlowNetSimple")
    return prefix + MMTRACK_KEY_MAP[name]


def _kaiming_init(layer: nn.Module, leaky: bool) -> None:
    nonlinearity, slope = ("leaky_relu", _LEAKY_SLOPE) if leaky else ("relu", 0.0)
    nn.init.kaiming_normal_(layer.weight, a=slope, mode="fan_out", nonlinearity=nonlinearity)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _conv(in_channels: int, out_channels: int, kernel_size: int, stride: int, leaky: bool):
    conv = Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=(kernel_size - 1) // 2,
        bias=leaky,  # encoder convs have biases, flow predictors do not
        activation=_leaky_relu if leaky else None,
    )
    _kaiming_init(conv, leaky)
    return conv


def _deconv(in_channels: int, out_channels: int, leaky: bool) -> nn.ConvTranspose2d:
    deconv = ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False)
    _kaiming_init(deconv, leaky)
    return deconv


class FlowNetSimple(nn.Module):
    """FlowNetSimple (`FlowNet <https://arxiv.org/abs/1504.06852>`_) as in MMTracking.

    Encoder ``conv1`` .. ``conv6`` (``nn.ModuleList`` of convs + LeakyReLU(0.1)); decoder from
    level 5 down to 2: ``predict_flow{l+1}`` (3x3 conv to 2 channels), ``upsample_flow{l}``
    (4x4 transposed conv of that flow) and ``deconv{l}`` (4x4 transposed conv + LeakyReLU),
    concatenated with ``conv{l}``'s output; ``predict_flow`` gives the flow at conv2's stride.
    """

    def __init__(
        self,
        *,
        img_scale_factor: float = 0.5,
        out_indices: Sequence[int] = (2, 3, 4, 5, 6),
        flow_scale_factor: float = 5.0,
        flow_img_norm_std: Sequence[float] = (255.0, 255.0, 255.0),
        flow_img_norm_mean: Sequence[float] = (0.411, 0.432, 0.450),
        pixel_mean: Sequence[float] = (123.675, 116.28, 103.53),
        pixel_std: Sequence[float] = (58.395, 57.12, 57.375),
        width_divisor: int = 1,
        zero_init_flow: bool = False,
    ):
        """
        Args:
            img_scale_factor: resize factor applied to the images before the net.
            out_indices: encoder stages feeding the decoder; only MMTracking's default works.
            flow_scale_factor: multiplies the predicted flow values.
            flow_img_norm_std, flow_img_norm_mean: the net's own normalisation,
                ``pixel / std - mean`` per channel.
            pixel_mean, pixel_std: the detector's normalisation of the input images (0-255
                scale, same channel order as the images), undone before the net's own.
            width_divisor: divides every layer's channels (1: MMTracking's net, 38M
                parameters; 8: 0.6M, for CPU experiments trained from scratch).
            zero_init_flow: zero the flow predictors, so that an untrained net predicts zero
                flow (warping is then the identity) instead of large random flows. For training
                from scratch; MMTracking starts from pretrained FlowNet weights instead.
        """
        super().__init__()
        if tuple(out_indices) != (2, 3, 4, 5, 6):
            raise ValueError(f"out_indices must be (2, 3, 4, 5, 6), got {tuple(out_indices)}")
        self.img_scale_factor = float(img_scale_factor)
        self.flow_scale_factor = float(flow_scale_factor)
        for name, values in (
            ("flow_img_norm_std", flow_img_norm_std),
            ("flow_img_norm_mean", flow_img_norm_mean),
            ("pixel_mean", pixel_mean),
            ("pixel_std", pixel_std),
        ):
            if len(values) != 3:
                raise ValueError(f"{name} must have 3 values, got {list(values)}")
            buf = torch.tensor(values, dtype=torch.float32).repeat(2).view(1, 6, 1, 1)
            self.register_buffer(name, buf, persistent=False)

        if width_divisor < 1 or any(c % width_divisor for _, c, _, _ in _ENCODER.values()):
            raise ValueError(f"width_divisor must divide 64 (every width), got {width_divisor}")
        width = {stage: cout // width_divisor for stage, (_, cout, _, _) in _ENCODER.items()}
        width[0] = 6  # the image pair
        for stage, (_, _, kernel, num_convs) in _ENCODER.items():
            cin, cout = width[stage - 1], width[stage]
            convs = [_conv(cin, cout, kernel, 2, True)]
            convs += [_conv(cout, cout, 3, 1, True) for _ in range(1, num_convs)]
            self.add_module(f"conv{stage}", nn.ModuleList(convs))
        cin = width[6]
        for level, (_, cout) in _DECODER.items():
            cout //= width_divisor
            self.add_module(f"predict_flow{level + 1}", _conv(cin, 2, 3, 1, False))
            self.add_module(f"upsample_flow{level}", _deconv(2, 2, False))
            self.add_module(f"deconv{level}", _deconv(cin, cout, True))
            cin = width[level] + cout + 2  # skip + deconv + upsampled flow
        self.predict_flow = _conv(cin, 2, 3, 1, False)
        if zero_init_flow:
            for name, module in self.named_modules():
                if name.startswith("predict_flow"):
                    nn.init.zeros_(module.weight)

    def prepare_images(
        self, imgs: torch.Tensor, image_sizes: Optional[Sequence[Tuple[int, int]]] = None
    ) -> torch.Tensor:
        """Re-normalise, zero the padding and resize ``(N, 6, H, W)`` image pairs.

        Returns:
            Tensor ``(N, 6, h, w)``, ``h = floor(H * img_scale_factor)``.
        """
        if imgs.dim() != 4 or imgs.shape[1] != 6:
            raise ValueError(f"imgs must be (N, 6, H, W) image pairs, got {tuple(imgs.shape)}")
        flow_img = (imgs * self.pixel_std + self.pixel_mean) / self.flow_img_norm_std
        flow_img = flow_img - self.flow_img_norm_mean
        if image_sizes is not None:
            if len(image_sizes) != len(imgs):
                raise ValueError(
                    f"image_sizes has {len(image_sizes)} entries for {len(imgs)} pairs"
                )
            sizes = torch.as_tensor(image_sizes, device=imgs.device).view(-1, 2, 1, 1)
            rows = torch.arange(imgs.shape[2], device=imgs.device).view(1, -1, 1)
            cols = torch.arange(imgs.shape[3], device=imgs.device).view(1, 1, -1)
            valid = (rows < sizes[:, 0]) & (cols < sizes[:, 1])  # (N, H, W)
            flow_img = flow_img * valid[:, None].to(flow_img.dtype)
        return F.interpolate(
            flow_img, scale_factor=self.img_scale_factor, mode="bilinear", align_corners=False
        )

    def forward(
        self, imgs: torch.Tensor, image_sizes: Optional[Sequence[Tuple[int, int]]] = None
    ) -> torch.Tensor:
        """
        Args:
            imgs: ``(N, 6, H, W)``, ``torch.cat((current, reference), dim=1)`` of images
                normalised with ``pixel_mean`` / ``pixel_std``.
            image_sizes: optional valid ``(height, width)`` of each pair; pixels beyond it (the
                ImageList padding) are set to zero after re-normalisation, as MMTracking does.

        Returns:
            Tensor ``(N, 2, H_o, W_o)``: flow in input-image pixels (x then y displacement),
            ``H_o = 4 / img_scale_factor * (height of conv2's output)``.
        """
        x = self.prepare_images(imgs, image_sizes)
        skips = {}
        for stage in _ENCODER:
            for conv in getattr(self, f"conv{stage}"):
                x = conv(x)
            skips[stage] = x
        concat = skips[6]
        for level in _DECODER:
            target = skips[level]
            flow = getattr(self, f"predict_flow{level + 1}")(concat)
            upflow = _crop_like(getattr(self, f"upsample_flow{level}")(flow), target)
            deconv = _leaky_relu(getattr(self, f"deconv{level}")(concat))
            concat = torch.cat((target, _crop_like(deconv, target), upflow), dim=1)
        flow = self.predict_flow(concat)
        upscale = 4 / self.img_scale_factor
        flow = F.interpolate(flow, scale_factor=upscale, mode="bilinear", align_corners=False)
        return flow * (upscale * self.flow_scale_factor)


def _crop_like(x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Crop ``x`` (N, C, H, W) to the bottom-right-cut spatial size of ``target``."""
    return x[:, :, : target.shape[2], : target.shape[3]]


def flow_warp_feats(
    x: torch.Tensor, flow: torch.Tensor, *, mmtrack_compat: bool = True
) -> torch.Tensor:
    """Warp features with a flow: ``out(p) = x(p + flow(p))``, bilinear, border padding.

    Args:
        x: ``(N, C, H, W)`` features (of the reference frames).
        flow: ``(N, 2, H_f, W_f)`` flow in pixels of its own resolution (x then y); resized
            bilinearly (``align_corners=False``) to ``(H, W)`` with its x values scaled by
            ``W / W_f`` and its y values by ``H / H_f``.
        mmtrack_compat: normalise the sampling grid as MMTracking (``x / W * 2 - 1`` with
            ``align_corners=True``, so zero flow samples ``x * (W - 1) / W``); False makes zero
            flow the exact identity.

    Returns:
        Tensor ``(N, C, H, W)``.
    """
    if x.dim() != 4 or flow.dim() != 4 or flow.shape[1] != 2 or flow.shape[0] != x.shape[0]:
        raise ValueError(
            f"expected x (N, C, H, W) and flow (N, 2, H_f, W_f), got {tuple(x.shape)} and "
            f"{tuple(flow.shape)}"
        )
    height, width = x.shape[-2:]
    flow_h, flow_w = flow.shape[-2:]
    if (flow_h, flow_w) != (height, width):
        flow = F.interpolate(flow, size=(height, width), mode="bilinear", align_corners=False)
        ratio = flow.new_tensor([width / flow_w, height / flow_h]).view(1, 2, 1, 1)
        flow = flow * ratio
    ys = torch.arange(height, dtype=flow.dtype, device=flow.device).view(-1, 1).expand(-1, width)
    xs = torch.arange(width, dtype=flow.dtype, device=flow.device).view(1, -1).expand(height, -1)
    grid = torch.stack((xs, ys))[None] + flow  # (N, 2, H, W) sampling positions in pixels
    if mmtrack_compat:
        denom = flow.new_tensor([width, height])
    else:
        denom = flow.new_tensor([max(width - 1, 1), max(height - 1, 1)])
    grid = grid.permute(0, 2, 3, 1) / denom * 2 - 1
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
