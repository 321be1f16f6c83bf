"""Temporal RoI Align (Gong et al., AAAI 2021), importable as ``d2track.projects.troi``.

Importing it registers the MMTracking checkpoint rules of the keys TRoI adds to a Faster R-CNN
(``tools/convert_mmtrack_checkpoint.py --method troi``): the third shared fc, the SELSA
aggregators and the temporal attention's embed conv.
"""

from d2track.checkpoint import Rule, register_method_rules

from .roi_heads import TemporalRoIAlignROIHeads
from .temporal_roi_align import TemporalRoIAlign

__all__ = ["TemporalRoIAlign", "TemporalRoIAlignROIHeads", "checkpoint_rules"]


def checkpoint_rules():
    """MMTracking ``selsa_troialign_*`` keys -> d2track keys (besides the detector's)."""
    roi = r"detector\.roi_head\."
    return (
        Rule(rf"{roi}bbox_head\.shared_fcs\.2\.(weight|bias)", r"roi_heads.box_head.fc3.\1"),
        Rule(
            rf"{roi}bbox_head\.aggregator\.(\d+)\.(fc_embed|ref_fc_embed|ref_fc|fc)\.(weight|bias)",
            r"roi_heads.box_head.aggregator.\1.\2.\3",
        ),
        Rule(
            rf"{roi}bbox_roi_extractor\.embed_network\.conv\.(weight|bias)",
            r"roi_heads.temporal_roi_align.embed.\1",
        ),
    )


register_method_rules("troi", checkpoint_rules())
