"""Tracktor on MOT15 half-val with private detections (``configs/common/mot15_tracking.py``: the
detector of ``configs/mot/faster_rcnn_r50_fpn_4e_mot15_halftrain.py`` and the classifier-free
ResNet-50 ReID model), as MMTracking 0.x's
``tracktor_faster-rcnn_r50_fpn_4e_mot15-private-half.py``: MOT17's tracker, camera motion
compensation and re-identification settings. MOT15 is scored without TrackEval's preprocessing (its
gt has no classes).

MMTracking's weights, converted by ``tools/convert_mmtrack_checkpoint.py`` (``--method
mot_detector``, ``--method reid``; projects/Tracktor/README.md): ``model.detector_weights`` from
``faster-rcnn_r50_fpn_4e_mot15-half_20210804_001040-ae733d0c.pth``, ``model.reid_weights`` from
``reid_r50_6e_mot15_20210803_192157-65b5e2d7.pth``.
"""

from d2track.config import get_config

_exp = get_config("common/mot15_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").tracktor
model.reid = _exp.reid
