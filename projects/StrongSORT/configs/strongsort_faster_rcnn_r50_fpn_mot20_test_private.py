"""StrongSORT on MOT20 test (private detections) for a MOTChallenge submission
(``configs/common/mot20_test_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_8e_mot20_train.py`` and the classifier-free ResNet-50 ReID
model), with the tracker settings the authors use on MOT20 (their MOT17 ones:
``python strong_sort.py MOT20 test --BoT --ECC --NSA --EMA --MC --woC``).
"""

from d2track.config import get_config

from .common.strongsort import tracker

_exp = get_config("common/mot20_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = tracker
model.reid = _exp.reid
