"""Single object trackers: ``init(net, image, boxes)``, then ``track(net, image)`` per frame.

See :mod:`d2track.tracking.sot.base` for the contract (boxes, scores, visibility and the
absent-target convention).
"""

from .base import SingleObjectTracker, sot_instances
from .baselines import StaticBoxTracker, TemplateMatchTracker
from .crop import clip_cxcywh, context_size, crop_and_resize, crop_windows
from .rpn_select import hanning_window, select_boxes, tile_window
from .siamese_rpn import SiameseRPNTracker
from .visibility import VISIBILITY_MODES, LostDetector

__all__ = [
    "LostDetector",
    "SiameseRPNTracker",
    "SingleObjectTracker",
    "StaticBoxTracker",
    "TemplateMatchTracker",
    "VISIBILITY_MODES",
    "clip_cxcywh",
    "context_size",
    "crop_and_resize",
    "crop_windows",
    "hanning_window",
    "tile_window",
    "select_boxes",
    "sot_instances",
]
