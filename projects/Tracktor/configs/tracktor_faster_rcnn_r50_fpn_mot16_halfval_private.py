"""Tracktor on MOT16 half-val with private detections (``configs/common/mot16_tracking.py``: the
detector of ``configs/mot/faster_rcnn_r50_fpn_4e_mot16_halftrain.py`` and the classifier-free
ResNet-50 ReID model), as MMTracking 0.x's
``tracktor_faster-rcnn_r50_fpn_4e_mot16-private-half.py``: MOT17's tracker, camera motion
compensation and re-identification settings.

MMTracking's weights, converted by ``tools/convert_mmtrack_checkpoint.py`` (``--method
mot_detector``, ``--method reid``; projects/Tracktor/README.md): ``model.detector_weights`` from
``faster-rcnn_r50_fpn_4e_mot16-half_20210804_001054-73477869.pth``, ``model.reid_weights`` from
``reid_r50_6e_mot16_20210803_204826-1b3e3cfd.pth``.
"""

from d2track.config import get_config

_exp = get_config("common/mot16_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").tracktor
model.reid = _exp.reid
