"""SELSA box head: shared fully-connected layers with an aggregator after each.

Reproduces MMTracking 0.x ``SelsaBBoxHead`` (open-mmlab/mmtracking,
``mmtrack/models/roi_heads/bbox_heads/selsa_bbox_head.py``) without its class/box outputs, which
Detectron2's ``FastRCNNOutputLayers`` provides: this module plays the role of Detectron2's
``FastRCNNConvFCHead`` (``output_shape`` is a ``ShapeSpec(channels=fc_dim)``).

Conventions (as MMTracking, SELSA config: ``num_shared_fcs=2``; Temporal RoI Align: 3;
``fc_out_channels=1024``, aggregator with 16 attention blocks):
    * RoI features are flattened, then for each shared fc ``i``, with the SAME fc for key and
      reference RoIs::

          x, ref_x = fc_i(x), fc_i(ref_x)
          x = relu(x + aggregator_i(x, ref_x))   # the aggregator sees pre-activation features
          ref_x = relu(ref_x)

    * Shared fcs: Xavier-uniform weights, zero biases (mmdet ``ConvFCBBoxHead``).
    * Parameter names: ``fc1`` ... ``fcK`` as Detectron2's ``FastRCNNConvFCHead`` (MMTracking's
      ``shared_fcs.{k-1}``), ``aggregator.{k-1}.{fc_embed,ref_fc_embed,ref_fc,fc}`` as MMTracking.

Deliberate differences:
    * Batches: MMTracking supports one key image per GPU and lets its RoIs attend to all reference
      RoIs. Here the RoIs are grouped per sample by ``key_counts``/``ref_counts``: the key RoIs of
      sample b attend only to the reference RoIs of sample b.
    * A sample with no reference RoI (its reference proposals are all empty) uses its own key RoIs
      as reference RoIs (they go through the reference path) instead of getting the aggregator's
      bias: MMTracking's test memory always holds the key frame, whose proposals are the key ones.
"""

from typing import Optional, Sequence

import torch
from detectron2.layers import ShapeSpec
from torch import nn
from torch.nn import functional as F

from d2track.modeling.aggregators import SelsaAggregator

__all__ = ["SelsaBoxHead"]


def _counts(counts: Optional[Sequence[int]], total: int, name: str) -> list:
    if counts is None:
        return [total]
    counts = [int(c) for c in counts]
    if sum(counts) != total or min(counts, default=0) < 0:
        raise ValueError(f"{name}={counts} does not add up to the {total} RoIs given")
    return counts


class SelsaBoxHead(nn.Module):
    """Box head whose shared fcs aggregate reference RoI features (SELSA)."""

    def __init__(
        self,
        *,
        input_shape: ShapeSpec,
        num_shared_fcs: int = 2,
        fc_dim: int = 1024,
        num_attention_blocks: int = 16,
    ):
        """
        Args:
            input_shape: shape of one pooled RoI feature (channels, height, width), e.g.
                ``ShapeSpec(channels=512, height=7, width=7)``.
            num_shared_fcs: number of fc + aggregator stages (>= 1).
            fc_dim: output size of every fc (and of the head).
            num_attention_blocks: attention heads of each :class:`SelsaAggregator`.
        """
        super().__init__()
        if num_shared_fcs < 1:
            raise ValueError(f"num_shared_fcs must be >= 1, got {num_shared_fcs}")
        in_dim = input_shape.channels * (input_shape.height or 1) * (input_shape.width or 1)
        self.fcs = []
        for k in range(num_shared_fcs):
            fc = nn.Linear(in_dim if k == 0 else fc_dim, fc_dim)
            nn.init.xavier_uniform_(fc.weight)
            nn.init.zeros_(fc.bias)
            self.add_module(f"fc{k + 1}", fc)
            self.fcs.append(fc)
        self.aggregator = nn.ModuleList(
            SelsaAggregator(in_channels=fc_dim, num_attention_blocks=num_attention_blocks)
            for _ in range(num_shared_fcs)
        )
        self._output_size = fc_dim

    @staticmethod
    def _fill_empty_references(x, ref_x, key_counts, ref_counts):
        """Use the key RoIs of samples without reference RoIs as their references."""
        if all(c > 0 for c in ref_counts):
            return ref_x, ref_counts
        keys, refs = x.split(key_counts), ref_x.split(ref_counts)
        refs = [r if len(r) > 0 else k for k, r in zip(keys, refs)]
        return torch.cat(refs, dim=0), [len(r) for r in refs]

    def forward(
        self,
        x: torch.Tensor,
        ref_x: torch.Tensor,
        key_counts: Optional[Sequence[int]] = None,
        ref_counts: Optional[Sequence[int]] = None,
    ) -> torch.Tensor:
        """
        Args:
            x: (N, C, H, W) (or already flat (N, C*H*W)) key RoI features, sample-major.
            ref_x: (M, C, H, W) reference RoI features, sample-major.
            key_counts: key RoIs per sample (len B, sums to N); None: one sample.
            ref_counts: reference RoIs per sample (len B, sums to M); None: one sample.

        Returns:
            (N, fc_dim) features of the key RoIs.
        """
        key_counts = _counts(key_counts, x.shape[0], "key_counts")
        ref_counts = _counts(ref_counts, ref_x.shape[0], "ref_counts")
        if len(key_counts) != len(ref_counts):
            raise ValueError(
                f"key_counts and ref_counts name {len(key_counts)} and {len(ref_counts)} samples"
            )
        x, ref_x = x.flatten(1), ref_x.flatten(1)
        ref_x, ref_counts = self._fill_empty_references(x, ref_x, key_counts, ref_counts)
        for fc, agg in zip(self.fcs, self.aggregator):
            x, ref_x = fc(x), fc(ref_x)
            keys, refs = x.split(key_counts), ref_x.split(ref_counts)
            aggregated = [agg(k, r) for k, r in zip(keys, refs)]
            x = F.relu(x + torch.cat(aggregated, dim=0)) if aggregated else F.relu(x)
            ref_x = F.relu(ref_x)
        return x

    @property
    def output_shape(self) -> ShapeSpec:
        """``ShapeSpec(channels=fc_dim)``, as Detectron2's box heads."""
        return ShapeSpec(channels=self._output_size)
