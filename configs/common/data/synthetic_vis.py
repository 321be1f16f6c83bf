"""Data loaders for the builtin synthetic VIS videos (256x256 frames, 1-4 shapes with masks).

MaskTrack R-CNN's YouTube-VIS loaders at the synthetic size: training samples a key frame of
``synthetic_vis_train`` with one reference frame drawn uniformly within +-100 frames (not the key
itself), flips both together, RGB, bitmask gt, 2 frames per iteration; test streams
``synthetic_vis_val`` in video order, one frame at a time, and
:class:`~d2track.evaluation.VISEvaluator` scores YouTube-VIS AP/AR (the official API's numbers)
and writes ``results.json`` to the output folder.
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the synthetic splits)
from d2track.data import RefSampler, VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import VISEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_vis_train"),
        ref_sampler=L(RefSampler)(
            method="uniform", num_ref_imgs=1, frame_range=100, filter_key_img=True
        ),
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[L(T.RandomFlip)(horizontal=True)], image_format="RGB", mask_format="bitmask"
    ),
    total_batch_size=2,
    num_workers=2,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_vis_val"),
    mapper=L(VideoTestMapper)(augmentations=[], image_format="RGB"),
    num_workers=2,
)

dataloader.evaluator = L(VISEvaluator)(
    dataset_name="${..test.dataset_dicts.names}", output_dir="${...train.output_dir}"
)
