"""The short CPU schedule of the synthetic experiments: 400 iterations of SGD from scratch.

lr 0.01 (0.02 diverged on the 256-px synthetic videos), weight decay 1e-4, 50 warm-up iterations,
cosine decay to 2%, gradient norm clipped at 35 as MMTracking's VID schedule; one evaluation at
the end, checkpoints every 200 iterations; seed 0 so that runs compare.
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import CosineParamScheduler

train = get_config("common/train.py").train
train.max_iter = 400
train.seed = 0
train.eval_period = 400
train.log_period = 20
train.checkpointer.period = 200
train.grad_clip = dict(max_norm=35.0, norm_type=2.0)

optimizer = get_config("common/optim.py").SGD
optimizer.lr = 0.01
optimizer.weight_decay = 1e-4

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(CosineParamScheduler)(start_value=1.0, end_value=0.02),
    warmup_length=50 / train.max_iter,
    warmup_factor=0.01,
)
