"""Video data: CocoVID datasets, frame sampling, clip-consistent mappers, samplers, loaders.

Importing this package registers the builtin splits (see :mod:`.datasets.builtin`).
"""

from . import reid  # noqa: F401  (registers the ReID splits)
from .build import (
    build_mixed_train_loader,
    build_video_test_loader,
    get_video_dataset_dicts,
    subset_videos,
)
from .datasets import (
    SHAPE_CLASSES,
    VideoIndex,
    build_video_index,
    load_cocovid_json,
    load_synthetic_shapes,
    register_cocovid_instances,
)
from .distributed_samplers import MixedTrainingSampler, VideoInferenceSampler
from .mappers import VideoTestMapper, VideoTrainMapper
from .mappers.sot import SOTTestMapper, SOTTrainMapper
from .sampling import RefSampler, sample_clip, sample_ref_frames, sample_sot_pair
from .transforms import augment_clip, transform_clip_annotations
from .video_dataset import SOTPairDataset, VideoFrameDataset

__all__ = [
    "MixedTrainingSampler",
    "RefSampler",
    "SHAPE_CLASSES",
    "SOTPairDataset",
    "SOTTestMapper",
    "SOTTrainMapper",
    "VideoFrameDataset",
    "VideoIndex",
    "VideoInferenceSampler",
    "VideoTestMapper",
    "VideoTrainMapper",
    "augment_clip",
    "build_mixed_train_loader",
    "build_video_index",
    "build_video_test_loader",
    "get_video_dataset_dicts",
    "load_cocovid_json",
    "load_synthetic_shapes",
    "register_cocovid_instances",
    "sample_clip",
    "sample_ref_frames",
    "sample_sot_pair",
    "subset_videos",
    "transform_clip_annotations",
]
