"""RoI heads of video detectors: reference-aware RoI heads and the SELSA box head."""

from .selsa_box_head import SelsaBoxHead
from .video_roi_heads import VideoROIHeads

__all__ = ["SelsaBoxHead", "VideoROIHeads"]
