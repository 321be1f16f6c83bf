"""Data loaders for MOT20's half splits, as MMTracking 0.x's ``mot_challenge.py`` data config.

Training (the detector): ``mot20_half_train`` frames resized to fit 1088 x 1088 times a random
scale in [0.8, 1.2] (MMTracking's ``img_scale=(1088, 1088), ratio_range=(0.8, 1.2)``,
``keep_ratio=True``: Detectron2's ``ResizeScale`` computes the same size for any frame shape),
flipped; 2 images per GPU. Test: ``mot20_half_val`` in video order, fitted into 1088 x 1088
(``ResizeShortestEdge(1088, max_size=1088)``: the longer side becomes 1088, as MMTracking's test
``Resize``), scored by :class:`~d2track.evaluation.MOTEvaluator` with TrackEval's MOT20
preprocessing (``non_mot_vehicle`` is one more distractor class). MOT20's sequences have several
shapes (1920 x 1080, 1173 x 880, 1654 x 1080, 1920 x 734), hence the shape-independent resizes of
this file, where ``common/data/mot17.py`` states them for 16:9 frames. Convert the data first with
``datasets/prepare_mot.py --benchmark MOT20 --convert-det`` (see ``datasets/README.md``).

MOT15 and MOT16 (``configs/common/mot15_tracking.py``, ``mot16_tracking.py``) use these loaders
with their split names.
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the benchmark splits)
from d2track.data import VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import MOTEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(names="mot20_half_train"),
        ref_sampler=None,
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[
            L(T.ResizeScale)(min_scale=0.8, max_scale=1.2, target_height=1088, target_width=1088),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="BGR",
    ),
    total_batch_size=16,
    num_workers=4,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="mot20_half_val"),
    mapper=L(VideoTestMapper)(
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=1088, max_size=1088)],
        image_format="${...train.mapper.image_format}",
    ),
    ref_sampler=None,
    num_workers=4,
)

dataloader.evaluator = L(MOTEvaluator)(
    dataset_name="${..test.dataset_dicts.names}",
    benchmark="MOT20",
    output_dir="${...train.output_dir}",
)
