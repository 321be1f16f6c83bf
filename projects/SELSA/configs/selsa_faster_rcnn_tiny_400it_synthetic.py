"""SELSA on the synthetic VID videos with a tiny from-scratch detector: trains on CPU in minutes.

The model of ``selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py`` on ``common/models/
faster_rcnn_tiny_synthetic.py`` (16/32/64-wide ResNet, 128-channel neck, fc 256, 8 attention
heads); data ``common/data/synthetic_vid.py`` (2 references per key in training, 14 + the key at
test). ``make demo`` trains and evaluates it.
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.model_zoo import get_config as get_detectron2_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import CosineParamScheduler

from d2track.config import get_config
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads

dataloader = get_config("common/data/synthetic_vid.py").dataloader
train = get_detectron2_config("common/train.py").train
optimizer = get_detectron2_config("common/optim.py").SGD

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
model._target_ = VideoRCNN
model.memory = L(ReferenceMemory)(mode="adaptive_stride")
model.roi_heads._target_ = VideoROIHeads
model.roi_heads.box_head = L(SelsaBoxHead)(
    input_shape=L(ShapeSpec)(channels=128, height=7, width=7),
    num_shared_fcs=2,
    fc_dim=256,
    num_attention_blocks=8,
)

optimizer.lr = 0.01
optimizer.weight_decay = 1e-4
train.max_iter = 400
train.eval_period = 400
train.log_period = 20
train.checkpointer.period = 200
train.grad_clip = dict(max_norm=35.0, norm_type=2.0)
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(CosineParamScheduler)(start_value=1.0, end_value=0.02),
    warmup_length=50 / train.max_iter,
    warmup_factor=0.01,
)
