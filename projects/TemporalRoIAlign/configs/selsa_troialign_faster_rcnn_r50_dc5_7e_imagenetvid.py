"""Temporal RoI Align on SELSA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

Temporal RoI Align's modules (``configs/common/troi.py``) on SELSA's ImageNet VID config
(``projects/SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py``: its model, data and
schedule), as MMTracking 0.x's ``configs/vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_
dc5_7e_imagenetvid.py``.
"""

from detectron2.config import LazyConfig

from .common.troi import temporal_roi_align

_selsa = LazyConfig.load_rel("../../SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py")
train, optimizer, lr_multiplier = _selsa.train, _selsa.optimizer, _selsa.lr_multiplier
dataloader, model = _selsa.dataloader, temporal_roi_align(_selsa.model)
