"""Temporal RoI Align on the synthetic VID videos with the tiny CPU detector of SELSA's config."""

from detectron2.config import LazyCall as L

from d2track.projects.troi import TemporalRoIAlign, TemporalRoIAlignROIHeads

from ...SELSA.configs.selsa_faster_rcnn_tiny_400it_synthetic import (  # noqa: F401
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.roi_heads._target_ = TemporalRoIAlignROIHeads
model.roi_heads.temporal_roi_align = L(TemporalRoIAlign)(
    in_channels=128, num_most_similar_points=2, num_temporal_attention_blocks=4
)
model.roi_heads.box_head.num_shared_fcs = 3
