"""SELSA (Wu et al., ICCV 2019), importable as ``d2track.projects.selsa``.

SELSA's modules are shared with Temporal RoI Align and live in d2track
(:class:`~d2track.modeling.roi_heads.VideoROIHeads`,
:class:`~d2track.modeling.roi_heads.SelsaBoxHead`); importing this package registers the
MMTracking checkpoint rules of the keys SELSA adds to a Faster R-CNN
(``tools/convert_mmtrack_checkpoint.py --method selsa``).
"""

from d2track.checkpoint import Rule, register_method_rules

__all__ = ["checkpoint_rules"]


def checkpoint_rules():
    """MMTracking ``selsa_*`` keys -> d2track keys (besides the detector's)."""
    return (
        Rule(
            r"detector\.roi_head\.bbox_head\.aggregator\.(\d+)\."
            r"(fc_embed|ref_fc_embed|ref_fc|fc)\.(weight|bias)",
            r"roi_heads.box_head.aggregator.\1.\2.\3",
        ),
    )


register_method_rules("selsa", checkpoint_rules())
