"""Data loaders for MOT17's half splits, as MMTracking 0.x's ``mot_challenge.py`` data config.

Training (the detector): ``mot17_half_train`` frames, resized to fit 1088 x 1088 with a random
scale in [0.8, 1.2] (MMTracking's ``img_scale=(1088, 1088), ratio_range=(0.8, 1.2)``; 1920 x 1080
frames become about 1088 x 612 before the jitter) and flipped; 2 images per GPU. Test:
``mot17_half_val`` frames in video order at 1088 x 612, scored by
:class:`~d2track.evaluation.MOTEvaluator` (TrackEval's MOT17 preprocessing; results also written
as MOTChallenge txt files under ``<output_dir>/mot_results``). Convert the data first with
``datasets/prepare_mot.py --benchmark MOT17 --convert-det`` (see ``datasets/README.md``).
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
        dataset_dicts=L(get_video_dataset_dicts)(names="mot17_half_train"),
        ref_sampler=None,
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[
            L(T.ResizeShortestEdge)(
                short_edge_length=(490, 734), max_size=1306, sample_style="range"
            ),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="BGR",
    ),
    total_batch_size=16,
    num_workers=4,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="mot17_half_val"),
    mapper=L(VideoTestMapper)(
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=612, max_size=1088)],
        image_format="${...train.mapper.image_format}",
    ),
    ref_sampler=None,
    num_workers=4,
)

dataloader.evaluator = L(MOTEvaluator)(
    dataset_name="${..test.dataset_dicts.names}",
    benchmark="MOT17",
    output_dir="${...train.output_dir}",
)
