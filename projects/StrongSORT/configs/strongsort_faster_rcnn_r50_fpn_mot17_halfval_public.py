"""StrongSORT on MOT17 half-val with MOTChallenge's public detections (refined by the box head):
``strongsort_faster_rcnn_r50_fpn_mot17_halfval_private.py`` with ``model.public_detections``.
"""

from d2track.config import get_config

from .strongsort_faster_rcnn_r50_fpn_mot17_halfval_private import model

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model.public_detections = _exp.public_detections
