"""OC-SORT on MOT17 test with MOTChallenge's public detections (refined by the box head) for a
MOTChallenge submission: the model of ``ocsort_faster_rcnn_r50_fpn_mot17_test_private.py`` with
``model.public_detections`` (``MOT17/annotations/test_detections.json``, written by
``datasets/prepare_mot.py --convert-det``).
"""

from d2track.config import get_config

from .ocsort_faster_rcnn_r50_fpn_mot17_test_private import model

_exp = get_config("common/mot17_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model.public_detections = get_config("common/mot17_tracking.py").public_detections
