"""Train a DanceTrack dancer detector on ``dancetrack_train``; bbox AP on ``dancetrack_val``.

MMTracking 0.x has no DanceTrack detector: this is its MOT17 recipe
(``faster_rcnn_r50_fpn_4e_mot17_halftrain.py``: R50-FPN from COCO, SGD lr 0.02 for 16 images, 4
epochs, lr x 0.1 after epoch 3) on ``common/data/dancetrack.py``'s loaders. Its
``model_final.pth`` is the ``model.detector_weights`` of ``projects/*/configs/*_dancetrack_val.py``.
``EPOCH_ITERS`` assumes 41,796 training frames (40 videos of DanceTrack's about 105k frames in
100), // 16: a figure not checked against the data here; recompute it from the sample count the
train loader logs.
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

EPOCH_ITERS = 2612
_evaluator = dataloader.evaluator
dataloader = get_config("common/data/dancetrack.py").dataloader
dataloader.evaluator = _evaluator
train.max_iter = 4 * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = 4 * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[3 * EPOCH_ITERS], num_updates=4 * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
