"""Tracktor on MOT20 test with MOTChallenge's public detections (refined by the box head) for a
MOTChallenge submission, as MMTracking 0.x's ``tracktor_faster-rcnn_r50_fpn_8e_mot20-public.py``
(its MOT20 test result): ``tracktor_faster_rcnn_r50_fpn_mot20_test_private.py`` with
``model.public_detections`` (``MOT20/annotations/test_detections.json``). MMTracking's weights:
``faster-rcnn_r50_fpn_8e_mot20_20210804_162232-7fde5e8d.pth`` and
``reid_r50_6e_mot20_20210803_212426-c83b1c01.pth`` (convert them as for half-val).
"""

from d2track.config import get_config

from .tracktor_faster_rcnn_r50_fpn_mot20_test_private import model

_exp = get_config("common/mot20_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model.public_detections = _exp.public_detections
