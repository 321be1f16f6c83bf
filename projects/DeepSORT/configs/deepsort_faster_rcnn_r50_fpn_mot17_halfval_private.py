"""DeepSORT on MOT17 half-val with private detections (``configs/common/mot17_tracking.py``) and
the ReID model of ``configs/reid/reid_r50_6e_mot17.py`` (its ``model_final.pth`` is
``model.reid_weights``), as MMTracking 0.x's ``deepsort_faster-rcnn_fpn_4e_mot17-private-half.py``.
"""

from d2track.config import get_config

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").deepsort
model.reid = _exp.reid
