"""Train the MOT15 pedestrian detector on ``mot15_half_train``; bbox AP on ``mot15_half_val``.

MMTracking 0.x's ``faster-rcnn_r50_fpn_4e_mot15-half`` (the detector of its Tracktor MOT15
half-val results): ``faster_rcnn_r50_fpn_4e_mot17_halftrain.py`` on MOT15's half splits, with the
shape-independent resizes of ``common/data/mot20.py`` (MOT15 mixes 1920 x 1080, 640 x 480 and
1242 x 375 frames). ``EPOCH_ITERS``: 2,758 half-train frames of MOT15's 11 training sequences
(5,500 frames, as MOTChallenge lists them; not checked against the data here) // 16; recompute it
from the sample count the train loader logs.
"""

from detectron2.config import LazyCall as L
from fvcore.common.param_scheduler import MultiStepParamScheduler

from d2track.config import get_config

from .faster_rcnn_r50_fpn_4e_mot17_halftrain import (  # noqa
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

EPOCH_ITERS = 172
_evaluator = dataloader.evaluator
dataloader = get_config("common/data/mot20.py").dataloader
dataloader.evaluator = _evaluator
dataloader.train.dataset.dataset_dicts.names = "mot15_half_train"
dataloader.test.dataset_dicts.names = "mot15_half_val"
train.max_iter = 4 * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = 4 * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[3 * EPOCH_ITERS], num_updates=4 * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
