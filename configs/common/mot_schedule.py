"""MMTracking 0.x's MOT detector schedule (``faster-rcnn_r50_fpn_4e_mot17-half``).

SGD lr 0.02 for 16 images per iteration, momentum 0.9, weight decay 1e-4; linear warm-up from
1/100 over 100 iterations; 4 epochs with lr x 0.1 after epoch 3. ``EPOCH_ITERS`` is the number of
training frames // 16: 166 for MOT17's half-train (2,664 of 5,316 frames); the full-train
configs override it. Recompute it from the sample count the train loader logs if your split or
batch size differ.
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

EPOCH_ITERS = 166
EPOCHS = 4

train = get_config("common/train.py").train
train.max_iter = EPOCHS * EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS
train.eval_period = EPOCHS * EPOCH_ITERS
train.init_checkpoint = (
    "detectron2://COCO-Detection/faster_rcnn_R_50_FPN_3x/137849458/model_final_280758.pkl"
)

optimizer = get_config("common/optim.py").SGD
optimizer.lr = 0.02
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1], milestones=[3 * EPOCH_ITERS], num_updates=EPOCHS * EPOCH_ITERS
    ),
    warmup_length=100 / train.max_iter,
    warmup_method="linear",
    warmup_factor=0.01,
)
