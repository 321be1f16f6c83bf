"""Train the MOT20 pedestrian detector on all of ``mot20_train`` (for ``mot20_test``).

MMTracking 0.x's ``faster-rcnn_r50_fpn_8e_mot20``: the schedule of
``faster_rcnn_r50_fpn_8e_mot20_halftrain.py`` over all 8,931 training frames (8,931 // 16 = 558
iterations per epoch). Its evaluation on ``mot20_half_val`` (frames it trains on) is a sanity
check only.
"""

from detectron2.config import LazyCall as L
from fvcore.common.param_scheduler import MultiStepParamScheduler

from .faster_rcnn_r50_fpn_8e_mot20_halftrain import (  # noqa
    EPOCHS,
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

EPOCH_ITERS = 558
dataloader.train.dataset.dataset_dicts.names = "mot20_train"
train.max_iter = EPOCHS * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = EPOCHS * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[6 * EPOCH_ITERS], num_updates=EPOCHS * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
