"""QDTrack (Pang et al., CVPR 2021), importable as ``d2track.projects.qdtrack``.

The model of MMTracking 0.x ``configs/mot/qdtrack/``: :class:`QDTrack` (Detectron2's Faster
R-CNN + :class:`QuasiDenseEmbedHead`, trained with :class:`MultiPosCrossEntropyLoss` and
:class:`L2Loss` on RoIs sampled by :mod:`.sampling`), tracked by QDTrack's tracker
(``d2track.tracking.quasi_dense_tracker.QuasiDenseTracker``). Importing it registers the
MMTracking checkpoint rules (``tools/convert_mmtrack_checkpoint.py --method qdtrack``).
"""

from d2track.checkpoint import register_method_rules

from .checkpoint import checkpoint_rules
from .embed_head import QuasiDenseEmbedHead
from .losses import L2Loss, MultiPosCrossEntropyLoss, multi_pos_cross_entropy
from .meta_arch import QDTrack
from .sampling import assign_with_gt, instance_balanced_positives, sample_rois

__all__ = [
    "L2Loss",
    "MultiPosCrossEntropyLoss",
    "QDTrack",
    "QuasiDenseEmbedHead",
    "assign_with_gt",
    "checkpoint_rules",
    "instance_balanced_positives",
    "multi_pos_cross_entropy",
    "sample_rois",
]

register_method_rules("qdtrack", checkpoint_rules())
