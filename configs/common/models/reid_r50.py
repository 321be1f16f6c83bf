"""The ReID model of DeepSORT and Tracktor: ResNet-50, global average pooling, fc 1024, 128-d.

MMTracking 0.x ``configs/reid/resnet50_b32x8_MOT17.py`` (``BaseReID``):

* ResNet-50, ``style="pytorch"`` (stride on the 3x3 conv), BN trained, nothing frozen, output of
  the last stage (2048 channels, 8x4 for a 256x128 crop);
* global average pooling; ``LinearReIDHead``: fc 2048 -> 1024 + BN1d + ReLU, fc 1024 -> 128
  (the embedding); BN1d + classifier over the 380 training identities of MOT17's
  ``train_80.txt``; cross-entropy + batch-hard triplet loss (margin 0.3), weights 1 and 1;
* input: RGB with the ImageNet mean/std in 0-255 (``to_rgb=True``): set the mappers'
  ``image_format="RGB"`` (``configs/common/data/reid.py`` does).

MMTracking initialises from MMClassification's ImageNet ResNet-50; here pass torchvision's
ImageNet weights converted as for the VID detectors (``train.init_checkpoint``, see
``configs/reid/reid_r50_6e_mot17.py``).
"""

from detectron2.config import LazyCall as L
from detectron2.modeling.backbone import BasicStem, ResNet

from d2track.modeling.backbone import make_resnet_stages
from d2track.modeling.reid import LinearReIDHead, ReID

model = L(ReID)(
    backbone=L(ResNet)(
        stem=L(BasicStem)(in_channels=3, out_channels=64, norm="BN"),
        stages=L(make_resnet_stages)(depth=50, norm="BN", stride_in_1x1=False),
        out_features=["res5"],
        freeze_at=0,
    ),
    in_features="res5",
    head=L(LinearReIDHead)(
        in_channels=2048,
        num_classes=380,
        num_fcs=1,
        fc_channels=1024,
        out_channels=128,
        norm=True,
        triplet_margin=0.3,
        loss_cls_weight=1.0,
        loss_triplet_weight=1.0,
    ),
    pixel_mean=[123.675, 116.28, 103.53],
    pixel_std=[58.395, 57.12, 57.375],
    crop_size=(256, 128),
    input_format="RGB",
)
