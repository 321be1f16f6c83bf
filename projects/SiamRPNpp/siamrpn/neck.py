"""SiamRPN++ neck: per-level 1x1 conv + BN to a common width, and the template centre crop."""

from detectron2.layers import Conv2d, get_norm
from torch import nn

__all__ = ["ChannelMapperNeck", "center_crop"]


def center_crop(feature, size):
    """The central ``size`` x ``size`` window of a feature map, with MMTracking's indices.

    ``left = (W - size) // 2`` is computed from the width and used for both axes (as
    ``SiamRPN.forward_template``): a 15x15 template map gives rows and columns 4 .. 10.

    Args:
        feature (Tensor): (N, C, H, W).
        size (int): output side.

    Returns:
        Tensor: (N, C, size, size), a view.
    """
    left = (feature.shape[3] - size) // 2
    return feature[:, :, left : left + size, left : left + size]


class ChannelMapperNeck(nn.Module):
    """MMDetection's ``ChannelMapper`` as SiamRPN++ configures it (``kernel_size=1``,
    ``norm_cfg=BN``, ``act_cfg=None``): one 1x1 conv (no bias) + BN per level, no activation.
    Also crops template features (:meth:`crop_template`)."""

    def __init__(self, *, in_channels, out_channels=256, center_size=7, norm="BN"):
        """
        Args:
            in_channels (list[int]): channels of each level, e.g. [512, 1024, 2048].
            out_channels (int): output channels of every level.
            center_size (int): side of the template crop (MMTracking's ``center_size``).
            norm (str): Detectron2 norm name.
        """
        super().__init__()
        self.convs = nn.ModuleList(
            Conv2d(c, out_channels, 1, bias=False, norm=get_norm(norm, out_channels))
            for c in in_channels
        )
        self.out_channels = out_channels
        self.center_size = center_size

    def forward(self, features):
        """
        Args:
            features (list[Tensor]): per level (N, C_i, H, W).

        Returns:
            list[Tensor]: per level (N, out_channels, H, W).
        """
        if len(features) != len(self.convs):
            raise ValueError(f"{len(features)} feature levels for {len(self.convs)} convs")
        return [conv(x) for conv, x in zip(self.convs, features)]

    def crop_template(self, features):
        """Centre crop of each level (after the convs, as MMTracking).

        Args:
            features (list[Tensor]): per level (N, C, H, W), e.g. H = W = 15.

        Returns:
            list[Tensor]: per level (N, C, center_size, center_size).
        """
        return [center_crop(x, self.center_size) for x in features]
