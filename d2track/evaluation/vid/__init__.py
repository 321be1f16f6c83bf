"""Video object detection: COCO bbox AP over every frame (MMTracking 0.x / MMDetection 2)."""

from .evaluator import VIDEvaluator
from .files import VID_MAX_DETS, evaluate_vid_files

__all__ = ["VIDEvaluator", "VID_MAX_DETS", "evaluate_vid_files"]
