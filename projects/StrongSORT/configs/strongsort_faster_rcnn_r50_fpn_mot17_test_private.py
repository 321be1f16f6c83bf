"""StrongSORT on MOT17 test (private detections) for a MOTChallenge submission: the model of
``strongsort_faster_rcnn_r50_fpn_mot17_halfval_private.py`` on
``configs/common/mot17_test_tracking.py``.
"""

from d2track.config import get_config

from .strongsort_faster_rcnn_r50_fpn_mot17_halfval_private import model  # noqa: F401

_exp = get_config("common/mot17_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
