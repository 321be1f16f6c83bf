"""SiamRPN++ R50 trained 20 epochs on ImageNet VID + COCO + ImageNet DET pairs: the shared base.

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py`` (open-mmlab/mmtracking
at 29432562), the base of its UAV123, TrackingNet, OTB100 and VOT2018 configs:

* ``model``: ``common/siamrpn.py`` (backbone frozen at first, LaSOT tracker values);
* ``dataloader``: ``configs/common/data/sot_imagenet_coco.py`` (pairs mixed 0.25/0.2/0.55, 28 x 8
  per iteration; ``lasot_test`` with OPE);
* ``optimizer``: SGD lr 0.005, momentum 0.9, weight decay 1e-4 on every parameter (BatchNorm too:
  MMTracking sets no ``norm_decay_mult``), backbone lr x 0.1 (``paramwise_cfg`` ``lr_mult=0.1``);
  gradient norm clipped at 10;
* ``lr_multiplier``: ``SiameseRPNLrUpdaterHook``'s per-epoch factors (5 ``step`` warm-up epochs
  from 0.2x, then ``log`` decay from 1x to 0.1x at epoch 19; :mod:`d2track.projects.siamrpn.
  schedule`);
* ``train.extra_hooks.unfreeze_backbone``: ``SiameseRPNOptimizerHook(backbone_start_train_epoch=
  10, backbone_train_layers=[layer2, layer3, layer4])`` as ``model.backbone.freeze_at = 2`` from
  epoch 10 (0-based) on.

Epochs in iterations: MMTracking draws ``samples_per_epoch=600000`` pairs per epoch, split over
8 GPUs (``DistributedQuotaSampler``: ``ceil(600000 / 8) = 75000`` each) in batches of 28
without dropping the last: ``ceil(75000 / 28) = 2679`` iterations per epoch (the last batch holds
16 pairs; here every batch is 224), ``20 x 2679 = 53580`` iterations. As MMTracking
(``evaluation = dict(interval=1, start=10, save_best='success')``), the test split is scored
after every epoch from the 10th on (``train.eval_period``, ``train.eval_start``) and the best
weights are kept as ``model_best.pth`` (``train.best_checkpoint``, see
:mod:`d2track.engine.eval_hooks`); checkpoints every epoch as MMTracking's
``checkpoint_config``. :func:`set_epoch_iters` changes every epoch-based value at once.

Weights: MMTracking starts the backbone from ``sot_resnet50.model`` (pysot's ImageNet ResNet-50,
``https://download.openmmlab.com/mmtracking/pretrained_weights/sot_resnet50.model``), here
``train.init_checkpoint = checkpoints/sot_resnet50_d2.pth``, that file converted to this model's
``backbone.*`` names (``tools/convert_mmtrack_checkpoint.py sot_resnet50.model
checkpoints/sot_resnet50_d2.pth --method siamrpn --imagenet``); evaluating an MMTracking
SiameseRPN++ checkpoint needs ``tools/convert_mmtrack_checkpoint.py --method siamrpn``.
"""

import torch
from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config as detectron2_config

from d2track.config import get_config
from d2track.projects.siamrpn import (
    BackboneFreezeHook,
    SiameseRPNParamScheduler,
    backbone_lr_params,
)

from .siamrpn import model

EPOCH_ITERS = 2679  # ceil(ceil(600000 / 8 GPUs) / 28 per GPU)
EPOCHS = 20
BACKBONE_START_EPOCH = 10

dataloader = get_config("common/data/sot_imagenet_coco.py").dataloader

optimizer = L(torch.optim.SGD)(
    params=L(backbone_lr_params)(base_lr="${..lr}", backbone_lr_factor=0.1, weight_decay_norm=None),
    lr=0.005,
    momentum=0.9,
    weight_decay=1e-4,
)

lr_multiplier = L(SiameseRPNParamScheduler)(epoch_iters=EPOCH_ITERS)

train = detectron2_config("common/train.py").train
train.seed = 1
train.init_checkpoint = "checkpoints/sot_resnet50_d2.pth"
train.grad_clip = dict(max_norm=10.0, norm_type=2.0)
# frozen stages give no gradient; DDP must not wait for one (MMTracking: the same flag)
train.ddp.find_unused_parameters = True
train.best_checkpoint = dict(metric="sot/success", mode="max")
train.extra_hooks = dict(unfreeze_backbone=L(BackboneFreezeHook)(start_iter=0, freeze_at=2))


def set_epoch_iters(epoch_iters):
    """Set the schedule, checkpoints, evaluations and backbone unfreezing for epochs of
    ``epoch_iters`` iterations (``EPOCHS`` epochs; MMTracking's per-epoch hooks)."""
    lr_multiplier.epoch_iters = train.checkpointer.period = train.eval_period = epoch_iters
    train.max_iter = EPOCHS * epoch_iters
    train.eval_start = BACKBONE_START_EPOCH * epoch_iters  # MMTracking's evaluation start=10
    train.extra_hooks.unfreeze_backbone.start_iter = BACKBONE_START_EPOCH * epoch_iters


set_epoch_iters(EPOCH_ITERS)
