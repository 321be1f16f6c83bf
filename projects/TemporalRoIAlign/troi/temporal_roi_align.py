"""Temporal RoI Align: most-similar RoI align over reference frames + temporal attention.

Reproduces MMTracking 0.x ``TemporalRoIAlign`` (open-mmlab/mmtracking,
``mmtrack/models/roi_heads/roi_extractors/temporal_roi_align.py``; Gong et al., "Temporal ROI
Align for Video Object Recognition", AAAI 2021), as the step applied AFTER plain RoI pooling of the
key RoIs (Detectron2's ``ROIPooler`` does the pooling).

Conventions (as MMTracking, config ``num_most_similar_points=2``,
``num_temporal_attention_blocks=4``, 512 channels):
    * Most-similar RoI align: every cell of every key RoI feature (C-vector) is compared with every
      location of every reference feature map by cosine similarity (both L2-normalised over C).
      For each reference frame the top-k locations are kept, their similarities turned into
      weights by a softmax over the k, and the weighted sum of the (unnormalised) reference
      features at those locations is that frame's most-similar RoI feature.
    * Temporal attention: the key RoI feature and the R most-similar RoI features go through one
      3x3 conv (``embed``, no norm, no activation); per head (channel groups) and cell, the dot
      product of each embedding with the key's embedding, divided by ``sqrt(C / heads)``, is
      softmaxed over the 1 + R frames and weights the (not embedded) features, summed over frames.
      With ``num_temporal_attention_blocks <= 0`` the 1 + R features are averaged instead.

Deliberate differences:
    * Batches: MMTracking handles one key image whose RoIs use all reference maps; here each key
      image's RoIs use only its own references (``roi_counts`` and ``num_refs``).
    * Normalisation uses ``F.normalize`` (norm clamped at 1e-12): an all-zero vector has zero
      similarity to everything instead of NaN.
"""

from typing import Sequence, Tuple

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["TemporalRoIAlign"]


class TemporalRoIAlign(nn.Module):
    """Aggregate pooled key RoI features with most-similar RoI features of reference frames."""

    def __init__(
        self,
        *,
        in_channels: int,
        num_most_similar_points: int = 2,
        num_temporal_attention_blocks: int = 4,
    ):
        """
        Args:
            in_channels: C, channels of the RoI features and feature maps (512 in MMTracking).
            num_most_similar_points: k, locations kept per reference frame and RoI cell.
            num_temporal_attention_blocks: heads of the temporal attention (must divide C);
                <= 0 averages the key and most-similar RoI features instead.
        """
        super().__init__()
        if num_most_similar_points < 1:
            raise ValueError(f"num_most_similar_points must be >= 1, got {num_most_similar_points}")
        self.num_most_similar_points = num_most_similar_points
        self.num_temporal_attention_blocks = num_temporal_attention_blocks
        if num_temporal_attention_blocks > 0:
            if in_channels % num_temporal_attention_blocks != 0:
                raise ValueError(
                    f"in_channels ({in_channels}) must be divisible by "
                    f"num_temporal_attention_blocks ({num_temporal_attention_blocks})"
                )
            self.embed = nn.Conv2d(in_channels, in_channels, 3, padding=1)
        else:
            self.embed = None

    def most_similar_locations(
        self, roi_feats: torch.Tensor, ref_feats: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Top-k most similar reference locations of every RoI cell.

        Args:
            roi_feats: (N, C, h, w) pooled key RoI features.
            ref_feats: (R, C, H, W) reference feature maps.

        Returns:
            weights (N, h, w, R, k), softmax over k of the cosine similarities, and
            indices (N, h, w, R, k) into the flattened H * W locations (row-major), best first.
        """
        n, c, h, w = roi_feats.shape
        r = ref_feats.shape[0]
        query = F.normalize(roi_feats, dim=1).permute(0, 2, 3, 1).reshape(-1, c)
        keys = F.normalize(ref_feats, dim=1).flatten(2)  # (R, C, H*W)
        sim = torch.einsum("qc,rcl->qrl", query, keys)  # (N*h*w, R, H*W)
        k = min(self.num_most_similar_points, sim.shape[-1])
        values, indices = sim.topk(k, dim=2, largest=True)
        return values.softmax(dim=2).view(n, h, w, r, k), indices.view(n, h, w, r, k)

    def most_similar_roi_align(
        self, roi_feats: torch.Tensor, ref_feats: torch.Tensor
    ) -> torch.Tensor:
        """Most-similar RoI features of one key image's RoIs in each of its reference maps.

        Args:
            roi_feats: (N, C, h, w) pooled key RoI features.
            ref_feats: (R, C, H, W) reference feature maps.

        Returns:
            (R, N, C, h, w).
        """
        weights, indices = self.most_similar_locations(roi_feats, ref_feats)
        r, c = ref_feats.shape[:2]
        flat = ref_feats.flatten(2).transpose(1, 2)  # (R, H*W, C)
        frame = torch.arange(r, device=ref_feats.device).view(1, 1, 1, r, 1)
        picked = flat[frame, indices]  # (N, h, w, R, k, C)
        out = (picked * weights.unsqueeze(-1)).sum(dim=4)  # (N, h, w, R, C)
        return out.permute(3, 0, 4, 1, 2).contiguous()

    def temporal_attention(self, x: torch.Tensor, ref_x: torch.Tensor) -> torch.Tensor:
        """Aggregate key RoI features with their most-similar RoI features.

        Args:
            x: (N, C, h, w) key RoI features.
            ref_x: (R, N, C, h, w) most-similar RoI features.

        Returns:
            (N, C, h, w).
        """
        feats = torch.cat((x.unsqueeze(0), ref_x), dim=0)  # (T, N, C, h, w), T = 1 + R
        if self.embed is None:
            return feats.mean(dim=0)
        t, n, c, h, w = feats.shape
        heads = self.num_temporal_attention_blocks
        emb = self.embed(feats.reshape(t * n, c, h, w)).view(t, n, heads, c // heads, h, w)
        logits = (emb * emb[:1]).sum(dim=3, keepdim=True) / float(c / heads) ** 0.5
        weights = logits.softmax(dim=0).expand(-1, -1, -1, c // heads, -1, -1)
        return (feats * weights.reshape(t, n, c, h, w)).sum(dim=0)

    def forward(
        self,
        roi_feats: torch.Tensor,
        ref_feats: torch.Tensor,
        roi_counts: Sequence[int],
        num_refs: Sequence[int],
    ) -> torch.Tensor:
        """
        Args:
            roi_feats: (N, C, h, w) pooled key RoI features, sample-major.
            ref_feats: (R, C, H, W) reference feature maps, sample-major.
            roi_counts: B ints, key RoIs per image (sum N).
            num_refs: B ints, reference maps per image (sum R, each >= 1).

        Returns:
            (N, C, h, w) temporal RoI features.
        """
        roi_counts, num_refs = [int(c) for c in roi_counts], [int(r) for r in num_refs]
        if sum(roi_counts) != roi_feats.shape[0] or sum(num_refs) != ref_feats.shape[0]:
            raise ValueError(
                f"roi_counts={roi_counts} / num_refs={num_refs} do not match "
                f"{roi_feats.shape[0]} RoIs / {ref_feats.shape[0]} reference maps"
            )
        outs = []
        for rois, refs in zip(roi_feats.split(roi_counts), ref_feats.split(num_refs)):
            outs.append(self.temporal_attention(rois, self.most_similar_roi_align(rois, refs)))
        return torch.cat(outs, dim=0) if outs else roi_feats
