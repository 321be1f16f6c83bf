"""Video meta-architectures."""

from .video_rcnn import VideoRCNN

__all__ = ["VideoRCNN"]
