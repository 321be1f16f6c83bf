"""AFLink's link model: is tracklet 2 the continuation of tracklet 1?

The architecture of the StrongSORT authors' ``AFLink/model.py`` (``PostLinker``): each tracklet
is a (30, 3) sequence of normalised ``(frame, x, y)`` rows (:mod:`.aflink_data`), seen as a
1-channel image of 30 x 3 pixels. One temporal module per side (the earlier and the later
tracklet have their own weights) applies four blocks of a (7, 1) convolution along time (1 ->
32 -> 64 -> 128 -> 256 channels, no padding: 30 -> 24 -> 18 -> 12 -> 6 steps, each of the three
columns convolved separately), a BatchNorm per column (frame, x and y have their own statistics)
and ReLU; a fusion block per side mixes the three columns with a (1, 3) convolution, BatchNorm
and ReLU ((B, 256, 6, 1)); both are averaged to (B, 256), concatenated and classified by
``Linear(512, 128) -> ReLU -> Linear(128, 2)``. Class 1 means "linked".
"""

import torch
from torch import nn

__all__ = ["AFLinkModel", "FusionBlock", "TemporalBlock"]


class TemporalBlock(nn.Module):
    """(B, C, T, 3) -> (B, C', T - 6, 3): a (7, 1) conv, a BatchNorm1d per column, ReLU."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, (7, 1), bias=False)
        self.norms = nn.ModuleList(nn.BatchNorm1d(out_channels) for _ in range(3))

    def forward(self, x):
        x = self.conv(x)
        x = torch.stack([norm(x[..., k]) for k, norm in enumerate(self.norms)], dim=-1)
        return torch.relu(x)


class FusionBlock(nn.Module):
    """(B, C, T, 3) -> (B, C', T, 1): a (1, 3) conv across the columns, BatchNorm2d, ReLU."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, (1, 3), bias=False)
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x)))


def _temporal_module(channels):
    return nn.Sequential(*(TemporalBlock(a, b) for a, b in zip(channels[:-1], channels[1:])))


class AFLinkModel(nn.Module):
    """The AFLink classifier (module docstring).

    Args:
        channels (tuple[int]): channels of the temporal blocks, input first (the authors':
            1, 32, 64, 128, 256); inputs need at least ``6 * (len(channels) - 1) + 1`` rows.
    """

    def __init__(self, *, channels=(1, 32, 64, 128, 256)):
        super().__init__()
        width = channels[-1]
        self.temporal_former = _temporal_module(channels)
        self.temporal_latter = _temporal_module(channels)
        self.fusion_former = FusionBlock(width, width)
        self.fusion_latter = FusionBlock(width, width)
        self.classifier = nn.Sequential(
            nn.Linear(2 * width, width // 2), nn.ReLU(inplace=True), nn.Linear(width // 2, 2)
        )

    def forward(self, former, latter):
        """Link logits of tracklet pairs.

        Args:
            former (Tensor): (B, 1, T, C >= 3) the earlier tracklets (normalised ``frame, x, y``
                first; further columns, e.g. ``w, h``, are ignored, as by the authors).
            latter (Tensor): (B, 1, T, C) the later ones.

        Returns:
            Tensor: (B, 2) logits (not linked, linked); :meth:`link_probability` is the softmax.
        """
        a = self._embed(former[..., :3], self.temporal_former, self.fusion_former)
        b = self._embed(latter[..., :3], self.temporal_latter, self.fusion_latter)
        return self.classifier(torch.cat([a, b], dim=1))

    @staticmethod
    def _embed(x, temporal, fusion):
        return fusion(temporal(x)).mean(dim=(2, 3))

    @torch.no_grad()
    def link_probability(self, former, latter):
        """(B,) probability that each ``latter`` continues its ``former`` (class 1)."""
        return torch.softmax(self.forward(former, latter), dim=1)[:, 1]
