"""Tracktor on MOT15 half-val with MOTChallenge's public detections (refined by the box head):
``tracktor_faster_rcnn_r50_fpn_mot15_halfval_private.py`` with ``model.public_detections``, as
MMTracking 0.x's ``tracktor_faster-rcnn_r50_fpn_4e_mot15-public-half.py``.
"""

from d2track.config import get_config

from .tracktor_faster_rcnn_r50_fpn_mot15_halfval_private import model

_exp = get_config("common/mot15_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model.public_detections = _exp.public_detections
