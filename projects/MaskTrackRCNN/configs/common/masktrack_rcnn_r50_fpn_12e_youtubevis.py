"""MaskTrack R-CNN R50-FPN trained 12 epochs on YouTube-VIS: the shared base of the configs.

MMTracking 0.x ``configs/vis/masktrack_rcnn/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py``:

* ``model``: ``masktrack_rcnn_r50_fpn.py``; ``train.init_checkpoint``: MMDetection's COCO Mask
  R-CNN converted with ``tools/convert_mmtrack_checkpoint.py --method masktrack``;
* ``dataloader.train``: key frames of the train split, each with one reference frame drawn
  uniformly within +-100 frames (not the key itself); both resized as one (shorter side 360, longer
  at most 640: MMTracking's ``SeqResize(img_scale=(640, 360), keep_ratio=True)``), flipped
  together with probability 0.5; RGB; bitmask gt; 8 frames per iteration (1 per GPU on 8 GPUs);
* ``dataloader.test``: the valid split at the same size, one frame at a time in video order; the
  YouTube-VIS valid annotations are not public, so :class:`~d2track.evaluation.VISEvaluator`
  only writes ``results.json`` and ``results_submission.zip`` for CodaLab (``format_only``);
* SGD lr 0.00125, momentum 0.9, weight decay 1e-4, gradient norm clipped at 35; linear warm-up
  from 1/3 over 500 iterations; lr x 0.1 after epochs 8 and 11 of 12; a checkpoint every epoch,
  no evaluation during training (MMTracking's ``val_begin=13``).

An epoch is every train frame once in batches of 8 (:func:`set_epoch_iters`;
:func:`use_youtube_vis` sets the year's splits and epoch).
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from detectron2.model_zoo import get_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the builtin splits)
from d2track.data import RefSampler, VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import VISEvaluator

from .masktrack_rcnn_r50_fpn import model

EPOCHS = 12
LR_STEPS = (8, 11)
IMS_PER_BATCH = 8
#: images in each year's train json (one per annotated frame); not checked against the jsons here
TRAIN_FRAMES = {"2019": 61845, "2021": 90160}

_RESIZE = L(T.ResizeShortestEdge)(short_edge_length=360, max_size=640)

dataloader = OmegaConf.create()
dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(names="ytvis_2019_train"),
        ref_sampler=L(RefSampler)(
            method="uniform", num_ref_imgs=1, frame_range=100, filter_key_img=True
        ),
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[_RESIZE, L(T.RandomFlip)(horizontal=True)],
        image_format="RGB",
        mask_format="bitmask",
    ),
    total_batch_size=IMS_PER_BATCH,
    num_workers=2,
)
dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="ytvis_2019_valid"),
    mapper=L(VideoTestMapper)(augmentations=[_RESIZE], image_format="RGB"),
    num_workers=2,
)
dataloader.evaluator = L(VISEvaluator)(
    dataset_name="${..test.dataset_dicts.names}",
    format_only=True,
    output_dir="${...train.output_dir}",
)

optimizer = get_config("common/optim.py").SGD
optimizer.lr = 0.00125
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(values=[1.0, 0.1, 0.01], milestones=[], num_updates=1),
    warmup_length=0.0,
    warmup_factor=1.0 / 3,
    warmup_method="linear",
)

train = get_config("common/train.py").train
train.init_checkpoint = "checkpoints/mask_rcnn_r50_fpn_1x_coco_d2.pth"
train.grad_clip = dict(max_norm=35.0, norm_type=2.0)


def set_epoch_iters(epoch_iters):
    """Set the schedule, checkpoints and the one evaluation for epochs of ``epoch_iters``."""
    train.max_iter = train.eval_period = EPOCHS * epoch_iters
    train.checkpointer.period = epoch_iters
    lr_multiplier.scheduler.milestones = [step * epoch_iters for step in LR_STEPS]
    lr_multiplier.scheduler.num_updates = train.max_iter
    lr_multiplier.warmup_length = 500 / train.max_iter


def use_youtube_vis(year):
    """Train on ``ytvis_<year>_train`` and write ``ytvis_<year>_valid`` results ("2019" or
    "2021"; 40 classes each), with that year's epoch length."""
    dataloader.train.dataset.dataset_dicts.names = f"ytvis_{year}_train"
    dataloader.test.dataset_dicts.names = f"ytvis_{year}_valid"
    set_epoch_iters(-(-TRAIN_FRAMES[year] // IMS_PER_BATCH))


use_youtube_vis("2019")
