"""Motion models shared by trackers: Kalman filters and camera motion compensation."""

from .cmc import CachedCMC, CameraMotionCompensation, warp_boxes, warp_states
from .kalman_filter import BoxKalmanFilter, KalmanFilter, KalmanFilterXYWH

__all__ = [
    "BoxKalmanFilter",
    "CachedCMC",
    "CameraMotionCompensation",
    "KalmanFilter",
    "KalmanFilterXYWH",
    "warp_boxes",
    "warp_states",
]
