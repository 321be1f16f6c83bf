"""Temporal RoI Align's modules, set on a SELSA model: the one place they are stated.

MMTracking 0.x ``configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_
imagenetvid.py``: SELSA's model (``projects/SELSA/configs/common/selsa.py``) whose key RoI
features come from most-similar RoI align (top-2 locations per reference frame, on the
backbone's features) + temporal attention (4 blocks), with 3 SELSA aggregation fcs.
"""

from detectron2.config import LazyCall as L

from d2track.projects.troi import TemporalRoIAlign, TemporalRoIAlignROIHeads


def temporal_roi_align(model):
    """Add Temporal RoI Align to the SELSA ``model`` (a config node), in place, and return it."""
    model.roi_heads._target_ = TemporalRoIAlignROIHeads
    model.roi_heads.temporal_roi_align = L(TemporalRoIAlign)(
        in_channels="${...backbone.out_channels}",
        num_most_similar_points=2,
        num_temporal_attention_blocks=4,
    )
    model.roi_heads.box_head.num_shared_fcs = 3
    return model
