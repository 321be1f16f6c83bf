"""Trackers: ``update(Instances) -> Instances`` with ``.ID``; ``reset()`` per video."""

from .base import BaseTracker, check_detections, select_tracked
from .matching import embedding_cost, forbid_class_mismatch, iou_cost, linear_assignment

__all__ = [
    "BaseTracker",
    "check_detections",
    "select_tracked",
    "linear_assignment",
    "iou_cost",
    "embedding_cost",
    "forbid_class_mismatch",
]
