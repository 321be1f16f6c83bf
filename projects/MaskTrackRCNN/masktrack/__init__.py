"""MaskTrack R-CNN (Yang et al., ICCV 2019), importable as ``d2track.projects.masktrack``.

The model of MMTracking 0.x ``configs/vis/masktrack_rcnn/``: :class:`MaskTrackRCNN` (Detectron2's
Mask R-CNN + :class:`RoIEmbedHead`, tracked by :class:`~d2track.tracking.MaskTrackRCNNTracker`).
Importing it registers the MMTracking checkpoint rules
(``tools/convert_mmtrack_checkpoint.py --method masktrack``).
"""

from d2track.checkpoint import register_method_rules

from .checkpoint import checkpoint_rules
from .meta_arch import MaskTrackRCNN
from .track_head import RoIEmbedHead, match_logits

__all__ = ["MaskTrackRCNN", "RoIEmbedHead", "checkpoint_rules", "match_logits"]

register_method_rules("masktrack", checkpoint_rules())
