"""Trackers: ``update(Instances) -> Instances`` with ``.ID``; ``reset()`` per video.

See :mod:`d2track.tracking.base` for the contract. The trackers follow MMTracking 0.x's
(``mmtrack/models/trackers``) with their MOT17 configs' settings as defaults.
"""

from .base import BaseTracker, check_detections, select_tracked
from .byte_tracker import ByteTracker
from .embedding_tracker import EmbeddingTracker
from .interpolation import InterpolateTracks, interpolate_tracks
from .matching import embedding_cost, forbid_class_mismatch, iou_cost, linear_assignment
from .sort_tracker import DeepSORTTracker, SORTTracker
from .sot import LostDetector, SiameseRPNTracker, SingleObjectTracker
from .tracktor import TracktorTracker

__all__ = [
    "BaseTracker",
    "ByteTracker",
    "DeepSORTTracker",
    "EmbeddingTracker",
    "InterpolateTracks",
    "LostDetector",
    "SORTTracker",
    "SiameseRPNTracker",
    "SingleObjectTracker",
    "TracktorTracker",
    "check_detections",
    "embedding_cost",
    "forbid_class_mismatch",
    "interpolate_tracks",
    "iou_cost",
    "linear_assignment",
    "select_tracked",
]
