"""The DanceTrack val experiment of the SORT, DeepSORT and ByteTrack projects.

``mot20_tracking.py`` on DanceTrack: a :class:`TrackingByDetection` around the detector of
``configs/mot/faster_rcnn_r50_fpn_4e_dancetrack_train.py`` (its ``model_final.pth`` is
``model.detector_weights``), tracking ``dancetrack_val`` with the loaders and official scoring
of ``common/data/dancetrack.py``. ``reid``: the classifier-free ResNet-50 ReID model of
``mot20_tracking.py`` (DanceTrack has no ReID split here: pass e.g. the MOT17 ReID weights, or a
model trained on crops of DanceTrack). DanceTrack has no public detections. MMTracking 0.x has no
DanceTrack configs for these trackers: they keep their MOT17 settings
(``configs/common/trackers.py``).
"""

from d2track.config import get_config

_detector = get_config("mot/faster_rcnn_r50_fpn_4e_dancetrack_train.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
_exp = get_config("common/mot20_tracking.py")
model, reid = _exp.model, _exp.reid
model.detector = _detector.model
dataloader = get_config("common/data/dancetrack.py").dataloader
