"""Video meta-architectures."""

from .tracking_by_detection import TrackingByDetection
from .video_rcnn import VideoRCNN

__all__ = ["TrackingByDetection", "VideoRCNN"]
