"""SiamRPN++ head: per-level depthwise cross-correlation branches, summed with learned weights.

Output layout (MMTracking 0.x ``SiameseRPNHead``, kept so that converted weights need no
permutation): the cls map has 2A channels, class-major: channel ``k * A + a`` is class ``k``
(0 background, 1 foreground) of anchor ``a``, i.e. ``view(N, 2, A, H, W)``; the reg map has 4A
channels, coordinate-major: channel ``j * A + a`` is delta ``j`` (dx, dy, dw, dh) of anchor
``a``, i.e. ``view(N, 4, A, H, W)``.
"""

import torch
from detectron2.layers import Conv2d, get_norm
from torch import nn
from torch.nn import functional as F

__all__ = ["CorrelationHead", "SiameseRPNHead", "depthwise_xcorr"]


def depthwise_xcorr(search, kernel):
    """Per-sample, per-channel cross-correlation (no padding, no flip).

    Args:
        search (Tensor): (N, C, Hs, Ws).
        kernel (Tensor): (N, C, Hk, Wk), sample n's kernel correlates with sample n's search.

    Returns:
        Tensor: (N, C, Hs - Hk + 1, Ws - Wk + 1);
        ``out[n, c, i, j] = sum_{u, v} search[n, c, i + u, j + v] * kernel[n, c, u, v]``.
    """
    n, c = kernel.shape[:2]
    out = F.conv2d(
        search.reshape(1, n * c, *search.shape[2:]),
        kernel.reshape(n * c, 1, *kernel.shape[2:]),
        groups=n * c,
    )
    return out.reshape(n, c, *out.shape[2:])


def _conv_norm_relu(in_channels, out_channels, kernel_size, norm):
    return Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        bias=False,
        norm=get_norm(norm, out_channels),
        activation=nn.ReLU(inplace=True),
    )


class CorrelationHead(nn.Module):
    """One branch of one level: 3x3 conv-BN-ReLU on each input (no padding), depthwise
    cross-correlation, 1x1 conv-BN-ReLU, 1x1 conv (with bias)."""

    def __init__(self, *, in_channels, mid_channels, out_channels, kernel_size=3, norm="BN"):
        super().__init__()
        self.kernel_convs = _conv_norm_relu(in_channels, mid_channels, kernel_size, norm)
        self.search_convs = _conv_norm_relu(in_channels, mid_channels, kernel_size, norm)
        self.head_convs = nn.Sequential(
            _conv_norm_relu(mid_channels, mid_channels, 1, norm),
            Conv2d(mid_channels, out_channels, 1),
        )

    def forward(self, kernel, search):
        """
        Args:
            kernel (Tensor): (N, C, 7, 7) template features.
            search (Tensor): (N, C, 31, 31) search features.

        Returns:
            Tensor: (N, out_channels, 25, 25).
        """
        return self.head_convs(
            depthwise_xcorr(self.search_convs(search), self.kernel_convs(kernel))
        )


class SiameseRPNHead(nn.Module):
    """A cls and a reg :class:`CorrelationHead` per level; levels are summed with
    ``softmax(cls_weight)`` / ``softmax(reg_weight)`` (``weighted_sum=True``) or averaged."""

    def __init__(self, *, in_channels, num_anchors=5, kernel_size=3, norm="BN", weighted_sum=True):
        """
        Args:
            in_channels (list[int]): channels of each level (the neck's), e.g. [256] * 3.
            num_anchors (int): A, anchors per location.
            kernel_size (int): of the branches' first convs.
            norm (str): Detectron2 norm name.
            weighted_sum (bool): learned level weights (MMTracking's ``weighted_sum``).
        """
        super().__init__()
        self.num_anchors = num_anchors

        def branches(out_channels):
            return nn.ModuleList(
                CorrelationHead(
                    in_channels=c,
                    mid_channels=c,
                    out_channels=out_channels,
                    kernel_size=kernel_size,
                    norm=norm,
                )
                for c in in_channels
            )

        self.cls_heads = branches(2 * num_anchors)
        self.reg_heads = branches(4 * num_anchors)
        self.weighted_sum = weighted_sum
        if weighted_sum:
            self.cls_weight = nn.Parameter(torch.ones(len(in_channels)))
            self.reg_weight = nn.Parameter(torch.ones(len(in_channels)))

    def forward(self, template_feats, search_feats):
        """
        Args:
            template_feats (list[Tensor]): per level (N, C, 7, 7).
            search_feats (list[Tensor]): per level (N, C, 31, 31).

        Returns:
            tuple[Tensor, Tensor]: cls (N, 2A, 25, 25) and reg (N, 4A, 25, 25) maps, in the
            layout of the module docstring.
        """
        if not len(template_feats) == len(search_feats) == len(self.cls_heads):
            raise ValueError(
                f"{len(template_feats)} template and {len(search_feats)} search levels for "
                f"{len(self.cls_heads)} heads"
            )
        levels = len(self.cls_heads)
        if self.weighted_sum:
            cls_weight, reg_weight = self.cls_weight.softmax(0), self.reg_weight.softmax(0)
        else:
            cls_weight = reg_weight = [1.0 / levels] * levels
        cls, reg = 0, 0
        for i, (z, x) in enumerate(zip(template_feats, search_feats)):
            cls = cls + cls_weight[i] * self.cls_heads[i](z, x)
            reg = reg + reg_weight[i] * self.reg_heads[i](z, x)
        return cls, reg
