"""A tiny CPU version of ``reid_r50_6e_mot17.py`` on the synthetic pedestrians' crops.

Same model structure, losses, sampler (8 identities x 4 crops) and evaluation, shrunk to train
from scratch on CPU in minutes on ``synthetic_reid_train`` (185 identities, 4,350 crops cut from
``synthetic_mot_train``; ``synthetic_reid_val``: 97 other identities, 2,312 crops):

* a ResNet-18-style backbone (BasicBlock, one block per stage, widths 16/32/64/128, BN);
* 128x64 crops (height x width); head fc 128 -> 128 (+ BN1d + ReLU) -> 128-d embedding;
* BGR input with the ImageNet mean/std, as the other synthetic configs;
* ``configs/common/cpu_schedule_400it.py`` (SGD lr 0.01, 50 warm-up iterations, cosine decay,
  seed 0, one evaluation at the end).
"""

from detectron2.config import LazyCall as L
from detectron2.modeling.backbone import ResNet
from detectron2.modeling.backbone.resnet import BasicBlock

from d2track.config import get_config

dataloader = get_config("common/data/reid.py").dataloader
dataloader.train.dataset.name = "synthetic_reid_train"
dataloader.test.dataset.name = "synthetic_reid_val"
dataloader.train.mapper.update(height=128, width=64, image_format="BGR")
dataloader.train.num_workers = 2
dataloader.test.num_workers = 2

schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/reid_r50.py").model
# the tiny synthetic detector's ResNet (res2..res4: 16/32/64 wide) plus a 128-wide res5
model.backbone = get_config("common/models/faster_rcnn_tiny_synthetic.py").model.backbone.bottom_up
model.backbone.stages.append(
    L(ResNet.make_stage)(
        block_class=BasicBlock,
        num_blocks=1,
        stride_per_block=[2],
        in_channels=64,
        out_channels=128,
        norm="BN",
    )
)
model.backbone.out_features = ["res5"]
model.head.update(in_channels=128, fc_channels=128, num_classes=185)
model.pixel_mean = [103.53, 116.28, 123.675]
model.pixel_std = [57.375, 57.12, 58.395]
model.crop_size = (128, 64)
model.input_format = "BGR"
