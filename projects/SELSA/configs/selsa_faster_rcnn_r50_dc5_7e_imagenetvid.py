"""SELSA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

SELSA's modules (``configs/common/selsa.py``) on the ImageNet VID experiment
(``configs/common/vid_imagenet.py``), as MMTracking 0.x's
``configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py``. Initialise the backbone from
ImageNet weights (``train.init_checkpoint``, see the README).
"""

from d2track.config import get_config

from .common.selsa import selsa

_exp = get_config("common/vid_imagenet.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, selsa(_exp.model)
