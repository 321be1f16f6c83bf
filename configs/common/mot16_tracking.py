"""The MOT16 half-val experiment (Tracktor, as MMTracking 0.x's ``*_mot16-*-half.py``).

``mot15_tracking.py`` on MOT16: the detector of
``configs/mot/faster_rcnn_r50_fpn_4e_mot16_halftrain.py`` (``model.detector_weights``), tracking
``mot16_half_val``, scored with TrackEval's MOT16 preprocessing (MOT17's distractor classes).
"""

from d2track.config import get_config

_detector = get_config("mot/faster_rcnn_r50_fpn_4e_mot16_halftrain.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
_exp = get_config("common/mot15_tracking.py")
model, reid, public_detections = _exp.model, _exp.reid, _exp.public_detections
dataloader = _exp.dataloader
dataloader.train = _detector.dataloader.train
dataloader.test.dataset_dicts.names = "mot16_half_val"
dataloader.evaluator.benchmark = "MOT16"
