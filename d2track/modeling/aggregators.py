"""Feature aggregators of RoI-level video detectors.

:class:`SelsaAggregator` reproduces MMTracking 0.x ``SelsaAggregator``
(open-mmlab/mmtracking, ``mmtrack/models/aggregators/selsa_aggregator.py``), the sequence-level
semantics aggregation of SELSA (Wu et al., ICCV 2019), used by the box heads of SELSA and of
Temporal RoI Align.

Conventions (as MMTracking):
    * Key and reference RoI features go through two separate linear embeddings; the channels are
      split into ``num_attention_blocks`` equal heads.
    * Per head, the similarity is the dot product of the embeddings divided by
      ``sqrt(C / num_attention_blocks)``; a softmax over the reference RoIs gives the weights.
    * The weights mix a third linear transform of the reference features (``ref_fc``); the
      concatenated heads go through an output linear layer (``fc``). No residual, no activation:
      the box head adds the residual.
    * An empty reference set (M = 0) gives ``fc`` of zeros, i.e. the output bias, for every key RoI
      (MMTracking never calls it with M = 0; the box heads avoid it, see ``SelsaBoxHead``).
    * Parameters keep PyTorch's default ``nn.Linear`` initialisation, as MMTracking.
"""

import torch
from torch import nn

__all__ = ["SelsaAggregator"]


class SelsaAggregator(nn.Module):
    """Multi-head attention of key RoI features over reference RoI features (SELSA)."""

    def __init__(self, *, in_channels: int, num_attention_blocks: int = 16):
        """
        Args:
            in_channels: C, the channels of the RoI features (1024 in SELSA and TRoI).
            num_attention_blocks: number of attention heads; must divide ``in_channels``.
        """
        super().__init__()
        if in_channels % num_attention_blocks != 0:
            raise ValueError(
                f"in_channels ({in_channels}) must be divisible by "
                f"num_attention_blocks ({num_attention_blocks})"
            )
        self.in_channels = in_channels
        self.num_attention_blocks = num_attention_blocks
        self.fc_embed = nn.Linear(in_channels, in_channels)
        self.ref_fc_embed = nn.Linear(in_channels, in_channels)
        self.ref_fc = nn.Linear(in_channels, in_channels)
        self.fc = nn.Linear(in_channels, in_channels)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """(K, C) -> (num_attention_blocks, K, C / num_attention_blocks)."""
        return x.reshape(x.shape[0], self.num_attention_blocks, -1).transpose(0, 1)

    def attention_weights(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """Softmax weights of every key RoI over the reference RoIs, per head.

        Args:
            x: (N, C) key RoI features.
            ref_x: (M, C) reference RoI features.

        Returns:
            (num_attention_blocks, N, M); sums to 1 over the last dimension.
        """
        query = self._heads(self.fc_embed(x))
        key = self._heads(self.ref_fc_embed(ref_x))
        scale = query.shape[-1] ** 0.5
        return torch.bmm(query, key.transpose(1, 2)).div(scale).softmax(dim=2)

    def forward(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """Aggregate the reference RoI features for each key RoI.

        Args:
            x: (N, C) key RoI features.
            ref_x: (M, C) reference RoI features.

        Returns:
            (N, C) aggregated features (without the residual).
        """
        if x.dim() != 2 or ref_x.dim() != 2 or x.shape[1] != ref_x.shape[1]:
            raise ValueError(
                f"x and ref_x must be (N, C) and (M, C), got {tuple(x.shape)} and "
                f"{tuple(ref_x.shape)}"
            )
        weights = self.attention_weights(x, ref_x)
        values = self._heads(self.ref_fc(ref_x))
        mixed = torch.bmm(weights, values).transpose(0, 1).reshape(x.shape[0], -1)
        return self.fc(mixed)
