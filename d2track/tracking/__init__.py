"""Trackers: ``update(Instances) -> Instances`` with ``.ID``; ``reset()`` per video."""

from .base import BaseTracker, check_detections, select_tracked

__all__ = ["BaseTracker", "check_detections", "select_tracked"]
