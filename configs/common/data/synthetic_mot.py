"""Data loaders for the builtin synthetic MOT videos (256x256 frames, 5-15 pedestrians each).

Training (the detector): single frames of ``synthetic_mot_train`` with horizontal flips. Test:
``synthetic_mot_val`` frames in video order, one at a time, without references. The default
evaluator is :class:`~d2track.evaluation.MOTEvaluator` (HOTA, CLEAR, Identity as TrackEval);
detector-only configs switch it to :class:`~d2track.evaluation.VIDEvaluator` (bbox AP).
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the synthetic splits)
from d2track.data import VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import MOTEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_mot_train"),
        ref_sampler=None,
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[L(T.RandomFlip)(horizontal=True)],
        image_format="BGR",
    ),
    total_batch_size=2,
    num_workers=2,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_mot_val"),
    mapper=L(VideoTestMapper)(augmentations=[], image_format="${...train.mapper.image_format}"),
    ref_sampler=None,
    num_workers=2,
)

dataloader.evaluator = L(MOTEvaluator)(
    dataset_name="${..test.dataset_dicts.names}", output_dir="${...train.output_dir}"
)
