"""Trackers: ``update(Instances) -> Instances`` with ``.ID``; ``reset()`` per video.

See :mod:`d2track.tracking.base` for the contract. The trackers follow MMTracking 0.x's
(``mmtrack/models/trackers``) with their MOT17 configs' settings as defaults.
"""

from .base import BaseTracker, check_detections, select_tracked
from .botsort_tracker import BoTSORTTracker
from .byte_tracker import ByteTracker
from .embedding_tracker import EmbeddingTracker
from .gsi import GaussianSmoothedInterpolation
from .interpolation import InterpolateTracks, interpolate_tracks
from .mask_iou_tracker import MaskIoUTracker
from .masktrack_tracker import MaskTrackRCNNTracker, masktrack_match_scores
from .matching import (
    embedding_cost,
    forbid_class_mismatch,
    iou_cost,
    linear_assignment,
    pairwise_mask_iou,
)
from .ocsort_tracker import OCSORTTracker
from .quasi_dense_tracker import QuasiDenseTracker
from .sort_tracker import DeepSORTTracker, SORTTracker
from .sot import LostDetector, SiameseRPNTracker, SingleObjectTracker
from .strongsort_tracker import StrongSORTTracker
from .tracktor import TracktorTracker

__all__ = [
    "BaseTracker",
    "BoTSORTTracker",
    "ByteTracker",
    "DeepSORTTracker",
    "EmbeddingTracker",
    "GaussianSmoothedInterpolation",
    "InterpolateTracks",
    "LostDetector",
    "MaskIoUTracker",
    "MaskTrackRCNNTracker",
    "OCSORTTracker",
    "QuasiDenseTracker",
    "SORTTracker",
    "SiameseRPNTracker",
    "SingleObjectTracker",
    "StrongSORTTracker",
    "TracktorTracker",
    "check_detections",
    "embedding_cost",
    "forbid_class_mismatch",
    "interpolate_tracks",
    "iou_cost",
    "linear_assignment",
    "masktrack_match_scores",
    "pairwise_mask_iou",
    "select_tracked",
]
