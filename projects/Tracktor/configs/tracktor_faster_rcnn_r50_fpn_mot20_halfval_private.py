"""Tracktor on MOT20 half-val with private detections (``configs/common/mot20_tracking.py``: the
detector of ``configs/mot/faster_rcnn_r50_fpn_8e_mot20_halftrain.py`` and the classifier-free
ResNet-50 ReID model), as MMTracking 0.x's
``tracktor_faster-rcnn_r50_fpn_8e_mot20-private-half.py``: MOT17's tracker, camera motion
compensation and re-identification settings. MMTracking clips MOT20's boxes to the image, as
Detectron2 always does.

MMTracking's weights, converted by ``tools/convert_mmtrack_checkpoint.py`` (``--method
mot_detector``, ``--method reid``; projects/Tracktor/README.md): ``model.detector_weights`` from
``faster-rcnn_r50_fpn_8e_mot20-half_20210805_001244-2c323fd1.pth``, ``model.reid_weights`` from
``reid_r50_6e_mot20_20210803_212426-c83b1c01.pth``.
"""

from d2track.config import get_config

_exp = get_config("common/mot20_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").tracktor
model.reid = _exp.reid
