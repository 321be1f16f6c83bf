"""RoI heads of Temporal RoI Align: SELSA's RoI heads with temporal RoI features for key RoIs.

Reproduces how MMTracking 0.x ``SelsaRoIHead`` calls the ``TemporalRoIAlign`` extractor
(open-mmlab/mmtracking, ``mmtrack/models/roi_heads/selsa_roi_head.py``, config
``configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py``).

Conventions (as MMTracking):
    * Key RoIs: pooled by ``box_pooler``, then :class:`TemporalRoIAlign` with the key image's
      reference feature maps of the LAST feature in ``box_in_features`` (MMTracking uses
      ``ref_x[-1]``; its TRoI config has a single stride-16 level).
    * Reference RoIs: plain ``box_pooler`` features (no temporal alignment), as MMTracking.
    * Which reference maps: the reference frames in training (the key frame is not among them),
      the memory frames at test, which in MMTracking's test memory include the key frame itself.
      Both are chosen by the meta-architecture; without references the key image is its own
      single reference (see :class:`d2track.modeling.roi_heads.VideoROIHeads`).
"""

from typing import Dict, List, Tuple

import torch
from detectron2.structures import Boxes
from torch import nn

from d2track.modeling.roi_heads import VideoROIHeads

__all__ = ["TemporalRoIAlignROIHeads"]


class TemporalRoIAlignROIHeads(VideoROIHeads):
    """:class:`VideoROIHeads` whose key RoI features come from Temporal RoI Align."""

    def __init__(self, *, temporal_roi_align: nn.Module, **kwargs):
        """
        Args:
            temporal_roi_align: a :class:`TemporalRoIAlign` (its channels are the pooled ones).
            kwargs: arguments of ``StandardROIHeads``.
        """
        super().__init__(**kwargs)
        self.temporal_roi_align = temporal_roi_align

    def _pool_box_features(
        self,
        features: Dict[str, torch.Tensor],
        key_boxes: List[Boxes],
        ref_features: Dict[str, torch.Tensor],
        ref_boxes: List[Boxes],
        num_refs: List[int],
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """As :meth:`VideoROIHeads._pool_box_features`, key RoIs temporally aligned."""
        key_roi, ref_roi = super()._pool_box_features(
            features, key_boxes, ref_features, ref_boxes, num_refs
        )
        ref_maps = ref_features[self.box_in_features[-1]]
        key_roi = self.temporal_roi_align(key_roi, ref_maps, [len(b) for b in key_boxes], num_refs)
        return key_roi, ref_roi
