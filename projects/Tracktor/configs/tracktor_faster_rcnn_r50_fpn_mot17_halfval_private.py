"""Tracktor, with ECC camera motion compensation and re-identification, on MOT17 half-val with
private detections (``configs/common/mot17_tracking.py``; ``model.reid_weights``: the
``model_final.pth`` of ``configs/reid/reid_r50_6e_mot17.py``), as MMTracking 0.x's
``tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py``.
"""

from d2track.config import get_config

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").tracktor
model.reid = _exp.reid
