"""Train the MOT20 pedestrian detector on ``mot20_half_train``; bbox AP on ``mot20_half_val``.

MMTracking 0.x's ``faster-rcnn_r50_fpn_8e_mot20-half`` (the detector of its SORT, DeepSORT and
Tracktor MOT20 half-val results): the R50-FPN detector and SGD recipe of
``faster_rcnn_r50_fpn_4e_mot17_halftrain.py`` (``common/mot_schedule.py``: lr 0.02 for 16 images,
100 warm-up iterations) for 8 epochs, lr x 0.1 after epoch 6, on ``common/data/mot20.py``'s
loaders. MMTracking clips MOT20's boxes to the image (``clip_border=True``), as Detectron2 always
does. ``EPOCH_ITERS``: 4,468 half-train frames (MOT20-01, -02, -03, -05 of 429, 2,782, 2,405 and
3,315 frames, cut after frame ``n // 2 + 1``) // 16, from the sequence lengths MOTChallenge
publishes (not checked against the data here); recompute it from the sample count the train
loader logs.
"""

from detectron2.config import LazyCall as L
from fvcore.common.param_scheduler import MultiStepParamScheduler

from d2track.config import get_config
from d2track.evaluation import VIDEvaluator

EPOCH_ITERS = 279
EPOCHS = 8

dataloader = get_config("common/data/mot20.py").dataloader
dataloader.evaluator = L(VIDEvaluator)(dataset_name="${..test.dataset_dicts.names}")
_schedule = get_config("common/mot_schedule.py")
train, optimizer, lr_multiplier = _schedule.train, _schedule.optimizer, _schedule.lr_multiplier
model = get_config("common/models/faster_rcnn_r50_fpn_mot.py").model

train.max_iter = EPOCHS * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = EPOCHS * EPOCH_ITERS
lr_multiplier.scheduler = L(MultiStepParamScheduler)(
    values=[1.0, 0.1], milestones=[6 * EPOCH_ITERS], num_updates=EPOCHS * EPOCH_ITERS
)
lr_multiplier.warmup_length = 100 / train.max_iter
