"""FGFA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

FGFA's modules (``configs/common/fgfa.py``: FlowNetSimple, embedding aggregator of 512
channels, a 31-frame test window) on the ImageNet VID experiment
(``configs/common/vid_imagenet.py``), as MMTracking 0.x's
``configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py``.
"""

from d2track.config import get_config

from .common.fgfa import fgfa

_exp = fgfa(get_config("common/vid_imagenet.py"))
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
