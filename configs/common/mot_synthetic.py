"""The synthetic MOT experiment shared by the SORT, DeepSORT, Tracktor and ByteTrack projects.

``model`` is a :class:`TrackingByDetection` around the tiny 1-class detector of
``configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py`` (train it first; pass its
``model_final.pth`` as ``model.detector_weights``), tracking ``synthetic_mot_val`` frame by
frame, scored by :class:`~d2track.evaluation.MOTEvaluator`. Project configs set
``model.tracker`` (``configs/common/trackers.py``) and, for appearance trackers, ``model.reid =
reid``: the tiny ReID model of ``configs/reid/reid_tiny_400it_synthetic.py`` (its
``model_final.pth`` is ``model.reid_weights``). Training such a config trains the detector alone,
as MMTracking's MOT models do. Weights are as in ``mot17_tracking.py``.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.modeling.meta_arch import TrackingByDetection

_detector = get_config("mot/faster_rcnn_tiny_400it_synthetic_mot.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
dataloader = get_config("common/data/synthetic_mot.py").dataloader

model = L(TrackingByDetection)(detector=_detector.model, tracker=None)
reid = get_config("reid/reid_tiny_400it_synthetic.py").model
