"""ReID ResNet-50 on MOT17's crops: MMTracking 0.x ``configs/reid/resnet50_b32x8_MOT17.py``.

Model ``configs/common/models/reid_r50.py``, data ``configs/common/data/reid.py``
(``mot17_reid_train`` / ``mot17_reid_val``, from ``datasets/prepare_mot_reid.py``). Schedule:
SGD lr 0.1, momentum 0.9, weight decay 1e-4 (norm layers included), no gradient clipping, for
8 processes x 32 crops (8 identities x 4); linear warm-up from lr/1000 over 1,000 iterations;
6 epochs, lr x 0.1 after epoch 5; evaluation and a checkpoint after every epoch.

MMTracking counts epochs of one 32-crop group per train crop, 8 groups per iteration:
``EPOCH_ITERS = crops in train_80.txt // 8``. 8,400 is an estimate (about 67k train crops with
the converter's defaults); recompute it from ``wc -l datasets/MOT17/reid/meta/train_80.txt``,
and ``model.head.num_classes`` from its largest label + 1 (380 in MMTracking). MOT16 / MOT20:
override the split names and ``num_classes`` (MMTracking: 371 and 1701).

ImageNet initialisation (as the VID configs)::

    tools/convert_mmtrack_checkpoint.py --imagenet resnet50-0676ba61.pth R-50-torchvision.pth
    tools/lazyconfig_train_net.py --num-gpus 8 --config-file configs/reid/reid_r50_6e_mot17.py \\
        train.init_checkpoint=R-50-torchvision.pth

(the ``backbone.bottom_up.*`` keys of that file load into ``model.backbone``).
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config as get_d2_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

from d2track.config import get_config

EPOCH_ITERS = 8400
EPOCHS = 6

dataloader = get_config("common/data/reid.py").dataloader
model = get_config("common/models/reid_r50.py").model

train = get_d2_config("common/train.py").train
train.max_iter = EPOCHS * EPOCH_ITERS
train.eval_period = EPOCH_ITERS
train.checkpointer.period = EPOCH_ITERS

optimizer = get_d2_config("common/optim.py").SGD
optimizer.lr = 0.1
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4
optimizer.params.weight_decay_norm = None  # MMCV decays norm layers too

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1], milestones=[5 * EPOCH_ITERS], num_updates=EPOCHS * EPOCH_ITERS
    ),
    warmup_length=1000 / train.max_iter,
    warmup_method="linear",
    warmup_factor=1.0 / 1000,
)
