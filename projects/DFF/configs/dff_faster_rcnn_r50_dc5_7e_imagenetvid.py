"""DFF with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

DFF's modules (``configs/common/dff.py``) on the ImageNet VID experiment
(``configs/common/vid_imagenet.py``), as MMTracking 0.x's
``configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py``. Initialise the backbone from
ImageNet and the flow net from FlowNet weights (see the README).
"""

from d2track.config import get_config

from .common.dff import dff

_exp = dff(get_config("common/vid_imagenet.py"))
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
