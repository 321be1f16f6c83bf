"""OC-SORT on DanceTrack val (``configs/common/dancetrack_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_4e_dancetrack_train.py``, DanceTrack's official scoring), with
MMTracking's ``ocsort_yolox_x_crowdhuman_mot17-private-half.py`` tracker settings
(``configs/common/trackers.py: ocsort``).
"""

from d2track.config import get_config

_exp = get_config("common/dancetrack_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").ocsort
