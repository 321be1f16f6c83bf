"""Train the MOT16 pedestrian detector on ``mot16_half_train``; bbox AP on ``mot16_half_val``.

MMTracking 0.x's ``faster-rcnn_r50_fpn_4e_mot16-half`` (the detector of its Tracktor MOT16
half-val results): ``faster_rcnn_r50_fpn_4e_mot15_halftrain.py`` on MOT16's half splits (the
MOT17 sequences, one copy each; MOT16-05 is 640 x 480). ``EPOCH_ITERS``: 2,664 half-train frames
of MOT16's 7 training sequences // 16; recompute it from the sample count the train loader logs.
"""

from detectron2.config import LazyCall as L
from fvcore.common.param_scheduler import MultiStepParamScheduler

from .faster_rcnn_r50_fpn_4e_mot15_halftrain import (  # noqa
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

EPOCH_ITERS = 166
dataloader.train.dataset.dataset_dicts.names = "mot16_half_train"
dataloader.test.dataset_dicts.names = "mot16_half_val"
train.max_iter = 4 * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = 4 * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[3 * EPOCH_ITERS], num_updates=4 * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
