"""MMTracking 0.x's VID training schedule (SELSA, FGFA, DFF, Temporal RoI Align).

SGD lr 0.01 for 8 images per iteration, momentum 0.9, weight decay 1e-4, gradient norm clipped at
35; linear warm-up from 1/3 over 500 iterations; lr x 0.1 after epochs 2 and 5 of 7 (Temporal RoI
Align; SELSA/FGFA/DFF's "1x" is the same schedule). MMTracking counts epochs; Detectron2 counts
iterations: ``EPOCH_ITERS`` is ``len(train set) // total_batch_size``, 14,000 for about 112k
samples (15 frames of each of the 3,862 train videos from the FGFA lists plus about 54k DET
images) at 8 images. Recompute it from the sample count the train loader logs if your converted
sets or batch size differ.
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

EPOCH_ITERS = 14000
EPOCHS = 7

train = get_config("common/train.py").train
train.max_iter = EPOCHS * EPOCH_ITERS
train.grad_clip = dict(max_norm=35.0, norm_type=2.0)
train.checkpointer.period = EPOCH_ITERS
train.eval_period = EPOCHS * EPOCH_ITERS

optimizer = get_config("common/optim.py").SGD
optimizer.lr = 0.01
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1, 0.01],
        milestones=[2 * EPOCH_ITERS, 5 * EPOCH_ITERS],
        num_updates=7 * EPOCH_ITERS,
    ),
    warmup_length=500 / train.max_iter,
    warmup_method="linear",
    warmup_factor=1.0 / 3,
)
