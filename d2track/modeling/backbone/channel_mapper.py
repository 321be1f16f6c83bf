"""MMDetection's ``ChannelMapper`` neck, as MMTracking's VID detectors use it, for Detectron2.

Reproduces ``mmdet/models/necks/channel_mapper.py`` with the single input feature of MMTracking's
``configs/_base_/models/faster_rcnn_r50_dc5.py`` (``in_channels=[2048], out_channels=512,
kernel_size=3``): one ``kernel_size`` x ``kernel_size`` convolution with bias (MMCV's
``ConvModule`` has no norm by default, so ``bias="auto"`` gives a bias) followed by ReLU.

Conventions:
    * Initialisation as MMDetection's: the neck's ``init_cfg`` is Xavier-uniform (gain 1) on every
      ``Conv2d`` with zero bias; ``ConvModule``'s own Kaiming init runs only at construction and is
      overwritten, because the convs sit in a plain ``nn.ModuleList``.
    * The output keeps the bottom-up feature's stride (``padding = (kernel_size - 1) // 2``).
    * Only one input feature: MMDetection's multi-scale inputs and ``extra_convs`` (``num_outs``)
      are not used by any VID config and are not reproduced.
    * The output feature is named ``out_feature`` (default ``"mapped"``, "the channel-mapped
      feature"); RPN and RoI heads read it via ``in_features=["mapped"]``.
"""

import torch.nn.functional as F
from detectron2.layers import Conv2d, ShapeSpec
from detectron2.modeling.backbone import Backbone
from torch import nn

__all__ = ["ChannelMapper"]


class ChannelMapper(Backbone):
    """A bottom-up backbone followed by a conv + ReLU that maps one feature to ``out_channels``."""

    def __init__(self, *, bottom_up, in_feature, out_channels, kernel_size=3, out_feature="mapped"):
        """
        Args:
            bottom_up (Backbone): e.g. a Detectron2 ``ResNet`` whose outputs include ``in_feature``.
            in_feature (str): the bottom-up feature to map, e.g. ``"res5"``.
            out_channels (int): channels of the output (512 in MMTracking's VID configs).
            kernel_size (int): an odd kernel size; 3 as MMTracking.
            out_feature (str): name of the single output feature.
        """
        super().__init__()
        shapes = bottom_up.output_shape()
        if in_feature not in shapes:
            raise ValueError(
                f"ChannelMapper: in_feature {in_feature!r} is not an output of the bottom-up "
                f"backbone (outputs: {sorted(shapes)})"
            )
        if kernel_size % 2 != 1:
            raise ValueError(f"ChannelMapper: kernel_size must be odd, got {kernel_size}")
        self.bottom_up = bottom_up
        self.in_feature = in_feature
        self.out_feature = out_feature
        self.conv = Conv2d(
            shapes[in_feature].channels,
            out_channels,
            kernel_size=kernel_size,
            padding=(kernel_size - 1) // 2,
            bias=True,
        )
        nn.init.xavier_uniform_(self.conv.weight, gain=1.0)
        nn.init.zeros_(self.conv.bias)
        self._out_features = [out_feature]
        self._out_feature_channels = {out_feature: out_channels}
        self._out_feature_strides = {out_feature: shapes[in_feature].stride}

    @property
    def size_divisibility(self):
        return self.bottom_up.size_divisibility

    def forward(self, x):
        """
        Args:
            x (Tensor): images, shape (N, C, H, W).

        Returns:
            dict[str, Tensor]: ``{out_feature: (N, out_channels, H / stride, W / stride)}``.
        """
        feature = self.bottom_up(x)[self.in_feature]
        return {self.out_feature: F.relu(self.conv(feature))}

    def output_shape(self):
        return {
            self.out_feature: ShapeSpec(
                channels=self._out_feature_channels[self.out_feature],
                stride=self._out_feature_strides[self.out_feature],
            )
        }
