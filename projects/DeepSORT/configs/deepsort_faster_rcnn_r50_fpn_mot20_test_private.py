"""DeepSORT on MOT20 test (private detections) for a MOTChallenge submission
(``configs/common/mot20_test_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_8e_mot20_train.py`` and the classifier-free ResNet-50 ReID
model), with the tracker settings of MMTracking 0.x's DeepSORT MOT20 configs
(``deepsort_faster-rcnn_fpn_8e_mot20-private-half.py``: MOT17's).
"""

from d2track.config import get_config

_exp = get_config("common/mot20_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").deepsort
model.reid = _exp.reid
