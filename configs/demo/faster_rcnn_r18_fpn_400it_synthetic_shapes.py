"""The CPU demo: a small Faster R-CNN (ResNet-18 + FPN, random init) on synthetic shapes.

Trains in a few minutes on 2 CPU cores and reaches a useful bbox AP on ``synthetic_shapes_val``.
``make demo`` runs it through ``tools/lazyconfig_train_net.py``.
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.model_zoo import get_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import CosineParamScheduler

from d2track.config import get_config as get_d2track_config

dataloader = get_d2track_config("common/data/synthetic_shapes.py").dataloader
train = get_config("common/train.py").train
optimizer = get_config("common/optim.py").SGD
model = get_config("common/models/mask_rcnn_fpn.py").model

# ResNet-18 (basic blocks) trained from scratch: BN instead of FrozenBN, nothing frozen.
bottom_up = model.backbone.bottom_up
bottom_up.stages.depth = 18
del bottom_up.stages.stride_in_1x1
bottom_up.stem.norm = bottom_up.stages.norm = "BN"
bottom_up.freeze_at = 0
model.backbone.out_channels = 64
model.proposal_generator.head.in_channels = 64
model.proposal_generator.anchor_generator.sizes = [[16], [32], [64], [128], [256]]
model.proposal_generator.pre_nms_topk = (600, 300)
model.proposal_generator.post_nms_topk = (300, 100)
model.roi_heads.num_classes = 3
model.roi_heads.batch_size_per_image = 64
model.roi_heads.box_head.input_shape = ShapeSpec(channels=64, height=7, width=7)
model.roi_heads.box_head.fc_dims = [256, 256]
model.roi_heads.box_predictor.input_shape = ShapeSpec(channels=256)
for key in ("mask_in_features", "mask_pooler", "mask_head"):
    del model.roi_heads[key]  # boxes only

optimizer.lr = 0.02
optimizer.weight_decay = 1e-4
train.max_iter = 400
train.eval_period = 400
train.log_period = 20
train.checkpointer.period = 200
lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(CosineParamScheduler)(start_value=1.0, end_value=0.02),
    warmup_length=50 / train.max_iter,
    warmup_factor=0.01,
)
