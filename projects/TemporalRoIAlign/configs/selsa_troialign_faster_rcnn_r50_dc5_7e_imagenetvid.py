"""Temporal RoI Align on SELSA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

MMTracking 0.x ``configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_
imagenetvid.py``: SELSA's model (``projects/SELSA``) whose key RoI features come from most-similar
RoI align (top-2 locations per reference frame) + temporal attention (4 blocks), with 3 SELSA
aggregation fcs.
"""

from detectron2.config import LazyCall as L

from d2track.projects.troi import TemporalRoIAlign, TemporalRoIAlignROIHeads

from ...SELSA.configs.selsa_faster_rcnn_r50_dc5_7e_imagenetvid import (  # noqa: F401
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.roi_heads._target_ = TemporalRoIAlignROIHeads
model.roi_heads.temporal_roi_align = L(TemporalRoIAlign)(
    in_channels=512, num_most_similar_points=2, num_temporal_attention_blocks=4
)
model.roi_heads.box_head.num_shared_fcs = 3
