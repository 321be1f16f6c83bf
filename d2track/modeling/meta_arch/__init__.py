"""Video meta-architectures."""

from .track_head_tracking import TrackHeadTracking, one_reference_frame
from .tracking_by_detection import TrackingByDetection
from .video_rcnn import VideoRCNN

__all__ = ["TrackHeadTracking", "TrackingByDetection", "VideoRCNN", "one_reference_frame"]
