"""Train the MOT17 pedestrian detector on all of ``mot17_train`` (for ``mot17_test`` submissions).

The schedule of ``faster_rcnn_r50_fpn_4e_mot17_halftrain.py`` over twice the frames (5,316 // 16 =
332 iterations per epoch). Its periodic evaluation on ``mot17_half_val`` (frames it trains on) is a
sanity check only, as in MMTracking's full-train configs.
"""

from detectron2.config import LazyCall as L
from fvcore.common.param_scheduler import MultiStepParamScheduler

from .faster_rcnn_r50_fpn_4e_mot17_halftrain import (  # noqa
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

EPOCH_ITERS = 332
dataloader.train.dataset.dataset_dicts.names = "mot17_train"
train.max_iter = 4 * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = 4 * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[3 * EPOCH_ITERS], num_updates=4 * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
