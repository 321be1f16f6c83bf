"""Motion models shared by trackers: the Kalman filter and camera motion compensation."""

from .cmc import CameraMotionCompensation
from .kalman_filter import KalmanFilter

__all__ = ["CameraMotionCompensation", "KalmanFilter"]
