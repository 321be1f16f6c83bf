"""FGFA's embedding aggregator: cosine-similarity weighted sum of (warped) reference features.

Reproduces MMTracking 0.x ``mmtrack/models/aggregators/embed_aggregator.py`` (``EmbedAggregator``,
from `FGFA <https://arxiv.org/abs/1703.10025>`_).

Conventions:

* ``num_convs`` embedding convs (``channels`` -> ``channels``, ``kernel_size``, "same" padding),
  shared by the key and the references; all but the last are followed by ``norm`` and ReLU; a conv
  has a bias only when it has no norm (MMTracking's ``bias='auto'``). Init: ``kaiming_normal_``
  (``fan_out``, ``relu``), zero bias (MMTracking's ``ConvModule`` default).
* Per pixel, the cosine similarity between the key embedding and each reference embedding is
  turned into weights by a softmax over the references; the output is the weighted sum of the
  reference *features* (not embeddings).
* What the references are is the caller's business. MMTracking's FGFA trains with the flow-warped
  features of 2 reference frames (the key frame excluded, ``filter_key_img=True``) and tests with
  the key frame's own features among the references (prepended for adaptive stride, in the middle
  slot for fixed stride).
* MMTracking state-dict keys ``aggregator.embed_convs.{i}.conv.{weight,bias}`` and
  ``aggregator.embed_convs.{i}.{bn,gn}.*`` map to ``embed_convs.{i}.{weight,bias}`` and
  ``embed_convs.{i}.norm.*`` (:func:`mmtrack_key_to_d2track`).

Deliberate difference: embeddings are L2-normalised with the norm clamped at 1e-12 (as
``F.normalize``), so an all-zero embedding gives zero similarity instead of MMTracking's NaN.
"""

import re

import torch
import torch.nn.functional as F
from detectron2.layers import Conv2d, get_norm
from torch import nn

__all__ = ["EmbedAggregator", "mmtrack_key_to_d2track"]


def mmtrack_key_to_d2track(key: str) -> str:
    """Map an MMTracking ``EmbedAggregator`` key (any prefix kept) to this module's key."""
    key = re.sub(r"(embed_convs\.\d+)\.conv\.(weight|bias)$", r"\1.\2", key)
    return re.sub(r"(embed_convs\.\d+)\.(bn|gn)\.", r"\1.norm.", key)


class EmbedAggregator(nn.Module):
    """Aggregate reference feature maps into the key frame's by embedding similarity."""

    def __init__(
        self,
        *,
        num_convs: int = 1,
        channels: int = 256,
        kernel_size: int = 3,
        norm: str = "",
    ):
        """
        Args:
            num_convs: number of embedding convs (> 0).
            channels: channels of the features and of the embedding.
            kernel_size: kernel size of the embedding convs (odd).
            norm: Detectron2 norm name (``get_norm``) after each conv but the last; "" for none.
        """
        super().__init__()
        if num_convs < 1:
            raise ValueError(f"num_convs must be at least 1, got {num_convs}")
        convs = []
        for i in range(num_convs):
            last = i == num_convs - 1
            layer_norm = None if last or not norm else get_norm(norm, channels)
            conv = Conv2d(
                channels,
                channels,
                kernel_size,
                padding=(kernel_size - 1) // 2,
                bias=layer_norm is None,
                norm=layer_norm,
                activation=None if last else F.relu,
            )
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)
            convs.append(conv)
        self.embed_convs = nn.ModuleList(convs)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Unit-length embeddings ``(T, C, H, W)`` of features ``(T, C, H, W)``."""
        for conv in self.embed_convs:
            x = conv(x)
        return F.normalize(x, p=2, dim=1)

    def forward(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """
        Args:
            x: ``(1, C, H, W)`` key-frame features.
            ref_x: ``(T, C, H, W)`` reference features (already warped to the key frame).

        Returns:
            Tensor ``(1, C, H, W)``: ``sum_t w_t * ref_x[t]`` with per-pixel weights
            ``w = softmax_t(cos(embed(x), embed(ref_x[t])))``.
        """
        if x.dim() != 4 or x.shape[0] != 1:
            raise ValueError(f"x must be (1, C, H, W), got {tuple(x.shape)}")
        if ref_x.dim() != 4 or ref_x.shape[1:] != x.shape[1:] or ref_x.shape[0] == 0:
            raise ValueError(
                f"ref_x must be (T>0, C, H, W) matching x {tuple(x.shape)}, "
                f"got {tuple(ref_x.shape)}"
            )
        similarity = (self.embed(ref_x) * self.embed(x)).sum(dim=1, keepdim=True)  # (T, 1, H, W)
        weights = similarity.softmax(dim=0)
        return (ref_x * weights).sum(dim=0, keepdim=True)
