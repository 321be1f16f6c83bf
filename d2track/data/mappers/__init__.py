"""Mappers: dataset samples -> model inputs, one per task family; shapes in each docstring."""

from .common import annotations_to_instances, map_clip, read_frames
from .video import VideoTestMapper, VideoTrainMapper, match_instance_ids

__all__ = [
    "VideoTrainMapper",
    "VideoTestMapper",
    "annotations_to_instances",
    "map_clip",
    "match_instance_ids",
    "read_frames",
]
