"""The MOT15 half-val experiment (Tracktor, as MMTracking 0.x's ``*_mot15-*-half.py``).

``mot20_tracking.py`` on MOT15: the detector of
``configs/mot/faster_rcnn_r50_fpn_4e_mot15_halftrain.py`` (``model.detector_weights``), tracking
``mot15_half_val`` with the shape-independent loaders of ``common/data/mot20.py``, scored by
:class:`~d2track.evaluation.MOTEvaluator` as TrackEval scores MOT15 (no preprocessing: MOT15's gt
has no classes). ``reid`` (classifier-free, see ``mot20_tracking.py``) and ``public_detections``
(MOT15's ``det.txt``) as there.
"""

from d2track.config import get_config

_detector = get_config("mot/faster_rcnn_r50_fpn_4e_mot15_halftrain.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
_exp = get_config("common/mot20_tracking.py")
model, reid, public_detections = _exp.model, _exp.reid, _exp.public_detections
model.detector = _detector.model
dataloader = _exp.dataloader
dataloader.train = _detector.dataloader.train
dataloader.test.dataset_dicts.names = "mot15_half_val"
dataloader.evaluator.benchmark = "MOT15"
