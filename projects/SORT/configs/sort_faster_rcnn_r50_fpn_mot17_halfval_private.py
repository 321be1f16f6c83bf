"""SORT on MOT17 half-val with private detections (``configs/common/mot17_tracking.py``), as
MMTracking 0.x's ``sort_faster-rcnn_fpn_4e_mot17-private-half.py``.
"""

from d2track.config import get_config

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").sort
